import { CertificateError } from '../graph/certificate.js';
import { TransportError } from '../graph/errors.js';
import { AuthenticationError } from '../graph/tokens.js';
import type {
  ConfigParameterDefinition,
  ConfigParameterPage,
  ConfigValues,
  ParameterValidationResult,
} from '../model/ecma.js';
import { ConnectorError } from '../model/ecma.js';
import {
  API_VERSIONS,
  AUTHENTICATION_TYPES,
  DEFAULTS,
  FILTER_PARAM,
  LOG_LEVELS,
  OBJECT_TYPE_PARAM,
  OBJECT_TYPES,
  PARAM,
  type ParseOptions,
  parseConnectivity,
  parseGlobal,
  parsePage,
  parseSchemaPages,
  SECRET_PARAMS,
  scrub,
} from './parse.js';
import type { ConnectorConfig, ObjectTypeName } from './types.js';

/**
 * MIM's parameter pages (GetConfigParametersEx / ValidateConfigParametersEx), laid out like
 * Microsoft's Graph connector: Connectivity, Global, Schema 1 (object types and "Add objects filter")
 * and Schema 2 (one `$filter` per selected object type, only when the filter check box is set), and a
 * RunStep page with the optional drop file. Names are in parse.ts (PARAM) and schemas/parameters.md.
 */

const label = (text: string): ConfigParameterDefinition => ({ name: '', type: 'Label', text });
const divider = (): ConfigParameterDefinition => ({ name: '', type: 'Divider' });
const str = (name: string, validation = ''): ConfigParameterDefinition => ({
  name,
  type: 'String',
  validation,
  defaultValue: DEFAULTS[name] ?? '',
});
const secret = (name: string): ConfigParameterDefinition => ({
  name,
  type: 'EncryptedString',
  validation: '',
  defaultValue: '',
});
const text = (name: string): ConfigParameterDefinition => ({
  name,
  type: 'Text',
  defaultValue: DEFAULTS[name] ?? '',
});
const checkBox = (name: string): ConfigParameterDefinition => ({
  name,
  type: 'CheckBox',
  defaultValue: DEFAULTS[name] === '1' ? '1' : '0',
});
/** The string form of the choices, stored untouched by MIM (the array overload would add a trailing comma). */
const dropDown = (name: string, choices: readonly string[]): ConfigParameterDefinition => ({
  name,
  type: 'DropDown',
  validation: choices.join(','),
  defaultValue: DEFAULTS[name] ?? choices[0] ?? '',
  dropDownExtensible: false,
});

function connectivityPage(): ConfigParameterDefinition[] {
  return [
    label(
      'Sign-in with an Entra ID app registration (client credentials). The app needs Graph application ' +
        'permissions (e.g. User.ReadWrite.All, Group.ReadWrite.All) and Application.Read.All for schema detection.',
    ),
    dropDown(PARAM.apiVersion, API_VERSIONS),
    str(PARAM.tenant),
    str(PARAM.clientId),
    dropDown(PARAM.authenticationType, AUTHENTICATION_TYPES),
    secret(PARAM.clientSecret),
    label(
      'For Certificate: a PFX/PKCS#12 file, or a PEM file holding the certificate and its private key; ' +
        'the password opens the file or key.',
    ),
    str(PARAM.certificateFile),
    secret(PARAM.certificatePassword),
    label(
      'For CertificateStore: the SHA-1 thumbprint of a certificate in LocalMachine\\My (as certlm.msc shows it); ' +
        'its private key stays in the store (it may be non-exportable) and the bridge signs with it. The ' +
        'synchronization service account needs read access to the private key.',
    ),
    str(PARAM.certificateThumbprint),
    divider(),
    label(
      'National cloud: global, usgov (GCC High), usgovdod (DoD), china (21Vianet), or custom with your own ' +
        'https endpoints (the endpoints are used only with custom).',
    ),
    dropDown(PARAM.cloud, ['global', 'usgov', 'usgovdod', 'china', 'custom']),
    str(PARAM.loginEndpoint),
    str(PARAM.graphEndpoint),
    divider(),
    label(
      'Network: an optional HTTP proxy (http://host:port) with its credentials, a CA file (PEM) for a ' +
        'TLS-inspecting proxy, and the timeout of one HTTP call.',
    ),
    str(PARAM.proxyUrl),
    str(PARAM.proxyUserName),
    secret(PARAM.proxyPassword),
    str(PARAM.caFile),
    str(PARAM.httpTimeoutSeconds, '^\\s*\\d*\\s*$'),
  ];
}

