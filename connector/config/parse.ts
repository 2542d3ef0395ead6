import { existsSync, statSync } from 'node:fs';
import { CertificateError, loadClientCertificate } from '../graph/certificate.js';
import { type Cloud, CloudConfigError, resolveCloud } from '../graph/clouds.js';
import { GRAPH_WRITE_BUDGET, type WriteBudget } from '../graph/governor.js';
import { type CertificateStore, normaliseThumbprint } from '../graph/store-certificate.js';
import type { Credential } from '../graph/tokens.js';
import { type ProxySettings, readPemBundle, TransportConfigError } from '../graph/transport.js';
import type { ConfigParameterPage, ConfigValues } from '../model/ecma.js';
import { ConnectorError } from '../model/ecma.js';
import type { ConnectorConfig, LogLevel, ObjectTypeName } from './types.js';

/**
 * The connector's parameters, by name: MIM keys the values by these names (case-sensitively, one
 * namespace across all pages) and shows them as labels in its designer, so they are fixed once and for
 * all. schemas/parameters.md holds the table with the CLI config keys; keep the three in step.
 */
export const PARAM = {
  // Connectivity
  apiVersion: 'Graph API version',
  tenant: 'Tenant',
  clientId: 'Client ID',
  authenticationType: 'Authentication type',
  clientSecret: 'Client secret',
  certificateFile: 'Certificate file',
  certificatePassword: 'Certificate password',
  certificateThumbprint: 'Certificate thumbprint',
  cloud: 'Cloud',
  loginEndpoint: 'Login endpoint',
  graphEndpoint: 'Graph endpoint',
  proxyUrl: 'Proxy URL',
  proxyUserName: 'Proxy user name',
  proxyPassword: 'Proxy password',
  caFile: 'CA file',
  httpTimeoutSeconds: 'HTTP timeout (seconds)',
  // Global
  dateTimeFormat: 'DateTime format',
  forceChangePasswordNextSignIn: 'Force change password at next sign-in',
  invitationRedirectUrl: 'Invitation redirect URL',
  invitationSendMessage: 'Send invitation message',
  invitationMessageText: 'Invitation message text',
  exportConcurrency: 'Export concurrency',
  writeBudget: 'Write budget',
  logLevel: 'Log level',
  /** The bridge's trace log (it reads the value itself; the worker's stderr is forwarded there). */
  logFile: 'Log file',
  // Schema (page 1; the filters are on page 2)
  addObjectsFilter: 'Add objects filter',
  // RunStep
  runStepDropFile: 'Run step drop file',
} as const;

export const OBJECT_TYPES: readonly ObjectTypeName[] = [
  'user',
  'group',
  'contact',
  'servicePrincipal',
  'administrativeUnit',
];

/** Schema page 1: one check box per object type. */
export const OBJECT_TYPE_PARAM: Readonly<Record<ObjectTypeName, string>> = {
  user: 'Object type: user',
  group: 'Object type: group',
  contact: 'Object type: contact',
  servicePrincipal: 'Object type: servicePrincipal',
  administrativeUnit: 'Object type: administrativeUnit',
};

/** Schema page 2: one OData `$filter` per object type. */
export const FILTER_PARAM: Readonly<Record<ObjectTypeName, string>> = {
  user: 'Filter: user',
  group: 'Filter: group',
  contact: 'Filter: contact',
  servicePrincipal: 'Filter: servicePrincipal',
  administrativeUnit: 'Filter: administrativeUnit',
};

/** The parameters whose values are secrets (EncryptedString): never echoed in any message. */
export const SECRET_PARAMS: readonly string[] = [
  PARAM.clientSecret,
  PARAM.certificatePassword,
  PARAM.proxyPassword,
];

export const API_VERSIONS = ['v1.0', 'beta'] as const;
export const AUTHENTICATION_TYPES = ['ClientSecret', 'Certificate', 'CertificateStore'] as const;
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];
export const HTTP_TIMEOUT_RANGE = { min: 1, max: 3600 } as const;
export const EXPORT_CONCURRENCY_RANGE = { min: 1, max: 16 } as const;

