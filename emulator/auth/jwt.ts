/**
 * Minimal JWT helpers (node:crypto only): HS256 for the emulator's own access tokens, and verification of
 * the RS256 / PS256 client assertions that MSAL signs with an app's certificate.
 */
import { constants, createHash, createHmac, timingSafeEqual, verify, X509Certificate } from 'node:crypto';

export type JsonObject = Record<string, unknown>;

export function base64UrlEncode(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Decodes base64url (padding tolerated); returns null for characters outside the alphabet. */
export function base64UrlDecode(text: string): Buffer | null {
  const unpadded = text.replace(/=+$/, '');
  if (!/^[A-Za-z0-9_-]*$/.test(unpadded)) return null;
  return Buffer.from(unpadded, 'base64url');
}

export interface DecodedJwt {
  header: JsonObject;
  payload: JsonObject;
  signingInput: string;
  signature: Buffer;
}

function parseJsonObject(part: string): JsonObject | null {
  const bytes = base64UrlDecode(part);
  if (!bytes) return null;
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as JsonObject)
      : null;
  } catch {
    return null;
  }
}

/** Splits and parses a compact JWS without checking anything; null when it is not one. */
export function decodeJwt(token: string): DecodedJwt | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [h, p, s] = parts as [string, string, string];
  const header = parseJsonObject(h);
  const payload = parseJsonObject(p);
  const signature = base64UrlDecode(s);
  if (!header || !payload || !signature || typeof header.alg !== 'string') return null;
  return { header, payload, signingInput: `${h}.${p}`, signature };
}

export function signHs256(payload: JsonObject, key: Buffer | string): string {
  const signingInput = `${base64UrlEncode(JSON.stringify({ typ: 'JWT', alg: 'HS256' }))}.${base64UrlEncode(
    JSON.stringify(payload),
  )}`;
  const mac = createHmac('sha256', key).update(signingInput).digest();
  return `${signingInput}.${base64UrlEncode(mac)}`;
}

export type Hs256Result =
  | { ok: true; header: JsonObject; payload: JsonObject }
  | { ok: false; reason: 'malformed' | 'signature' };

/** Verifies an HS256 token; 'malformed' and 'signature' are kept apart because Graph words them differently. */
export function verifyHs256(token: string, key: Buffer | string): Hs256Result {
  const jwt = decodeJwt(token);
  if (!jwt) return { ok: false, reason: 'malformed' };
  if (jwt.header.alg !== 'HS256') return { ok: false, reason: 'signature' };
  const expected = createHmac('sha256', key).update(jwt.signingInput).digest();
  const valid = expected.length === jwt.signature.length && timingSafeEqual(expected, jwt.signature);
  return valid ? { ok: true, header: jwt.header, payload: jwt.payload } : { ok: false, reason: 'signature' };
}

// ---------------------------------------------------------------------------------------------------------
// Client assertions (certificate credentials)
// ---------------------------------------------------------------------------------------------------------

export interface ClientAssertionOptions {
  clientId: string;
  /** The app's registered certificates (PEM); several may be registered, the header thumbprint picks one. */
  certificates: readonly string[];
  /** The token endpoint URL(s) accepted as `aud`; compared case-insensitively (MSAL lower-cases the authority). */
  audience: string | readonly string[];
  now: number /* ms */;
  clockSkewSeconds?: number;
}

export type ClientAssertionResult =
  | { ok: true; thumbprintSha1Hex: string }
  | { ok: false; aadsts: number; error: 'invalid_client' | 'invalid_request'; description: string };

/** PS256 per RFC 7518 §3.5 and as jwa (used by msal-node via jsonwebtoken) signs: salt length = digest length. */
export const PS256_SALT_LENGTH = 32;
const DEFAULT_SKEW_SECONDS = 300;
const CERT_DOCS = 'https://learn.microsoft.com/entra/identity-platform/certificate-credentials';

interface RegisteredCert {
  cert: X509Certificate;
  sha1: Buffer;
  sha256: Buffer;
}

function loadCertificates(pems: readonly string[]): RegisteredCert[] {
  const out: RegisteredCert[] = [];
  for (const pem of pems) {
    try {
      const cert = new X509Certificate(pem);
      out.push({
        cert,
        sha1: createHash('sha1').update(cert.raw).digest(),
        sha256: createHash('sha256').update(cert.raw).digest(),
      });
    } catch {
      // An unreadable registration cannot match any assertion; skipping it mirrors a key that is absent.
    }
  }
  return out;
}

const fail = (
  aadsts: number,
  description: string,
  error: 'invalid_client' | 'invalid_request' = 'invalid_client',
): ClientAssertionResult => ({ ok: false, aadsts, error, description });

/** AADSTS700027 wording as seen in real answers; the thumbprint is the one the client sent (upper-case hex). */
function keyFailure(reason: string, thumbprintHex: string, clientId: string): ClientAssertionResult {
  return fail(
    700027,
    `Client assertion contains an invalid signature. [Reason - ${reason}, ` +
      `Thumbprint of key used by client: '${thumbprintHex}', Please visit the Azure Portal, Graph Explorer ` +
      `or directly use MS Graph to see configured keys for app Id '${clientId}'.]`,
  );
}

