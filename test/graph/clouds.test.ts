import dc from 'node:diagnostics_channel';
import dns from 'node:dns';
import net from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphClient } from '../../connector/graph/client.js';
import { CLOUD_NAMES, CloudConfigError, graphScope, resolveCloud } from '../../connector/graph/clouds.js';
import { TransportError } from '../../connector/graph/errors.js';
import { generateClientCertificate } from '../../emulator/auth/tls.js';
import { type GraphTenant, startGraphTenant, startProxy, type TestProxy } from '../support/graph.js';

/**
 * National clouds and custom endpoints: the endpoint table, validation of custom endpoints, which login
 * host each cloud signs in at, and that custom (loopback) endpoints cause no DNS lookup and no
 * connection to anything but loopback.
 */

describe('resolveCloud', () => {
  it.each([
    ['global', 'https://login.microsoftonline.com', 'https://graph.microsoft.com'],
    ['usgov', 'https://login.microsoftonline.us', 'https://graph.microsoft.us'],
    ['usgovdod', 'https://login.microsoftonline.us', 'https://dod-graph.microsoft.us'],
    ['china', 'https://login.chinacloudapi.cn', 'https://microsoftgraph.chinacloudapi.cn'],
  ])('%s: login %s, Graph %s', (name, login, graph) => {
    const c = resolveCloud(name);
    expect(c).toEqual({ name, loginEndpoint: login, graphEndpoint: graph, builtIn: true });
    expect(graphScope(c)).toBe(`${graph}/.default`);
  });

  it('lists every cloud name', () => {
    expect([...CLOUD_NAMES].sort()).toEqual(['china', 'custom', 'global', 'usgov', 'usgovdod']);
  });

  it('custom: https endpoints, trailing slashes dropped, path kept', () => {
    const c = resolveCloud('custom', {
      loginEndpoint: 'https://login.example:8443/',
      graphEndpoint: 'https://GRAPH.example/api//',
    });
    expect(c).toEqual({
      name: 'custom',
      loginEndpoint: 'https://login.example:8443',
      graphEndpoint: 'https://graph.example/api',
      builtIn: false,
    });
    expect(graphScope(c)).toBe('https://graph.example/api/.default');
    // The default port disappears, as in the URL the token audience is compared with.
    expect(
      resolveCloud('custom', { loginEndpoint: 'https://127.0.0.1:443', graphEndpoint: 'https://[::1]:9443' }),
    ).toMatchObject({
      loginEndpoint: 'https://127.0.0.1',
      graphEndpoint: 'https://[::1]:9443',
    });
  });

  it.each([
    ['loginEndpoint', { loginEndpoint: 'http://127.0.0.1:8080', graphEndpoint: 'https://127.0.0.1:8443' }],
    ['graphEndpoint', { loginEndpoint: 'https://127.0.0.1:8443', graphEndpoint: 'http://127.0.0.1:8080' }],
  ])('custom: http:// for %s is refused, naming the field', (field, endpoints) => {
    expect(() => resolveCloud('custom', endpoints)).toThrow(CloudConfigError);
    expect(() => resolveCloud('custom', endpoints)).toThrow(
      new RegExp(
        `^${field} must use https \\(MSAL and Graph require TLS\\); got 'http://127\\.0\\.0\\.1:8080'$`,
      ),
    );
  });

  it('custom: missing, relative or decorated endpoints are refused, naming the field', () => {
    expect(() => resolveCloud('custom')).toThrow(/^loginEndpoint is required when cloud is 'custom'/);
    expect(() => resolveCloud('custom', { loginEndpoint: 'https://a.example' })).toThrow(
      /^graphEndpoint is required/,
    );
    expect(() =>
      resolveCloud('custom', { loginEndpoint: 'login.example', graphEndpoint: 'https://g.example' }),
    ).toThrow(/^loginEndpoint must be an absolute https:\/\/ URL; got 'login\.example'/);
    expect(() =>
      resolveCloud('custom', { loginEndpoint: 'https://l.example', graphEndpoint: 'https://g.example/?x=1' }),
    ).toThrow(/^graphEndpoint must not carry a query, fragment or credentials/);
    const withCreds = () =>
      resolveCloud('custom', {
        loginEndpoint: 'https://u:hunter2@l.example',
        graphEndpoint: 'https://g.example',
      });
    expect(withCreds).toThrow(/^loginEndpoint must not carry a query, fragment or credentials/);
    expect(withCreds).not.toThrow(/hunter2/);
    expect(() =>
      resolveCloud('custom', { loginEndpoint: 'ftp://l.example', graphEndpoint: 'https://g.example' }),
    ).toThrow(/^loginEndpoint must use https/);
  });

  it.each(['azure', 'Global', 'germany', '', 'toString', 'constructor', '__proto__', 'hasOwnProperty'])(
    "unknown cloud '%s' is refused",
    (name) => {
      expect(() => resolveCloud(name)).toThrow(CloudConfigError);
      expect(() => resolveCloud(name)).toThrow(
        `cloud must be one of global, usgov, usgovdod, china, custom; got '${name}'`,
      );
    },
  );
});