/**
 * ISO 8601 in UTC, exactly as Graph writes `Edm.DateTimeOffset` values (`2024-05-01T10:20:30Z`), so an
 * imported value exported again is the same string. Written as a .NET custom format with the `T` and
 * `Z` quoted, so it means the same to .NET and to anybody reading it.
 */
export const DEFAULT_DATETIME_FORMAT = "yyyy-MM-dd'T'HH:mm:ss'Z'";

/** Default values, by parameter name: what a missing value means (and what the pages show first). */
export const DEFAULTS: Readonly<Record<string, string>> = {
  [PARAM.apiVersion]: 'v1.0',
  [PARAM.authenticationType]: 'ClientSecret',
  [PARAM.cloud]: 'global',
  [PARAM.loginEndpoint]: 'https://login.microsoftonline.com',
  [PARAM.graphEndpoint]: 'https://graph.microsoft.com',
  [PARAM.httpTimeoutSeconds]: '100',
  [PARAM.dateTimeFormat]: DEFAULT_DATETIME_FORMAT,
  [PARAM.forceChangePasswordNextSignIn]: '0',
  [PARAM.invitationSendMessage]: '0',
  [PARAM.exportConcurrency]: '4',
  [PARAM.writeBudget]: `${GRAPH_WRITE_BUDGET.writes}/${GRAPH_WRITE_BUDGET.seconds}`,
  [PARAM.logLevel]: 'info',
  [PARAM.addObjectsFilter]: '0',
  [OBJECT_TYPE_PARAM.user]: '1',
  [OBJECT_TYPE_PARAM.group]: '1',
  [OBJECT_TYPE_PARAM.contact]: '0',
  [OBJECT_TYPE_PARAM.servicePrincipal]: '0',
  [OBJECT_TYPE_PARAM.administrativeUnit]: '0',
};

// ---- reading values ------------------------------------------------------------------------

/** Stops with an error naming the parameter, what is wrong and the fix. Never pass a secret's value. */
function fail(param: string, problem: string, fix: string): never {
  throw new ConnectorError('ExtensibleExtension', `Parameter '${param}': ${problem}; ${fix}`, {
    parameter: param,
  });
}

/** The value (trimmed unless a secret), or the default, or ''. */
function raw(values: ConfigValues, name: string): string {
  const v = Object.hasOwn(values, name) ? values[name]?.value : undefined;
  if (v === undefined || v === null) return DEFAULTS[name] ?? '';
  return SECRET_PARAMS.includes(name) ? String(v) : String(v).trim();
}

/** Like raw, but an empty value also means the default (MIM stores '' for an untouched field). */
function valueOrDefault(values: ConfigValues, name: string): string {
  const v = raw(values, name);
  return v === '' ? (DEFAULTS[name] ?? '') : v;
}

function optional(values: ConfigValues, name: string): string | undefined {
  const v = raw(values, name);
  return v === '' ? undefined : v;
}

function checkBox(values: ConfigValues, name: string): boolean {
  const v = valueOrDefault(values, name).toLowerCase();
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false' || v === '') return false;
  return fail(name, `'${v}' is not a check box value`, 'use 1 (checked) or 0 (unchecked)');
}

function choice<T extends string>(values: ConfigValues, name: string, allowed: readonly T[]): T {
  const v = valueOrDefault(values, name);
  const found = allowed.find((a) => a.toLowerCase() === v.toLowerCase());
  if (!found) return fail(name, `'${v}' is not one of the choices`, `choose one of ${allowed.join(', ')}`);
  return found;
}

function integer(values: ConfigValues, name: string, range: { min: number; max: number }, unit = ''): number {
  const v = valueOrDefault(values, name);
  const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
    return fail(
      name,
      `'${v}' is not a whole number from ${range.min} to ${range.max}${unit}`,
      `enter a whole number from ${range.min} to ${range.max} (default ${DEFAULTS[name]})`,
    );
  }
  return n;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i;
const RESERVED_TENANTS = new Set(['common', 'organizations', 'consumers']);

// ---- pages ---------------------------------------------------------------------------------

/** What the host offers parsing beyond the values: MIM's bridge reaches the Windows certificate store. */
export interface ParseOptions {
  /** Certificates kept in the Windows store (`CertificateStore`); only the stdio worker has one. */
  readonly certificateStore?: CertificateStore | undefined;
}

