/**
 * The emulator's identity platform, without HTTP: OpenID discovery document, the v2.0 token endpoint for the
 * client credentials grant (secret or certificate assertion), and validation of the access tokens it issues.
 *
 * Error codes marked UNCONFIRMED are chosen from public reports/memory, not verified against a live tenant.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { signHs256, verifyClientAssertion, verifyHs256 } from './jwt.js';

export interface AppRegistration {
  clientId: string;
  displayName?: string;
  secrets: string[];
  certificates: string[] /* PEM */;
  roles: string[] | 'all';
}

export interface IdentityConfig {
  tenantId: string;
  domains: string[];
  tokenLifetimeSeconds: number;
  signingKey: Buffer;
  graphAudience: string;
  issuerBase: string /* https://127.0.0.1:port */;
}

export interface AccessTokenClaims {
  aud: string;
  iss: string;
  tid: string;
  appid: string;
  azp?: string;
  /** 1 = client secret, 2 = certificate, as in real v1.0 app tokens. */
  appidacr?: '1' | '2';
  roles: string[];
  iat: number;
  nbf: number;
  exp: number;
  oid: string;
  uti: string;
  ver: '1.0';
}

export interface TokenResponse {
  status: number;
  body: object;
}

export interface TokenRequestContext {
  cfg: IdentityConfig;
  apps: ReadonlyMap<string, AppRegistration>;
  /** The URL the request was posted to; MSAL puts exactly this into the assertion's `aud`. */
  tokenEndpointUrl: string;
  now: number /* ms */;
}

/** Application permissions granted to an app registered with roles: 'all'. */
export const ALL_ROLES: readonly string[] = [
  'User.Read.All',
  'User.ReadWrite.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  'GroupMember.Read.All',
  'GroupMember.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
  'OrgContact.Read.All',
  'Application.Read.All',
  'Application.ReadWrite.All',
  'User.Invite.All',
  'User-PasswordProfile.ReadWrite.All',
];

/** Microsoft Graph's well-known application id; `<appId>/.default` is as valid a scope as the URL form. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

// ---------------------------------------------------------------------------------------------------------
// Tenant and discovery
// ---------------------------------------------------------------------------------------------------------

/** True when a URL path segment names this tenant (id or any verified domain), case-insensitively. */
export function matchTenant(segment: string, cfg: IdentityConfig): boolean {
  const s = segment.toLowerCase();
  return s === cfg.tenantId.toLowerCase() || cfg.domains.some((d) => d.toLowerCase() === s);
}

/**
 * The v2.0 OpenID configuration. MSAL's network discovery requires authorization_endpoint, token_endpoint,
 * issuer and jwks_uri, and checks that issuer shares scheme, host and port with the authority.
 */
export function openIdConfiguration(baseUrl: string, tenantId: string): object {
  const base = baseUrl.replace(/\/+$/, '');
  const t = `${base}/${tenantId}`;
  return {
    token_endpoint: `${t}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${t}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${t}/v2.0`,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${t}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${t}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${t}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'tid',
      'ver',
      'at_hash',
    ],
    kerberos_endpoint: `${t}/kerberos`,
    tenant_region_scope: 'WW',
    cloud_instance_name: new URL(base).host,
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
  };
}

/** The JWKS behind jwks_uri: empty, because the emulator signs its tokens with a symmetric key. */
export function jwksDocument(): object {
  return { keys: [] };
}

// ---------------------------------------------------------------------------------------------------------
// Error bodies
// ---------------------------------------------------------------------------------------------------------

export type OAuthError =
  | 'invalid_request'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_resource';