function verifySignature(
  alg: string,
  signingInput: string,
  signature: Buffer,
  cert: X509Certificate,
): boolean {
  const key =
    alg === 'PS256'
      ? { key: cert.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PS256_SALT_LENGTH }
      : cert.publicKey;
  try {
    return verify('sha256', Buffer.from(signingInput), key, signature);
  } catch {
    return false;
  }
}

/** .NET-style round-trip time as ESTS prints it in AADSTS700024: 2024-10-02T22:05:03.6755165Z. */
function estsTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

function checkLifetime(
  payload: Record<string, unknown>,
  now: number,
  skew: number,
): ClientAssertionResult | null {
  const { exp, nbf } = payload;
  if (typeof exp !== 'number') return fail(50027, 'JWT token is invalid or malformed.', 'invalid_request');
  if (nbf !== undefined && typeof nbf !== 'number') {
    return fail(50027, 'JWT token is invalid or malformed.', 'invalid_request');
  }
  const nowSec = now / 1000;
  const expired = exp + skew <= nowSec;
  const early = typeof nbf === 'number' && nbf - skew > nowSec;
  if (!expired && !early) return null;
  return fail(
    700024,
    `Client assertion is not within its valid time range. Current time: ${estsTime(now)}, ` +
      `assertion valid from ${estsTime((typeof nbf === 'number' ? nbf : 0) * 1000)}, ` +
      `expiry time of assertion ${estsTime(exp * 1000)}. Review the documentation at ${CERT_DOCS} .`,
  );
}

function audienceMatches(aud: unknown, accepted: string | readonly string[]): boolean {
  if (typeof aud !== 'string') return false;
  const wanted = (typeof accepted === 'string' ? [accepted] : accepted).map((a) => a.toLowerCase());
  return wanted.includes(aud.toLowerCase());
}

function checkClaims(
  payload: Record<string, unknown>,
  opts: ClientAssertionOptions,
): ClientAssertionResult | null {
  if (!audienceMatches(payload.aud, opts.audience)) {
    return fail(
      700023,
      `Client assertion audience claim does not match Realm issuer. Review the documentation at ${CERT_DOCS} .`,
    );
  }
  if (typeof payload.iss !== 'string' || payload.iss !== payload.sub) {
    return fail(50048, 'Subject must match the issuer claim in the client assertion.');
  }
  if (payload.iss.toLowerCase() !== opts.clientId.toLowerCase()) {
    // UNCONFIRMED code/wording.
    return fail(700021, "Client assertion application identifier doesn't match 'client_id' parameter.");
  }
  const lifetime = checkLifetime(payload, opts.now, opts.clockSkewSeconds ?? DEFAULT_SKEW_SECONDS);
  if (lifetime) return lifetime;
  if (typeof payload.jti !== 'string' || payload.jti === '') {
    // UNCONFIRMED: ESTS's answer to a missing jti is not documented; treat as a malformed assertion.
    return fail(50027, 'JWT token is invalid or malformed.', 'invalid_request');
  }
  return null;
}

/**
 * Verifies a client_assertion the way ESTS does for certificate credentials. Accepts what msal-node 7 sends:
 * RS256 + `x5t` (SHA-1 thumbprint) or PS256 + `x5t#S256` (SHA-256 thumbprint), `typ` JWT, optional `x5c`
 * (ignored: subject-name/issuer auth is not emulated), claims aud/iss/sub/jti/nbf/exp/iat.
 */
export function verifyClientAssertion(token: string, opts: ClientAssertionOptions): ClientAssertionResult {
  const jwt = decodeJwt(token);
  if (!jwt) return fail(50027, 'JWT token is invalid or malformed.', 'invalid_request');
  const alg = jwt.header.alg as string;
  if (alg !== 'RS256' && alg !== 'PS256') {
    // UNCONFIRMED wording; ESTS reports unsupported algorithms as AADSTS5002738.
    return fail(
      5002738,
      `Invalid JWT token. '${alg}' is not a supported signature algorithm. Supported signing algorithms are: 'RS256, PS256'`,
      'invalid_request',
    );
  }
  // The thumbprint header must match the algorithm, as MSAL pairs them.
  const headerName = alg === 'PS256' ? 'x5t#S256' : 'x5t';
  const thumbText = jwt.header[headerName];
  const thumb = typeof thumbText === 'string' ? base64UrlDecode(thumbText) : null;
  const thumbHex = thumb ? thumb.toString('hex').toUpperCase() : '';
  const registered = loadCertificates(opts.certificates);
  const match = thumb && registered.find((r) => (alg === 'PS256' ? r.sha256 : r.sha1).equals(thumb));
  if (!match) return keyFailure('The key was not found.', thumbHex, opts.clientId);
  if (!verifySignature(alg, jwt.signingInput, jwt.signature, match.cert)) {
    return keyFailure(
      'The provided signature value did not match the expected signature value.',
      thumbHex,
      opts.clientId,
    );
  }
  const validFrom = Date.parse(match.cert.validFrom);
  const validTo = Date.parse(match.cert.validTo);
  if (opts.now < validFrom || opts.now > validTo) {
    // UNCONFIRMED reason text; the key credential's own validity is enforced by ESTS.
    return keyFailure('The key used is expired.', thumbHex, opts.clientId);
  }
  return (
    checkClaims(jwt.payload, opts) ?? {
      ok: true,
      thumbprintSha1Hex: match.sha1.toString('hex').toUpperCase(),
    }
  );
}