type ConnectivitySettings = Pick<
  ConnectorConfig,
  'apiVersion' | 'tenantId' | 'clientId' | 'credential' | 'cloud' | 'proxy' | 'caFile' | 'httpTimeoutMs'
>;

export function parseConnectivity(values: ConfigValues, options: ParseOptions = {}): ConnectivitySettings {
  const apiVersion = choice(values, PARAM.apiVersion, API_VERSIONS);

  const tenantId = raw(values, PARAM.tenant);
  if (!tenantId) {
    fail(
      PARAM.tenant,
      'no tenant given',
      "enter the directory (tenant) id from the app registration's overview, or a verified domain such as contoso.onmicrosoft.com",
    );
  }
  if (RESERVED_TENANTS.has(tenantId.toLowerCase())) {
    fail(
      PARAM.tenant,
      `'${tenantId}' cannot be used for app sign-in`,
      'enter your own tenant id (GUID) or a verified domain such as contoso.onmicrosoft.com',
    );
  }
  if (!GUID.test(tenantId) && !DOMAIN.test(tenantId)) {
    fail(
      PARAM.tenant,
      `'${tenantId}' is neither a tenant id (GUID) nor a domain name`,
      'enter the directory (tenant) id (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx) or a verified domain such as contoso.onmicrosoft.com',
    );
  }

  const clientId = raw(values, PARAM.clientId);
  if (!GUID.test(clientId)) {
    fail(
      PARAM.clientId,
      clientId ? `'${clientId}' is not a GUID` : 'no client id given',
      "enter the application (client) id from the app registration's overview (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
    );
  }

  const credential = parseCredential(values, options);
  const cloud = parseCloud(values);
  const proxy = parseProxy(values);

  const caFile = optional(values, PARAM.caFile);
  if (caFile) {
    try {
      readPemBundle(caFile);
    } catch (e) {
      fail(
        PARAM.caFile,
        e instanceof TransportConfigError ? e.message : `CA file ${caFile} cannot be read`,
        'give a readable file holding the CA certificate(s) as PEM (Base-64, -----BEGIN CERTIFICATE-----), or clear the setting',
      );
    }
  }

  const httpTimeoutMs = integer(values, PARAM.httpTimeoutSeconds, HTTP_TIMEOUT_RANGE, ' seconds') * 1000;
  return { apiVersion, tenantId, clientId, credential, cloud, proxy, caFile, httpTimeoutMs };
}

function parseCredential(values: ConfigValues, options: ParseOptions): Credential {
  const kind = choice(values, PARAM.authenticationType, AUTHENTICATION_TYPES);
  if (kind === 'CertificateStore') return parseStoreCertificate(values, options);
  if (kind === 'ClientSecret') {
    const secret = raw(values, PARAM.clientSecret);
    if (!secret.trim()) {
      fail(
        PARAM.clientSecret,
        `no client secret given while '${PARAM.authenticationType}' is ClientSecret`,
        "create a secret under the app registration's Certificates & secrets and enter its value (not its id)",
      );
    }
    return { kind: 'secret', secret };
  }
  const path = raw(values, PARAM.certificateFile);
  if (!path) {
    fail(
      PARAM.certificateFile,
      `no certificate file given while '${PARAM.authenticationType}' is Certificate`,
      'enter the path of a PFX/PKCS#12 file, or of a PEM file holding the certificate and its private key',
    );
  }
  if (!existsSync(path) || !statSync(path).isFile()) {
    fail(
      PARAM.certificateFile,
      `certificate file ${path} does not exist`,
      'enter the full path of a PFX or PEM file readable by the synchronization service account',
    );
  }
  const password = optional(values, PARAM.certificatePassword);
  let notAfter: Date;
  try {
    notAfter = loadClientCertificate(path, password).notAfter;
  } catch (e) {
    const text = e instanceof CertificateError ? e.message : `certificate file ${path} cannot be opened`;
    if (/password|mac verify|decrypt/i.test(text)) {
      fail(
        PARAM.certificatePassword,
        `the certificate file ${path} cannot be opened with the given password`,
        'enter the password the PFX/private key was exported with (leave it empty for an unencrypted file)',
      );
    }
    fail(
      PARAM.certificateFile,
      scrub(text, [password]),
      'give a PFX/PKCS#12 file, or a PEM file with the certificate and its private key',
    );
  }
  if (notAfter.getTime() <= Date.now()) {
    fail(
      PARAM.certificateFile,
      `the certificate in ${path} expired on ${notAfter.toISOString()}`,
      'create a new certificate, register it on the app and point this setting to it',
    );
  }
  return { kind: 'certificate', path, password };
}

