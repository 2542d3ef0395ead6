import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTlsMaterial } from '../../emulator/auth/tls.js';
import type { DirObject } from '../../emulator/directory/store.js';
import type { AppRegistration } from '../../emulator/index.js';
import { entityType } from '../../emulator/model/entities.js';
import { type GraphReply, startTestTenant, type TestTenant } from '../support/emulator.js';

/**
 * Graph's delta query as the emulator serves it (graph-api.md §3): rounds of pages ending in a
 * deltaLink, item shapes, @removed, members@delta / manager@delta, Prefer: return=minimal,
 * $deltatoken=latest, id filters, expiry and forced resync, persistence of links across restarts.
 * Every page is checked for its envelope, every item by object id against the emulator's store.
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON payloads are inspected key by key
type Item = Record<string, any>;

const tls = generateTlsMaterial();
const EXPIRED_MESSAGE =
  'The sync state generation is not found. The delta token is expired and data must be synchronized again.';
const USER = '#microsoft.graph.user';
const DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const root = (t: TestTenant) => `${t.emu.baseUrl}/v1.0`;
const store = (t: TestTenant) => t.emu.context.store;
const q = (s: string) => encodeURIComponent(s);

interface Round {
  pages: GraphReply[];
  items: Item[];
  deltaLink: string;
}

/**
 * Follows one delta round to its deltaLink, checking every page's envelope: `@odata.context`
 * (exactly `context` when given), `value`, and exactly one of nextLink (all pages but the last)
 * and deltaLink (the last), both absolute links to the same delta function.
 */
async function round(
  t: TestTenant,
  url: string,
  opts: { headers?: Record<string, string>; context?: string; maxPage?: number } = {},
): Promise<Round> {
  const set = /\/(users|groups|contacts|servicePrincipals)\/delta/.exec(url)?.[1];
  expect(set, url).toBeDefined();
  const linkBase = `^${esc(root(t))}/${set}/delta\\?`;
  const pages: GraphReply[] = [];
  let next: string | undefined = url;
  while (next !== undefined) {
    const r = await t.graph('GET', next, { headers: opts.headers ?? {} });
    expect(r.status, r.text).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    pages.push(r);
    const b = r.body as Item;
    const link = '@odata.nextLink' in b ? '@odata.nextLink' : '@odata.deltaLink';
    expect(Object.keys(b).sort()).toEqual(['@odata.context', link, 'value'].sort());
    if (opts.context !== undefined) expect(b['@odata.context']).toBe(opts.context);
    else expect(b['@odata.context']).toMatch(new RegExp(`^${esc(root(t))}/\\$metadata#${set}(\\(.*\\))?$`));
    expect(Array.isArray(b.value)).toBe(true);
    if (opts.maxPage !== undefined) expect(b.value.length).toBeLessThanOrEqual(opts.maxPage);
    if (link === '@odata.nextLink') {
      expect(b[link]).toMatch(new RegExp(`${linkBase}\\$skiptoken=[A-Za-z0-9_-]+$`));
      next = b[link];
    } else {
      expect(b[link]).toMatch(new RegExp(`${linkBase}\\$deltatoken=[A-Za-z0-9_-]+$`));
      next = undefined;
    }
  }
  const last = pages.at(-1)!.body as Item;
  return { pages, items: pages.flatMap((p) => p.body.value as Item[]), deltaLink: last['@odata.deltaLink'] };
}

/** Items by id, failing when an object appears twice. */
function once(items: Item[]): Map<string, Item> {
  const out = new Map<string, Item>();
  for (const it of items) {
    expect(it.id, JSON.stringify(it)).toMatch(GUID);
    expect(out.has(it.id), `object ${it.id} reported twice`).toBe(false);
    out.set(it.id, it);
  }
  return out;
}

/** The set properties of `o` among `props`, as delta reports a new or current object. */
function shape(o: DirObject, props: readonly string[]): Item {
  const out: Item = { id: o.id };
  for (const p of props) if (o.props[p] !== undefined && o.props[p] !== null) out[p] = o.props[p];
  return out;
}

const defaults = (type: string) =>
  entityType(type)
    .properties.filter((p) => p.returnedByDefault && !p.writeOnly)
    .map((p) => p.name);

const users = (t: TestTenant) => [...store(t).all('user')];
const groups = (t: TestTenant) => [...store(t).all('group')];
const memberUsers = (t: TestTenant) =>
  users(t).filter((u) => u.props.userType === 'Member' && u.props.department && u.props.jobTitle);
const ref = (id: string, removed = false): Item =>
  removed ? { '@odata.type': USER, id, '@removed': { reason: 'deleted' } } : { '@odata.type': USER, id };
const byId = (a: Item, b: Item) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

async function ok(t: TestTenant, method: string, path: string, body?: unknown): Promise<GraphReply> {
  const r = await t.graph(method, path, body === undefined ? {} : { body });
  expect(r.status, `${method} ${path}: ${r.text}`).toBeLessThan(300);
  return r;
}

async function latest(t: TestTenant, path: string): Promise<string> {
  const r = await round(t, `${path}${path.includes('?') ? '&' : '?'}$deltatoken=latest`);
  expect(r.items).toEqual([]);
  return r.deltaLink;
}

