import dc from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TransportError } from '../../connector/graph/errors.js';
import { createDispatcher, TransportConfigError } from '../../connector/graph/transport.js';
import { type GraphTenant, startGraphTenant, startProxy, type TestProxy } from '../support/graph.js';

/**
 * An authenticating CONNECT proxy on loopback between the connector and the emulator: MSAL's token
 * request and Graph traffic both go through it, and nothing reaches the emulator around it.
 */

const USER = 'proxy-user';
const PASSWORD = 'pr0xy pass:word';

let t: GraphTenant;
let proxy: TestProxy;
let emuPort: number;

/** What the emulator's listening socket saw: every accepted connection and every request on it. */
const atEmulator = { connections: [] as number[], requests: [] as { url: string; remotePort: number }[] };

const onServerSocket = (m: unknown) => {
  const { socket } = m as { socket: Socket };
  if (socket.localPort === emuPort) atEmulator.connections.push(socket.remotePort!);
};
const onServerRequest = (m: unknown) => {
  const { request, socket } = m as { request: IncomingMessage; socket: Socket };
  if (socket.localPort === emuPort)
    atEmulator.requests.push({ url: request.url ?? '', remotePort: socket.remotePort! });
};

beforeAll(async () => {
  t = await startGraphTenant();
  emuPort = Number(new URL(t.emu.baseUrl).port);
  proxy = await startProxy(USER, PASSWORD);
  dc.subscribe('net.server.socket', onServerSocket);
  dc.subscribe('http.server.request.start', onServerRequest);
});

afterAll(async () => {
  dc.unsubscribe('net.server.socket', onServerSocket);
  dc.unsubscribe('http.server.request.start', onServerRequest);
  await t?.close();
  await proxy?.close();
});

beforeEach(() => {
  proxy.tunnels.length = 0;
  proxy.plainRequests.length = 0;
  atEmulator.connections.length = 0;
  atEmulator.requests.length = 0;
});

afterEach(() => {
  // Nothing in this file ever sends plain HTTP to the proxy: all traffic is tunnelled TLS.
  expect(proxy.plainRequests).toEqual([]);
});

const emulatorTarget = () => new URL(t.emu.baseUrl).host;