/** The SHA-1 thumbprint of a certificate in the Windows store, which the bridge signs with. */
function parseStoreCertificate(values: ConfigValues, options: ParseOptions): Credential {
  if (!options.certificateStore) {
    fail(
      PARAM.authenticationType,
      "CertificateStore needs MIM's bridge (the Windows certificate store)",
      `with the CLI use Certificate file: a PFX or PEM file with the certificate and its private key`,
    );
  }
  const given = raw(values, PARAM.certificateThumbprint);
  const thumbprint = normaliseThumbprint(given);
  if (!thumbprint) {
    fail(
      PARAM.certificateThumbprint,
      `no certificate thumbprint given while '${PARAM.authenticationType}' is CertificateStore`,
      'enter the SHA-1 thumbprint of the certificate in LocalMachine\\My (certlm.msc → the certificate → Details → Thumbprint)',
    );
  }
  if (/^[0-9A-F]{64}$/.test(thumbprint)) {
    fail(
      PARAM.certificateThumbprint,
      `'${given}' is a SHA-256 thumbprint`,
      'enter the SHA-1 thumbprint Windows shows (40 hexadecimal digits, spaces and colons allowed)',
    );
  }
  if (!/^[0-9A-F]{40}$/.test(thumbprint)) {
    fail(
      PARAM.certificateThumbprint,
      `'${given}' is not a SHA-1 thumbprint`,
      'enter the 40 hexadecimal digits Windows shows under Details → Thumbprint (spaces and colons allowed)',
    );
  }
  return { kind: 'store', thumbprint, store: options.certificateStore };
}

function parseCloud(values: ConfigValues): Cloud {
  const name = choice(values, PARAM.cloud, ['global', 'usgov', 'usgovdod', 'china', 'custom'] as const);
  if (name !== 'custom') return resolveCloud(name);
  const loginEndpoint = valueOrDefault(values, PARAM.loginEndpoint);
  const graphEndpoint = valueOrDefault(values, PARAM.graphEndpoint);
  try {
    return resolveCloud('custom', { loginEndpoint, graphEndpoint });
  } catch (e) {
    const message = e instanceof CloudConfigError ? e.message : String(e);
    const param = message.startsWith('graphEndpoint') ? PARAM.graphEndpoint : PARAM.loginEndpoint;
    return fail(
      param,
      message.replace(/^(loginEndpoint|graphEndpoint)/, 'the endpoint'),
      `with cloud 'custom' enter an https:// URL such as ${DEFAULTS[param]}`,
    );
  }
}

function parseProxy(values: ConfigValues): ProxySettings | undefined {
  const url = optional(values, PARAM.proxyUrl);
  const username = optional(values, PARAM.proxyUserName);
  const password = optional(values, PARAM.proxyPassword);
  if (!url) {
    if (username !== undefined || password !== undefined) {
      fail(
        PARAM.proxyUrl,
        'a proxy user name or password is set but no proxy URL',
        'enter the proxy URL (http://proxy.example:8080), or clear the proxy user name and password',
      );
    }
    return undefined;
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.hostname) {
    fail(
      PARAM.proxyUrl,
      `'${url}' is not an http:// or https:// URL`,
      'enter it like http://proxy.example:8080',
    );
  }
  if (parsed.username || parsed.password) {
    fail(
      PARAM.proxyUrl,
      'the proxy URL carries credentials',
      `remove them from the URL and use '${PARAM.proxyUserName}' and '${PARAM.proxyPassword}'`,
    );
  }
  if ((parsed.pathname && parsed.pathname !== '/') || parsed.search || parsed.hash) {
    fail(
      PARAM.proxyUrl,
      `'${parsed.origin}${parsed.pathname}' has a path, query or fragment`,
      'enter only scheme, host and port, like http://proxy.example:8080',
    );
  }
  if (password !== undefined && username === undefined) {
    fail(PARAM.proxyUserName, 'a proxy password is set but no user name', 'enter the proxy user name');
  }
  return { url: parsed.origin, username, password };
}