async function createUser(t: TestTenant, nick: string, extra: Item = {}): Promise<string> {
  const r = await ok(t, 'POST', '/users', {
    accountEnabled: true,
    displayName: `Delta ${nick}`,
    mailNickname: nick,
    userPrincipalName: `${nick}@${store(t).primaryDomain}`,
    passwordProfile: { forceChangePasswordNextSignIn: true, password: 'Str0ng!Passw0rd' },
    ...extra,
  });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

function expectGraphError(r: GraphReply, status: number, code: string, message?: string | RegExp): void {
  expect(r.status, r.text).toBe(status);
  expect(Object.keys(r.body)).toEqual(['error']);
  expect(Object.keys(r.body.error).sort()).toEqual(['code', 'innerError', 'message']);
  expect(r.body.error.code).toBe(code);
  if (typeof message === 'string') expect(r.body.error.message).toBe(message);
  else if (message) expect(r.body.error.message).toMatch(message);
  expect(r.body.error.innerError).toEqual({
    date: expect.stringMatching(DATE),
    'request-id': r.headers['request-id'],
    'client-request-id': r.headers['client-request-id'],
  });
  expect(r.headers['request-id']).toMatch(GUID);
}

/** Applies user items to a client-side copy: @removed drops, null clears, values overwrite. */
function applyObjects(replica: Map<string, Item>, items: Item[]): void {
  for (const it of items) {
    if (it['@removed']) {
      replica.delete(it.id);
      continue;
    }
    const cur = replica.get(it.id) ?? { id: it.id };
    for (const [k, v] of Object.entries(it)) {
      if (k.includes('@')) continue;
      if (v === null) delete cur[k];
      else cur[k] = v;
    }
    replica.set(it.id, cur);
  }
}

/** Applies members@delta of group items to a client-side copy of every group's members. */
function applyMembers(replica: Map<string, Set<string>>, items: Item[]): void {
  for (const it of items) {
    if (it['@removed']) {
      replica.delete(it.id);
      continue;
    }
    const set = replica.get(it.id) ?? new Set<string>();
    replica.set(it.id, set);
    for (const m of (it['members@delta'] as Item[] | undefined) ?? []) {
      if (m['@removed']) set.delete(m.id);
      else set.add(m.id);
    }
  }
}

const membership = (t: TestTenant) => new Map(groups(t).map((g) => [g.id, new Set(g.members)]));

// ------------------------------------------------------------------------------------------------

describe('delta: enumerating 10,000 users', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await startTestTenant({ tls, generate: { users: 10_000, groups: 3, seed: 42 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('reports every user exactly once in pages of 200 with only the selected properties', async () => {
    const select = 'displayName,jobTitle,userType';
    const r = await round(t, `/users/delta?$select=${select}&$top=5`, {
      context: `${root(t)}/$metadata#users(${select})`,
      maxPage: 200,
    });
    // $top is ignored: 50 full pages, the last with the deltaLink.
    expect(r.pages.length).toBe(50);
    for (const [i, p] of r.pages.entries()) {
      expect(p.body.value.length, `page ${i}`).toBe(200);
      expect('@odata.deltaLink' in p.body).toBe(i === r.pages.length - 1);
      expect('@odata.nextLink' in p.body).toBe(i < r.pages.length - 1);
    }
    const seen = once(r.items);
    const all = users(t);
    expect(all.length).toBe(10_000);
    expect(seen.size).toBe(10_000);
    for (const u of all) expect(seen.get(u.id)).toEqual(shape(u, ['displayName', 'jobTitle', 'userType']));
    // Guests have no jobTitle: absent, never null, in a first round.
    const guest = all.find((u) => u.props.userType === 'Guest')!;
    expect(Object.keys(seen.get(guest.id)!).sort()).toEqual(['displayName', 'id', 'userType']);
    // The nextLinks carry no query options of their own: they are opaque.
    expect(r.pages[0]!.body['@odata.nextLink']).not.toMatch(/\$select|\$top/);
  });
});

describe('delta: rounds, item shapes and Prefer: return=minimal', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await startTestTenant({ tls, generate: { users: 40, groups: 4, seed: 11 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('without $select returns the default properties that are set, and no relations', async () => {
    const r = await round(t, '/users/delta', { context: `${root(t)}/$metadata#users` });
    expect(r.pages.length).toBe(1);
    const seen = once(r.items);
    expect(seen.size).toBe(40);
    const props = defaults('user');
    expect(props).toContain('userPrincipalName');
    expect(props).not.toContain('department');
    for (const u of users(t)) expect(seen.get(u.id)).toEqual(shape(u, props));

    const g = await round(t, '/groups/delta', { context: `${root(t)}/$metadata#groups` });
    const gs = once(g.items);
    for (const grp of groups(t)) {
      const { 'members@delta': members, ...props } = gs.get(grp.id)!;
      expect(props).toEqual(shape(grp, defaults('group')));
      // Order is unspecified.
      expect([...(members as Item[])].sort(byId)).toEqual(
        [...grp.members!]
          .map((id) => ({ '@odata.type': `#microsoft.graph.${store(t).get(id)!.type}`, id }))
          .sort(byId),
      );
    }
  });

  it('reports exactly the changed objects, with old, new and cleared values, or only the changes', async () => {
    const select = ['displayName', 'givenName', 'jobTitle', 'department', 'mobilePhone'];
    const context = `${root(t)}/$metadata#users(${select.join(',')})`;
    const r1 = await round(t, `/users/delta?$select=${select.join(',')}`, { context });
    const first = once(r1.items);
    for (const u of users(t)) expect(first.get(u.id)).toEqual(shape(u, select));

    const [a, b, c, d] = memberUsers(t);
    const before = new Map([a!, b!, c!, d!].map((u) => [u.id, { ...u.props }]));
    await ok(t, 'PATCH', `/users/${a!.id}`, { jobTitle: 'Chief Delta Officer' });
    await ok(t, 'PATCH', `/users/${b!.id}`, { department: null });
    await ok(t, 'PATCH', `/users/${c!.id}`, { displayName: 'Renamed C', mobilePhone: '+1 555 0199' });
    await ok(t, 'PATCH', `/users/${d!.id}`, { city: 'Oslo', usageLocation: 'NO' }); // not selected
    const e = await createUser(t, 'delta.new', { givenName: 'Delta', department: 'Research' });
    const old = (u: DirObject, p: string) => before.get(u.id)![p];

    const r2 = await round(t, r1.deltaLink, { context });
    expect(r2.pages.every((p) => p.headers['preference-applied'] === undefined)).toBe(true);
    const second = once(r2.items);
    expect([...second.keys()].sort()).toEqual([a!.id, b!.id, c!.id, e].sort());
    expect(second.get(a!.id)).toEqual({
      id: a!.id,
      displayName: old(a!, 'displayName'),
      givenName: old(a!, 'givenName'),
      jobTitle: 'Chief Delta Officer',
      department: old(a!, 'department'),
    });
    expect(second.get(b!.id)).toEqual({
      id: b!.id,
      displayName: old(b!, 'displayName'),
      givenName: old(b!, 'givenName'),
      jobTitle: old(b!, 'jobTitle'),
      department: null,
    });
    expect(second.get(c!.id)).toEqual({
      id: c!.id,
      displayName: 'Renamed C',
      givenName: old(c!, 'givenName'),
      jobTitle: old(c!, 'jobTitle'),
      department: old(c!, 'department'),
      mobilePhone: '+1 555 0199',
    });
    expect(second.get(e)).toEqual({
      id: e,
      displayName: 'Delta delta.new',
      givenName: 'Delta',
      department: 'Research',
    });

    // The same deltaLink again, now with Prefer: return=minimal: the same objects, only what changed.
    const minimal = await round(t, r1.deltaLink, { context, headers: { Prefer: 'return=minimal' } });
    expect(minimal.pages.every((p) => p.headers['preference-applied'] === 'return=minimal')).toBe(true);
    const m = once(minimal.items);
    expect([...m.keys()].sort()).toEqual([...second.keys()].sort());
    expect(m.get(a!.id)).toEqual({ id: a!.id, jobTitle: 'Chief Delta Officer' });
    expect(m.get(b!.id)).toEqual({ id: b!.id, department: null });
    expect(m.get(c!.id)).toEqual({ id: c!.id, displayName: 'Renamed C', mobilePhone: '+1 555 0199' });
    expect(m.get(e)).toEqual(second.get(e)); // a new object is reported whole

    // No changes: an empty round, and every deltaLink differs from the one used.
    let link = r2.deltaLink;
    const links = new Set([r1.deltaLink, r2.deltaLink, minimal.deltaLink]);
    for (let i = 0; i < 5; i++) {
      const empty = await round(t, link, { context });
      expect(empty.pages.length).toBe(1);
      expect(empty.items).toEqual([]);
      expect(links.has(empty.deltaLink), 'a new deltaLink each round').toBe(false);
      links.add(empty.deltaLink);
      link = empty.deltaLink;
    }
    // Even deltaLinks issued at the same moment differ.
    const parallel = await Promise.all(Array.from({ length: 8 }, () => t.graph('GET', link)));
    for (const r of parallel) expect(r.body.value).toEqual([]);
    expect(new Set(parallel.map((r) => r.body['@odata.deltaLink'])).size).toBe(8);
    // ... and so do those of one $batch, answered within the same millisecond.
    const rel = link.slice(root(t).length);
    const batch = await ok(t, 'POST', '/$batch', {
      requests: Array.from({ length: 10 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: rel })),
    });
    const inner = batch.body.responses as Item[];
    expect(inner.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(inner.map((r) => r.body['@odata.deltaLink'])).size).toBe(10);
    // Old deltaLinks stay usable (Graph tokens are reusable until they expire).
    expect(once((await round(t, r1.deltaLink, { context })).items).size).toBe(4);
  });

  it('refuses query options delta does not support', async () => {
    for (const opt of ['$expand=manager', '$orderby=displayName', '$search="displayName:a"']) {
      expectGraphError(await t.graph('GET', `/users/delta?${opt}`), 400, 'Request_UnsupportedQuery');
    }
    const page = await t.graph('GET', '/users/delta');
    expect(page.status).toBe(200);
    expectGraphError(await t.graph('GET', '/users/delta?$select=nope'), 400, 'Request_BadRequest');
    const bad = await t.graph('GET', '/users/delta?$deltatoken=not-a-token');
    expectGraphError(bad, 400, 'Request_BadRequest');
    // A users token is no token for groups.
    const userLink = await latest(t, '/users/delta');
    const token = new URL(userLink).searchParams.get('$deltatoken')!;
    expectGraphError(await t.graph('GET', `/groups/delta?$deltatoken=${token}`), 400, 'Request_BadRequest');
  });
});

describe('delta: deleted and restored objects', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await startTestTenant({ tls, generate: { users: 40, groups: 4, seed: 12 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('reports soft deletion as changed, permanent deletion as deleted, restore as a plain object', async () => {
    const s = store(t);
    // X manages others and belongs to groups: neither may leak into a $select=displayName users round.
    const x = users(t).find((u) => s.reportsOf(u.id).length > 0 && s.groupsOf(u.id).length > 1)!;
    expect(x).toBeDefined();
    const xGroups = s.groupsOf(x.id).sort();
    const [y, z] = users(t).filter((u) => u !== x);
    const context = `${root(t)}/$metadata#users(displayName)`;
    const l0 = (await round(t, '/users/delta?$select=displayName', { context })).deltaLink;
    const g0 = await latest(t, '/groups/delta');

    await ok(t, 'DELETE', `/users/${x.id}`);
    const r1 = await round(t, l0, { context });
    expect(r1.items).toEqual([{ id: x.id, '@removed': { reason: 'changed' } }]);
    // Soft-deleted users keep their memberships: groups report nothing.
    const g1 = await round(t, g0);
    expect(g1.items).toEqual([]);

    await ok(t, 'DELETE', `/directory/deletedItems/${x.id}`);
    const r2 = await round(t, r1.deltaLink, { context });
    expect(r2.items).toEqual([{ id: x.id, '@removed': { reason: 'deleted' } }]);
    // Now every group it was in reports it as a removed member.
    const g2 = await round(t, g1.deltaLink, { headers: { Prefer: 'return=minimal' } });
    expect(g2.items.sort(byId)).toEqual(
      xGroups.map((gid) => ({ id: gid, 'members@delta': [ref(x.id, true)] })).sort(byId),
    );

    await ok(t, 'DELETE', `/users/${y!.id}`);
    const r3 = await round(t, r2.deltaLink, { context });
    expect(r3.items).toEqual([{ id: y!.id, '@removed': { reason: 'changed' } }]);
    const restored = await ok(t, 'POST', `/directory/deletedItems/${y!.id}/restore`);
    expect(restored.status).toBe(200);
    const r4 = await round(t, r3.deltaLink, { context });
    expect(r4.items).toEqual([{ id: y!.id, displayName: y!.props.displayName }]);

    // Deleted and restored between two rounds: just the object.
    await ok(t, 'DELETE', `/users/${z!.id}`);
    await ok(t, 'POST', `/directory/deletedItems/${z!.id}/restore`);
    const r5 = await round(t, r4.deltaLink, { context });
    expect(r5.items).toEqual([{ id: z!.id, displayName: z!.props.displayName }]);
    // ... and the whole history, seen from the first link: each object once, in its final state.
    const all = once((await round(t, l0, { context })).items);
    expect(all.get(x.id)).toEqual({ id: x.id, '@removed': { reason: 'deleted' } });
    expect(all.get(y!.id)).toEqual({ id: y!.id, displayName: y!.props.displayName });
    expect(all.get(z!.id)).toEqual({ id: z!.id, displayName: z!.props.displayName });
    // Restores left the groups alone.
    expect((await round(t, g2.deltaLink)).items).toEqual([]);
  });
});

describe('delta: groups and members@delta', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await startTestTenant({ tls, generate: { users: 120, groups: 4, seed: 21 } });
    t.emu.setBehaviour({ deltaMembersPerPage: 50 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('spreads a large group over several pages, each member exactly once', async () => {
    const r = await round(t, '/groups/delta', { context: `${root(t)}/$metadata#groups` });
    const entries = new Map<string, Item[]>();
    for (const p of r.pages) {
      const refs = (p.body.value as Item[]).reduce((n, it) => n + (it['members@delta']?.length ?? 0), 0);
      expect(refs).toBeLessThanOrEqual(50);
    }
    for (const it of r.items) entries.set(it.id, [...(entries.get(it.id) ?? []), it]);
    const all = groups(t);
    expect([...entries.keys()].sort()).toEqual(all.map((g) => g.id).sort());
    const allStaff = all.find((g) => g.props.mailNickname === 'all-staff')!;
    expect(allStaff.members!.size).toBe(120);
    expect(entries.get(allStaff.id)!.length).toBe(3);
    expect(r.pages.length).toBeGreaterThanOrEqual(3);
    let sawContact = false;
    for (const g of all) {
      const [head, ...rest] = entries.get(g.id)!;
      const { 'members@delta': _m, ...props } = head!;
      expect(props).toEqual(shape(g, defaults('group')));
      // Continuation entries carry only the id and further members.
      for (const more of rest) expect(Object.keys(more).sort()).toEqual(['id', 'members@delta']);
      const seen = new Map<string, Item>();
      for (const e of [head!, ...rest]) {
        for (const m of e['members@delta'] as Item[]) {
          expect(seen.has(m.id), `member ${m.id} of ${g.id} twice`).toBe(false);
          seen.set(m.id, m);
          const target = store(t).get(m.id)!;
          expect(m).toEqual({ '@odata.type': `#microsoft.graph.${target.type}`, id: m.id });
          if (target.type === 'orgContact') sawContact = true;
        }
      }
      expect([...seen.keys()].sort()).toEqual([...g.members!].sort());
    }
    expect(sawContact).toBe(true);
  });

  it('continues members and owners of a group across pages, each reference once', async () => {
    const select = 'displayName,members,owners';
    const r = await round(t, `/groups/delta?$select=${select}`, {
      context: `${root(t)}/$metadata#groups(${select})`,
    });
    const refs = new Map<string, { members: string[]; owners: string[] }>();
    for (const p of r.pages) {
      let n = 0;
      for (const it of p.body.value as Item[]) {
        expect(
          Object.keys(it).every((k) => ['id', 'displayName', 'members@delta', 'owners@delta'].includes(k)),
        ).toBe(true);
        const e = refs.get(it.id) ?? { members: [], owners: [] };
        refs.set(it.id, e);
        for (const m of (it['members@delta'] as Item[] | undefined) ?? []) e.members.push(m.id);
        for (const o of (it['owners@delta'] as Item[] | undefined) ?? []) {
          expect(o).toEqual({ '@odata.type': `#microsoft.graph.${store(t).get(o.id)!.type}`, id: o.id });
          e.owners.push(o.id);
        }
        n += (it['members@delta']?.length ?? 0) + (it['owners@delta']?.length ?? 0);
      }
      expect(n).toBeLessThanOrEqual(50);
    }
    for (const g of groups(t)) {
      expect(refs.get(g.id)!.members.sort()).toEqual([...g.members!].sort());
      expect(refs.get(g.id)!.owners.sort()).toEqual([...g.owners!].sort());
      expect(g.owners!.size).toBeGreaterThan(0);
    }
  });

  it('reports net member additions and removals; $select without members does not track them', async () => {
    const all = groups(t);
    const g = all.find((x) => x.props.mailNickname !== 'all-staff' && x.members!.size > 3)!;
    const members = [...g.members!].filter((id) => store(t).get(id)!.type === 'user');
    const outsiders = users(t)
      .map((u) => u.id)
      .filter((id) => !g.members!.has(id));
    const [add, flicker] = outsiders;
    const [remove, bounce] = members;
    const g2 = all.find((x) => x !== g && x.props.mailNickname !== 'all-staff')!;
    const g2Member = [...g2.members!].find((id) => store(t).get(id)!.type === 'user')!;
    const lDefault = (await round(t, '/groups/delta')).deltaLink;
    const selMembers = 'displayName,members';
    const lSel = (await round(t, `/groups/delta?$select=${selMembers}`)).deltaLink;
    const lName = (await round(t, '/groups/delta?$select=displayName')).items;
    for (const it of lName) expect(Object.keys(it).sort()).toEqual(['displayName', 'id']);
    const lNameLink = await latest(t, '/groups/delta?$select=displayName');

    const body = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });
    await ok(t, 'POST', `/groups/${g.id}/members/$ref`, body(add!));
    await ok(t, 'DELETE', `/groups/${g.id}/members/${remove}/$ref`);
    // Net zero: added then removed, removed then added again. g2 sees only such changes: not reported.
    await ok(t, 'POST', `/groups/${g.id}/members/$ref`, body(flicker!));
    await ok(t, 'DELETE', `/groups/${g.id}/members/${flicker}/$ref`);
    await ok(t, 'DELETE', `/groups/${g.id}/members/${bounce}/$ref`);
    await ok(t, 'POST', `/groups/${g.id}/members/$ref`, body(bounce!));
    const outsider2 = users(t).find((u) => !g2.members!.has(u.id))!.id;
    await ok(t, 'POST', `/groups/${g2.id}/members/$ref`, body(outsider2));
    await ok(t, 'DELETE', `/groups/${g2.id}/members/${outsider2}/$ref`);
    await ok(t, 'DELETE', `/groups/${g2.id}/members/${g2Member}/$ref`);
    await ok(t, 'POST', `/groups/${g2.id}/members/$ref`, body(g2Member));
    const expected = [ref(add!), ref(remove!, true)].sort(byId);

    const r = await round(t, lDefault);
    expect(r.items.length).toBe(1);
    const { 'members@delta': delta, ...props } = r.items[0]!;
    expect(props).toEqual(shape(g, defaults('group')));
    expect([...(delta as Item[])].sort(byId)).toEqual(expected);

    const min = await round(t, lDefault, { headers: { Prefer: 'return=minimal' } });
    expect(min.items.length).toBe(1);
    expect(Object.keys(min.items[0]!).sort()).toEqual(['id', 'members@delta']);
    expect([...min.items[0]!['members@delta']].sort(byId)).toEqual(expected);

    const sel = await round(t, lSel, { context: `${root(t)}/$metadata#groups(${selMembers})` });
    expect(sel.items.length).toBe(1);
    expect(sel.items[0]!.displayName).toBe(g.props.displayName);
    expect(Object.keys(sel.items[0]!).sort()).toEqual(['displayName', 'id', 'members@delta']);
    expect([...sel.items[0]!['members@delta']].sort(byId)).toEqual(expected);

    const name = await round(t, lNameLink, { context: `${root(t)}/$metadata#groups(displayName)` });
    expect(name.items).toEqual([]);
    await ok(t, 'PATCH', `/groups/${g.id}`, { displayName: 'Renamed group' });
    expect((await round(t, name.deltaLink)).items).toEqual([{ id: g.id, displayName: 'Renamed group' }]);
  });
});

describe('delta: manager@delta', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await startTestTenant({ tls, generate: { users: 40, groups: 2, seed: 13 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('reports the manager as a one-element array, then changes and removal', async () => {
    const context = `${root(t)}/$metadata#users(displayName,manager)`;
    const r1 = await round(t, '/users/delta?$select=displayName,manager', { context });
    const first = once(r1.items);
    let withManager = 0;
    for (const u of users(t)) {
      const expected: Item = { id: u.id, displayName: u.props.displayName };
      if (u.manager) {
        expected['manager@delta'] = [ref(u.manager)];
        withManager++;
      }
      expect(first.get(u.id)).toEqual(expected);
    }
    expect(withManager).toBeGreaterThan(5);
    const lName = await latest(t, '/users/delta?$select=displayName');

    const u = users(t).find((x) => x.manager)!;
    const oldManager = u.manager!;
    const newManager = users(t).find((x) => x.id !== u.id && x.id !== oldManager)!;
    const managerBody = { '@odata.id': `https://graph.microsoft.com/v1.0/users/${newManager.id}` };
    await ok(t, 'PUT', `/users/${u.id}/manager/$ref`, managerBody);
    const r2 = await round(t, r1.deltaLink, { context });
    expect(r2.items).toEqual([
      { id: u.id, displayName: u.props.displayName, 'manager@delta': [ref(newManager.id)] },
    ]);
    const r2min = await round(t, r1.deltaLink, { context, headers: { Prefer: 'return=minimal' } });
    expect(r2min.items).toEqual([{ id: u.id, 'manager@delta': [ref(newManager.id)] }]);

    await ok(t, 'DELETE', `/users/${u.id}/manager/$ref`);
    const r3 = await round(t, r2.deltaLink, { context });
    expect(r3.items).toEqual([
      { id: u.id, displayName: u.props.displayName, 'manager@delta': [ref(newManager.id, true)] },
    ]);
    // A property change on a user with a manager: default mode repeats the (unchanged) manager.
    const v = users(t).find((x) => x.manager && x !== u)!;
    await ok(t, 'PATCH', `/users/${v.id}`, { displayName: 'Managed and renamed' });
    const r4 = await round(t, r3.deltaLink, { context });
    expect(r4.items).toEqual([
      { id: v.id, displayName: 'Managed and renamed', 'manager@delta': [ref(v.manager!)] },
    ]);
    const r4min = await round(t, r3.deltaLink, { context, headers: { Prefer: 'return=minimal' } });
    expect(r4min.items).toEqual([{ id: v.id, displayName: 'Managed and renamed' }]);
    // A user without a manager gets one: the one-element array.
    await ok(t, 'PUT', `/users/${u.id}/manager/$ref`, managerBody);
    const r5 = await round(t, r4.deltaLink, { context });
    expect(r5.items).toEqual([
      { id: u.id, displayName: u.props.displayName, 'manager@delta': [ref(newManager.id)] },
    ]);

    // Without manager in $select, manager changes are not tracked.
    const name = await round(t, lName);
    expect(name.items).toEqual([{ id: v.id, displayName: 'Managed and renamed' }]);
  });
});

describe('delta: $deltatoken=latest and $filter', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await startTestTenant({ tls, generate: { users: 40, groups: 3, seed: 14 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('$deltatoken=latest answers an empty page with a deltaLink; later changes come from it', async () => {
    for (const spelling of ['$deltatoken', '$deltaToken']) {
      const r = await t.graph('GET', `/users/delta?$select=displayName&${spelling}=latest`);
      expect(r.status).toBe(200);
      expect(Object.keys(r.body).sort()).toEqual(['@odata.context', '@odata.deltaLink', 'value']);
      expect(r.body.value).toEqual([]);
      expect(r.body['@odata.context']).toBe(`${root(t)}/$metadata#users(displayName)`);
      expect(r.body['@odata.deltaLink']).toMatch(
        new RegExp(`^${esc(root(t))}/users/delta\\?\\$deltatoken=[A-Za-z0-9_-]+$`),
      );
    }
    const link = await latest(t, '/users/delta?$select=displayName');
    expect((await round(t, link)).items).toEqual([]);
    const u = users(t)[3]!;
    await ok(t, 'PATCH', `/users/${u.id}`, { displayName: 'Latest change' });
    const r = await round(t, link, { context: `${root(t)}/$metadata#users(displayName)` });
    expect(r.items).toEqual([{ id: u.id, displayName: 'Latest change' }]);
  });

  it('a deltaLink may change the tracked properties with $select (newer Graph)', async () => {
    const link = await latest(t, '/users/delta?$select=displayName');
    const u = memberUsers(t)[0]!;
    await ok(t, 'PATCH', `/users/${u.id}`, { department: 'Tracked now' });
    expect((await round(t, link)).items).toEqual([]);
    const select = 'displayName,department';
    // Changes since the link, seen through the new selection.
    const r = await round(t, `${link}&$select=${select}`, {
      context: `${root(t)}/$metadata#users(${select})`,
    });
    expect(r.items).toEqual([{ id: u.id, displayName: u.props.displayName, department: 'Tracked now' }]);
    await ok(t, 'PATCH', `/users/${u.id}`, { department: 'Tracked again' });
    // The new selection lives on in the links that follow, without repeating $select.
    const r2 = await round(t, r.deltaLink, { context: `${root(t)}/$metadata#users(${select})` });
    expect(r2.items).toEqual([{ id: u.id, displayName: u.props.displayName, department: 'Tracked again' }]);
  });

  it('$filter on ids restricts the round to those objects', async () => {
    const [a, b, c] = users(t);
    const filter = q(`id eq '${a!.id}' or id eq '${b!.id.toUpperCase()}'`);
    const r1 = await round(t, `/users/delta?$select=displayName&$filter=${filter}`);
    expect(r1.items.sort(byId)).toEqual([shape(a!, ['displayName']), shape(b!, ['displayName'])].sort(byId));
    await ok(t, 'PATCH', `/users/${a!.id}`, { displayName: 'Filtered A' });
    await ok(t, 'PATCH', `/users/${c!.id}`, { displayName: 'Unfiltered C' });
    await ok(t, 'DELETE', `/users/${b!.id}`);
    const r2 = await round(t, r1.deltaLink);
    expect(r2.items.sort(byId)).toEqual(
      [
        { id: a!.id, displayName: 'Filtered A' },
        { id: b!.id, '@removed': { reason: 'changed' } },
      ].sort(byId),
    );
    await ok(t, 'POST', `/directory/deletedItems/${b!.id}/restore`);

    const g = groups(t)[1]!;
    const gr = await round(t, `/groups/delta?$filter=${q(`id eq '${g.id}'`)}`);
    expect(gr.items.map((x) => x.id)).toEqual([g.id]);
  });

  it('$filter: at most 50 ids, and nothing but id eq', async () => {
    const ids = (n: number) => Array.from({ length: n }, () => randomUUID());
    const or = (list: string[]) => q(list.map((id) => `id eq '${id}'`).join(' or '));
    const fifty = await round(t, `/users/delta?$filter=${or([...ids(49), users(t)[0]!.id])}`);
    expect(fifty.items.map((x) => x.id)).toEqual([users(t)[0]!.id]);
    expectGraphError(
      await t.graph('GET', `/users/delta?$filter=${or(ids(51))}`),
      400,
      'Request_UnsupportedQuery',
      /at most 50/,
    );
    // Service principals are limited only by URL length.
    const sp = await t.graph('GET', `/servicePrincipals/delta?$filter=${or(ids(60))}`);
    expect(sp.status, sp.text).toBe(200);
    expect(sp.body.value).toEqual([]);
    const id = users(t)[0]!.id;
    for (const f of [
      `displayName eq 'x'`,
      `startsWith(displayName,'A')`,
      `id eq '${id}' and displayName eq 'x'`,
      `id ne '${id}'`,
      `id eq 'not-a-guid'`,
    ]) {
      expectGraphError(await t.graph('GET', `/users/delta?$filter=${q(f)}`), 400, 'Request_UnsupportedQuery');
    }
    // Options are fixed for the round: a nextLink with $select or $filter is refused.
    t.emu.setBehaviour({ deltaPageSize: 5 });
    try {
      const p = await t.graph('GET', '/users/delta');
      const next = p.body['@odata.nextLink'] as string;
      expect(next).toBeDefined();
      expectGraphError(await t.graph('GET', `${next}&$select=displayName`), 400, 'Request_UnsupportedQuery');
    } finally {
      t.emu.setBehaviour({ deltaPageSize: 200 });
    }
  });
});

describe('delta: expiry and forced resync', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await startTestTenant({ tls, generate: { users: 12, groups: 2, seed: 15 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses an expired deltaLink with syncStateNotFound (400, or 410 when configured)', async () => {
    t.emu.setBehaviour({ deltaMaxAgeSeconds: 60 });
    const link = await latest(t, '/users/delta?$select=displayName');
    expect((await t.graph('GET', link)).status).toBe(200);
    t.emu.advanceClock(120);
    const r = await t.graph('GET', link, {
      headers: { 'client-request-id': 'c0ffee00-1111-2222-3333-444455556666' },
    });
    expectGraphError(r, 400, 'syncStateNotFound', EXPIRED_MESSAGE);
    expect(r.body.error.innerError['client-request-id']).toBe('c0ffee00-1111-2222-3333-444455556666');
    expect(r.body.error.innerError['request-id']).not.toBe('c0ffee00-1111-2222-3333-444455556666');
    t.emu.setBehaviour({ deltaExpiredStatus: 410 });
    expectGraphError(await t.graph('GET', link), 410, 'syncStateNotFound', EXPIRED_MESSAGE);
    // Age counts from when the link was issued: a fresh one works.
    const fresh = await latest(t, '/users/delta?$select=displayName');
    expect((await t.graph('GET', fresh)).status).toBe(200);
    t.emu.setBehaviour({ deltaMaxAgeSeconds: 7 * 24 * 3600, deltaExpiredStatus: 400 });
    expect((await t.graph('GET', link)).status).toBe(200);
  });

  it('forceResync: 410 resyncRequired with a Location that starts a full round', async () => {
    t.emu.setBehaviour({ deltaPageSize: 5 });
    const select = 'displayName,jobTitle';
    const first = await t.graph('GET', `/users/delta?$select=${select}`);
    const next = first.body['@odata.nextLink'] as string;
    const done = await round(t, next);
    t.emu.forceResync();
    const initial = `${root(t)}/users/delta?$select=${select}`;
    for (const link of [done.deltaLink, next]) {
      const r = await t.graph('GET', link);
      expectGraphError(
        r,
        410,
        'resyncRequired',
        'The delta token is no longer valid, and the app must reset the sync state.',
      );
      expect(r.headers.location).toBe(initial);
    }
    const again = await round(t, initial, { context: `${root(t)}/$metadata#users(${select})`, maxPage: 5 });
    expect(again.pages.length).toBe(3);
    const seen = once(again.items);
    expect(seen.size).toBe(12);
    for (const u of users(t)) expect(seen.get(u.id)).toEqual(shape(u, ['displayName', 'jobTitle']));
    expect((await round(t, again.deltaLink)).items).toEqual([]);
    // A filtered round keeps its filter in the Location.
    const a = users(t)[0]!;
    const filtered = await latest(t, `/users/delta?$filter=${q(`id eq '${a.id}'`)}`);
    t.emu.forceResync();
    const r = await t.graph('GET', filtered);
    expect(r.status).toBe(410);
    const loc = new URL(r.headers.location!);
    expect(loc.searchParams.get('$filter')).toBe(`id eq '${a.id}'`);
    expect((await round(t, r.headers.location!)).items).toEqual([shape(a, defaults('user'))]);
    t.emu.setBehaviour({ deltaPageSize: 200 });
  });
});

describe('delta: links survive a restart with statePath', () => {
  let dir = '';
  let statePath = '';
  const app: AppRegistration = {
    clientId: randomUUID(),
    secrets: [randomBytes(24).toString('base64url')],
    certificates: [],
    roles: 'all',
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mimgraph-delta-'));
    statePath = join(dir, 'state.json');
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('accepts an old deltaLink after a restart, and refuses one from another emulator', async () => {
    const t1 = await startTestTenant({
      tls,
      statePath,
      apps: [app],
      generate: { users: 15, groups: 2, seed: 16 },
    });
    const r1 = await round(t1, '/users/delta?$select=displayName');
    expect(r1.items.length).toBe(15);
    const u = users(t1)[2]!;
    await ok(t1, 'PATCH', `/users/${u.id}`, { displayName: 'Before restart' });
    const origin1 = t1.emu.baseUrl;
    await t1.close();

    const t2 = await startTestTenant({ tls, statePath, apps: [app] });
    const other = await startTestTenant({ tls, generate: { users: 15, groups: 2, seed: 16 } });
    try {
      // The app registration works on the restarted emulator too.
      const token = await t2.token(app.clientId, app.secrets[0]);
      const moved = r1.deltaLink.replace(origin1, t2.emu.baseUrl);
      const r = await t2.graph('GET', moved, { token });
      expect(r.status, r.text).toBe(200);
      expect(r.body.value).toEqual([{ id: u.id, displayName: 'Before restart' }]);
      const r2 = await round(t2, r.body['@odata.deltaLink']);
      expect(r2.items).toEqual([]);
      await ok(t2, 'PATCH', `/users/${u.id}`, { displayName: 'After restart' });
      expect((await round(t2, r.body['@odata.deltaLink'])).items).toEqual([
        { id: u.id, displayName: 'After restart' },
      ]);
      // Same seed, same objects, another history: the link is not this emulator's.
      const foreign = await other.graph('GET', r1.deltaLink.replace(origin1, other.emu.baseUrl));
      expectGraphError(foreign, 400, 'syncStateNotFound', EXPIRED_MESSAGE);
      // ... also once that emulator went through a forced resync: the link was never its own.
      other.emu.forceResync();
      const foreign2 = await other.graph('GET', r1.deltaLink.replace(origin1, other.emu.baseUrl));
      expectGraphError(foreign2, 400, 'syncStateNotFound', EXPIRED_MESSAGE);
    } finally {
      await other.close();
      await t2.close();
    }
  });

  it('continues a first round from its nextLink after a restart, deleted and restored objects included', async () => {
    const path = join(dir, 'paged.json');
    const opts = { tls, statePath: path, apps: [app], behaviour: { deltaPageSize: 5 } };
    const t1 = await startTestTenant({ ...opts, generate: { users: 15, groups: 2, seed: 18 } });
    // Holes in the enumeration order: a deleted user, a deleted user restored (now at the end).
    const [gone, back] = users(t1);
    await ok(t1, 'DELETE', `/users/${gone!.id}`);
    await ok(t1, 'DELETE', `/users/${back!.id}`);
    await ok(t1, 'POST', `/directory/deletedItems/${back!.id}/restore`);
    const p1 = await t1.graph('GET', '/users/delta?$select=displayName');
    expect(p1.body.value.length).toBe(5);
    const origin1 = t1.emu.baseUrl;
    await t1.close();
    const t2 = await startTestTenant(opts);
    try {
      const rest = await round(t2, p1.body['@odata.nextLink'].replace(origin1, t2.emu.baseUrl), {
        maxPage: 5,
      });
      const seen = once([...(p1.body.value as Item[]), ...rest.items]);
      expect([...seen.keys()].sort()).toEqual(
        users(t2)
          .map((u) => u.id)
          .sort(),
      );
      expect(seen.size).toBe(14);
      expect(seen.has(gone!.id)).toBe(false);
    } finally {
      await t2.close();
    }
  });
});

describe('delta: changes while a round is being read', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await startTestTenant({ tls, generate: { users: 40, groups: 3, seed: 17 } });
    t.emu.setBehaviour({ deltaPageSize: 10, deltaMembersPerPage: 10 });
  });
  afterAll(async () => {
    await t?.close();
  });

  const select = ['displayName', 'jobTitle'];
  const truth = () => new Map(users(t).map((u) => [u.id, shape(u, select)]));

  it('loses nothing changed between the pages of a first round or of a changes round', async () => {
    const replica = new Map<string, Item>();
    const p1 = await t.graph('GET', `/users/delta?$select=${select.join(',')}`);
    expect(p1.body.value.length).toBe(10);
    const sent = new Set((p1.body.value as Item[]).map((x) => x.id));
    const notSent = users(t).filter((u) => !sent.has(u.id));
    const [s1, s2, s3] = [...sent];
    await ok(t, 'PATCH', `/users/${s1}`, { displayName: 'Changed after it was sent' });
    await ok(t, 'PATCH', `/users/${notSent[0]!.id}`, { displayName: 'Changed before it was sent' });
    await ok(t, 'DELETE', `/users/${s2}`);
    await ok(t, 'DELETE', `/users/${notSent[1]!.id}`);
    await ok(t, 'PATCH', `/users/${s3}`, { jobTitle: null });
    const created = await createUser(t, 'mid.round', { jobTitle: 'Newcomer' });
    const rest = await round(t, p1.body['@odata.nextLink']);
    const r1 = [...(p1.body.value as Item[]), ...rest.items];
    const seen1 = once(r1);
    expect(seen1.get(notSent[0]!.id)!.displayName).toBe('Changed before it was sent');
    expect(seen1.has(notSent[1]!.id)).toBe(false);
    applyObjects(replica, r1);

    const r2 = await round(t, rest.deltaLink, { maxPage: 10 });
    const seen2 = once(r2.items);
    expect(seen2.get(s1!)).toEqual({
      id: s1,
      displayName: 'Changed after it was sent',
      jobTitle: expect.anything(),
    });
    expect(seen2.get(s2!)).toEqual({ id: s2, '@removed': { reason: 'changed' } });
    expect(seen2.get(notSent[1]!.id)).toEqual({ id: notSent[1]!.id, '@removed': { reason: 'changed' } });
    expect(seen2.get(s3!)).toEqual({ id: s3, displayName: expect.any(String), jobTitle: null });
    expect(seen1.has(created) || seen2.has(created)).toBe(true);
    applyObjects(replica, r2.items);
    expect(replica).toEqual(truth());

    // A changes round of several pages, with changes between its pages.
    const targets = users(t).slice(0, 25);
    for (const [i, u] of targets.entries()) await ok(t, 'PATCH', `/users/${u.id}`, { jobTitle: `Wave ${i}` });
    const c1 = await t.graph('GET', r2.deltaLink);
    expect(c1.body.value.length).toBe(10);
    expect(c1.body['@odata.nextLink']).toBeDefined();
    const sentC = (c1.body.value as Item[]).map((x) => x.id);
    await ok(t, 'PATCH', `/users/${sentC[0]}`, { displayName: 'Changed twice' });
    const lateTarget = targets.find((u) => !sentC.includes(u.id))!;
    await ok(t, 'PATCH', `/users/${lateTarget.id}`, { displayName: 'Changed before its page' });
    await ok(t, 'DELETE', `/users/${sentC[1]}`);
    const c2 = await round(t, c1.body['@odata.nextLink'], { maxPage: 10 });
    applyObjects(replica, [...(c1.body.value as Item[]), ...c2.items]);
    const c3 = await round(t, c2.deltaLink);
    applyObjects(replica, c3.items);
    expect(replica).toEqual(truth());
    expect((await round(t, c3.deltaLink)).items).toEqual([]);
  });

  it('loses no member when a group changes between the pages of its members', async () => {
    const replica = new Map<string, Set<string>>();
    const allStaff = groups(t).find((g) => g.props.mailNickname === 'all-staff')!;
    const p1 = await t.graph('GET', '/groups/delta');
    expect(p1.body.value[0].id).toBe(allStaff.id);
    const sentMembers = (p1.body.value[0]['members@delta'] as Item[]).map((m) => m.id);
    expect(sentMembers.length).toBe(10);
    const unsent = [...allStaff.members!].filter((id) => !sentMembers.includes(id));
    // Remove two members already sent and one not yet sent, add two.
    await ok(t, 'DELETE', `/groups/${allStaff.id}/members/${sentMembers[0]}/$ref`);
    await ok(t, 'DELETE', `/groups/${allStaff.id}/members/${sentMembers[5]}/$ref`);
    await ok(t, 'DELETE', `/groups/${allStaff.id}/members/${unsent[3]}/$ref`);
    const n1 = await createUser(t, 'member.one');
    const n2 = await createUser(t, 'member.two');
    for (const id of [n1, n2]) {
      await ok(t, 'POST', `/groups/${allStaff.id}/members/$ref`, {
        '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}`,
      });
    }
    const rest = await round(t, p1.body['@odata.nextLink']);
    for (const p of rest.pages) {
      const refs = (p.body.value as Item[]).reduce((n, it) => n + (it['members@delta']?.length ?? 0), 0);
      expect(refs).toBeLessThanOrEqual(10);
    }
    applyMembers(replica, [...(p1.body.value as Item[]), ...rest.items]);
    const r2 = await round(t, rest.deltaLink);
    applyMembers(replica, r2.items);
    expect(replica).toEqual(membership(t));
    // A further round from there reports nothing.
    expect((await round(t, r2.deltaLink)).items).toEqual([]);
  });
});