/** "2023-05-06 06:03:00Z", the format ESTS uses in timestamp and error_description. */
function estsTimestamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** An error answer shaped like ESTS's (what MSAL parses into ServerError: error, error_description, codes). */
export function aadError(
  status: number,
  error: OAuthError,
  code: number,
  message: string,
  opts: { now: number; correlationId?: string | null },
): TokenResponse {
  const timestamp = estsTimestamp(opts.now);
  const traceId = randomUUID();
  const correlationId = opts.correlationId || randomUUID();
  return {
    status,
    body: {
      error,
      error_description:
        `AADSTS${code}: ${message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\n` +
        `Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}

/** For the server: the answer when the tenant path segment is neither the tenant id nor one of its domains. */
export function tenantNotFound(
  segment: string,
  opts: { now: number; correlationId?: string | null },
): TokenResponse {
  return aadError(
    400,
    'invalid_request',
    90002,
    `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into ` +
      'the correct cloud. Check with your subscription administrator, this may happen if there are no active ' +
      'subscriptions for the tenant.',
    opts,
  );
}

const missingParameter = (name: string) =>
  ({
    status: 400,
    error: 'invalid_request',
    code: 900144,
    message: `The request body must contain the following parameter: '${name}'.`,
  }) as const;

interface Failure {
  status: number;
  error: OAuthError;
  code: number;
  message: string;
}

// ---------------------------------------------------------------------------------------------------------
// Token endpoint
// ---------------------------------------------------------------------------------------------------------

function checkGrant(form: URLSearchParams): Failure | null {
  const grant = form.get('grant_type');
  if (!grant) return missingParameter('grant_type');
  if (grant !== 'client_credentials') {
    return {
      status: 400,
      error: 'unsupported_grant_type',
      code: 70003,
      message: `The app requested an unsupported grant type '${grant}'.`,
    };
  }
  return form.get('client_id') ? null : missingParameter('client_id');
}

function sameResource(resource: string, audience: string): boolean {
  const norm = (s: string) => s.replace(/\/+$/, '').toLowerCase();
  return norm(resource) === norm(audience) || norm(resource) === GRAPH_APP_ID;
}

/** Client credentials accept only `<resource>/.default`, and the emulator only knows one resource: Graph. */
function checkScope(form: URLSearchParams, cfg: IdentityConfig): Failure | null {
  const scopes = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
  if (scopes.length === 0) return missingParameter('scope');
  const notDefault = scopes.filter((s) => !s.endsWith('/.default'));
  if (notDefault.length > 0) {
    return {
      status: 400,
      error: 'invalid_scope',
      code: 1002012,
      message:
        `The provided value for scope ${notDefault.join(' ')} is not valid. Client credential flows must have a ` +
        'scope value with /.default suffixed to the resource identifier (application ID URI).',
    };
  }
  if (scopes.length > 1) {
    // UNCONFIRMED code for several resources in one client credentials request.
    return {
      status: 400,
      error: 'invalid_scope',
      code: 700022,
      message: `The provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scopes.join(' ')} is not valid.`,
    };
  }
  const resource = scopes[0]!.slice(0, -'/.default'.length);
  if (sameResource(resource, cfg.graphAudience)) return null;
  return {
    status: 400,
    error: 'invalid_resource',
    code: 500011,
    message:
      `The resource principal named ${resource} was not found in the tenant named ${cfg.tenantId}. This can ` +
      'happen if the application has not been installed by the administrator of the tenant or consented to by ' +
      'any user in the tenant. You might have sent your authentication request to the wrong tenant.',
  };
}

function findApp(apps: ReadonlyMap<string, AppRegistration>, clientId: string): AppRegistration | undefined {
  const exact = apps.get(clientId);
  if (exact) return exact;
  const wanted = clientId.toLowerCase();
  for (const app of apps.values()) if (app.clientId.toLowerCase() === wanted) return app;
  return undefined;
}

function unknownApp(clientId: string, cfg: IdentityConfig): Failure {
  return {
    status: 400,
    error: 'unauthorized_client',
    code: 700016,
    message:
      `Application with identifier '${clientId}' was not found in the directory '${cfg.domains[0] ?? cfg.tenantId}'. ` +
      'This can happen if the application has not been installed by the administrator of the tenant or ' +
      'consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.',
  };
}

/** Constant-time membership test: hash first so differing lengths leak nothing either. */
function secretMatches(candidate: string, secrets: readonly string[]): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  const c = digest(candidate);
  let found = false;
  for (const s of secrets) found = timingSafeEqual(c, digest(s)) || found;
  return found;
}

/** Accepted assertion audiences: the posted-to endpoint, with its tenant segment as id or any domain. */
function assertionAudiences(tokenEndpointUrl: string, cfg: IdentityConfig): string[] {
  const out = [tokenEndpointUrl];
  try {
    const url = new URL(tokenEndpointUrl);
    const [, first, ...rest] = url.pathname.split('/');
    if (first && matchTenant(decodeURIComponent(first), cfg)) {
      for (const alias of [cfg.tenantId, ...cfg.domains]) {
        out.push(`${url.origin}/${[alias, ...rest].join('/')}`);
      }
    }
  } catch {
    // Not a URL: only the literal value can match.
  }
  return out;
}

/** Authenticates the client; returns how (appidacr) or why not. Never echoes a secret. */
function authenticate(
  form: URLSearchParams,
  app: AppRegistration,
  ctx: TokenRequestContext,
): { ok: true; appidacr: '1' | '2' } | { ok: false; failure: Failure } {
  const secret = form.get('client_secret');
  const assertion = form.get('client_assertion');
  const reject = (status: number, error: OAuthError, code: number, message: string) =>
    ({ ok: false, failure: { status, error, code, message } }) as const;
  if (secret && assertion) {
    // UNCONFIRMED: ESTS's answer to both credentials at once; MSAL never sends both.
    return reject(
      400,
      'invalid_request',
      90023,
      'Invalid request: more than one client credential was provided.',
    );
  }
  if (secret) {
    if (secretMatches(secret, app.secrets)) return { ok: true, appidacr: '1' };
    return reject(
      401,
      'invalid_client',
      7000215,
      'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, ' +
        `not the client secret ID, for a secret added to app '${app.clientId}'.`,
    );
  }
  if (!assertion) {
    return reject(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }
  const type = form.get('client_assertion_type');
  if (!type) return { ok: false, failure: missingParameter('client_assertion_type') };
  // UNCONFIRMED: AADSTS90011 wording taken from a 2016 report.
  if (type !== JWT_BEARER) return reject(400, 'invalid_request', 90011, 'Unexpected client assertion type.');
  const result = verifyClientAssertion(assertion, {
    clientId: app.clientId,
    certificates: app.certificates,
    audience: assertionAudiences(ctx.tokenEndpointUrl, ctx.cfg),
    now: ctx.now,
  });
  if (result.ok) return { ok: true, appidacr: '2' };
  return reject(
    result.error === 'invalid_client' ? 401 : 400,
    result.error,
    result.aadsts,
    result.description,
  );
}

/** A stable object id for the app's service principal, derived so repeated tokens agree. */
function servicePrincipalOid(tenantId: string, clientId: string): string {
  const h = createHash('sha256').update(`sp:${tenantId}:${clientId.toLowerCase()}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function issueAccessToken(
  app: AppRegistration,
  appidacr: '1' | '2',
  cfg: IdentityConfig,
  now: number,
): { token: string; claims: AccessTokenClaims } {
  const iat = Math.floor(now / 1000);
  const claims: AccessTokenClaims = {
    aud: cfg.graphAudience,
    iss: tokenIssuer(cfg),
    iat,
    nbf: iat,
    exp: iat + cfg.tokenLifetimeSeconds,
    appid: app.clientId,
    appidacr,
    oid: servicePrincipalOid(cfg.tenantId, app.clientId),
    roles: app.roles === 'all' ? [...ALL_ROLES] : [...app.roles],
    tid: cfg.tenantId,
    uti: randomBytes(16).toString('base64url'),
    ver: '1.0',
  };
  return { token: signHs256({ ...claims }, cfg.signingKey), claims };
}

/** v1.0 tokens carry `https://sts.windows.net/{tid}/`; the emulator substitutes its own origin. */
export function tokenIssuer(cfg: IdentityConfig): string {
  return `${cfg.issuerBase.replace(/\/+$/, '')}/${cfg.tenantId}/`;
}

/**
 * POST /{tenant}/oauth2/v2.0/token with the client credentials grant. The caller has already matched the
 * tenant (see matchTenant / tenantNotFound) and parsed the form; unknown form fields (MSAL telemetry) are ignored.
 */
export function handleTokenRequest(form: URLSearchParams, ctx: TokenRequestContext): TokenResponse {
  const errOpts = { now: ctx.now, correlationId: form.get('client-request-id') };
  const toResponse = (f: Failure) => aadError(f.status, f.error, f.code, f.message, errOpts);
  const early = checkGrant(form) ?? checkScope(form, ctx.cfg);
  if (early) return toResponse(early);
  const clientId = form.get('client_id')!;
  const app = findApp(ctx.apps, clientId);
  if (!app) return toResponse(unknownApp(clientId, ctx.cfg));
  const auth = authenticate(form, app, ctx);
  if (!auth.ok) return toResponse(auth.failure);
  const { token } = issueAccessToken(app, auth.appidacr, ctx.cfg, ctx.now);
  return {
    status: 200,
    body: {
      token_type: 'Bearer',
      expires_in: ctx.cfg.tokenLifetimeSeconds,
      ext_expires_in: ctx.cfg.tokenLifetimeSeconds,
      access_token: token,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Access token validation (Graph side)
// ---------------------------------------------------------------------------------------------------------

export type AccessTokenValidation =
  | { ok: true; claims: AccessTokenClaims }
  | { ok: false; status: 401; code: 'InvalidAuthenticationToken'; message: string };

const invalidToken = (message: string): AccessTokenValidation => ({
  ok: false,
  status: 401,
  code: 'InvalidAuthenticationToken',
  message,
});

function hasClaimShapes(p: Record<string, unknown>): boolean {
  const strings = ['aud', 'iss', 'tid', 'appid', 'oid', 'uti'].every((k) => typeof p[k] === 'string');
  const numbers = ['iat', 'nbf', 'exp'].every((k) => typeof p[k] === 'number');
  const roles = Array.isArray(p.roles) && p.roles.every((r) => typeof r === 'string');
  return strings && numbers && roles && p.ver === '1.0';
}

/**
 * Checks an Authorization header the way Graph answers: 401 InvalidAuthenticationToken with its messages.
 * No clock skew is allowed: the emulator issues and validates with the same clock (`now`).
 */
export function validateAccessToken(
  authorization: string | undefined,
  ctx: { cfg: IdentityConfig; now: number },
): AccessTokenValidation {
  const match = /^Bearer(?:\s+(.*))?$/is.exec(authorization?.trim() ?? '');
  const token = match?.[1]?.trim();
  if (!token) return invalidToken('Access token is empty.');
  const verified = verifyHs256(token, ctx.cfg.signingKey);
  if (!verified.ok) {
    return invalidToken(
      verified.reason === 'malformed'
        ? 'CompactToken parsing failed with error code: 80049217'
        : 'Access token validation failure.',
    );
  }
  const p = verified.payload;
  if (!hasClaimShapes(p) || p.aud !== ctx.cfg.graphAudience || p.iss !== tokenIssuer(ctx.cfg)) {
    return invalidToken('Access token validation failure.');
  }
  if (p.tid !== ctx.cfg.tenantId) return invalidToken('Access token validation failure.');
  const claims = p as unknown as AccessTokenClaims;
  const nowSec = ctx.now / 1000;
  if (claims.exp <= nowSec || claims.nbf > nowSec) {
    return invalidToken('Access token has expired or is not yet valid.');
  }
  return { ok: true, claims };
}