type GlobalSettings = Pick<
  ConnectorConfig,
  | 'dateTimeFormat'
  | 'forceChangePasswordNextSignIn'
  | 'invitation'
  | 'exportConcurrency'
  | 'writeBudget'
  | 'logLevel'
>;

export function parseGlobal(values: ConfigValues): GlobalSettings {
  const dateTimeFormat = valueOrDefault(values, PARAM.dateTimeFormat);
  const problem = checkDateTimeFormat(dateTimeFormat);
  if (problem) {
    fail(
      PARAM.dateTimeFormat,
      problem,
      `enter a .NET date/time format such as ${DEFAULT_DATETIME_FORMAT} (the default) or o`,
    );
  }
  const forceChangePasswordNextSignIn = checkBox(values, PARAM.forceChangePasswordNextSignIn);

  const redirectUrl = optional(values, PARAM.invitationRedirectUrl);
  if (redirectUrl !== undefined) {
    let u: URL | undefined;
    try {
      u = new URL(redirectUrl);
    } catch {
      u = undefined;
    }
    if (u?.protocol !== 'https:' || !u.hostname) {
      fail(
        PARAM.invitationRedirectUrl,
        `'${redirectUrl}' is not an https:// URL`,
        'enter the https:// address guests land on after redeeming, e.g. https://myapps.microsoft.com',
      );
    }
  }
  const sendMessage = checkBox(values, PARAM.invitationSendMessage);
  if (sendMessage && redirectUrl === undefined) {
    fail(
      PARAM.invitationRedirectUrl,
      `'${PARAM.invitationSendMessage}' is checked but no redirect URL is set`,
      'enter the https:// redirect URL invitations need (e.g. https://myapps.microsoft.com)',
    );
  }
  const messageText = optional(values, PARAM.invitationMessageText);

  const exportConcurrency = integer(values, PARAM.exportConcurrency, EXPORT_CONCURRENCY_RANGE);
  const writeBudget = parseWriteBudget(valueOrDefault(values, PARAM.writeBudget));
  const logLevel = choice(values, PARAM.logLevel, LOG_LEVELS);
  // The log file is the bridge's; the worker only checks that it is a path.
  checkPath(values, PARAM.logFile, "the bridge's trace log file, e.g. C:\\ProgramData\\mimgraph\\bridge.log");
  return {
    dateTimeFormat,
    forceChangePasswordNextSignIn,
    invitation: { redirectUrl, sendMessage, messageText },
    exportConcurrency,
    writeBudget,
    logLevel,
  };
}

function parseWriteBudget(v: string): WriteBudget | false {
  if (/^(off|none|false|0)$/i.test(v)) return false;
  const m = /^(\d{1,7})\s*\/\s*(\d{1,6})\s*s?$/i.exec(v);
  const writes = Number(m?.[1]);
  const seconds = Number(m?.[2]);
  if (!m || writes < 1 || seconds < 1) {
    return fail(
      PARAM.writeBudget,
      `'${v}' is not writes/seconds`,
      `enter writes per seconds such as ${DEFAULTS[PARAM.writeBudget]} (Graph's budget per app and tenant), or off`,
    );
  }
  return { writes, seconds };
}

type SchemaSettings = Pick<ConnectorConfig, 'objectTypes' | 'filters'>;

/**
 * The Schema pages. `pageNumber` 1 checks the object types, 2 the filters; `undefined` both (and that
 * filters are given when "add objects filter" is on).
 */
