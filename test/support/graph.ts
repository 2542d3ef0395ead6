import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphClient, type GraphClientOptions } from '../../connector/graph/client.js';
import { type Cloud, resolveCloud } from '../../connector/graph/clouds.js';
import type { Credential } from '../../connector/graph/tokens.js';
import {
  type AppRegistration,
  type EmulatorOptions,
  type RunningEmulator,
  startEmulator,
} from '../../emulator/index.js';

/**
 * An emulator plus what a GraphClient needs to reach it over real sockets: a `custom` cloud pointing at
 * it, a CA file holding its CA, one app with a secret (and any certificates given), and a factory for
 * clients that are all closed with the tenant.
 */
export interface GraphTenant {
  emu: RunningEmulator;
  tenantId: string;
  clientId: string;
  secret: string;
  cloud: Cloud;
  /** A scratch directory removed on close. */
  dir: string;
  /** PEM file with the emulator's CA. */
  caFile: string;
  /** Writes a file into `dir`; returns its path. */
  file(name: string, content: string | Buffer): string;
  /** A GraphClient for the tenant's app; `over` replaces any option (http is merged). */
  client(over?: Partial<GraphClientOptions>): GraphClient;
  close(): Promise<void>;
}

export interface GraphTenantOptions extends EmulatorOptions {
  /** Certificates (PEM) registered on the tenant's app. */
  certificates?: string[];
}

export async function startGraphTenant(opts: GraphTenantOptions = {}): Promise<GraphTenant> {
  const clientId = randomUUID();
  const secret = randomBytes(24).toString('base64url');
  const app: AppRegistration = {
    clientId,
    secrets: [secret],
    certificates: opts.certificates ?? [],
    roles: 'all',
  };
  const emu = await startEmulator({
    generate: { users: 12, groups: 3, seed: 7 },
    ...opts,
    apps: [app, ...(opts.apps ?? [])],
  });
  const dir = mkdtempSync(join(tmpdir(), 'mimgraph-graph-'));
  const file = (name: string, content: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  const caFile = file('emulator-ca.pem', emu.caCertPem);
  const cloud = resolveCloud('custom', { loginEndpoint: emu.baseUrl, graphEndpoint: emu.baseUrl });
  const clients: GraphClient[] = [];
  const credential: Credential = { kind: 'secret', secret };
  return {
    emu,
    tenantId: emu.tenantId,
    clientId,
    secret,
    cloud,
    dir,
    caFile,
    file,
    client(over = {}) {
      const c = new GraphClient({
        cloud,
        tenantId: emu.tenantId,
        clientId,
        credential,
        writeBudget: false,
        retry: { maxAttempts: 1 },
        ...over,
        http: { caFile, timeoutMs: 10_000, ...over.http },
      });
      clients.push(c);
      return c;
    },
    async close() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await emu.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One CONNECT the test proxy saw. */
export interface Tunnel {
  target: string;
  authorized: boolean;
  /** Local port of the proxy's socket to the target, as the target sees it as remote port. */
  upstreamLocalPort?: number | undefined;
}

export interface TestProxy {
  url: string;
  port: number;
  tunnels: Tunnel[];
  /** Requests that were not CONNECT (a client sending plain HTTP through us). */
  plainRequests: string[];
  close(): Promise<void>;
}

/**
 * A CONNECT proxy on loopback: requires `Proxy-Authorization: Basic user:password`, tunnels only to
 * loopback targets (anything else gets 403 and never leaves the machine) and records every CONNECT.
 */
export async function startProxy(username: string, password: string): Promise<TestProxy> {
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const tunnels: Tunnel[] = [];
  const plainRequests: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    plainRequests.push(`${req.method} ${req.url}`);
    res.writeHead(405, { connection: 'close' }).end();
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    const authorized = req.headers['proxy-authorization'] === expected;
    const tunnel: Tunnel = { target, authorized };
    tunnels.push(tunnel);
    client.on('error', () => {});
    if (!authorized) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n' +
          'Content-Length: 0\r\nConnection: close\r\n\r\n',
      );
      return;
    }
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(target);
    const host = m?.[1]?.replace(/^\[|\]$/g, '');
    if (!m || !host || !['127.0.0.1', '::1', 'localhost'].includes(host)) {
      // Never dial out of the machine from a test.
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const upstream = connect({ host, port: Number(m[2]) }, () => {
      tunnel.upstreamLocalPort = upstream.localPort;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    tunnels,
    plainRequests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
