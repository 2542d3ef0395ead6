import { ConfidentialClientApplication, type Configuration, LogLevel } from '@azure/msal-node';
import type { Dispatcher } from 'undici';
import { CertificateError, loadClientCertificate } from './certificate.js';
import { type Cloud, graphScope } from './clouds.js';
import type { Counters } from './counters.js';
import { TransportError } from './errors.js';
import { MsalNetwork } from './msal-network.js';
import { type CertificateStore, StoreAssertion, StoreCertificateError } from './store-certificate.js';

/**
 * Access tokens for Graph from msal-node's client-credentials flow. A small holder above MSAL decides
 * reuse: msal-node treats a cached app token as stale 300 s before expiry, which for short-lived tokens
 * would mean a network call per request. We keep a token until min(300 s, a fifth of its lifetime)
 * before it expires, share one refresh among concurrent callers, and force exactly one refresh when
 * Graph answers 401 for the token we sent.
 */
export type Credential =
  | { readonly kind: 'secret'; readonly secret: string }
  | { readonly kind: 'certificate'; readonly path: string; readonly password?: string | undefined }
  /**
   * A certificate kept in a store whose private key never leaves it (Windows' LocalMachine\My through
   * MIM's bridge): the connector builds the client assertion, the store signs it.
   */
  | { readonly kind: 'store'; readonly thumbprint: string; readonly store: CertificateStore };

export interface TokenOptions {
  cloud: Cloud;
  tenantId: string;
  clientId: string;
  credential: Credential;
  dispatcher: Dispatcher;
  counters: Counters;
  timeoutMs: number;
  now?: () => number;
}

export class AuthenticationError extends Error {
  constructor(
    message: string,
    /** AADSTS code when Entra gave one. */
    readonly aadsts: number | undefined,
    /** `invalid_client`, `unauthorized_client`, ... or `network` */
    readonly errorCode: string,
  ) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

interface HeldToken {
  token: string;
  expiresAt: number;
  renewAt: number;
}

const RESERVED_TENANTS = new Set(['common', 'organizations', 'consumers']);

export class TokenProvider {
  private readonly app: ConfidentialClientApplication;
  private readonly network: MsalNetwork;
  private readonly scopes: string[];
  private readonly now: () => number;
  private held: HeldToken | undefined;
  private inflight: Promise<string> | undefined;
  /** Why the last client assertion could not be made (MSAL would hide it behind its own error). */
  private assertionFailure: unknown;

  constructor(private readonly o: TokenOptions) {
    this.now = o.now ?? Date.now;
    this.scopes = [graphScope(o.cloud)];
    this.network = new MsalNetwork(o.dispatcher, o.counters, o.timeoutMs);
    let assertion: ((audience: string | undefined) => Promise<string>) | undefined;
    if (o.credential.kind === 'store') {
      const store = new StoreAssertion(o.credential.store, o.credential.thumbprint, o.clientId, this.now);
      const fallbackAudience = `${o.cloud.loginEndpoint}/${o.tenantId}/oauth2/v2.0/token`;
      assertion = async (audience) => {
        try {
          return await store.create(audience ?? fallbackAudience);
        } catch (e) {
          this.assertionFailure = e;
          throw e;
        }
      };
    }
    this.app = new ConfidentialClientApplication(msalConfiguration(o, this.network, assertion));
  }

  /** The held token if it is still before its renewal time (no promise: the common case is hot). */
  current(): string | undefined {
    const h = this.held;
    return h && this.now() < h.renewAt ? h.token : undefined;
  }

  /** A token valid for at least the renewal margin. */
  async getToken(): Promise<string> {
    const h = this.held;
    if (h && this.now() < h.renewAt) return h.token;
    return this.refresh(false);
  }

  /**
   * Graph refused `rejected` with 401. If nobody renewed it meanwhile, get a new one bypassing
   * MSAL's cache; otherwise use the newer token.
   */
  async renewAfter401(rejected: string): Promise<string> {
    this.o.counters.tokenRefreshesOn401++;
    if (this.held && this.held.token !== rejected) return this.held.token;
    this.held = undefined;
    return this.refresh(true);
  }

