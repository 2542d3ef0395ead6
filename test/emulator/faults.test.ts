/**
 * Fault injection, the write budget and the admin endpoint of the running emulator, over real HTTPS.
 * No timing assertions except lower bounds (latency, Retry-After).
 */
import { networkInterfaces } from 'node:os';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FaultConfig, noFaults } from '../../emulator/faults.js';
import { isLoopback } from '../../emulator/http/server.js';
import { startEmulator } from '../../emulator/index.js';
import { startTestTenant, type TestTenant } from '../support/emulator.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A parsed JSON answer, read field by field in assertions (the shape is what is under test). */
type Json = ReturnType<typeof JSON.parse>;

/** What one request came to, as a client sees it. */
type Outcome = 'drop' | 'truncate' | 'corrupt' | number;

/** One GET with its own outcome classification: dropped before headers, cut in the body, broken JSON, or a status. */
async function outcome(t: TestTenant, path = '/users?$top=5'): Promise<Outcome> {
  const token = await t.token();
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(`${t.emu.baseUrl}/v1.0${path}`, {
      dispatcher: t.agent,
      headers: { authorization: `Bearer ${token}` },
    });
  } catch {
    return 'drop';
  }
  let text: string;
  try {
    text = await res.body.text();
  } catch {
    return 'truncate';
  }
  try {
    JSON.parse(text);
  } catch {
    return 'corrupt';
  }
  return res.statusCode;
}

async function sequence(t: TestTenant, n: number): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (let i = 0; i < n; i++) out.push(await outcome(t));
  return out;
}

