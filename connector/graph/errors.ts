/**
 * Errors of Graph calls. A GraphError carries what an administrator needs to act and to open a
 * ticket with Microsoft (status, code, request-id), never a token or a secret.
 */
export interface GraphErrorInit {
  status: number;
  code: string;
  message: string;
  method: string;
  path: string;
  requestId?: string | undefined;
  clientRequestId?: string | undefined;
  /** Seconds Graph asked us to wait, when it said. */
  retryAfterSeconds?: number | undefined;
  details?: { code?: string; message?: string; target?: string }[] | undefined;
}

export class GraphError extends Error {
  readonly status: number;
  readonly code: string;
  readonly method: string;
  readonly path: string;
  readonly requestId: string | undefined;
  readonly clientRequestId: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly details: GraphErrorInit['details'];
  readonly hint: string | undefined;

  constructor(init: GraphErrorInit) {
    const hint = hintFor(init);
    super(
      `${init.method} ${init.path} → ${init.status} ${init.code}: ${init.message}` +
        (init.requestId ? ` (request-id ${init.requestId})` : '') +
        (hint ? ` — ${hint}` : ''),
    );
    this.name = 'GraphError';
    this.status = init.status;
    this.code = init.code;
    this.method = init.method;
    this.path = init.path;
    this.requestId = init.requestId;
    this.clientRequestId = init.clientRequestId;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.details = init.details;
    this.hint = hint;
  }

  /** Graph's own message, without our prefix. */
  get graphMessage(): string {
    return this.message.split(': ').slice(1).join(': ');
  }

  get isExpiredDeltaToken(): boolean {
    return isExpiredDelta(this.status, this.code);
  }
}

export const isExpiredDelta = (status: number, code: string) =>
  (status === 400 || status === 410) && /syncstatenotfound|resyncrequired/i.test(code);

function hintFor(e: GraphErrorInit): string | undefined {
  if (e.status === 401) {
    return /expired/i.test(e.message)
      ? 'the access token expired; check the clock of this server, it should be renewed automatically'
      : 'Graph refused the access token; check tenant id, client id and that the app is registered in the cloud configured';
  }
  if (e.status === 403) {
    return 'the app lacks an application permission for this call; grant it (e.g. User.ReadWrite.All, GroupMember.ReadWrite.All) and admin-consent in Entra';
  }
  if (e.status === 404)
    return 'the object does not exist (deleted, or never created); a full import refreshes the connector space';
  if (e.status === 429)
    return 'Graph throttled this app; the connector waits and retries, lower the export concurrency if it persists';
  if (isExpiredDelta(e.status, e.code))
    return 'the delta link expired (Graph keeps them about 7 days); run a full import';
  if (e.status === 400 && e.details?.some((d) => d.code === 'ObjectConflict')) {
    return `another object already holds this ${e.details.find((d) => d.code === 'ObjectConflict')?.target ?? 'value'}`;
  }
  if (e.status === 400 && /already exist/i.test(e.message)) return 'the reference is already present';
  if (e.status === 400 && e.code === 'Request_UnsupportedQuery') {
    return "Graph does not support this query; check the filter against Graph's per-property filter support";
  }
  if (e.status >= 500)
    return 'Graph had a transient failure; the connector retried and gave up, try again later';
  return undefined;
}

/** A failure below HTTP: connection, TLS, proxy, timeout, or a body that is not what Graph sends. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** Node's TLS verification failures: trust, not connectivity, is the problem. */
export const TLS_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Turns an undici/Node error into a TransportError with a message an administrator can act on. */
export function transportError(err: unknown, method: string, url: string): TransportError {
  type NodeError = { code?: string; message?: string; address?: string; port?: number; hostname?: string };
  const e = err as NodeError & { cause?: NodeError };
  const code = e.cause?.code ?? e.code ?? 'UNKNOWN';
  const sys: NodeError = e.cause?.code ? e.cause : e;
  let host = url;
  let path = url;
  let hostname = url;
  let port = '';
  try {
    const u = new URL(url);
    host = u.host;
    path = u.pathname;
    hostname = u.hostname.replace(/^\[|\]$/g, '');
    port = u.port || (u.protocol === 'http:' ? '80' : '443');
  } catch {
    // keep the raw text
  }
  const what = e.cause?.message ?? e.message ?? String(err);
  if (TLS_CODES.has(code)) {
    return new TransportError(
      `TLS verification of ${host} failed (${code}: ${what}). If this server trusts the certificate through the ` +
        'Windows certificate store (e.g. a TLS-inspecting proxy), Node.js cannot read that store: export the CA ' +
        "certificate as PEM and set the connector's CA file option (http.caFile) to that file, or NODE_EXTRA_CA_CERTS " +
        'before Node.js starts',
      code,
      method,
      path,
    );
  }
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return new TransportError(
      `${method} ${path} on ${host} timed out (${code}); raise the HTTP timeout or check the network/proxy`,
      code,
      method,
      path,
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    // Through a proxy the name that failed is the proxy's, not the target's.
    const name = sys.hostname && sys.hostname !== hostname ? `${sys.hostname} (on the way to ${host})` : host;
    return new TransportError(
      `cannot resolve ${name} (${code}); check DNS or the proxy setting`,
      code,
      method,
      path,
    );
  }
  if (code === 'ECONNREFUSED') {
    // Through a proxy the refusing peer is the proxy: name it rather than the target it never reached.
    const other = sys.address !== undefined && sys.port !== undefined && String(sys.port) !== port;
    const peer = sys.address?.includes(':') ? `[${sys.address}]:${sys.port}` : `${sys.address}:${sys.port}`;
    return new TransportError(
      other
        ? `connection to ${peer} refused on the way to ${host}; check that the proxy setting names a running proxy`
        : `connection to ${host} refused; check the endpoint and the proxy setting`,
      code,
      method,
      path,
    );
  }
  if (/407|Proxy Authentication/i.test(what)) {
    return new TransportError(
      `the proxy refused our credentials (407); check the proxy user name and password`,
      'PROXY_AUTH',
      method,
      path,
    );
  }
  return new TransportError(`${method} ${path} on ${host} failed: ${what} (${code})`, code, method, path);
}