export function parseSchemaPages(values: ConfigValues, pageNumber?: number): SchemaSettings {
  for (const name of Object.keys(values)) {
    const m = /^(Object type|Filter): (.*)$/.exec(name);
    if (m && !OBJECT_TYPES.includes(m[2] as ObjectTypeName)) {
      fail(
        name,
        `'${m[2]}' is not an object type of this connector`,
        `use one of ${OBJECT_TYPES.join(', ')}`,
      );
    }
  }
  const apiVersion = choice(values, PARAM.apiVersion, API_VERSIONS);
  const objectTypes = OBJECT_TYPES.filter((t) => checkBox(values, OBJECT_TYPE_PARAM[t]));
  if (objectTypes.length === 0) {
    fail(OBJECT_TYPE_PARAM.user, 'no object type is selected', 'select at least one object type');
  }
  if (objectTypes.includes('administrativeUnit') && apiVersion !== 'beta') {
    fail(
      OBJECT_TYPE_PARAM.administrativeUnit,
      `administrative units are offered with the beta API only, but '${PARAM.apiVersion}' is ${apiVersion}`,
      `set '${PARAM.apiVersion}' to beta on the Connectivity page, or clear this check box`,
    );
  }
  const filterOn = checkBox(values, PARAM.addObjectsFilter);
  const filters: Partial<Record<ObjectTypeName, string>> = {};
  if (filterOn && pageNumber !== 1) {
    for (const t of objectTypes) {
      const f = optional(values, FILTER_PARAM[t]);
      if (f === undefined) continue;
      const problem = checkFilter(f);
      if (problem) {
        fail(
          FILTER_PARAM[t],
          problem,
          "enter only the OData expression, e.g. startswith(displayName,'A') or userType eq 'Member'",
        );
      }
      filters[t] = f;
    }
    if (Object.keys(filters).length === 0) {
      fail(
        FILTER_PARAM[objectTypes[0]!],
        `'${PARAM.addObjectsFilter}' is checked but every filter is empty`,
        `enter a $filter for at least one object type, or clear '${PARAM.addObjectsFilter}'`,
      );
    }
  }
  return { objectTypes, filters };
}

/** A reason the `$filter` expression is obviously malformed, or undefined. Graph judges the rest. */
export function checkFilter(filter: string): string | undefined {
  const f = filter.trim();
  if (!f) return 'the filter is empty';
  if (/^[?&]?\$?filter\s*=/i.test(f)) return "the filter starts with '$filter='";
  let inString = false;
  let depth = 0;
  for (let i = 0; i < f.length; i++) {
    const c = f[i];
    if (inString) {
      if (c === "'") {
        if (f[i + 1] === "'")
          i++; // '' is an escaped quote inside a string
        else inString = false;
      }
    } else if (c === "'") inString = true;
    else if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth < 0) return `unbalanced parentheses: ')' at position ${i + 1} closes nothing`;
    }
  }
  if (inString) return "unbalanced quotes: a string literal is not closed with '";
  if (depth > 0) return `unbalanced parentheses: ${depth} '(' not closed`;
  if (/(^|\s)(and|or|not|eq|ne|gt|ge|lt|le|in|has)$/i.test(f)) return 'the filter ends with an operator';
  if (/^(and|or|eq|ne|gt|ge|lt|le|in|has)(\s|$)/i.test(f)) return 'the filter starts with an operator';
  return undefined;
}

