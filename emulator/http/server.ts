import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import {
  handleTokenRequest,
  type IdentityConfig,
  jwksDocument,
  matchTenant,
  openIdConfiguration,
  tenantNotFound,
  validateAccessToken,
} from '../auth/identity.js';
import type { TlsMaterial } from '../auth/tls.js';
import type { EmulatorContext } from '../context.js';
import type { BodyFault } from '../faults.js';
import { runBatch } from '../graph/batch.js';
import { errorBody, execute, newRequestId, throttled } from '../graph/execute.js';
import { splitPath } from '../graph/path.js';
import { ALL_ROLES_SET } from '../graph/roles.js';
import { adminRequest } from './admin.js';
import { badRequest, GraphHttpError } from './errors.js';
import type { GraphRequest, GraphResponse } from './types.js';

const JSON_TYPE =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const MAX_BODY = 4 * 1024 * 1024;

/** The emulator's HTTPS front: identity endpoints, Graph under /v1.0 and /beta, and /_emulator admin. */
export class EmulatorServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  identity!: IdentityConfig;
  onChange: (() => void) | undefined;

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly tls: TlsMaterial,
  ) {}

  async listen(port: number, host: string): Promise<string> {
    const server = createServer(
      { key: this.tls.keyPem, cert: this.tls.certPem, keepAliveTimeout: 30_000 },
      (req, res) => {
        this.handle(req, res).catch((e: unknown) => {
          process.stderr.write(`emulator: ${(e as Error).stack ?? String(e)}\n`);
          if (!res.headersSent) {
            res.writeHead(500, { 'Content-Type': 'text/plain' });
            res.end('internal emulator error');
          } else res.destroy();
        });
      },
    );
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('tlsClientError', () => {});
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address();
    const actualPort = typeof addr === 'object' && addr ? addr.port : port;
    const baseUrl = `https://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
    this.ctx.baseUrl = baseUrl;
    const ctx = this.ctx;
    this.identity = {
      tenantId: this.ctx.tenantId,
      domains: this.ctx.store.domains,
      get tokenLifetimeSeconds() {
        return ctx.behaviour.tokenLifetimeSeconds;
      },
      signingKey: this.ctx.signingKey,
      graphAudience: baseUrl,
      issuerBase: baseUrl,
    };
    return baseUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.ctx.counters.requests++;
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    const body = await readBody(req);
    if (body === undefined) {
      send(res, 413, { 'Content-Type': 'text/plain' }, 'request body too large');
      return;
    }
    if (path.startsWith('/_emulator/')) {
      // The admin endpoints take no token: only clients on this machine may use them, even when the
      // emulator listens on another interface.
      if (!isLoopback(req.socket.remoteAddress)) {
        send(
          res,
          403,
          { 'Content-Type': 'application/json' },
          JSON.stringify({ error: 'admin endpoints are loopback only' }),
        );
        return;
      }
      const r = adminRequest(this.ctx, req.method ?? 'GET', url, body);
      if (req.method !== 'GET') this.onChange?.();
      send(res, r.status, { 'Content-Type': 'application/json' }, JSON.stringify(r.body));
      return;
    }
    const version = /^\/(v1\.0|beta)(\/|$)/.exec(path)?.[1] as 'v1.0' | 'beta' | undefined;
    if (version) {
      await this.graph(req, res, version, url.slice(version.length + 2), body);
      return;
    }
    this.identityRequest(req, res, path, body);
  }

  private identityRequest(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): void {
    const segs = path.split('/').filter(Boolean);
    const tenant = segs[0] ?? '';
    const rest = segs.slice(1).join('/').toLowerCase();
    const now = this.ctx.now();
    const json = (status: number, payload: object) =>
      send(
        res,
        status,
        { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
        JSON.stringify(payload),
      );
    if (tenant === 'common' && rest === 'discovery/instance') {
      const host = new URL(this.ctx.baseUrl).host;
      json(200, {
        tenant_discovery_endpoint: `${this.ctx.baseUrl}/${this.ctx.tenantId}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      });
      return;
    }
    const known = ['v2.0/.well-known/openid-configuration', 'oauth2/v2.0/token', 'discovery/v2.0/keys'];
    if (!known.includes(rest)) {
      json(404, { error: 'not_found', error_description: `The emulator does not serve ${path}.` });
      return;
    }
    if (!matchTenant(tenant, this.identity)) {
      const r = tenantNotFound(tenant, { now });
      json(r.status, r.body);
      return;
    }
    if (rest === 'v2.0/.well-known/openid-configuration')
      json(200, openIdConfiguration(this.ctx.baseUrl, this.ctx.tenantId));
    else if (rest === 'discovery/v2.0/keys') json(200, jwksDocument());
    else if (req.method !== 'POST')
      json(405, { error: 'invalid_request', error_description: 'The token endpoint takes POST.' });
    else {
      const r = handleTokenRequest(new URLSearchParams(body.toString('utf8')), {
        cfg: this.identity,
        apps: this.ctx.apps,
        tokenEndpointUrl: `${this.ctx.baseUrl}${path}`,
        now,
      });
      if (r.status === 200) this.ctx.counters.tokensIssued++;
      json(r.status, r.body);
    }
  }

  private async graph(
    req: IncomingMessage,
    res: ServerResponse,
    version: 'v1.0' | 'beta',
    rest: string,
    raw: Buffer,
  ): Promise<void> {
    const ctx = this.ctx;
    ctx.counters.graphRequests++;
    const requestId = newRequestId();
    const headers = lowerHeaders(req);
    const clientRequestId = headers['client-request-id'] ?? requestId;
    const decision = ctx.faults.decide();
    if (decision.delayMs > 0) await new Promise((r) => setTimeout(r, decision.delayMs));

    const gzip = /\bgzip\b/i.test(headers['accept-encoding'] ?? '');
    const reply = (r: GraphResponse) => this.reply(res, r, requestId, clientRequestId, decision.body, gzip);
    const fail = (err: GraphHttpError) =>
      reply({
        status: err.status,
        headers: err.headers,
        body: errorBody(err, requestId, clientRequestId, ctx.now()),
      });

    const fault = decision.pre;
    if (fault !== 'none') ctx.count(fault);
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault === '429') return fail(throttled(ctx.faults.config.retryAfterSeconds));
    if (fault === '503' || fault === '504') {
      const extra: Record<string, string> =
        fault === '503' ? { 'Retry-After': String(ctx.faults.config.retryAfterSeconds) } : {};
      return fail(
        new GraphHttpError(
          Number(fault),
          fault === '503' ? 'ServiceUnavailable' : 'GatewayTimeout',
          'The service is temporarily unavailable.',
          undefined,
          extra,
        ),
      );
    }

    const auth = validateAccessToken(headers.authorization, { cfg: this.identity, now: ctx.now() });
    if (auth.ok && ctx.rejectAllTokens) {
      Object.assign(auth, {
        ok: false,
        code: 'InvalidAuthenticationToken',
        message: 'Access token validation failure.',
      });
    }
    if (!auth.ok) {
      const err = new GraphHttpError(401, auth.code, auth.message, undefined, {
        'WWW-Authenticate': `Bearer realm="", authorization_uri="${ctx.baseUrl}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
      });
      return fail(err);
    }
    let path: { segments: string[]; query: URLSearchParams };
    let body: unknown;
    try {
      path = splitPath(rest);
      body = parseJsonBody(raw, headers['content-type']);
    } catch (e) {
      return fail(e instanceof GraphHttpError ? e : badRequest(String(e)));
    }
    const roles = new Set(auth.claims.roles.filter((r) => ALL_ROLES_SET.has(r)));
    const graphReq: GraphRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      version,
      segments: path.segments,
      query: path.query,
      headers,
      body,
      roles,
      appId: auth.claims.appid,
      inBatch: false,
    };
    let result: GraphResponse;
    if (graphReq.segments[0] === '$batch' && graphReq.segments.length === 1) {
      if (graphReq.method !== 'POST')
        return fail(badRequest('Specified HTTP method is not allowed for the request target.'));
      try {
        result = runBatch(ctx, graphReq);
      } catch (e) {
        return fail(e instanceof GraphHttpError ? e : badRequest(String(e)));
      }
    } else {
      result = execute(ctx, graphReq, requestId);
    }
    if (graphReq.method !== 'GET') this.onChange?.();
    reply(result);
  }

  private reply(
    res: ServerResponse,
    r: GraphResponse,
    requestId: string,
    clientRequestId: string,
    bodyFault: BodyFault,
    gzip = false,
  ): void {
    const headers: Record<string, string> = {
      'request-id': requestId,
      'client-request-id': clientRequestId,
      'x-ms-ags-diagnostic': JSON.stringify({
        ServerInfo: {
          DataCenter: 'Loopback',
          Slice: 'E',
          Ring: '0',
          ScaleUnit: '000',
          RoleInstance: 'EMULATOR',
        },
      }),
      'x-ms-resource-unit': '1',
      'OData-Version': '4.0',
      'Cache-Control': 'no-cache',
      ...(r.headers ?? {}),
    };
    if (r.body === undefined || r.status === 204) {
      send(res, r.status, headers, undefined);
      return;
    }
    const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    if (!headers['Content-Type']) headers['Content-Type'] = JSON_TYPE;
    const fault = r.status === 200 ? bodyFault : 'none';
    if (fault === 'none') {
      // Graph compresses when asked; small bodies are not worth it.
      if (gzip && text.length > 1024) {
        send(res, r.status, { ...headers, 'Content-Encoding': 'gzip' }, gzipSync(text, { level: 1 }));
        return;
      }
      send(res, r.status, headers, text);
      return;
    }
    this.ctx.count(fault);
    const bytes = Buffer.from(text);
    if (fault === 'corrupt') {
      // Same length, broken JSON: a few bytes in the middle become garbage.
      const at = Math.floor(bytes.length / 2);
      bytes.fill(0x7b, at, Math.min(bytes.length, at + 8));
      send(res, r.status, headers, bytes);
      return;
    }
    // Truncated: the declared length is the full body, the connection ends halfway.
    res.writeHead(r.status, { ...headers, 'Content-Length': String(bytes.length) });
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.destroy());
  }
}

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer | undefined,
): void {
  const h: Record<string, string> = { ...headers };
  if (body !== undefined) h['Content-Length'] = String(Buffer.byteLength(body));
  res.writeHead(status, h);
  res.end(body);
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

function lowerHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseJsonBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  if (contentType !== undefined && !/json/i.test(contentType)) {
    throw badRequest('Write requests (excluding DELETE) must contain the Content-Type header declaration.');
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw badRequest(
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
}
