import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../connector/graph/batch.js';
import { GraphError } from '../../connector/graph/errors.js';
import { type ClientRig, startClientRig } from '../support/client.js';

type User = { id: string; displayName?: string; userPrincipalName?: string };

describe('Graph client against the emulator', () => {
  let rig: ClientRig;
  beforeAll(async () => {
    rig = await startClientRig({ generate: { users: 1000, groups: 10, seed: 11 } });
  });
  afterAll(() => rig.close());

  it('reads a delta round across many pages ending with a deltaLink', async () => {
    const pages: { n: number; next: boolean; delta: boolean }[] = [];
    const ids = new Set<string>();
    for await (const page of rig.client.delta<User>('/users/delta?$select=displayName')) {
      pages.push({ n: page.value.length, next: !!page.nextLink, delta: !!page.deltaLink });
      for (const u of page.value) ids.add(u.id);
    }
    expect(ids.size).toBe(1000);
    expect(pages.length).toBe(5);
    expect(pages.slice(0, -1).every((p) => p.next && !p.delta)).toBe(true);
    expect(pages.at(-1)).toMatchObject({ next: false, delta: true });
  });

  it('encodes $filter values so + and # reach Graph intact', async () => {
    const guest = (
      await rig.client.request<{ value: User[] }>(
        'GET',
        "/users?$filter=userType eq 'Guest'&$top=1&$select=userPrincipalName",
      )
    ).body.value[0]!;
    const upn = guest.userPrincipalName!;
    expect(upn).toContain('#EXT#');
    const { buildQuery } = await import('../../connector/graph/query.js');
    const q = buildQuery({ filter: `userPrincipalName eq '${upn}'`, select: ['id', 'userPrincipalName'] });
    const res = await rig.client.request<{ value: User[] }>('GET', `/users${q.query}`);
    expect(res.body.value.map((u) => u.userPrincipalName)).toEqual([upn]);
  });

  it('sends ConsistencyLevel with advanced queries on every page', async () => {
    const { buildQuery, ADVANCED_QUERY_HEADERS } = await import('../../connector/graph/query.js');
    const q = buildQuery({
      filter: "endsWith(userPrincipalName,'#EXT#@mimgraph.onmicrosoft.com')",
      top: 20,
      select: ['id'],
    });
    expect(q.advanced).toBe(true);
    let n = 0;
    let count: number | undefined;
    for await (const page of rig.client.pages<User>(`/users${q.query}`, {
      headers: { ...ADVANCED_QUERY_HEADERS },
    })) {
      n += page.value.length;
      count ??= page.count;
    }
    expect(n).toBeGreaterThan(20);
    expect(count).toBe(n);
  });

  it('renews the token once on a 401 and succeeds', async () => {
    const c = rig.newClient();
    await c.request('GET', '/users?$top=1');
    expect(c.counters.tokensAcquired).toBe(1);
    rig.emu.revokeTokens();
    const res = await c.request<{ value: User[] }>('GET', '/users?$top=1');
    expect(res.status).toBe(200);
    expect(c.counters.tokensAcquired).toBe(2);
    expect(c.counters.tokenRefreshesOn401).toBe(1);
  });

  it('gives up with a clear error after a second 401', async () => {
    const c = rig.newClient();
    await c.request('GET', '/users?$top=1');
    rig.emu.rejectAllTokens(true);
    try {
      const err = await c.request('GET', '/users?$top=1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GraphError);
      const g = err as GraphError;
      expect(g.status).toBe(401);
      expect(g.code).toBe('InvalidAuthenticationToken');
      expect(g.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(g.message).toContain('GET /v1.0/users');
      expect(g.hint).toMatch(/tenant id|client id/);
      expect(c.counters.tokenRefreshesOn401).toBe(1);
      expect(c.counters.tokensAcquired).toBe(2);
    } finally {
      rig.emu.rejectAllTokens(false);
    }
  });

  it('shares one token refresh among concurrent callers', async () => {
    const c = rig.newClient();
    await Promise.all(Array.from({ length: 20 }, () => c.request('GET', '/users?$top=1')));
    expect(c.counters.tokensAcquired).toBe(1);
  });

  it('honours Retry-After on 429 (the measured wait is at least what Graph asked)', async () => {
    const c = rig.newClient();
    await c.request('GET', '/users?$top=1');
    rig.emu.setFaults({ rate429: 1, retryAfterSeconds: 1 });
    const stop = setTimeout(() => rig.emu.setFaults({ rate429: 0 }), 1500);
    const t0 = performance.now();
    try {
      const res = await c.request('GET', '/users?$top=1');
      const elapsed = performance.now() - t0;
      expect(res.status).toBe(200);
      expect(c.counters.throttled).toBeGreaterThanOrEqual(2);
      expect(elapsed).toBeGreaterThanOrEqual(c.counters.throttled * 1000);
      expect(c.counters.throttledWaitMs).toBeGreaterThanOrEqual(c.counters.throttled * 1000);
    } finally {
      clearTimeout(stop);
      rig.emu.setFaults({ rate429: 0 });
    }
  });

  it('rides out bursts of 503 and 504', async () => {
    const c = rig.newClient();
    rig.emu.setFaults({ rate503: 0.3, rate504: 0.2, retryAfterSeconds: 0.05, seed: 5 });
    try {
      const results = await Promise.all(
        Array.from({ length: 40 }, () => c.request<{ value: User[] }>('GET', '/users?$top=2')),
      );
      expect(results.every((r) => r.status === 200 && r.body.value.length === 2)).toBe(true);
      expect(c.counters.retries).toBeGreaterThan(5);
    } finally {
      rig.emu.setFaults({ rate503: 0, rate504: 0 });
    }
  });

  it('completes a delta round with connections dropped mid-page and bodies cut off', async () => {
    const c = rig.newClient();
    await c.request('GET', '/users?$top=1');
    rig.emu.setFaults({ rateDrop: 0.2, rateTruncate: 0.2, rateCorrupt: 0.1, seed: 9 });
    const ids = new Set<string>();
    try {
      for await (const page of c.delta<User>('/users/delta?$select=displayName'))
        for (const u of page.value) ids.add(u.id);
    } finally {
      rig.emu.setFaults({ rateDrop: 0, rateTruncate: 0, rateCorrupt: 0 });
    }
    expect(ids.size).toBe(1000);
    expect(c.counters.retries).toBeGreaterThan(0);
  });

  it('fails clearly when a page never arrives intact', async () => {
    const c = rig.newClient({ retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20 } });
    await c.request('GET', '/users?$top=1');
    rig.emu.setFaults({ rateCorrupt: 1 });
    try {
      const err = (await c.request('GET', '/users?$top=5').catch((e: unknown) => e)) as Error;
      expect(err.name).toBe('TransportError');
      expect(err.message).toMatch(/not valid JSON/);
      expect(err.message).toMatch(/request-id [0-9a-f-]{36}/);
    } finally {
      rig.emu.setFaults({ rateCorrupt: 0 });
    }
  });
});

describe('$batch through the client', () => {
  let rig: ClientRig;
  beforeAll(async () => {
    rig = await startClientRig({ generate: { users: 60, groups: 3, seed: 12 } });
  });
  afterAll(() => rig.close());

  const newUser = (n: string) => ({
    accountEnabled: true,
    displayName: `Batch ${n}`,
    mailNickname: `batch.${n}`,
    userPrincipalName: `batch.${n}@mimgraph.onmicrosoft.com`,
    passwordProfile: { forceChangePasswordNextSignIn: true, password: 'Str0ng!Passw0rd' },
  });

  it('runs a batch with dependsOn and retries only the throttled item', async () => {
    const c = rig.newClient({ writeBudget: false });
    const groups = (await c.request<{ value: { id: string }[] }>('GET', '/groups?$top=1')).body.value;
    const users = (await c.request<{ value: User[] }>('GET', "/users?$top=3&$filter=userType eq 'Member'"))
      .body.value;
    // Make sure users[1] is not yet a member, so the add is a plain success.
    await c.request('DELETE', `/groups/${groups[0]!.id}/members/${users[1]!.id}/$ref`).catch(() => undefined);
    rig.emu.setWriteBudget({ writes: 3, seconds: 1 });
    const t0 = performance.now();
    try {
      const results = await runBatch(c, [
        { id: 'create', method: 'POST', url: '/users', body: newUser('dep1') },
        {
          id: 'title',
          method: 'PATCH',
          url: `/users/${users[0]!.id}`,
          body: { jobTitle: 'Batch tester' },
          dependsOn: ['create'],
        },
        {
          id: 'm1',
          method: 'POST',
          url: `/groups/${groups[0]!.id}/members/$ref`,
          body: { '@odata.id': `${c.root}/directoryObjects/${users[1]!.id}` },
        },
        { id: 'm2', method: 'PATCH', url: `/users/${users[2]!.id}`, body: { department: 'Batching' } },
      ]);
      expect([...results.values()].map((r) => [r.id, r.status, r.error?.message])).toEqual([
        ['create', 201, undefined],
        ['title', 204, undefined],
        ['m1', 204, undefined],
        ['m2', 204, undefined],
      ]);
      // Three writes fit the window; the fourth came back 429 inside the batch and went again alone.
      expect(c.counters.throttled).toBe(1);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(900);
      const counters = rig.emu.context.counters;
      expect(counters.batchItems).toBeGreaterThanOrEqual(5);
    } finally {
      rig.emu.setWriteBudget(undefined);
    }
  });

  it('maps per-item errors back to their requests', async () => {
    const c = rig.newClient();
    const results = await runBatch(c, [
      { id: 'a', method: 'GET', url: '/users/00000000-0000-0000-0000-000000000000' },
      { id: 'b', method: 'POST', url: '/users', body: { displayName: 'no nickname' } },
      { id: 'c', method: 'GET', url: '/users?$top=1', dependsOn: ['a'] },
    ]);
    expect(results.get('a')?.status).toBe(404);
    expect((results.get('a')!.error as GraphError).code).toBe('Request_ResourceNotFound');
    expect(results.get('b')?.status).toBe(400);
    expect(results.get('b')?.error?.message).toMatch(/value is required/);
    expect(results.get('c')?.status).toBe(424);
  });

  it('packs 45 requests into three batches', async () => {
    const c = rig.newClient();
    const users = (await c.request<{ value: User[] }>('GET', '/users?$top=45')).body.value;
    const before = rig.emu.context.counters.graphRequests;
    const results = await runBatch(
      c,
      users.map((u, i) => ({
        id: `r${i}`,
        method: 'PATCH' as const,
        url: `/users/${u.id}`,
        body: { officeLocation: `Room ${i}` },
      })),
    );
    expect([...results.values()].every((r) => r.status === 204)).toBe(true);
    expect(rig.emu.context.counters.graphRequests - before).toBe(3);
  });

  it('never duplicates a create when the batch connection drops', async () => {
    const c = rig.newClient();
    await c.request('GET', '/users?$top=1');
    const names = Array.from({ length: 10 }, (_, i) => `drop${i}`);
    rig.emu.setFaults({ rateDrop: 0.5, rateTruncate: 0.3, seed: 21 });
    let results: Awaited<ReturnType<typeof runBatch>>;
    try {
      results = await runBatch(
        c,
        names.map((n) => ({
          id: n,
          method: 'POST' as const,
          url: '/users',
          body: newUser(n),
          lookup: async () => {
            const r = await c.request<{ value: User[] }>(
              'GET',
              `/users?$filter=userPrincipalName eq 'batch.${n}@mimgraph.onmicrosoft.com'`,
            );
            return r.body.value[0];
          },
        })),
      );
    } finally {
      rig.emu.setFaults({ rateDrop: 0, rateTruncate: 0 });
    }
    expect([...results.values()].every((r) => r.status === 201)).toBe(true);
    for (const n of names) {
      const r = await c.request<{ value: User[] }>(
        'GET',
        `/users?$filter=startsWith(userPrincipalName,'batch.${n}@')`,
      );
      expect(r.body.value).toHaveLength(1);
    }
  });
});

describe('write governor', () => {
  it('holds an emulator-enforced write budget without a single 429', async () => {
    const rig = await startClientRig({
      generate: { users: 50, groups: 1, seed: 13 },
      writeBudget: { writes: 100, seconds: 4 },
    });
    try {
      const c = rig.newClient({ writeBudget: { writes: 100, seconds: 4 } });
      const users = (await c.request<{ value: User[] }>('GET', '/users?$top=50')).body.value;
      const t0 = performance.now();
      let i = 0;
      const worker = async () => {
        while (i < 200) {
          const u = users[i++ % users.length]!;
          await c.request('PATCH', `/users/${u.id}`, { body: { officeLocation: `Office ${i}` } });
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      const seconds = (performance.now() - t0) / 1000;
      const budget = (rig.emu.context.counters as unknown as { writes: number }).writes;
      expect(budget).toBeGreaterThanOrEqual(200);
      expect(rig.emu.context.budget?.throttled).toBe(0);
      expect(c.counters.throttled).toBe(0);
      // 200 writes at 99 % of 25/s after a burst of 2: about 8 s.
      expect(seconds).toBeGreaterThan(7);
      expect(c.governor?.stats().waitedMs).toBeGreaterThan(0);
    } finally {
      await rig.close();
    }
  });

  it('adapts when Graph throttles harder than the configured budget', async () => {
    const rig = await startClientRig({
      generate: { users: 20, groups: 1, seed: 14 },
      writeBudget: { writes: 20, seconds: 1 },
    });
    try {
      const c = rig.newClient({ writeBudget: { writes: 200, seconds: 1 } });
      const users = (await c.request<{ value: User[] }>('GET', '/users?$top=20')).body.value;
      for (let i = 0; i < 80; i++)
        await c.request('PATCH', `/users/${users[i % 20]!.id}`, { body: { officeLocation: `Desk ${i}` } });
      const stats = c.governor!.stats();
      expect(stats.throttles).toBeGreaterThan(0);
      expect(stats.rate).toBeLessThan(stats.maxRate);
    } finally {
      await rig.close();
    }
  });
});
