import { randomBytes, randomUUID } from 'node:crypto';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestTenant, type TestTenant } from '../support/emulator.js';

/** A JSON payload under test: its shape is what the assertions check. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
type J = any;

/** POST /$batch over real HTTPS: inner statuses, headers and bodies, dependsOn, limits, throttling. */

const DOMAIN = 'mimgraph.onmicrosoft.com';
const JSON_TYPE =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const CT = { 'Content-Type': 'application/json' };

const readerId = randomUUID();
const readerSecret = randomBytes(16).toString('hex');

let t: TestTenant;
let root: string;

interface Inner {
  id: string;
  status: number;
  headers: Record<string, string>;
  body: J;
}

function newUser(): Record<string, unknown> {
  const nick = `batch${randomBytes(4).toString('hex')}`;
  return {
    accountEnabled: true,
    displayName: nick,
    mailNickname: nick,
    userPrincipalName: `${nick}@${DOMAIN}`,
    passwordProfile: { forceChangePasswordNextSignIn: true, password: 'Str0ng!Passw0rd' },
  };
}

async function batch(requests: unknown[], token?: string) {
  const r = await t.graph('POST', '/$batch', { body: { requests }, ...(token ? { token } : {}) });
  const byId = new Map<string, Inner>();
  for (const x of (r.body?.responses ?? []) as Inner[]) byId.set(x.id, x);
  return { ...r, byId };
}

async function counters(): Promise<{ batchItems: number; writes: number }> {
  const r = await request(`${t.emu.baseUrl}/_emulator/counters`, { dispatcher: t.agent });
  return (await r.body.json()) as { batchItems: number; writes: number };
}

async function userExists(upn: string): Promise<boolean> {
  const r = await t.graph(
    'GET',
    `/users?$filter=${encodeURIComponent(`userPrincipalName eq '${upn}'`)}&$select=id`,
  );
  expect(r.status).toBe(200);
  return r.body.value.length > 0;
}

function expectBatchRefused(r: { status: number; body: J }): void {
  expect(r.status, JSON.stringify(r.body)).toBe(400);
  expect(r.body.error.code).toBe('Request_BadRequest');
  expect(r.body.error.message).toMatch(/^Invalid batch payload format/);
  expect(r.body).not.toHaveProperty('responses');
}

beforeAll(async () => {
  t = await startTestTenant({
    generate: { users: 30, groups: 4, seed: 5 },
    apps: [{ clientId: readerId, secrets: [readerSecret], certificates: [], roles: ['User.Read.All'] }],
  });
  root = `${t.emu.baseUrl}/v1.0`;
});

afterAll(async () => {
  await t?.close();
});

afterEach(() => {
  t.emu.setWriteBudget(undefined);
  t.emu.setFaults({ rate429: 0, rate503: 0 });
});

