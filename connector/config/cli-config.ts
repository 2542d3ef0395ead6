import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ConfigValues } from '../model/ecma.js';
import { ConnectorError } from '../model/ecma.js';
import { schemasDir } from '../runtime/assets.js';
import { FILTER_PARAM, OBJECT_TYPE_PARAM, OBJECT_TYPES, PARAM } from './parse.js';
import type { ObjectTypeName } from './types.js';

/**
 * The CLI's configuration file (`--config`, schemas/config.schema.json) → the same ConfigValues MIM
 * hands the connector, so both go through parseConfig. Each key maps 1:1 onto a MIM parameter
 * (schemas/parameters.md); `attributes` and `pageSize` are the CLI's own (MIM keeps them in its schema
 * and run profile). Secrets may come from MIMGRAPH_CLIENT_SECRET, MIMGRAPH_CERTIFICATE_PASSWORD and
 * MIMGRAPH_PROXY_PASSWORD instead of the file; a variable that is set wins over the file.
 */

export const SECRET_ENV = {
  clientSecret: 'MIMGRAPH_CLIENT_SECRET',
  certificatePassword: 'MIMGRAPH_CERTIFICATE_PASSWORD',
  proxyPassword: 'MIMGRAPH_PROXY_PASSWORD',
} as const;

export const DEFAULT_PAGE_SIZE = 100;

/** Config-file key (dotted) → MIM parameter name: the 1:1 table of schemas/parameters.md. */
export const CLI_KEY_PARAM: Readonly<Record<string, string>> = {
  tenant: PARAM.tenant,
  clientId: PARAM.clientId,
  clientSecret: PARAM.clientSecret,
  certificate: PARAM.authenticationType,
  'certificate.file': PARAM.certificateFile,
  'certificate.password': PARAM.certificatePassword,
  cloud: PARAM.cloud,
  loginEndpoint: PARAM.loginEndpoint,
  graphEndpoint: PARAM.graphEndpoint,
  apiVersion: PARAM.apiVersion,
  caFile: PARAM.caFile,
  'proxy.url': PARAM.proxyUrl,
  'proxy.username': PARAM.proxyUserName,
  'proxy.password': PARAM.proxyPassword,
  httpTimeoutSeconds: PARAM.httpTimeoutSeconds,
  dateTimeFormat: PARAM.dateTimeFormat,
  forceChangePasswordNextSignIn: PARAM.forceChangePasswordNextSignIn,
  'invitation.redirectUrl': PARAM.invitationRedirectUrl,
  'invitation.sendMessage': PARAM.invitationSendMessage,
  'invitation.messageText': PARAM.invitationMessageText,
  'export.concurrency': PARAM.exportConcurrency,
  'export.writesPerWindow': PARAM.writeBudget,
  filters: PARAM.addObjectsFilter,
  ...Object.fromEntries(OBJECT_TYPES.map((t) => [`filters.${t}`, FILTER_PARAM[t]])),
};

/** The config key (with where a secret came from) for a MIM parameter name, for error messages. */
export function cliKeyForParam(param: string, env: NodeJS.ProcessEnv = {}): string | undefined {
  const secretKeys: Record<string, [string, string]> = {
    [PARAM.clientSecret]: ['clientSecret', SECRET_ENV.clientSecret],
    [PARAM.certificatePassword]: ['certificate.password', SECRET_ENV.certificatePassword],
    [PARAM.proxyPassword]: ['proxy.password', SECRET_ENV.proxyPassword],
  };
  const secret = secretKeys[param];
  if (secret) return env[secret[1]] ? `${secret[0]} (from ${secret[1]})` : secret[0];
  if (param === PARAM.writeBudget) return 'export.writesPerWindow/export.windowSeconds';
  if (param === PARAM.authenticationType) return 'clientSecret/certificate';
  if (Object.values(OBJECT_TYPE_PARAM).includes(param)) return 'objectTypes';
  for (const [key, p] of Object.entries(CLI_KEY_PARAM)) if (p === param) return key;
  return undefined;
}