describe('through an authenticating CONNECT proxy', () => {
  it('token request and Graph calls all go through the proxy', async () => {
    const issued = t.emu.context.counters.tokensIssued;
    const c = t.client({
      http: { proxy: { url: proxy.url, username: USER, password: PASSWORD }, connections: 2 },
    });
    const res = await c.request<{ value: unknown[] }>('GET', '/users?$top=5');
    expect(res.body.value).toHaveLength(5);
    // A few calls in parallel, so more than one pooled connection may be opened.
    await Promise.all([
      c.request('GET', '/groups?$top=2'),
      c.request('GET', '/users?$top=1&$select=id'),
      c.request('GET', '/users?$top=2&$select=displayName'),
    ]);
    expect(c.counters.tokensAcquired).toBeGreaterThanOrEqual(1);
    expect(t.emu.context.counters.tokensIssued).toBeGreaterThan(issued);

    // The proxy tunnelled to the emulator, each time with our credentials.
    expect(proxy.tunnels.length).toBeGreaterThanOrEqual(1);
    expect(proxy.tunnels.map((x) => x.target)).toContain(emulatorTarget());
    expect(proxy.tunnels.every((x) => x.authorized && x.target === emulatorTarget())).toBe(true);

    // Every connection the emulator accepted is the far end of a tunnel: nothing bypassed the proxy.
    const tunnelPorts = proxy.tunnels.map((x) => x.upstreamLocalPort);
    expect(atEmulator.connections.length).toBe(proxy.tunnels.length);
    expect(atEmulator.connections.every((p) => tunnelPorts.includes(p))).toBe(true);
    // ... and the token request and the Graph calls both came in over tunnels.
    const token = atEmulator.requests.filter((r) => r.url.includes('/oauth2/v2.0/token'));
    const graph = atEmulator.requests.filter((r) => r.url.startsWith('/v1.0/'));
    expect(token.length).toBeGreaterThanOrEqual(1);
    expect(graph).toHaveLength(4);
    expect(atEmulator.requests.every((r) => tunnelPorts.includes(r.remotePort))).toBe(true);
  });

  it('certificate sign-in through the proxy works as well', async () => {
    const { generateClientCertificate } = await import('../../emulator/auth/tls.js');
    const cert = generateClientCertificate('CN=proxy-cert', 'pw');
    t.emu.registerApp({
      clientId: t.clientId,
      secrets: [t.secret],
      certificates: [cert.certPem],
      roles: 'all',
    });
    const path = t.file('proxy.pfx', cert.pfx);
    const c = t.client({
      credential: { kind: 'certificate', path, password: 'pw' },
      http: { proxy: { url: proxy.url, username: USER, password: PASSWORD } },
    });
    expect((await c.request('GET', '/users?$top=5')).status).toBe(200);
    expect(c.counters.tokensAcquired).toBe(1);
    const tunnelPorts = proxy.tunnels.map((x) => x.upstreamLocalPort);
    expect(atEmulator.requests.length).toBe(2);
    expect(atEmulator.requests.every((r) => tunnelPorts.includes(r.remotePort))).toBe(true);
  });

  it('a wrong proxy password: the proxy answers 407 and the error says so, without the password', async () => {
    const issued = t.emu.context.counters.tokensIssued;
    const wrong = 'not-the-proxy-password';
    const c = t.client({ http: { proxy: { url: proxy.url, username: USER, password: wrong } } });
    const e = await c.request('GET', '/users?$top=5').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransportError);
    const err = e as TransportError;
    expect(err.code).toBe('PROXY_AUTH');
    expect(err.message).toBe(
      'the proxy refused our credentials (407); check the proxy user name and password',
    );
    expect(err.message).not.toContain(wrong);
    expect(proxy.tunnels).toEqual([{ target: emulatorTarget(), authorized: false }]);
    expect(atEmulator.connections).toEqual([]);
    expect(t.emu.context.counters.tokensIssued).toBe(issued);
  });

  it('no proxy credentials configured: 407 as well', async () => {
    const c = t.client({ http: { proxy: { url: proxy.url } } });
    const e = await c.request('GET', '/users?$top=5').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransportError);
    expect((e as TransportError).code).toBe('PROXY_AUTH');
    expect(atEmulator.connections).toEqual([]);
  });

  it('a proxy that is not listening: the error names the proxy', async () => {
    // A port that was just free: bind, note, close.
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const c = t.client({
      http: { proxy: { url: `http://127.0.0.1:${port}`, username: USER, password: PASSWORD } },
    });
    const e = await c.request('GET', '/users?$top=5').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransportError);
    expect((e as TransportError).code).toBe('ECONNREFUSED');
    expect((e as TransportError).message).toBe(
      `connection to 127.0.0.1:${port} refused on the way to ${emulatorTarget()}; check that the proxy setting names a running proxy`,
    );
    expect(atEmulator.connections).toEqual([]);
  });
});

describe('proxy settings', () => {
  const make = (url: string, extra: { username?: string; password?: string } = {}) =>
    createDispatcher({ timeoutMs: 1000, connections: 1, proxy: { url, ...extra } });

  it('credentials inside the URL are refused', () => {
    expect(() => make('http://user:secret@127.0.0.1:3128')).toThrow(TransportConfigError);
    expect(() => make('http://user:secret@127.0.0.1:3128')).toThrow(
      /put the proxy user name and password in their own settings/,
    );
    try {
      make('http://user:secret@127.0.0.1:3128');
    } catch (e) {
      expect((e as Error).message).not.toContain('secret');
    }
  });

  it('a scheme other than http/https is refused', () => {
    expect(() => make('socks5://127.0.0.1:1080')).toThrow(
      /proxy URL must be http:\/\/ or https:\/\/; got 'socks5:'/,
    );
  });

  it('a malformed URL is refused', () => {
    expect(() => make('proxy.corp:8080 ')).toThrow(TransportConfigError);
    expect(() => make('not a url')).toThrow(/proxy URL must look like http:\/\/proxy\.example:8080/);
  });
});
