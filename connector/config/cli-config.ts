import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ConfigValues } from '../model/ecma.js';
import { ConnectorError } from '../model/ecma.js';
import { schemasDir } from '../runtime/assets.js';
import { FILTER_PARAM, OBJECT_TYPE_PARAM, OBJECT_TYPES, PARAM } from './parse.js';
import type { ObjectTypeName } from './types.js';

/**
 * The CLI's configuration file (schemas/cli-config.schema.json) → the same ConfigValues MIM hands the
 * connector, so both go through parseConfig. One camelCase key per MIM parameter (schemas/parameters.md);
 * `objectTypes` lists the checked object types and `filters.<type>` holds the per-type `$filter`.
 */

type Kind = 'string' | 'secret' | 'path' | 'boolean' | 'integer';

/** CLI key → MIM parameter name and how the value is written. */
export const CLI_KEYS: Readonly<Record<string, { readonly param: string; readonly kind: Kind }>> = {
  apiVersion: { param: PARAM.apiVersion, kind: 'string' },
  tenant: { param: PARAM.tenant, kind: 'string' },
  clientId: { param: PARAM.clientId, kind: 'string' },
  authenticationType: { param: PARAM.authenticationType, kind: 'string' },
  clientSecret: { param: PARAM.clientSecret, kind: 'secret' },
  certificateFile: { param: PARAM.certificateFile, kind: 'path' },
  certificatePassword: { param: PARAM.certificatePassword, kind: 'secret' },
  cloud: { param: PARAM.cloud, kind: 'string' },
  loginEndpoint: { param: PARAM.loginEndpoint, kind: 'string' },
  graphEndpoint: { param: PARAM.graphEndpoint, kind: 'string' },
  proxyUrl: { param: PARAM.proxyUrl, kind: 'string' },
  proxyUserName: { param: PARAM.proxyUserName, kind: 'string' },
  proxyPassword: { param: PARAM.proxyPassword, kind: 'secret' },
  caFile: { param: PARAM.caFile, kind: 'path' },
  httpTimeoutSeconds: { param: PARAM.httpTimeoutSeconds, kind: 'integer' },
  dateTimeFormat: { param: PARAM.dateTimeFormat, kind: 'string' },
  forceChangePasswordNextSignIn: { param: PARAM.forceChangePasswordNextSignIn, kind: 'boolean' },
  invitationRedirectUrl: { param: PARAM.invitationRedirectUrl, kind: 'string' },
  invitationSendMessage: { param: PARAM.invitationSendMessage, kind: 'boolean' },
  invitationMessageText: { param: PARAM.invitationMessageText, kind: 'string' },
  exportConcurrency: { param: PARAM.exportConcurrency, kind: 'integer' },
  writeBudget: { param: PARAM.writeBudget, kind: 'string' },
  logLevel: { param: PARAM.logLevel, kind: 'string' },
  addObjectsFilter: { param: PARAM.addObjectsFilter, kind: 'boolean' },
  runStepDropFile: { param: PARAM.runStepDropFile, kind: 'path' },
};

let validator: ValidateFunction | undefined;

function validate(json: unknown): void {
  validator ??= new Ajv({ allErrors: false, strict: false }).compile(
    JSON.parse(readFileSync(join(schemasDir(), 'cli-config.schema.json'), 'utf8')) as object,
  );
  if (validator(json)) return;
  throw new ConnectorError('ExtensibleExtension', `configuration file: ${describe(validator.errors?.[0])}`, {
    parameter: keyOf(validator.errors?.[0]),
  });
}

function keyOf(e: ErrorObject | undefined): string {
  return e?.instancePath.split('/').filter(Boolean)[0] ?? '';
}

/** The error as "key: what is wrong"; the value is not repeated (it may be a secret). */
function describe(e: ErrorObject | undefined): string {
  if (!e) return 'invalid';
  const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '(top level)';
  if (e.keyword === 'additionalProperties') {
    const extra = String((e.params as { additionalProperty?: string }).additionalProperty);
    return `${where}: unknown key '${extra}'; see schemas/cli-config.schema.json for the keys`;
  }
  if (e.keyword === 'enum') {
    const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues ?? [];
    const what = /^objectTypes\.\d+$/.test(where) ? 'unknown object type' : 'not one of the choices';
    return `${where}: ${what}; use one of ${allowed.join(', ')}`;
  }
  if (e.keyword === 'oneOf' || e.keyword === 'type') {
    const secretKey = Object.entries(CLI_KEYS).some(([k, v]) => v.kind === 'secret' && where === k);
    if (secretKey) return `${where}: must be a string, { "env": "VARIABLE" } or { "file": "path" }`;
  }
  return `${where}: ${e.message ?? 'invalid'}`;
}

function fail(key: string, message: string): never {
  throw new ConnectorError('ExtensibleExtension', `configuration file: ${key}: ${message}`, {
    parameter: key,
  });
}

function secretValue(key: string, v: unknown, env: NodeJS.ProcessEnv, baseDir: string): string {
  if (typeof v === 'string') return v;
  const ref = v as { env?: string; file?: string };
  if (ref.env !== undefined) {
    const value = env[ref.env];
    if (value === undefined || value === '') {
      fail(key, `environment variable ${ref.env} is not set; set it or give the secret another way`);
    }
    return value;
  }
  const file = resolve(baseDir, ref.file ?? '');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    fail(key, `secret file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const value = text.replace(/\r?\n$/, '');
  if (!value) fail(key, `secret file ${file} is empty`);
  return value;
}

/**
 * The CLI config file's JSON → ConfigValues keyed by MIM parameter names. Checks the file against
 * schemas/cli-config.schema.json, resolves secrets given as { env } or { file } and paths relative to
 * `baseDir` (the config file's folder). Throws ConnectorError('ExtensibleExtension') naming the key;
 * parseConfig then checks the values themselves.
 */
export function configValuesFromCliConfig(
  json: unknown,
  env: NodeJS.ProcessEnv,
  baseDir: string,
): ConfigValues {
  validate(json);
  const obj = json as Record<string, unknown>;
  const out: Record<string, { value: string; encrypted?: boolean }> = {};
  for (const [key, spec] of Object.entries(CLI_KEYS)) {
    const v = obj[key];
    if (v === undefined) continue;
    switch (spec.kind) {
      case 'secret':
        out[spec.param] = { value: secretValue(key, v, env, baseDir), encrypted: true };
        break;
      case 'path':
        out[spec.param] = { value: resolve(baseDir, String(v)) };
        break;
      case 'boolean':
        out[spec.param] = { value: v === true ? '1' : '0' };
        break;
      default:
        out[spec.param] = { value: String(v) };
    }
  }
  if (obj.objectTypes !== undefined) {
    const listed = obj.objectTypes as string[];
    for (const t of listed) {
      if (!OBJECT_TYPES.includes(t as ObjectTypeName)) {
        fail('objectTypes', `unknown object type '${t}'; use ${OBJECT_TYPES.join(', ')}`);
      }
    }
    for (const t of OBJECT_TYPES) out[OBJECT_TYPE_PARAM[t]] = { value: listed.includes(t) ? '1' : '0' };
  }
  const filters = (obj.filters ?? {}) as Partial<Record<ObjectTypeName, string>>;
  for (const t of OBJECT_TYPES) {
    const f = filters[t];
    if (f !== undefined) out[FILTER_PARAM[t]] = { value: f };
  }
  if (obj.addObjectsFilter === undefined) {
    const any = Object.values(filters).some((f) => typeof f === 'string' && f.trim() !== '');
    out[PARAM.addObjectsFilter] = { value: any ? '1' : '0' };
  }
  return out;
}