/** Fails when the (optional) value holds characters no Windows path may hold. */
function checkPath(values: ConfigValues, name: string, example: string): void {
  const v = optional(values, name);
  if (v !== undefined && /[\0<>"|?*]/.test(v)) {
    fail(name, `'${v}' is not a valid file path`, `enter ${example}, or leave it empty`);
  }
}

/** The RunStep page's drop file (the path an import writes its mmsml drop file to), if set. */
export function runStepDropFile(values: ConfigValues): string | undefined {
  return optional(values, PARAM.runStepDropFile);
}

/** Checks the parameters of one page (and page number); throws like parseConfig. */
export function parsePage(
  page: ConfigParameterPage,
  values: ConfigValues,
  pageNumber = 1,
  options: ParseOptions = {},
): void {
  switch (page) {
    case 'Connectivity':
      parseConnectivity(values, options);
      return;
    case 'Global':
      parseGlobal(values);
      return;
    case 'Schema':
      parseSchemaPages(values, pageNumber);
      return;
    case 'RunStep': {
      const drop = runStepDropFile(values);
      if (drop !== undefined && /[\0<>"|?*]/.test(drop)) {
        fail(
          PARAM.runStepDropFile,
          `'${drop}' is not a valid file path`,
          'enter a file path, or leave it empty',
        );
      }
      return;
    }
    default:
      return;
  }
}

/**
 * The configuration from MIM's values (or the CLI's, see cli-config.ts). Throws
 * ConnectorError('ExtensibleExtension') naming the first invalid parameter and its fix; the error's
 * detail.parameter is the parameter's name. Secrets never appear in the message. `options` carries what
 * only some hosts have (the bridge's certificate store).
 */
export function parseConfig(values: ConfigValues, options: ParseOptions = {}): ConnectorConfig {
  const connectivity = parseConnectivity(values, options);
  const global = parseGlobal(values);
  const schema = parseSchemaPages(values);
  return { ...connectivity, ...global, ...schema };
}

/** Replaces every occurrence of the given secrets with ***. */
export function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join('***');
  return out;
}

// ---- DateTime formats (.NET) ----------------------------------------------------------------

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** .NET's standard formats, expanded as the invariant culture does for a UTC DateTime. */
const STANDARD_FORMATS: Readonly<Record<string, string>> = {
  o: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  O: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  s: "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
  u: "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
  R: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  r: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  d: 'MM/dd/yyyy',
  D: 'dddd, dd MMMM yyyy',
  f: 'dddd, dd MMMM yyyy HH:mm',
  F: 'dddd, dd MMMM yyyy HH:mm:ss',
  g: 'MM/dd/yyyy HH:mm',
  G: 'MM/dd/yyyy HH:mm:ss',
  M: 'MMMM dd',
  m: 'MMMM dd',
  t: 'HH:mm',
  T: 'HH:mm:ss',
  U: 'dddd, dd MMMM yyyy HH:mm:ss',
  Y: 'yyyy MMMM',
  y: 'yyyy MMMM',
};

type Token = { kind: 'literal'; text: string } | { kind: 'field'; letter: string; count: number };

const FIELD_LETTERS = new Set(['y', 'M', 'd', 'H', 'h', 'm', 's', 'f', 'F', 't', 'K', 'z', 'g']);

/** Splits a .NET custom format into fields and literals; throws a RangeError naming what is wrong. */
function tokenize(format: string): Token[] {
  const tokens: Token[] = [];
  const literal = (text: string) => {
    const last = tokens[tokens.length - 1];
    if (last?.kind === 'literal') last.text += text;
    else tokens.push({ kind: 'literal', text });
  };
  for (let i = 0; i < format.length; ) {
    const c = format[i]!;
    if (c === "'" || c === '"') {
      const end = format.indexOf(c, i + 1);
      if (end < 0)
        throw new RangeError(`the quoted literal starting at position ${i + 1} is not closed with ${c}`);
      literal(format.slice(i + 1, end).replace(/\\(.)/g, '$1'));
      i = end + 1;
    } else if (c === '\\') {
      if (i + 1 >= format.length) throw new RangeError('the format ends with a lone backslash');
      literal(format[i + 1]!);
      i += 2;
    } else if (c === '%') {
      // %d: a single custom specifier (a one-letter format would be a standard one).
      if (i + 1 >= format.length || format[i + 1] === '%')
        throw new RangeError("'%' must precede a specifier");
      i++;
    } else if (FIELD_LETTERS.has(c)) {
      let n = 1;
      while (format[i + n] === c) n++;
      if ((c === 'f' || c === 'F') && n > 7) throw new RangeError(`'${c.repeat(n)}' has more than 7 digits`);
      tokens.push({ kind: 'field', letter: c, count: n });
      i += n;
    } else {
      literal(c);
      i++;
    }
  }
  return tokens;
}

/** Expands a standard (one-letter) format; a lone letter that is not one is refused as .NET does. */
function customFormat(format: string): string {
  if (format.length !== 1) return format;
  const expanded = STANDARD_FORMATS[format];
  if (expanded === undefined) throw new RangeError(`'${format}' is not a .NET standard date/time format`);
  return expanded;
}

/** A reason the format is unusable, or undefined. */
export function checkDateTimeFormat(format: string): string | undefined {
  if (!format) return 'the format is empty';
  try {
    const tokens = tokenize(customFormat(format));
    if (!tokens.some((t) => t.kind === 'field' && 'yMdHhms'.includes(t.letter))) {
      return `'${format}' contains no date or time specifier (yyyy, MM, dd, HH, mm, ss, ...)`;
    }
  } catch (e) {
    return `'${format}' is not a valid format: ${(e as Error).message}`;
  }
  return undefined;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * Formats a Graph date/time value (ISO 8601: `2024-05-01T10:20:30Z`, with or without fraction or
 * offset, or an `Edm.Date` such as `2024-05-01`) with a .NET format string, in UTC and with the
 * invariant culture. Accepts the standard formats o/O, s, u (and the other one-letter ones) and the
 * custom specifiers y..yyyyy, M..MMMM, d..dddd, H/HH, h/hh, m/mm, s/ss, f..fffffff, F..FFFFFFF, t/tt,
 * K, z/zz/zzz, g, 'literal', "literal", \escape and %specifier; anything else is copied as .NET does.
 * So Microsoft's connector's `yyyy-MM-dd HH:MM:ss` works as there: its MM after HH is the month.
 * Throws RangeError for a value that is not a date or a format .NET would refuse.
 */
export function formatDateTime(isoValue: string, format: string): string {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(
      isoValue.trim(),
    );
  if (!m) throw new RangeError(`'${isoValue}' is not an ISO 8601 date/time`);
  const [, y, mo, d, hh, mi, ss, frac, zone] = m;
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    offsetMinutes = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0));
  }
  const ms = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(hh ?? 0),
    Number(mi ?? 0),
    Number(ss ?? 0),
  );
  const date = new Date(ms - offsetMinutes * 60_000);
  if (
    Number.isNaN(date.getTime()) ||
    Number(mo) < 1 ||
    Number(mo) > 12 ||
    new Date(ms).getUTCDate() !== Number(d) ||
    Number(hh ?? 0) > 23 ||
    Number(mi ?? 0) > 59 ||
    Number(ss ?? 0) > 59
  ) {
    throw new RangeError(`'${isoValue}' is not a valid date/time`);
  }
  // Seven fraction digits: .NET's ticks within the second.
  const fraction = (frac ?? '').slice(0, 7).padEnd(7, '0');

  let tokens: Token[];
  try {
    tokens = tokenize(customFormat(format));
  } catch (e) {
    throw new RangeError(`'${format}' is not a valid .NET date/time format: ${(e as Error).message}`);
  }
  let out = '';
  for (const t of tokens) {
    if (t.kind === 'literal') {
      out += t.text;
      continue;
    }
    const n = t.count;
    const year = date.getUTCFullYear();
    const hour = date.getUTCHours();
    switch (t.letter) {
      case 'y':
        out += n <= 2 ? pad(year % 100, n) : pad(year, n);
        break;
      case 'M': {
        const month = date.getUTCMonth();
        out += n >= 4 ? MONTHS[month] : n === 3 ? MONTHS[month]!.slice(0, 3) : pad(month + 1, n);
        break;
      }
      case 'd': {
        const day = date.getUTCDay();
        out += n >= 4 ? DAYS[day] : n === 3 ? DAYS[day]!.slice(0, 3) : pad(date.getUTCDate(), n);
        break;
      }
      case 'H':
        out += pad(hour, Math.min(n, 2));
        break;
      case 'h':
        out += pad(hour % 12 === 0 ? 12 : hour % 12, Math.min(n, 2));
        break;
      case 'm':
        out += pad(date.getUTCMinutes(), Math.min(n, 2));
        break;
      case 's':
        out += pad(date.getUTCSeconds(), Math.min(n, 2));
        break;
      case 'f':
        out += fraction.slice(0, n);
        break;
      case 'F': {
        const digits = fraction.slice(0, n).replace(/0+$/, '');
        // .NET drops the decimal point too when F's digits are all zero.
        if (!digits && out.endsWith('.')) out = out.slice(0, -1);
        out += digits;
        break;
      }
      case 't':
        out += (hour < 12 ? 'AM' : 'PM').slice(0, n === 1 ? 1 : 2);
        break;
      case 'K':
        out += 'Z';
        break;
      case 'z':
        out += n === 1 ? '+0' : n === 2 ? '+00' : '+00:00';
        break;
      case 'g':
        out += 'A.D.';
        break;
    }
  }
  return out;
}