function globalPage(): ConfigParameterDefinition[] {
  return [
    str(PARAM.dateTimeFormat),
    label(
      "Date/time values are written in UTC with this .NET format: the default yyyy-MM-dd'T'HH:mm:ss'Z' is " +
        "Graph's own ISO 8601 form; o, s, u and custom formats (yyyy-MM-dd HH:mm:ss) are accepted.",
    ),
    checkBox(PARAM.forceChangePasswordNextSignIn),
    divider(),
    label('B2B invitations of guest users: where guests land after redeeming, and the invitation e-mail.'),
    str(PARAM.invitationRedirectUrl),
    checkBox(PARAM.invitationSendMessage),
    text(PARAM.invitationMessageText),
    divider(),
    label(
      'Export: $batch requests in flight at once (1-16), and the write budget shared by every run of this ' +
        'app in this tenant (writes/seconds, e.g. 3000/150, or off).',
    ),
    str(PARAM.exportConcurrency, '^\\s*\\d*\\s*$'),
    str(PARAM.writeBudget),
    divider(),
    label(
      "Diagnostics: the connector's log level, and the bridge's trace log file, which also receives the " +
        "worker's log (empty: Windows' trace listeners only).",
    ),
    dropDown(PARAM.logLevel, LOG_LEVELS),
    str(PARAM.logFile),
  ];
}

function schemaPage1(): ConfigParameterDefinition[] {
  return [
    label('Object types offered in the schema (administrativeUnit needs the beta API version).'),
    ...OBJECT_TYPES.map((t) => checkBox(OBJECT_TYPE_PARAM[t])),
    divider(),
    checkBox(PARAM.addObjectsFilter),
    label(
      'With "Add objects filter", the next page takes one OData $filter per object type. Filters apply to ' +
        'full imports; the attributes they use must be selected in the schema.',
    ),
  ];
}

function schemaPage2(values: ConfigValues): ConfigParameterDefinition[] {
  const selected = OBJECT_TYPES.filter((t) => isChecked(values, OBJECT_TYPE_PARAM[t]));
  return [
    label(
      "OData $filter expressions, without '$filter=', e.g. startswith(displayName,'A') or userType eq 'Member'. " +
        'Leave a type empty to import all of its objects.',
    ),
    ...(selected.length > 0 ? selected : OBJECT_TYPES).map((t) => str(FILTER_PARAM[t])),
  ];
}

function runStepPage(): ConfigParameterDefinition[] {
  return [
    label('Optional: a file that receives the objects of an import run as an mmsml drop file.'),
    str(PARAM.runStepDropFile),
  ];
}

function isChecked(values: ConfigValues, name: string): boolean {
  const v = (Object.hasOwn(values, name) ? values[name]?.value : undefined) ?? DEFAULTS[name] ?? '0';
  return /^(1|true)$/i.test(v.trim());
}

/**
 * The definitions of one page. MIM asks for Schema pages 1, 2, 3, ... until one is empty: page 2 (the
 * filters) exists only when "Add objects filter" is checked. Other pages have page 1 only.
 */
export function getConfigParameters(
  page: ConfigParameterPage,
  values: ConfigValues,
  pageNumber: number,
): ConfigParameterDefinition[] {
  const n = Math.max(pageNumber, 1);
  if (page === 'Schema') {
    if (n === 1) return schemaPage1();
    if (n === 2 && isChecked(values, PARAM.addObjectsFilter)) return schemaPage2(values);
    return [];
  }
  if (n !== 1) return [];
  switch (page) {
    case 'Connectivity':
      return connectivityPage();
    case 'Global':
      return globalPage();
    case 'RunStep':
      return runStepPage();
    default:
      return [];
  }
}

const success: ParameterValidationResult = { code: 'Success' };

function secretsOf(values: ConfigValues): string[] {
  const out: string[] = [];
  for (const [name, v] of Object.entries(values)) {
    if ((SECRET_PARAMS.includes(name) || v?.encrypted) && v?.value) out.push(v.value);
  }
  return out;
}

const failure = (values: ConfigValues, message: string, parameter?: string): ParameterValidationResult => ({
  code: 'Failure',
  errorMessage: scrub(message, secretsOf(values)),
  errorParameter: parameter,
});

