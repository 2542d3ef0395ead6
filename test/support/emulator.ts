import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { sharedTls } from './tls.js';

/** A running emulator with one all-permission app, and a small HTTPS client that trusts it. */
export interface TestTenant {
  emu: RunningEmulator;
  clientId: string;
  secret: string;
  agent: Agent;
  token(clientId?: string, secret?: string): Promise<string>;
  /** A Graph call with a fresh-enough token; `path` is relative to /v1.0 unless it starts with https. */
  graph(
    method: string,
    path: string,
    opts?: { body?: unknown; headers?: Record<string, string>; token?: string },
  ): Promise<GraphReply>;
  close(): Promise<void>;
}

export interface GraphReply {
  status: number;
  headers: Record<string, string>;
  body: any;
  text: string;
}

export async function startTestTenant(opts: EmulatorOptions = {}): Promise<TestTenant> {
  const clientId = randomUUID();
  const secret = randomBytes(24).toString('base64url');
  const emu = await startEmulator({
    tls: sharedTls(),
    ...opts,
    apps: [{ clientId, secrets: [secret], certificates: [], roles: 'all' }, ...(opts.apps ?? [])],
  });
  const agent = new Agent({ connect: { ca: emu.caCertPem }, keepAliveTimeout: 10_000 });
  let cached: string | undefined;

  async function token(id = clientId, sec = secret): Promise<string> {
    const res = await request(`${emu.baseUrl}/${emu.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: id,
        client_secret: sec,
        grant_type: 'client_credentials',
        scope: `${emu.baseUrl}/.default`,
      }).toString(),
    });
    const body = (await res.body.json()) as { access_token?: string; error_description?: string };
    if (!body.access_token) throw new Error(`token request failed: ${body.error_description}`);
    return body.access_token;
  }

  async function graph(
    method: string,
    path: string,
    o: { body?: unknown; headers?: Record<string, string>; token?: string } = {},
  ): Promise<GraphReply> {
    cached ??= await token();
    const url = path.startsWith('https://')
      ? path
      : `${emu.baseUrl}/v1.0${path.startsWith('/') ? '' : '/'}${path}`;
    const res = await request(url, {
      method: method as 'GET',
      dispatcher: agent,
      headers: {
        authorization: `Bearer ${o.token ?? cached}`,
        ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...o.headers,
      },
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
    });
    const text = await res.body.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers))
      headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
    return { status: res.statusCode, headers, body, text };
  }

  return {
    emu,
    clientId,
    secret,
    agent,
    token,
    graph,
    close: async () => {
      await agent.close();
      await emu.close();
    },
  };
}

/** Follows nextLinks to the end; returns every page. */
export async function allPages(
  t: TestTenant,
  first: string,
  headers: Record<string, string> = {},
): Promise<any[]> {
  const pages: any[] = [];
  let url: string | undefined = first;
  while (url) {
    const r = await t.graph('GET', url, { headers });
    if (r.status !== 200) throw new Error(`GET ${url} → ${r.status} ${r.text}`);
    pages.push(r.body);
    url = r.body['@odata.nextLink'];
  }
  return pages;
}