async function admin(t: TestTenant, method: string, path: string, body?: unknown) {
  const res = await request(`${t.emu.baseUrl}/_emulator/${path}`, {
    method: method as 'GET',
    dispatcher: t.agent,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Json };
}

function expectEnvelope(body: Json, code: string) {
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  expect(body.error.innerError['request-id']).toMatch(GUID);
  expect(body.error.innerError['client-request-id']).toBeTruthy();
}

const MIXED: Partial<FaultConfig> = {
  rateDrop: 0.1,
  rate429: 0.15,
  rate503: 0.1,
  rate504: 0.1,
  rateCorrupt: 0.15,
  rateTruncate: 0.1,
};

describe('fault injection on Graph requests', () => {
  let t: TestTenant;
  let userId: string;

  beforeAll(async () => {
    t = await startTestTenant({ generate: { users: 30, groups: 3, seed: 3 } });
    const r = await t.graph('GET', '/users?$top=1');
    userId = r.body.value[0].id;
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(() => {
    t.emu.setFaults({ ...noFaults, seed: t.emu.context.faults.config.seed });
    t.emu.setWriteBudget(undefined);
  });

  it('429 with Retry-After equal to retryAfterSeconds, in the Graph envelope', async () => {
    t.emu.setFaults({ rate429: 1, retryAfterSeconds: 7 });
    const r = await t.graph('GET', '/users', { headers: { 'client-request-id': 'my-client-id' } });
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('7');
    expectEnvelope(r.body, 'TooManyRequests');
    expect(r.body.error.message).toBe('Please retry again later.');
    expect(r.body.error.innerError['client-request-id']).toBe('my-client-id');
    expect(r.headers['request-id']).toBe(r.body.error.innerError['request-id']);
    // Fractional values go out as Graph writes them (Retry-After: 2.128).
    t.emu.setFaults({ retryAfterSeconds: 2.128 });
    expect((await t.graph('GET', '/users')).headers['retry-after']).toBe('2.128');
    // Writes are refused the same way and change nothing.
    const w = await t.graph('PATCH', `/users/${userId}`, { body: { jobTitle: 'never written' } });
    expect(w.status).toBe(429);
    t.emu.setFaults({ rate429: 0 });
    expect((await t.graph('GET', `/users/${userId}?$select=jobTitle`)).body.jobTitle).not.toBe(
      'never written',
    );
  });

  it('503 (with Retry-After) and 504 (without)', async () => {
    t.emu.setFaults({ rate503: 1, retryAfterSeconds: 3 });
    const a = await t.graph('GET', '/groups');
    expect(a.status).toBe(503);
    expect(a.headers['retry-after']).toBe('3');
    expectEnvelope(a.body, 'ServiceUnavailable');
    t.emu.setFaults({ rate503: 0, rate504: 1 });
    const b = await t.graph('GET', '/groups');
    expect(b.status).toBe(504);
    expect(b.headers['retry-after']).toBeUndefined();
    expectEnvelope(b.body, 'GatewayTimeout');
  });

  it('dropped connections: undici rejects with a socket error', async () => {
    t.emu.setFaults({ rateDrop: 1 });
    const token = await t.token();
    const err = await request(`${t.emu.baseUrl}/v1.0/users`, {
      dispatcher: t.agent,
      headers: { authorization: `Bearer ${token}` },
    }).catch((e: unknown) => e as Error & { code?: string });
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).toBe('UND_ERR_SOCKET');
    // Identity and admin endpoints are never faulted, so a client can always get a token or turn faults off.
    expect(await t.token()).toBeTruthy();
    expect((await admin(t, 'GET', 'config')).status).toBe(200);
    t.emu.setFaults({ rateDrop: 0 });
    expect((await t.graph('GET', '/users')).status).toBe(200);
  });

  it('corrupt body: 200, the declared length, JSON.parse fails', async () => {
    const clean = await t.graph('GET', '/users?$top=3');
    t.emu.setFaults({ rateCorrupt: 1 });
    const r = await t.graph('GET', '/users?$top=3');
    expect(r.status).toBe(200);
    expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(r.text));
    expect(r.text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(r.text)).toThrow();
    expect(r.text.length).toBe(clean.text.length);
    // Only 200s with a body are corrupted: a 204 stays empty, an error stays parseable.
    expect((await t.graph('PATCH', `/users/${userId}`, { body: { jobTitle: 'Corrupt-free' } })).status).toBe(
      204,
    );
    const missing = await t.graph('GET', '/users/00000000-0000-0000-0000-000000000000');
    expect(missing.status).toBe(404);
    expectEnvelope(missing.body, 'Request_ResourceNotFound');
  });

  it('truncated body: undici errors reading the body (premature close / length mismatch)', async () => {
    t.emu.setFaults({ rateTruncate: 1 });
    const token = await t.token();
    const res = await request(`${t.emu.baseUrl}/v1.0/users?$top=20`, {
      dispatcher: t.agent,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(200);
    const declared = Number(res.headers['content-length']);
    expect(declared).toBeGreaterThan(100);
    const err = await res.body.text().catch((e: unknown) => e as Error & { code?: string });
    expect(err).toBeInstanceOf(Error);
    expect(String((err as { code?: string }).code)).toMatch(
      /UND_ERR_SOCKET|UND_ERR_RES_CONTENT_LENGTH_MISMATCH|ECONNRESET/,
    );
  });

  it('latency: every Graph answer waits at least latencyMs', async () => {
    await t.graph('GET', '/users?$top=1'); // token cached, connection open
    t.emu.setFaults({ latencyMs: 150 });
    for (let i = 0; i < 2; i++) {
      const started = performance.now();
      const r = await t.graph('GET', '/users?$top=1');
      expect(r.status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    }
    t.emu.setFaults({ latencyMs: 50, jitterMs: 100 });
    const started = performance.now();
    await t.graph('GET', '/users?$top=1');
    expect(performance.now() - started).toBeGreaterThanOrEqual(50);
  });

  it('rates change at run time through the admin endpoint PATCH /_emulator/config', async () => {
    const before = await admin(t, 'GET', 'config');
    expect(before.status).toBe(200);
    expect(before.body.faults.rate429).toBe(0);
    expect(before.body.writeBudget).toBeNull();
    expect(before.body.behaviour.tokenLifetimeSeconds).toBe(3599);

    const patched = await admin(t, 'PATCH', 'config', { faults: { rate503: 1, retryAfterSeconds: 4 } });
    expect(patched.status).toBe(200);
    expect(patched.body.faults).toMatchObject({ rate503: 1, retryAfterSeconds: 4, rate429: 0 });
    expect(t.emu.context.faults.config.rate503).toBe(1);
    const r = await t.graph('GET', '/users');
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('4');

    expect((await admin(t, 'PATCH', 'config', { faults: { rate503: 0 } })).status).toBe(200);
    expect((await t.graph('GET', '/users')).status).toBe(200);

    const budget = await admin(t, 'PATCH', 'config', { writeBudget: { writes: 10, seconds: 60 } });
    expect(budget.body.writeBudget).toEqual({ writes: 10, seconds: 60 });
    expect((await admin(t, 'PATCH', 'config', { writeBudget: null })).body.writeBudget).toBeNull();
  });

  it('the admin endpoint refuses bad patches and then changes nothing (all or nothing)', async () => {
    const before = (await admin(t, 'GET', 'config')).body;
    const bad = [
      { faults: { rate429: 2 } },
      { faults: { rate429: '0.5' } },
      { faults: { rate_429: 0.5 } }, // misspelt: would otherwise be a silent no-op
      { faults: { rate429: 0.7, rate503: 0.7 } },
      { faults: { rateCorrupt: 0.7, rateTruncate: 0.7 } },
      { faults: { seed: 'abc' } },
      { faults: { latencyMs: -1 } },
      { faults: { rate429: 1 }, behaviour: { tokenLifetimeSeconds: 0 } },
      { faults: { rate429: 1 }, writeBudget: { writes: 0, seconds: 5 } },
      { faults: { rate429: 1 }, writeBudget: { writes: 5, seconds: '5' } },
      { behaviour: { deltaExpiredStatus: 404 } },
      { behaviour: { tokenLifetime: 5 } },
      { fault: { rate429: 1 } },
      [1, 2],
    ];
    for (const patch of bad) {
      const r = await admin(t, 'PATCH', 'config', patch);
      expect(r.status, JSON.stringify(patch)).toBe(400);
      expect(typeof r.body.error).toBe('string');
    }
    const raw = await request(`${t.emu.baseUrl}/_emulator/config`, {
      method: 'PATCH',
      dispatcher: t.agent,
      body: '{not json',
    });
    expect(raw.statusCode).toBe(400);
    await raw.body.dump();
    expect((await admin(t, 'GET', 'config')).body).toEqual(before);
    expect((await t.graph('GET', '/users')).status).toBe(200);
    // The library surface validates the same way.
    expect(() => t.emu.setFaults({ rate429: 5 })).toThrow(/rate429/);
    expect(t.emu.context.faults.config.rate429).toBe(0);
    // 0.1 + 0.2 + 0.3 + 0.4 is 1.0000000000000002 in floating point, and still allowed.
    expect(() => t.emu.setFaults({ rateDrop: 0.1, rate429: 0.2, rate503: 0.3, rate504: 0.4 })).not.toThrow();
  });

  it('admin: clock, resync, objects and unknown endpoints', async () => {
    const now = Date.now();
    const clock = await admin(t, 'POST', 'clock', { advanceSeconds: 3600 });
    expect(clock.status).toBe(200);
    expect(Date.parse(clock.body.now) - now).toBeGreaterThanOrEqual(3_600_000);
    expect((await admin(t, 'POST', 'clock', { advanceSeconds: -3600 })).status).toBe(200);
    expect((await admin(t, 'POST', 'clock', { advanceSeconds: 'soon' })).status).toBe(400);
    const gen = t.emu.context.resyncGeneration;
    expect((await admin(t, 'POST', 'resync')).body).toEqual({ generation: gen + 1 });
    const users = await admin(t, 'GET', 'objects?type=user');
    expect(users.status).toBe(200);
    expect(users.body).toHaveLength(30);
    expect(users.body[0]).toHaveProperty('manager');
    const groups = await admin(t, 'GET', 'objects?type=group');
    expect(groups.body.length).toBeGreaterThanOrEqual(3);
    expect(Array.isArray(groups.body[0].members)).toBe(true);
    expect((await admin(t, 'GET', 'objects?type=nonsense')).status).toBe(400);
    expect((await admin(t, 'GET', 'nothing-here')).status).toBe(404);
    expect((await admin(t, 'DELETE', 'config')).status).toBe(404);
    expect(() => t.emu.advanceClock(Number.NaN)).toThrow(/advanceClock/);
    expect(Math.abs(t.emu.context.now() - Date.now())).toBeLessThan(60_000);
  });

  it('counters report requests, tokens and every kind of injected fault', async () => {
    const before = (await admin(t, 'GET', 'counters')).body;
    const kinds: [Partial<FaultConfig>, string][] = [
      [{ rate429: 1 }, '429'],
      [{ rate503: 1 }, '503'],
      [{ rate504: 1 }, '504'],
      [{ rateDrop: 1 }, 'drop'],
      [{ rateCorrupt: 1 }, 'corrupt'],
      [{ rateTruncate: 1 }, 'truncate'],
    ];
    for (const [cfg, kind] of kinds) {
      t.emu.setFaults({ ...noFaults, seed: 9, ...cfg });
      const o = await outcome(t);
      expect(o === kind || o === Number(kind), `${kind} → ${o}`).toBe(true);
    }
    t.emu.setFaults({ ...noFaults, seed: 9 });
    const after = (await admin(t, 'GET', 'counters')).body;
    for (const [, kind] of kinds) {
      expect(after.injected[kind] ?? 0, kind).toBe((before.injected[kind] ?? 0) + 1);
    }
    expect(after.graphRequests - before.graphRequests).toBe(6);
    expect(after.requests).toBeGreaterThan(before.requests);
    expect(after.tokensIssued).toBeGreaterThan(before.tokensIssued); // outcome() asks for a token each time
    expect(after.budget).toBeNull();
  });
});

describe('determinism of the fault sequence', () => {
  const N = 40;
  const tenants: TestTenant[] = [];
  const start = async (seed: number) => {
    const t = await startTestTenant({
      generate: { users: 10, groups: 1, seed: 1 },
      faults: { ...MIXED, seed },
    });
    tenants.push(t);
    await t.token();
    return t;
  };

  afterAll(async () => {
    await Promise.all(tenants.map((t) => t.close()));
  });

  it('same seed and rates → same sequence; another seed → another sequence', async () => {
    const [a, b, c] = await Promise.all([start(42), start(42), start(43)]);
    const seqA = await sequence(a!, N);
    const seqB = await sequence(b!, N);
    const seqC = await sequence(c!, N);
    expect(seqB).toEqual(seqA);
    expect(seqC).not.toEqual(seqA);
    // With these rates every kind of fault shows up in 40 requests (fixed by the seed).
    for (const kind of ['drop', 'truncate', 'corrupt', 200, 429, 503, 504] as Outcome[]) {
      expect(seqA, String(kind)).toContain(kind);
    }
    expect(a!.emu.context.counters.injected).toEqual(b!.emu.context.counters.injected);

    // A new seed restarts the sequence: back to 43 after 42 replays c's sequence on a.
    a!.emu.setFaults({ seed: 43 });
    expect(await sequence(a!, N)).toEqual(seqC);
  });

  it('the draws do not depend on the rates: raising rate429 only turns more requests into 429', async () => {
    // Same seed, same request order: a request that is a 429 at the lower rate is a 429 at the higher one,
    // and every request that is not a 429 at the higher rate has the same outcome at both.
    // The emulators of the previous test, restarted on a seed neither has now (a new seed restarts).
    const [lo, hi] = tenants;
    lo!.emu.setFaults({ ...noFaults, seed: 7, rate429: 0.2, rateCorrupt: 0.3 });
    hi!.emu.setFaults({ ...noFaults, seed: 7, rate429: 0.5, rateCorrupt: 0.3 });
    const seqLo = await sequence(lo!, N);
    const seqHi = await sequence(hi!, N);
    for (let i = 0; i < N; i++) {
      if (seqLo[i] === 429) expect(seqHi[i], `request ${i}`).toBe(429);
      if (seqHi[i] !== 429) expect(seqHi[i], `request ${i}`).toBe(seqLo[i]);
    }
    expect(seqHi.filter((o) => o === 429).length).toBeGreaterThan(seqLo.filter((o) => o === 429).length);
    expect(seqLo).toContain('corrupt');
  });
});

describe('write budget (sliding window)', () => {
  let t: TestTenant;
  let ids: string[];

  beforeAll(async () => {
    t = await startTestTenant({ generate: { users: 10, groups: 2, seed: 5 } });
    ids = (await t.graph('GET', '/users?$top=10')).body.value.map((u: { id: string }) => u.id);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('5 writes per 2 s: the 6th gets 429 with Retry-After and x-ms-throttle-scope; GETs never count', async () => {
    t.emu.setWriteBudget({ writes: 5, seconds: 2 });
    const patch = (i: number) =>
      t.graph('PATCH', `/users/${ids[i % ids.length]}`, { body: { jobTitle: `Budget ${i}` } });
    for (let i = 0; i < 5; i++) {
      expect((await patch(i)).status).toBe(204);
      expect((await t.graph('GET', '/users?$top=2')).status).toBe(200);
    }
    const sixth = await patch(5);
    expect(sixth.status).toBe(429);
    expectEnvelope(sixth.body, 'TooManyRequests');
    const retryAfter = Number(sixth.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    expect(sixth.headers['x-ms-throttle-scope']).toBe(
      `Tenant_Application/Write/${t.clientId}/${t.emu.tenantId}`,
    );
    expect(sixth.headers['x-ms-throttle-information']).toBe('WriteLimitExceeded');
    // The refused write changed nothing, and reads still pass while writes are throttled.
    expect((await t.graph('GET', `/users/${ids[5]}?$select=jobTitle`)).body.jobTitle).not.toBe('Budget 5');
    for (let i = 0; i < 5; i++) expect((await t.graph('GET', '/groups')).status).toBe(200);
    // Creating and deleting are writes too.
    expect((await t.graph('DELETE', `/users/${ids[9]}`)).status).toBe(429);

    const counters = (await admin(t, 'GET', 'counters')).body;
    expect(counters.budget).toEqual({ accepted: 5, throttled: 2 });

    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 50));
    expect((await patch(6)).status).toBe(204);
    expect((await t.graph('GET', `/users/${ids[6]}?$select=jobTitle`)).body.jobTitle).toBe('Budget 6');
  });

  it('the window follows the emulator clock, and $batch items each count one write', async () => {
    t.emu.setWriteBudget({ writes: 2, seconds: 150 });
    const item = (i: number) => ({
      id: String(i),
      method: 'PATCH',
      url: `/users/${ids[i]}`,
      headers: { 'content-type': 'application/json' },
      body: { department: `Batch ${i}` },
    });
    const batch = await t.graph('POST', '/$batch', {
      body: { requests: [0, 1, 2].map(item) },
    });
    expect(batch.status).toBe(200);
    const byId = new Map<string, Json>(batch.body.responses.map((r: Json) => [r.id, r]));
    expect(byId.get('0').status).toBe(204);
    expect(byId.get('1').status).toBe(204);
    expect(byId.get('2').status).toBe(429);
    expect(Number(byId.get('2').headers['Retry-After'])).toBeGreaterThanOrEqual(149);
    expect(byId.get('2').headers['x-ms-throttle-scope']).toContain('/Write/');
    // Reading actions sent as POST are not writes.
    const ext = await t.graph('POST', '/directoryObjects/getAvailableExtensionProperties', { body: {} });
    expect(ext.status).toBe(200);
    // getByIds is also exempt from the budget (the emulator does not serve it: 400, but not 429).
    const byIds = await t.graph('POST', '/directoryObjects/getByIds', { body: { ids: [ids[0]] } });
    expect(byIds.status).not.toBe(429);
    t.emu.advanceClock(151);
    expect((await t.graph('PATCH', `/users/${ids[2]}`, { body: { department: 'Later' } })).status).toBe(204);
    t.emu.advanceClock(-151);
  });
});

const externalIPv4 = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

describe('admin endpoint exposure', () => {
  it('treats only loopback peers as local', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(isLoopback(a)).toBe(true);
    for (const a of ['10.0.0.5', '192.168.1.2', '::ffff:10.0.0.5', 'fe80::1', '', undefined])
      expect(isLoopback(a)).toBe(false);
  });

  it('answers loopback clients only, even when listening on every interface', async () => {
    // A machine without a non-loopback address can only show the predicate above.
    if (!externalIPv4) return;
    const emu = await startEmulator({ host: '0.0.0.0', generate: { users: 1, groups: 0, seed: 1 } });
    // The server certificate names the loopback addresses only: skip verification for the outside address.
    const agent = new Agent({ connect: { rejectUnauthorized: false } });
    try {
      const port = new URL(emu.baseUrl).port;
      const outside = await request(`https://${externalIPv4}:${port}/_emulator/config`, {
        method: 'PATCH',
        dispatcher: agent,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ faults: { rate429: 1 } }),
      });
      expect(outside.statusCode).toBe(403);
      await outside.body.dump();
      expect(emu.context.faults.config.rate429).toBe(0);
      const inside = await request(`https://127.0.0.1:${port}/_emulator/config`, { dispatcher: agent });
      expect(inside.statusCode).toBe(200);
      await inside.body.dump();
    } finally {
      await agent.close();
      await emu.close();
    }
  });
});