/**
 * Validates the values of one page. For the Connectivity page, once its values parse, `liveCheck`
 * (one real token request, passed by the dispatcher) runs once and its failure becomes a Failure
 * naming the parameter to fix.
 */
export async function validateConfigParameters(
  page: ConfigParameterPage,
  values: ConfigValues,
  pageNumber: number,
  liveCheck?: (config: ConnectorConfig) => Promise<void>,
  options: ParseOptions = {},
): Promise<ParameterValidationResult> {
  try {
    parsePage(page, values, pageNumber, options);
  } catch (e) {
    if (e instanceof ConnectorError) {
      const parameter = typeof e.detail?.parameter === 'string' ? e.detail.parameter : undefined;
      return failure(values, e.message, parameter);
    }
    return failure(values, `the values of the ${page} page cannot be checked: ${(e as Error).message}`);
  }
  if (page !== 'Connectivity' || !liveCheck) return success;

  const config = liveCheckConfig(values, options);
  try {
    await liveCheck(config);
  } catch (e) {
    const { parameter, hint } = liveCheckParameter(e, config);
    const message = e instanceof Error ? e.message : String(e);
    return failure(values, `Parameter '${parameter}': ${message}${hint ? `; ${hint}` : ''}`, parameter);
  }
  return success;
}

/** Connectivity as entered; the other pages' values when they parse (they may not be entered yet). */
function liveCheckConfig(values: ConfigValues, options: ParseOptions): ConnectorConfig {
  const connectivity = parseConnectivity(values, options);
  let global: ReturnType<typeof parseGlobal>;
  try {
    global = parseGlobal(values);
  } catch {
    global = parseGlobal({});
  }
  let schema: ReturnType<typeof parseSchemaPages>;
  try {
    schema = parseSchemaPages(values);
  } catch {
    schema = { objectTypes: ['user', 'group'] as ObjectTypeName[], filters: {} };
  }
  return { ...connectivity, ...global, ...schema };
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME/;

/** Which parameter a failed sign-in points at. */
function liveCheckParameter(e: unknown, config: ConnectorConfig): { parameter: string; hint?: string } {
  const store = config.credential.kind === 'store';
  // The bridge's own failure (certificate not found, no access to its key, not RSA, no answer).
  if (e instanceof ConnectorError && typeof e.detail?.bridgeMethod === 'string') {
    return { parameter: PARAM.certificateThumbprint };
  }
  if (e instanceof AuthenticationError) {
    if (store && (e.errorCode === 'certificate_expired' || e.errorCode === 'certificate_unusable')) {
      return { parameter: PARAM.certificateThumbprint };
    }
    switch (e.aadsts) {
      case 7000215:
      case 7000222:
        return config.credential.kind === 'secret'
          ? { parameter: PARAM.clientSecret }
          : { parameter: PARAM.authenticationType };
      case 700016:
      case 7000112:
      case 700025:
        return { parameter: PARAM.clientId };
      case 90002:
      case 900023:
      case 90023:
        return { parameter: PARAM.tenant };
      case 700027:
      case 700024:
        return { parameter: store ? PARAM.certificateThumbprint : PARAM.certificateFile };
    }
    if (e.errorCode === 'configuration') {
      return config.credential.kind === 'secret'
        ? { parameter: PARAM.clientSecret }
        : store && /thumbprint/.test(e.message)
          ? { parameter: PARAM.certificateThumbprint }
          : { parameter: PARAM.tenant };
    }
    return { parameter: PARAM.tenant, hint: 'check the tenant, the client id and the cloud' };
  }
  if (e instanceof CertificateError) {
    return /password/i.test(e.message)
      ? { parameter: PARAM.certificatePassword }
      : { parameter: PARAM.certificateFile };
  }
  if (e instanceof TransportError) {
    if (e.code === 'PROXY_AUTH' || /\b407\b/.test(e.message)) {
      return { parameter: PARAM.proxyPassword, hint: 'check the proxy user name and password' };
    }
    if (TLS_CODES.test(e.code)) {
      return {
        parameter: PARAM.caFile,
        hint: 'set the CA file to a PEM file holding the CA that issued the server (or proxy) certificate',
      };
    }
    if (/TIMEOUT/.test(e.code)) return { parameter: PARAM.httpTimeoutSeconds };
    if (config.proxy) return { parameter: PARAM.proxyUrl };
    return { parameter: config.cloud.name === 'custom' ? PARAM.loginEndpoint : PARAM.cloud };
  }
  return { parameter: PARAM.tenant };
}