/** What the CLI file says: MIM's values plus the CLI's own settings. */
export interface CliConfig {
  readonly values: ConfigValues;
  /** Attributes to keep in the schema, per type (absent: all). */
  readonly attributes: Readonly<Partial<Record<ObjectTypeName, readonly string[]>>>;
  readonly pageSize: number;
}

/** A configuration-file error: `key` is the dotted key at fault. */
export class CliConfigError extends ConnectorError {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super('ExtensibleExtension', `configuration file: ${key}: ${message}`, { parameter: key });
  }
}

let validator: ValidateFunction | undefined;

function validate(json: unknown): void {
  validator ??= new Ajv({ allErrors: false, strict: false }).compile(
    JSON.parse(readFileSync(join(schemasDir(), 'config.schema.json'), 'utf8')) as object,
  );
  if (validator(json)) return;
  const e = validator.errors?.[0];
  throw new CliConfigError(where(e), describe(e));
}

function where(e: ErrorObject | undefined): string {
  if (!e) return '(top level)';
  const path = e.instancePath.slice(1).replace(/\//g, '.');
  if (e.keyword === 'additionalProperties') {
    const extra = String((e.params as { additionalProperty?: string }).additionalProperty);
    return path ? `${path}.${extra}` : extra;
  }
  if (e.keyword === 'required') {
    const missing = String((e.params as { missingProperty?: string }).missingProperty);
    return path ? `${path}.${missing}` : missing;
  }
  return path || '(top level)';
}

/** What is wrong, without repeating the value (it may be a secret). */
function describe(e: ErrorObject | undefined): string {
  if (!e) return 'invalid';
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = String((e.params as { additionalProperty?: string }).additionalProperty);
      return `unknown key '${extra}'; see schemas/config.schema.json for the keys`;
    }
    case 'required':
      return 'is required';
    case 'enum': {
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues ?? [];
      const what = /^\/objectTypes\/\d+$/.test(e.instancePath)
        ? 'unknown object type'
        : 'not one of the choices';
      return `${what}; use one of ${allowed.join(', ')}`;
    }
    case 'type':
      return `must be ${(e.params as { type?: string }).type === 'integer' ? 'a whole number' : `of type ${(e.params as { type?: string }).type}`}`;
    case 'minLength':
      return 'must not be empty';
    default:
      return e.message ?? 'invalid';
  }
}

/**
 * The CLI config file's JSON → ConfigValues keyed by MIM parameter names, plus `attributes` and
 * `pageSize`. Checks the file against schemas/config.schema.json, takes secrets from `env` when set
 * there, resolves paths against `baseDir` (the config file's folder). Throws CliConfigError naming the
 * key; parseConfig then checks the values themselves.
 */