  private refresh(skipCache: boolean): Promise<string> {
    // Concurrent callers share one request to the token endpoint.
    this.inflight ??= this.acquire(skipCache).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async acquire(skipCache: boolean): Promise<string> {
    const started = this.now();
    let result: Awaited<ReturnType<ConfidentialClientApplication['acquireTokenByClientCredential']>>;
    this.network.takeFailure();
    this.assertionFailure = undefined;
    try {
      result = await this.app.acquireTokenByClientCredential({ scopes: this.scopes, skipCache });
    } catch (e) {
      const assertion = this.assertionFailure;
      this.assertionFailure = undefined;
      if (assertion !== undefined) throw describeAssertionFailure(assertion);
      // MSAL hides our transport error behind its own `network_error`; the transport error says why.
      throw this.network.takeFailure() ?? describeMsalError(e, this.o);
    }
    if (!result?.accessToken || !result.expiresOn) {
      throw new AuthenticationError(
        'the token endpoint answered without an access token',
        undefined,
        'invalid_response',
      );
    }
    if (!result.fromCache) this.o.counters.tokensAcquired++;
    const expiresAt = result.expiresOn.getTime();
    const lifetime = Math.max(0, expiresAt - started);
    const margin = Math.min(300_000, lifetime / 5);
    this.held = { token: result.accessToken, expiresAt, renewAt: expiresAt - margin };
    return result.accessToken;
  }
}

/**
 * A store certificate that cannot be used is a credential problem (BadServerCredentials for MIM); what
 * the store itself answered (the bridge's own failure, with its MIM exception name) passes unchanged.
 */
function describeAssertionFailure(e: unknown): unknown {
  if (e instanceof StoreCertificateError) return new AuthenticationError(e.message, undefined, e.reason);
  return e;
}

function msalConfiguration(
  o: TokenOptions,
  networkClient: MsalNetwork,
  assertion?: (audience: string | undefined) => Promise<string>,
): Configuration {
  if (!o.tenantId || RESERVED_TENANTS.has(o.tenantId.toLowerCase())) {
    throw new AuthenticationError(
      `tenant must be your tenant id (GUID) or a verified domain; '${o.tenantId}' cannot be used for app sign-in`,
      undefined,
      'configuration',
    );
  }
  if (!/^[A-Za-z0-9.-]+$/.test(o.tenantId)) {
    throw new AuthenticationError(
      `tenant '${o.tenantId}' is neither a GUID nor a domain name`,
      undefined,
      'configuration',
    );
  }
  const authority = `${o.cloud.loginEndpoint}/${o.tenantId}`;
  const auth: Configuration['auth'] = { clientId: o.clientId, authority };
  if (o.credential.kind === 'secret') {
    if (!o.credential.secret)
      throw new AuthenticationError('the client secret is empty', undefined, 'configuration');
    auth.clientSecret = o.credential.secret;
  } else if (o.credential.kind === 'store') {
    if (!/^[0-9A-F]{40}$/.test(o.credential.thumbprint)) {
      throw new AuthenticationError(
        `certificate thumbprint '${o.credential.thumbprint}' is not a SHA-1 thumbprint (40 hexadecimal digits)`,
        undefined,
        'configuration',
      );
    }
    // MSAL calls back for every token request it sends; the assertion is built and signed then.
    auth.clientAssertion = (c) => assertion!(c.tokenEndpoint);
  } else {
    const cert = loadClientCertificate(o.credential.path, o.credential.password);
    if (cert.notAfter.getTime() <= (o.now ?? Date.now)()) {
      // Entra refuses assertions signed with an expired key (AADSTS700027 "The key used is expired").
      throw new CertificateError(
        `the certificate in ${o.credential.path} (SHA-256 thumbprint ${cert.thumbprintSha256}) expired on ` +
          `${cert.notAfter.toISOString()}; create a new one and register it on the app`,
      );
    }
    auth.clientCertificate = { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKeyPem };
  }
  if (!o.cloud.builtIn) {
    // A custom login host: trust it as given and never ask Microsoft's public discovery endpoints.
    const host = new URL(o.cloud.loginEndpoint).host;
    const t = authority;
    auth.knownAuthorities = [host];
    auth.authorityMetadata = JSON.stringify({
      token_endpoint: `${t}/oauth2/v2.0/token`,
      authorization_endpoint: `${t}/oauth2/v2.0/authorize`,
      issuer: `${t}/v2.0`,
      jwks_uri: `${t}/discovery/v2.0/keys`,
      end_session_endpoint: `${t}/oauth2/v2.0/logout`,
    });
    auth.cloudDiscoveryMetadata = JSON.stringify({
      tenant_discovery_endpoint: `${t}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  }
  return {
    auth,
    system: {
      networkClient,
      loggerOptions: { piiLoggingEnabled: false, logLevel: LogLevel.Error, loggerCallback: () => {} },
    },
  };
}

function describeMsalError(e: unknown, o: TokenOptions): Error {
  if (e instanceof TransportError || e instanceof AuthenticationError) return e;
  const err = e as { errorCode?: string; errorMessage?: string; message?: string; cause?: unknown };
  if (err.cause instanceof TransportError) return err.cause;
  const text = err.errorMessage ?? err.message ?? String(e);
  const aadsts = Number(/AADSTS(\d+)/.exec(text)?.[1]) || undefined;
  // MSAL wraps Entra's description as "Error(s): … - Description: AADSTS…: reason\r\nTrace ID: …";
  // the reason is the AADSTS line, without the trace and correlation ids that follow it.
  const reason = (
    /AADSTS\d+:[^\r\n]*/.exec(text)?.[0] ??
    /Description: ([^\r\n]*)/.exec(text)?.[1] ??
    text.split(/\r?\n/)[0]!.replace(/^\w+: /, '')
  ).replace(/ - (?:Correlation|Trace) ID: .*$/, '');
  const hint =
    aadsts === 7000215 || aadsts === 7000222
      ? 'the client secret is wrong or expired; create a new one in the app registration'
      : aadsts === 700016
        ? `no app with client id ${o.clientId} in tenant ${o.tenantId}; check both and the cloud setting`
        : aadsts === 90002
          ? `tenant ${o.tenantId} not found in the ${o.cloud.name} cloud`
          : aadsts === 700027 && /key used is expired/i.test(text)
            ? 'the certificate has expired; create a new one and register it on the app'
            : aadsts === 700027 || aadsts === 700024
              ? "the certificate is not registered on the app, or the assertion's clock is off"
              : undefined;
  return new AuthenticationError(
    `sign-in to ${o.cloud.loginEndpoint} as ${o.clientId} failed: ${reason}${hint ? ` — ${hint}` : ''}`,
    aadsts,
    err.errorCode ?? 'unknown',
  );
}