describe('$batch', () => {
  it('runs mixed GET/POST/PATCH/DELETE and answers each with id, status, headers and body', async () => {
    const users = await t.graph('GET', '/users?$select=id,displayName&$top=2');
    const [a, b] = users.body.value;
    const g = await t.graph('POST', '/groups', {
      body: {
        displayName: 'to delete',
        mailEnabled: false,
        mailNickname: `del${randomBytes(3).toString('hex')}`,
        securityEnabled: true,
      },
    });
    const created = newUser();
    const r = await batch([
      { id: '1', method: 'GET', url: `/users/${a.id}?$select=id,displayName` },
      { id: '2', method: 'POST', url: '/users', headers: CT, body: created },
      { id: '3', method: 'PATCH', url: `/users/${b.id}`, headers: CT, body: { jobTitle: 'Batched' } },
      { id: '4', method: 'DELETE', url: `/groups/${g.body.id}` },
      { id: '5', method: 'GET', url: `users/${randomUUID()}` },
      {
        id: '6',
        method: 'GET',
        url: `/users?$filter=${encodeURIComponent("userType ne 'Guest'")}&$count=true&$top=1&$select=id`,
        headers: { ConsistencyLevel: 'eventual' },
      },
    ]);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(JSON_TYPE);
    expect(Object.keys(r.body)).toEqual(['responses']);
    expect(r.body.responses).toHaveLength(6);
    for (const x of r.body.responses) expect(Object.keys(x)).toEqual(['id', 'status', 'headers', 'body']);

    const get = r.byId.get('1')!;
    expect(get.status).toBe(200);
    expect(get.headers['Content-Type']).toBe(JSON_TYPE);
    expect(get.body).toEqual({
      '@odata.context': `${root}/$metadata#users(id,displayName)/$entity`,
      id: a.id,
      displayName: a.displayName,
    });

    const post = r.byId.get('2')!;
    expect(post.status).toBe(201);
    expect(post.body['@odata.context']).toBe(`${root}/$metadata#users/$entity`);
    expect(post.body.userPrincipalName).toBe(created.userPrincipalName);
    expect(post.headers.Location).toContain(`/directoryObjects/${post.body.id}/`);
    expect(post.headers['Content-Type']).toBe(JSON_TYPE);

    const patch = r.byId.get('3')!;
    expect(patch).toEqual({ id: '3', status: 204, headers: {}, body: null });
    const del = r.byId.get('4')!;
    expect(del).toEqual({ id: '4', status: 204, headers: {}, body: null });

    const missing = r.byId.get('5')!;
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('Request_ResourceNotFound');
    expect(missing.body.error.innerError.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);

    const advanced = r.byId.get('6')!;
    expect(advanced.status).toBe(200);
    expect(typeof advanced.body['@odata.count']).toBe('number');
    expect(advanced.body['@odata.nextLink']).toContain('$count=true');

    // The writes really happened.
    expect((await t.graph('GET', `/users/${b.id}?$select=jobTitle`)).body.jobTitle).toBe('Batched');
    expect((await t.graph('GET', `/groups/${g.body.id}`)).status).toBe(404);
    expect(await userExists(String(created.userPrincipalName))).toBe(true);
  });

  it('fails dependants of a failed request with 424 and does not run them', async () => {
    const created = newUser();
    const before = await counters();
    const r = await batch([
      { id: 'c', method: 'POST', url: '/users', headers: CT, body: created, dependsOn: ['b'] },
      { id: 'a', method: 'GET', url: `/users/${randomUUID()}` },
      { id: 'b', method: 'GET', url: '/users?$top=1', dependsOn: ['a'] },
      { id: 'd', method: 'GET', url: '/users?$top=1&$select=id' },
    ]);
    expect(r.status).toBe(200);
    expect(r.byId.get('a')!.status).toBe(404);
    for (const id of ['b', 'c']) {
      const x = r.byId.get(id)!;
      expect(x.status).toBe(424);
      expect(x.body.error.code).toBe('FailedDependency');
      expect(Object.keys(x.body.error.innerError)).toEqual(['date', 'request-id', 'client-request-id']);
    }
    expect(r.byId.get('d')!.status).toBe(200);
    // Dependency order: a before b before c.
    const order = r.body.responses.map((x: Inner) => x.id);
    expect(order.indexOf('a')).toBeLessThan(order.indexOf('b'));
    expect(order.indexOf('b')).toBeLessThan(order.indexOf('c'));
    expect(await userExists(String(created.userPrincipalName))).toBe(false);
    const after = await counters();
    expect(after.batchItems - before.batchItems).toBe(2);
  });

  it('runs dependants of a successful request in order', async () => {
    const created = newUser();
    const upn = String(created.userPrincipalName);
    const r = await batch([
      {
        id: '2',
        method: 'PATCH',
        url: `/users/${encodeURIComponent(upn)}`,
        headers: CT,
        body: { city: 'Oslo' },
        dependsOn: ['1'],
      },
      { id: '1', method: 'POST', url: '/users', headers: CT, body: created },
      { id: '3', method: 'GET', url: `/users/${encodeURIComponent(upn)}?$select=city`, dependsOn: ['2'] },
    ]);
    expect(r.body.responses.map((x: Inner) => [x.id, x.status])).toEqual([
      ['1', 201],
      ['2', 204],
      ['3', 200],
    ]);
    expect(r.byId.get('3')!.body.city).toBe('Oslo');
  });

  it('refuses more than 20 requests as a whole and runs none', async () => {
    const bodies = Array.from({ length: 21 }, () => newUser());
    const before = await counters();
    const r = await batch(
      bodies.map((body, i) => ({ id: String(i + 1), method: 'POST', url: '/users', headers: CT, body })),
    );
    expectBatchRefused(r);
    for (const b of bodies.slice(0, 3)) expect(await userExists(String(b.userPrincipalName))).toBe(false);
    const after = await counters();
    expect(after.batchItems).toBe(before.batchItems);
    expect(after.writes).toBe(before.writes);
    // Exactly 20 is fine.
    const ok = await batch(
      Array.from({ length: 20 }, (_, i) => ({ id: `g${i}`, method: 'GET', url: '/users?$top=1&$select=id' })),
    );
    expect(ok.status).toBe(200);
    expect(ok.body.responses).toHaveLength(20);
    expect(ok.body.responses.every((x: Inner) => x.status === 200)).toBe(true);
  });

  it('refuses duplicate ids (case-insensitive) and runs none', async () => {
    const created = newUser();
    const r = await batch([
      { id: 'x', method: 'POST', url: '/users', headers: CT, body: created },
      { id: 'X', method: 'GET', url: '/users?$top=1' },
    ]);
    expectBatchRefused(r);
    expect(await userExists(String(created.userPrincipalName))).toBe(false);
  });

  it('refuses a body without a Content-Type header', async () => {
    const created = newUser();
    const r = await batch([
      { id: '1', method: 'GET', url: '/users?$top=1' },
      { id: '2', method: 'POST', url: '/users', body: created },
    ]);
    expectBatchRefused(r);
    const other = await batch([
      { id: '1', method: 'POST', url: '/users', headers: { Accept: 'application/json' }, body: created },
    ]);
    expectBatchRefused(other);
    expect(await userExists(String(created.userPrincipalName))).toBe(false);
    // Lower-case header name is fine.
    const lower = await batch([
      {
        id: '1',
        method: 'POST',
        url: '/users',
        headers: { 'content-type': 'application/json' },
        body: created,
      },
    ]);
    expect(lower.byId.get('1')!.status).toBe(201);
  });

  it.each([
    ['no requests array', { value: [] }],
    ['an empty requests array', { requests: [] }],
    ['a missing id', { requests: [{ method: 'GET', url: '/users' }] }],
    ['an unknown method', { requests: [{ id: '1', method: 'HEAD', url: '/users' }] }],
    ['a missing url', { requests: [{ id: '1', method: 'GET' }] }],
    ['an unknown dependency', { requests: [{ id: '1', method: 'GET', url: '/users', dependsOn: ['9'] }] }],
  ])('refuses a batch with %s', async (_name, body) => {
    const r = await t.graph('POST', '/$batch', { body });
    expectBatchRefused(r);
  });

  it('answers a nested $batch inside with 400', async () => {
    const r = await batch([{ id: '1', method: 'POST', url: '/$batch', headers: CT, body: { requests: [] } }]);
    expect(r.status).toBe(200);
    expect(r.byId.get('1')!.status).toBe(400);
    expect(r.byId.get('1')!.body.error.code).toBe('Request_BadRequest');
  });

  it('applies the caller permissions to every inner request', async () => {
    const token = await t.token(readerId, readerSecret);
    const r = await batch(
      [
        { id: '1', method: 'GET', url: '/users?$top=1&$select=id' },
        { id: '2', method: 'GET', url: '/groups?$top=1' },
        { id: '3', method: 'POST', url: '/users', headers: CT, body: newUser() },
      ],
      token,
    );
    expect(r.status).toBe(200);
    expect(r.byId.get('1')!.status).toBe(200);
    for (const id of ['2', '3']) {
      expect(r.byId.get(id)!.status).toBe(403);
      expect(r.byId.get(id)!.body.error).toMatchObject({
        code: 'Authorization_RequestDenied',
        message: 'Insufficient privileges to complete the operation.',
      });
    }
  });

  it('counts every inner write against the write budget: inner 429 with Retry-After, outer 200', async () => {
    t.emu.setWriteBudget({ writes: 3, seconds: 60 });
    const bodies = Array.from({ length: 5 }, () => newUser());
    const r = await batch([
      { id: 'read', method: 'GET', url: '/users?$top=1&$select=id' },
      ...bodies.map((body, i) => ({ id: `w${i}`, method: 'POST', url: '/users', headers: CT, body })),
    ]);
    expect(r.status).toBe(200);
    expect(r.byId.get('read')!.status).toBe(200);
    const statuses = bodies.map((_, i) => r.byId.get(`w${i}`)!.status);
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    for (const i of [3, 4]) {
      const x = r.byId.get(`w${i}`)!;
      const retry = Number(x.headers['Retry-After']);
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(60);
      expect(x.headers['x-ms-throttle-scope']).toMatch(/^Tenant_Application\/Write\//);
      expect(x.body.error).toMatchObject({ code: 'TooManyRequests', message: 'Please retry again later.' });
      expect(await userExists(String(bodies[i]!.userPrincipalName))).toBe(false);
    }
    for (const b of bodies.slice(0, 3)) expect(await userExists(String(b.userPrincipalName))).toBe(true);
    // The budget is spent for top-level writes too; reads still pass.
    const top = await t.graph('POST', '/users', { body: newUser() });
    expect(top.status).toBe(429);
    expect(top.headers['retry-after']).toBeDefined();
    expect((await t.graph('GET', '/users?$top=1')).status).toBe(200);
    // A 424 follows an inner 429.
    const dep = await batch([
      {
        id: '1',
        method: 'PATCH',
        url: `/users/${r.byId.get('w0')!.body.id}`,
        headers: CT,
        body: { city: 'x' },
      },
      { id: '2', method: 'GET', url: '/users?$top=1', dependsOn: ['1'] },
    ]);
    expect(dep.byId.get('1')!.status).toBe(429);
    expect(dep.byId.get('2')!.status).toBe(424);
  });

  it('draws injected faults per inner request: inner 429s in a 200 batch, repeatable for a seed', async () => {
    // Which items get the fault depends on the seeded draw order; the test only relies on a seed
    // giving the same answer twice, and looks for a seed where the outer request is not throttled.
    const rate = 0.5;
    const items = Array.from({ length: 8 }, (_, i) => ({
      id: String(i),
      method: 'GET',
      url: '/users?$top=1&$select=id',
    }));
    const run = async (seed: number) => {
      t.emu.setFaults({ seed: seed + 1_000_000 });
      t.emu.setFaults({ seed, rate429: rate, retryAfterSeconds: 3 });
      const r = await batch(items);
      t.emu.setFaults({ rate429: 0 });
      return r;
    };
    let seed = 100;
    let first: Awaited<ReturnType<typeof batch>> | undefined;
    for (; seed < 200; seed++) {
      const r = await run(seed);
      if (r.status !== 200) {
        expect(r.status).toBe(429);
        expect(r.body.error.code).toBe('TooManyRequests');
        continue;
      }
      const statuses = r.body.responses.map((x: Inner) => x.status);
      if (statuses.includes(429) && statuses.includes(200)) {
        first = r;
        break;
      }
    }
    expect(first, 'no seed in 100..199 gave a mixed batch').toBeDefined();
    for (const x of first!.body.responses as Inner[]) {
      expect([200, 429]).toContain(x.status);
      if (x.status === 429) {
        expect(x.headers['Retry-After']).toBe('3');
        expect(x.body.error).toMatchObject({ code: 'TooManyRequests', message: 'Please retry again later.' });
      } else expect(x.body.value).toHaveLength(1);
    }
    const again = await run(seed);
    expect(again.status).toBe(200);
    expect(again.body.responses.map((x: Inner) => [x.id, x.status])).toEqual(
      first!.body.responses.map((x: Inner) => [x.id, x.status]),
    );
  });
});