describe('built-in clouds sign in at their own login host', () => {
  // A loopback proxy that answers 403 to anything not on loopback shows where each client tries to go,
  // without a single packet leaving the machine.
  let proxy: TestProxy;
  beforeAll(async () => {
    proxy = await startProxy('u', 'p');
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it.each([
    ['global', ['login.microsoftonline.com:443']],
    ['usgov', ['login.microsoftonline.us:443']],
    ['usgovdod', ['login.microsoftonline.us:443']],
    // MSAL's built-in China metadata prefers login.partner.microsoftonline.cn over its alias.
    ['china', ['login.chinacloudapi.cn:443', 'login.partner.microsoftonline.cn:443']],
  ])('%s', async (name, hosts) => {
    proxy.tunnels.length = 0;
    const cloud = resolveCloud(name);
    for (const credential of [
      { kind: 'secret' as const, secret: 'irrelevant-secret' },
      { kind: 'certificate' as const, path: certFile, password: 'pw' },
    ]) {
      const c = new GraphClient({
        cloud,
        tenantId: '7b3f9c1e-2d4a-4e8b-9f61-0c5d2a8e4b17',
        clientId: '11111111-2222-3333-4444-555555555555',
        credential,
        retry: { maxAttempts: 1 },
        writeBudget: false,
        http: { proxy: { url: proxy.url, username: 'u', password: 'p' }, timeoutMs: 5000 },
      });
      try {
        expect(c.root).toBe(`${cloud.graphEndpoint}/v1.0`);
        const e = await c.request('GET', '/users?$top=1').catch((x: unknown) => x);
        expect(e).toBeInstanceOf(TransportError);
        expect((e as TransportError).message).toMatch(/\(403\)/);
      } finally {
        await c.close();
      }
    }
    // No discovery detour: the only place each client went is the cloud's login host.
    expect(proxy.tunnels.length).toBe(2);
    for (const tunnel of proxy.tunnels) expect(hosts).toContain(tunnel.target);
  });
});

// ---------------------------------------------------------------------------------------------------
// No public network with custom endpoints
// ---------------------------------------------------------------------------------------------------

const LOOPBACK = new Set(['127.0.0.1', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']);
const isLoopback = (host: string) => LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * Records every DNS lookup (callback and promise APIs) and every TCP connection attempt in this process
 * (undici's beforeConnect channel, which Node's own fetch shares, and net.Socket#connect, under tls and
 * http alike). Lookups of non-loopback names fail at once with ENOTFOUND, so nothing leaves the machine
 * even when the code under test leaks.
 */
function instrument() {
  const lookups: string[] = [];
  const connects: string[] = [];
  const beforeConnect: string[] = [];
  const refuse = (host: string) =>
    Object.assign(new Error(`getaddrinfo ENOTFOUND ${host} (blocked by test)`), {
      code: 'ENOTFOUND',
      hostname: host,
    });

  const origLookup = dns.lookup;
  const origPromisesLookup = dns.promises.lookup;
  const origResolve = { resolve: dns.resolve, resolve4: dns.resolve4, resolve6: dns.resolve6 };
  const origPromisesResolve = {
    resolve: dns.promises.resolve,
    resolve4: dns.promises.resolve4,
    resolve6: dns.promises.resolve6,
  };
  const origConnect = net.Socket.prototype.connect;

  const lookup = function (this: unknown, hostname: string, ...rest: unknown[]) {
    lookups.push(hostname);
    if (!isLoopback(hostname)) {
      const cb = rest[rest.length - 1] as (e: Error) => void;
      process.nextTick(cb, refuse(hostname));
      return {};
    }
    return (origLookup as (...a: unknown[]) => unknown).call(this, hostname, ...rest);
  };
  (dns as { lookup: unknown }).lookup = lookup;
  (dns.promises as { lookup: unknown }).lookup = async (hostname: string, ...rest: unknown[]) => {
    lookups.push(hostname);
    if (!isLoopback(hostname)) throw refuse(hostname);
    return (origPromisesLookup as (...a: unknown[]) => unknown)(hostname, ...rest);
  };
  for (const k of ['resolve', 'resolve4', 'resolve6'] as const) {
    (dns as Record<string, unknown>)[k] = (hostname: string, ...rest: unknown[]) => {
      lookups.push(hostname);
      process.nextTick(rest[rest.length - 1] as (e: Error) => void, refuse(hostname));
    };
    (dns.promises as Record<string, unknown>)[k] = async (hostname: string) => {
      lookups.push(hostname);
      throw refuse(hostname);
    };
  }
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const o = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    if (o && typeof o === 'object') {
      const opts = o as { host?: string; port?: number; path?: string };
      connects.push(
        opts.path !== undefined ? `pipe:${opts.path}` : `${opts.host ?? 'localhost'}:${opts.port}`,
      );
    } else {
      connects.push(typeof args[1] === 'string' ? `${args[1]}:${String(o)}` : `localhost:${String(o)}`);
    }
    return (origConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof origConnect;
  const onBeforeConnect = (m: unknown) => {
    const p = (m as { connectParams: { hostname: string; port: string; protocol: string } }).connectParams;
    beforeConnect.push(`${p.hostname}:${p.port || (p.protocol === 'http:' ? '80' : '443')}`);
  };
  dc.subscribe('undici:client:beforeConnect', onBeforeConnect);

  const hostOf = (target: string) => target.replace(/:\d*$/, '');
  return {
    lookups,
    connects,
    beforeConnect,
    /** Everything recorded that is not loopback: must be empty for the code under test. */
    leaks(): string[] {
      return [
        ...lookups.filter((h) => !isLoopback(h)).map((h) => `lookup ${h}`),
        ...connects
          .filter((c) => !c.startsWith('pipe:') && !isLoopback(hostOf(c)))
          .map((c) => `connect ${c}`),
        ...beforeConnect.filter((c) => !isLoopback(hostOf(c))).map((c) => `undici ${c}`),
      ];
    },
    reset() {
      lookups.length = 0;
      connects.length = 0;
      beforeConnect.length = 0;
    },
    restore() {
      (dns as { lookup: unknown }).lookup = origLookup;
      (dns.promises as { lookup: unknown }).lookup = origPromisesLookup;
      Object.assign(dns, origResolve);
      Object.assign(dns.promises, origPromisesResolve);
      net.Socket.prototype.connect = origConnect;
      dc.unsubscribe('undici:client:beforeConnect', onBeforeConnect);
    },
  };
}

const cert = generateClientCertificate('CN=mimgraph-clouds', 'pw');
let certFile: string;
let t: GraphTenant;
let probe: ReturnType<typeof instrument>;

beforeAll(async () => {
  t = await startGraphTenant({ certificates: [cert.certPem] });
  certFile = t.file('clouds.pfx', cert.pfx);
});

afterAll(async () => {
  await t?.close();
});

describe('custom endpoints use no public network', () => {
  beforeAll(() => {
    probe = instrument();
  });
  afterAll(() => {
    probe?.restore();
  });

  it('sign-in (secret and certificate) and Graph calls: no DNS lookup, only loopback connections', async () => {
    probe.reset();
    let failure: unknown;
    try {
      for (const credential of [
        { kind: 'secret' as const, secret: t.secret },
        { kind: 'certificate' as const, path: certFile, password: 'pw' },
      ]) {
        const c = t.client({ credential });
        const users = await c.request<{ value: unknown[] }>('GET', '/users?$top=5');
        expect(users.body.value).toHaveLength(5);
        let n = 0;
        for await (const page of c.pages<unknown>('/users?$top=4')) n += page.value.length;
        expect(n).toBeGreaterThanOrEqual(12);
        await c.request('GET', '/groups?$top=2');
        // A forced renewal goes to the token endpoint again.
        await c.tokens.renewAfter401(await c.tokens.getToken());
        expect(c.counters.tokensAcquired).toBe(2);
        await c.close();
      }
    } catch (e) {
      failure = e;
    }
    // A leak is reported as such first (blocked lookups may also make the sign-in itself fail).
    expect(probe.leaks()).toEqual([]);
    expect(probe.lookups.filter((h) => h !== 'localhost')).toEqual([]);
    if (failure) throw failure;
    // The instrumentation did see this traffic.
    const emuHost = new URL(t.emu.baseUrl).host;
    expect(probe.beforeConnect).toContain(emuHost);
    expect(probe.connects).toContain(emuHost);
  });

  it('the same instrumentation catches a request that leaves loopback (so the test above can fail)', async () => {
    probe.reset();
    // By name: a DNS lookup (blocked here, so nothing is sent) plus undici's connect attempt.
    const byName = await request('https://login.microsoftonline.com/common/discovery/instance', {
      headersTimeout: 500,
      bodyTimeout: 500,
    }).catch((e: unknown) => e);
    expect(byName).toBeInstanceOf(Error);
    expect(probe.lookups).toContain('login.microsoftonline.com');
    expect(probe.leaks()).toContain('lookup login.microsoftonline.com');
    expect(probe.leaks()).toContain('undici login.microsoftonline.com:443');
    // Node's global fetch goes through the same channels.
    await fetch('https://graph.microsoft.com/v1.0/').catch(() => {});
    expect(probe.leaks()).toContain('lookup graph.microsoft.com');
    // By address, no DNS: TEST-NET-1 (RFC 5737), connect attempt only.
    const byAddress = await request('https://192.0.2.1/', { headersTimeout: 200 }).catch((e: unknown) => e);
    expect(byAddress).toBeInstanceOf(Error);
    expect(probe.leaks()).toContain('connect 192.0.2.1:443');
    expect(probe.leaks()).toContain('undici 192.0.2.1:443');
  });

  it('the connector with a non-loopback custom endpoint is caught too', async () => {
    probe.reset();
    const cloud = resolveCloud('custom', {
      loginEndpoint: 'https://login.contoso.example',
      graphEndpoint: t.emu.baseUrl,
    });
    const c = t.client({ cloud });
    const e = await c.request('GET', '/users?$top=1').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransportError);
    expect((e as TransportError).code).toBe('ENOTFOUND');
    expect((e as TransportError).message).toMatch(/^cannot resolve login\.contoso\.example \(ENOTFOUND\)/);
    expect(probe.leaks()).toContain('lookup login.contoso.example');
  });
});