export function loadCliConfig(json: unknown, env: NodeJS.ProcessEnv, baseDir: string): CliConfig {
  validate(json);
  const o = json as {
    tenant: string;
    clientId: string;
    clientSecret?: string;
    certificate?: { file: string; password?: string };
    cloud?: string;
    loginEndpoint?: string;
    graphEndpoint?: string;
    apiVersion?: string;
    caFile?: string;
    proxy?: { url: string; username?: string; password?: string };
    httpTimeoutSeconds?: number;
    objectTypes?: ObjectTypeName[];
    attributes?: Partial<Record<ObjectTypeName, string[]>>;
    filters?: Partial<Record<ObjectTypeName, string>>;
    pageSize?: number;
    dateTimeFormat?: string;
    forceChangePasswordNextSignIn?: boolean;
    invitation?: { redirectUrl?: string; sendMessage?: boolean; messageText?: string };
    export?: { concurrency?: number; writesPerWindow?: number; windowSeconds?: number };
  };
  const out: Record<string, { value: string; encrypted?: boolean }> = {};
  const set = (param: string, value: string | number | boolean | undefined, encrypted = false) => {
    if (value === undefined) return;
    const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
    out[param] = encrypted ? { value: text, encrypted: true } : { value: text };
  };
  const secret = (fromFile: string | undefined, envName: string) => {
    const v = env[envName];
    return v !== undefined && v !== '' ? v : fromFile;
  };

  set(PARAM.tenant, o.tenant);
  set(PARAM.clientId, o.clientId);
  const clientSecret = secret(o.clientSecret, SECRET_ENV.clientSecret);
  if (o.certificate) {
    if (o.clientSecret !== undefined) {
      throw new CliConfigError('certificate', 'give either clientSecret or certificate, not both');
    }
    set(PARAM.authenticationType, 'Certificate');
    set(PARAM.certificateFile, resolve(baseDir, o.certificate.file));
    const pw = secret(o.certificate.password, SECRET_ENV.certificatePassword);
    if (pw !== undefined && pw !== '') set(PARAM.certificatePassword, pw, true);
  } else {
    if (clientSecret === undefined) {
      throw new CliConfigError(
        'clientSecret',
        `no client secret: set ${SECRET_ENV.clientSecret} (preferred), or give clientSecret or certificate`,
      );
    }
    set(PARAM.authenticationType, 'ClientSecret');
    set(PARAM.clientSecret, clientSecret, true);
  }
  set(PARAM.cloud, o.cloud);
  if ((o.loginEndpoint !== undefined || o.graphEndpoint !== undefined) && o.cloud !== 'custom') {
    const key = o.loginEndpoint !== undefined ? 'loginEndpoint' : 'graphEndpoint';
    throw new CliConfigError(key, 'is used only with cloud \'custom\'; set "cloud": "custom" or remove it');
  }
  set(PARAM.loginEndpoint, o.loginEndpoint);
  set(PARAM.graphEndpoint, o.graphEndpoint);
  set(PARAM.apiVersion, o.apiVersion);
  if (o.caFile !== undefined) set(PARAM.caFile, resolve(baseDir, o.caFile));
  if (o.proxy) {
    set(PARAM.proxyUrl, o.proxy.url);
    set(PARAM.proxyUserName, o.proxy.username);
    const pw = secret(o.proxy.password, SECRET_ENV.proxyPassword);
    if (pw !== undefined && pw !== '') set(PARAM.proxyPassword, pw, true);
  }
  set(PARAM.httpTimeoutSeconds, o.httpTimeoutSeconds);
  set(PARAM.dateTimeFormat, o.dateTimeFormat);
  set(PARAM.forceChangePasswordNextSignIn, o.forceChangePasswordNextSignIn);
  set(PARAM.invitationRedirectUrl, o.invitation?.redirectUrl);
  set(PARAM.invitationSendMessage, o.invitation?.sendMessage);
  set(PARAM.invitationMessageText, o.invitation?.messageText);
  set(PARAM.exportConcurrency, o.export?.concurrency);
  const w = o.export?.writesPerWindow;
  const s = o.export?.windowSeconds;
  if (w !== undefined || s !== undefined) set(PARAM.writeBudget, `${w ?? 3000}/${s ?? 150}`);

  const types = o.objectTypes ?? ['user', 'group'];
  if (o.objectTypes !== undefined) {
    for (const t of OBJECT_TYPES) set(OBJECT_TYPE_PARAM[t], types.includes(t));
  }
  const filters = o.filters ?? {};
  for (const t of OBJECT_TYPES) {
    const f = filters[t];
    if (f === undefined) continue;
    if (!types.includes(t)) {
      throw new CliConfigError(
        `filters.${t}`,
        `'${t}' is not in objectTypes; add it there or remove the filter`,
      );
    }
    set(FILTER_PARAM[t], f);
  }
  const anyFilter = Object.values(filters).some((f) => typeof f === 'string' && f.trim() !== '');
  set(PARAM.addObjectsFilter, anyFilter);

  const attributes = o.attributes ?? {};
  for (const t of Object.keys(attributes) as ObjectTypeName[]) {
    if (!types.includes(t)) {
      throw new CliConfigError(
        `attributes.${t}`,
        `'${t}' is not in objectTypes; add it there or remove the list`,
      );
    }
  }
  return { values: out, attributes, pageSize: o.pageSize ?? DEFAULT_PAGE_SIZE };
}

/** Only the ConfigValues of a CLI config file (see loadCliConfig). */
export function configValuesFromCliConfig(
  json: unknown,
  env: NodeJS.ProcessEnv,
  baseDir: string,
): ConfigValues {
  return loadCliConfig(json, env, baseDir).values;
}
