import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_EXTENSION_APP_ID } from '../../emulator/directory/seed.js';
import { allPages, startTestTenant, type TestTenant } from '../support/emulator.js';

/** A JSON payload under test: its shape is what the assertions check. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
type J = any;

/** Lists and reads of directory objects over real HTTPS: shapes, annotations, paging, advanced queries. */

const USERS = 230;
const GROUPS = 12;
const DOMAIN = 'mimgraph.onmicrosoft.com';
const EXT = `extension_${SAMPLE_EXTENSION_APP_ID.replace(/-/g, '')}`;
const USER_DEFAULTS = [
  'businessPhones',
  'displayName',
  'givenName',
  'id',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
];
const ADVANCED_MESSAGE = (op: string) =>
  `Operator '${op}' is not supported because the required parameters might be missing. ` +
  'Try adding $count=true query parameter and ConsistencyLevel:eventual header. ' +
  'Refer to https://aka.ms/graph-docs/advanced-queries for more information';
const EVENTUAL = { ConsistencyLevel: 'eventual' };
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const readerId = randomUUID();
const readerSecret = randomBytes(16).toString('hex');

let t: TestTenant;
let root: string;
/** Every user of the tenant as the emulator stores it. */
let stored: Record<string, unknown>[];

const q = (s: string) => encodeURIComponent(s);

function expectError(r: { status: number; body: J }, status: number, code: string, message?: string): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body.error.code).toBe(code);
  if (message !== undefined) expect(r.body.error.message).toBe(message);
}

beforeAll(async () => {
  t = await startTestTenant({
    generate: { users: USERS, groups: GROUPS, seed: 7 },
    apps: [{ clientId: readerId, secrets: [readerSecret], certificates: [], roles: ['User.Read.All'] }],
  });
  root = `${t.emu.baseUrl}/v1.0`;
  const res = await fetchAdmin('/_emulator/objects?type=user');
  stored = res as Record<string, unknown>[];
});

afterAll(async () => {
  await t?.close();
});

async function fetchAdmin(path: string): Promise<unknown> {
  const { request } = await import('undici');
  const r = await request(`${t.emu.baseUrl}${path}`, { dispatcher: t.agent });
  return r.body.json();
}

describe('GET /users: default properties and $select', () => {
  it('returns exactly the documented default properties, null or [] when unset', async () => {
    const r = await t.graph('GET', '/users?$top=50');
    expect(r.status).toBe(200);
    expect(r.body['@odata.context']).toBe(`${root}/$metadata#users`);
    expect(r.body.value).toHaveLength(50);
    for (const u of r.body.value) {
      expect(Object.keys(u).sort()).toEqual([...USER_DEFAULTS].sort());
      expect(u).not.toHaveProperty('@odata.type');
      expect(u.id).toMatch(GUID);
      expect(Array.isArray(u.businessPhones)).toBe(true);
      // Never set by the generator: present as null.
      expect(u.mobilePhone).toBeNull();
      expect(u.officeLocation).toBeNull();
      expect(u.preferredLanguage).toBeNull();
    }
    // A guest has no jobTitle: null, not absent.
    const guest = r.body.value.find((u: J) => u.userPrincipalName.includes('#EXT#'));
    if (guest) expect(guest.jobTitle).toBeNull();
  });

  it('answers JSON with the OData headers and a request-id', async () => {
    const r = await t.graph('GET', '/users?$top=1');
    expect(r.headers['content-type']).toBe(
      'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8',
    );
    expect(r.headers['odata-version']).toBe('4.0');
    expect(r.headers['request-id']).toMatch(GUID);
    expect(r.headers['client-request-id']).toBe(r.headers['request-id']);
  });

  it('reflects $select in the context URL and returns only the selected properties', async () => {
    const r = await t.graph('GET', '/users?$select=displayName,mail&$top=5');
    expect(r.status).toBe(200);
    expect(r.body['@odata.context']).toBe(`${root}/$metadata#users(displayName,mail)`);
    for (const u of r.body.value) expect(Object.keys(u)).toEqual(['displayName', 'mail']);
  });

  it('returns select-only properties when selected', async () => {
    const r = await t.graph(
      'GET',
      '/users?$select=id,accountEnabled,userType,mailNickname,department,createdDateTime&$top=3',
    );
    expect(r.status).toBe(200);
    for (const u of r.body.value) {
      expect(Object.keys(u)).toEqual([
        'id',
        'accountEnabled',
        'userType',
        'mailNickname',
        'department',
        'createdDateTime',
      ]);
      expect(typeof u.accountEnabled).toBe('boolean');
      expect(['Member', 'Guest']).toContain(u.userType);
    }
  });

  it('refuses an unknown property in $select', async () => {
    const r = await t.graph('GET', '/users?$select=displayName,shoeSize');
    expectError(
      r,
      400,
      'Request_BadRequest',
      "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.",
    );
  });

  it('never returns passwordProfile, not even when selected', async () => {
    const r = await t.graph('GET', '/users?$select=id,passwordProfile&$top=1');
    expect(r.status).toBe(400);
    expect(r.text).not.toContain('"passwordProfile":');
  });
});

describe('paging', () => {
  it('pages with $top and a nextLink carrying the original options plus $skiptoken', async () => {
    const first = await t.graph('GET', '/users?$select=id,displayName&$top=100');
    expect(first.status).toBe(200);
    expect(first.body.value).toHaveLength(100);
    const next: string = first.body['@odata.nextLink'];
    expect(next.startsWith(`${root}/users?`)).toBe(true);
    const url = new URL(next);
    expect(url.searchParams.get('$select')).toBe('id,displayName');
    expect(url.searchParams.get('$top')).toBe('100');
    expect(url.searchParams.get('$skiptoken')).toMatch(/^[A-Za-z0-9_-]+$/);
    expect([...url.searchParams.keys()]).toEqual(['$select', '$top', '$skiptoken']);
    // $ and , stay readable as Graph writes its links.
    expect(next).toContain('$select=id,displayName&$top=100&$skiptoken=');
  });

  it('follows nextLinks to the end and returns every user exactly once', async () => {
    const pages = await allPages(t, '/users?$select=id&$top=100');
    expect(pages.map((p) => p.value.length)).toEqual([100, 100, USERS - 200]);
    expect(pages.at(-1)['@odata.nextLink']).toBeUndefined();
    for (const p of pages) expect(p['@odata.context']).toBe(`${root}/$metadata#users(id)`);
    const ids = pages.flatMap((p) => p.value.map((u: J) => u.id));
    expect(new Set(ids).size).toBe(USERS);
    expect(new Set(ids)).toEqual(new Set(stored.map((u) => u.id)));
  });

  it('uses 100 as the default page size and carries a $filter into the nextLink', async () => {
    const d = await t.graph('GET', '/users?$select=id');
    expect(d.body.value).toHaveLength(100);
    const members = stored.filter((u) => u.userType === 'Member').length;
    const filter = "userType eq 'Member'";
    const pages = await allPages(t, `/users?$filter=${q(filter)}&$select=id,userType&$top=60`);
    expect(new URL(pages[0]['@odata.nextLink']).searchParams.get('$filter')).toBe(filter);
    const all = pages.flatMap((p) => p.value);
    expect(all).toHaveLength(members);
    expect(all.every((u: J) => u.userType === 'Member')).toBe(true);
    expect(pages.at(-1)['@odata.nextLink']).toBeUndefined();
  });

  it('ends without a nextLink when the last page is exactly full', async () => {
    const pages = await allPages(t, `/users?$select=id&$top=${USERS / 2}`);
    expect(pages.map((p) => p.value.length)).toEqual([USERS / 2, USERS / 2]);
  });

  it.each(['0', '1000', '-1', 'abc'])('refuses $top=%s with the exact page-size message', async (top) => {
    const r = await t.graph('GET', `/users?$top=${top}`);
    expectError(
      r,
      400,
      'Request_UnsupportedQuery',
      `Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.`,
    );
  });

  it('accepts $top=999 and $top=1', async () => {
    expect((await t.graph('GET', '/users?$top=999&$select=id')).body.value).toHaveLength(USERS);
    const one = await t.graph('GET', '/users?$top=1&$select=id');
    expect(one.body.value).toHaveLength(1);
    expect(one.body['@odata.nextLink']).toBeDefined();
  });

  it('refuses a forged $skiptoken', async () => {
    const r = await t.graph('GET', '/users?$skiptoken=not-a-token');
    expectError(r, 400, 'Request_BadRequest');
  });
});

describe('$filter, $count and $search', () => {
  it('filters users with eq, startsWith and in', async () => {
    const u = stored.find((x) => x.userType === 'Member')!;
    const eq = await t.graph(
      'GET',
      `/users?$filter=${q(`userPrincipalName eq '${String(u.userPrincipalName).toUpperCase()}'`)}`,
    );
    expect(eq.status).toBe(200);
    expect(eq.body.value.map((x: J) => x.id)).toEqual([u.id]);

    const sw = await t.graph(
      'GET',
      `/users?$filter=${q("startsWith(displayName,'Ada ')")}&$select=displayName`,
    );
    expect(sw.status).toBe(200);
    const expected = stored.filter((x) => String(x.displayName).startsWith('Ada ')).length;
    expect(sw.body.value).toHaveLength(expected);
    expect(expected).toBeGreaterThan(0);
    for (const x of sw.body.value) expect(x.displayName.startsWith('Ada ')).toBe(true);

    const two = stored.slice(3, 5).map((x) => x.id);
    const inq = await t.graph('GET', `/users?$filter=${q(`id in ('${two[0]}','${two[1]}')`)}&$select=id`);
    expect(inq.body.value.map((x: J) => x.id).sort()).toEqual([...two].sort());
  });

  it('finds guests with userType eq Guest; they have #EXT# UPNs', async () => {
    const guests = stored.filter((x) => x.userType === 'Guest');
    expect(guests.length).toBeGreaterThan(5);
    const r = await t.graph(
      'GET',
      `/users?$filter=${q("userType eq 'Guest'")}&$select=id,userPrincipalName,userType,creationType,mail`,
    );
    expect(r.status).toBe(200);
    expect(r.body.value).toHaveLength(guests.length);
    for (const g of r.body.value) {
      expect(g.userType).toBe('Guest');
      expect(g.creationType).toBe('Invitation');
      expect(g.userPrincipalName).toMatch(/^[^@]+_[^@]+#EXT#@mimgraph\.onmicrosoft\.com$/);
      expect(g.userPrincipalName.startsWith(g.mail.replace('@', '_'))).toBe(true);
    }
  });

  it('filters groups by groupTypes/any and eq', async () => {
    const unified = await t.graph(
      'GET',
      `/groups?$filter=${q("groupTypes/any(c:c eq 'Unified')")}&$select=id,groupTypes,mail,mailEnabled`,
    );
    expect(unified.status).toBe(200);
    expect(unified.body['@odata.context']).toBe(`${root}/$metadata#groups(id,groupTypes,mail,mailEnabled)`);
    const all = await t.graph('GET', '/groups?$select=id,groupTypes');
    const expected = all.body.value.filter((g: J) => g.groupTypes.includes('Unified')).length;
    expect(unified.body.value).toHaveLength(expected);
    for (const g of unified.body.value) {
      expect(g.groupTypes).toEqual(['Unified']);
      expect(g.mailEnabled).toBe(true);
      expect(g.mail).toMatch(/@mimgraph\.onmicrosoft\.com$/);
    }
    const staff = await t.graph('GET', `/groups?$filter=${q("mailNickname eq 'all-staff'")}`);
    expect(staff.body.value).toHaveLength(1);
    expect(staff.body.value[0].displayName).toBe('All staff');

    const sg = await t.graph(
      'GET',
      `/groups?$filter=${q("startsWith(displayName,'SG ')")}&$select=displayName,securityEnabled`,
    );
    expect(sg.status).toBe(200);
    expect(sg.body.value.length).toBe(GROUPS - 1 - expected);
    for (const g of sg.body.value)
      expect(g).toEqual({ displayName: expect.stringMatching(/^SG /), securityEnabled: true });
    const two = all.body.value.slice(1, 3).map((g: J) => g.id);
    const inq = await t.graph('GET', `/groups?$filter=${q(`id in ('${two[0]}','${two[1]}')`)}&$select=id`);
    expect(inq.body.value.map((g: J) => g.id).sort()).toEqual([...two].sort());
    const notUnified = await t.graph('GET', `/groups?$filter=${q("not(groupTypes/any(c:c eq 'Unified'))")}`);
    expectError(notUnified, 400, 'Request_UnsupportedQuery', ADVANCED_MESSAGE('not'));
  });

  it('returns the group default property set', async () => {
    const r = await t.graph('GET', '/groups?$top=1');
    const g = r.body.value[0];
    for (const k of [
      'id',
      'displayName',
      'description',
      'groupTypes',
      'mail',
      'mailEnabled',
      'mailNickname',
      'securityEnabled',
      'createdDateTime',
      'proxyAddresses',
      'visibility',
      'securityIdentifier',
      'onPremisesSyncEnabled',
      'deletedDateTime',
    ])
      expect(g).toHaveProperty(k);
    expect(g).not.toHaveProperty('assignedLicenses');
    expect(g).not.toHaveProperty(`${EXT}_costCenter`);
  });

  it.each([
    ['endsWith', `endsWith(userPrincipalName,'#EXT#@${DOMAIN}')`],
    ['ne', "userType ne 'Guest'"],
    ['not', "not(userType eq 'Guest')"],
  ])('refuses %s without ConsistencyLevel: eventual and $count=true', async (op, filter) => {
    const r = await t.graph('GET', `/users?$filter=${q(filter)}`);
    expectError(r, 400, 'Request_UnsupportedQuery', ADVANCED_MESSAGE(op));
    // The header alone is not enough, nor is $count=true alone.
    const h = await t.graph('GET', `/users?$filter=${q(filter)}`, { headers: EVENTUAL });
    expectError(h, 400, 'Request_UnsupportedQuery', ADVANCED_MESSAGE(op));
    const c = await t.graph('GET', `/users?$filter=${q(filter)}&$count=true`);
    expectError(c, 400, 'Request_UnsupportedQuery', ADVANCED_MESSAGE(op));
  });

  it('runs endsWith as an advanced query with @odata.count on the first page only', async () => {
    const guests = stored.filter((x) => x.userType === 'Guest').length;
    const filter = `endsWith(userPrincipalName,'#EXT#@${DOMAIN}')`;
    const first = await t.graph('GET', `/users?$filter=${q(filter)}&$count=true&$top=5&$select=id`, {
      headers: EVENTUAL,
    });
    expect(first.status).toBe(200);
    expect(first.body['@odata.count']).toBe(guests);
    expect(Object.keys(first.body)).toEqual(['@odata.context', '@odata.count', '@odata.nextLink', 'value']);
    const next = new URL(first.body['@odata.nextLink']);
    expect(next.searchParams.get('$count')).toBe('true');
    expect(next.searchParams.get('$filter')).toBe(filter);
    const pages = await allPages(t, first.body['@odata.nextLink'], EVENTUAL);
    for (const p of pages) expect(p).not.toHaveProperty('@odata.count');
    const total = first.body.value.length + pages.reduce((n, p) => n + p.value.length, 0);
    expect(total).toBe(guests);
  });

  it('runs ne with the advanced parameters', async () => {
    const r = await t.graph('GET', `/users?$filter=${q("userType ne 'Guest'")}&$count=true&$top=999`, {
      headers: EVENTUAL,
    });
    expect(r.status).toBe(200);
    const members = stored.filter((x) => x.userType !== 'Guest').length;
    expect(r.body['@odata.count']).toBe(members);
    expect(r.body.value).toHaveLength(members);
  });

  it('ignores $count=true silently without the header', async () => {
    const r = await t.graph('GET', '/users?$count=true&$top=2');
    expect(r.status).toBe(200);
    expect(r.body).not.toHaveProperty('@odata.count');
    expect(r.body.value).toHaveLength(2);
  });

  it('refuses $search without the header and runs it with the header', async () => {
    const bare = await t.graph('GET', `/users?$search=${q('"displayName:Grace"')}`);
    expectError(
      bare,
      400,
      'Request_UnsupportedQuery',
      "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
    );
    const r = await t.graph(
      'GET',
      `/users?$search=${q('"displayName:Grace"')}&$select=displayName&$top=999`,
      {
        headers: EVENTUAL,
      },
    );
    expect(r.status).toBe(200);
    const expected = stored.filter((x) => String(x.displayName).startsWith('Grace ')).length;
    expect(r.body.value).toHaveLength(expected);
    expect(expected).toBeGreaterThan(0);
  });

  it('answers /users/$count as text only with ConsistencyLevel: eventual', async () => {
    const bare = await t.graph('GET', '/users/$count');
    expectError(bare, 400, 'Request_BadRequest', '$count is not currently supported.');
    const r = await t.graph('GET', '/users/$count', { headers: EVENTUAL });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.text).toBe(String(USERS));
    const guests = stored.filter((x) => x.userType === 'Guest').length;
    const f = await t.graph('GET', `/users/$count?$filter=${q("userType eq 'Guest'")}`, {
      headers: EVENTUAL,
    });
    expect(f.text).toBe(String(guests));
    const staff = await t.graph('GET', `/groups?$filter=${q("mailNickname eq 'all-staff'")}&$select=id`);
    const members = await t.graph('GET', `/groups/${staff.body.value[0].id}/members/$count`, {
      headers: EVENTUAL,
    });
    expect(members.text).toBe(String(USERS));
    expect((await t.graph('GET', `/groups/${staff.body.value[0].id}/members/$count`)).status).toBe(400);
  });

  it('orders by displayName by default and by other properties only as an advanced query', async () => {
    const pages = await allPages(t, '/users?$orderby=displayName&$select=displayName&$top=100');
    const names = pages.flatMap((p) => p.value.map((u: J) => u.displayName));
    expect(names).toHaveLength(USERS);
    const sorted = [...names].sort((a, b) =>
      a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0,
    );
    expect(names).toEqual(sorted);
    const desc = await t.graph(
      'GET',
      '/users?$orderby=userPrincipalName desc&$select=userPrincipalName&$top=3',
    );
    expect(desc.status).toBe(200);
    const upns = stored
      .map((u) => String(u.userPrincipalName).toLowerCase())
      .sort()
      .reverse();
    expect(desc.body.value.map((u: J) => u.userPrincipalName.toLowerCase())).toEqual(upns.slice(0, 3));
    const message = 'Sorting not supported for current query.';
    expectError(
      await t.graph('GET', '/users?$orderby=createdDateTime'),
      400,
      'Request_UnsupportedQuery',
      message,
    );
    expectError(
      await t.graph('GET', `/users?$orderby=displayName&$filter=${q("userType eq 'Guest'")}`),
      400,
      'Request_UnsupportedQuery',
      message,
    );
    const adv = await t.graph(
      'GET',
      `/users?$orderby=displayName&$filter=${q("userType eq 'Guest'")}&$count=true`,
      {
        headers: EVENTUAL,
      },
    );
    expect(adv.status).toBe(200);
  });

  it('refuses a filter on a property the index does not support', async () => {
    const r = await t.graph('GET', `/users?$filter=${q("faxNumber eq '1'")}`);
    expectError(
      r,
      400,
      'Request_UnsupportedQuery',
      "Unsupported or invalid query filter clause specified for property 'faxNumber' of resource 'User'.",
    );
  });
});

describe('single objects', () => {
  it('gets a user by id and by userPrincipalName (also a guest #EXT# UPN)', async () => {
    const u = stored.find((x) => x.userType === 'Member')!;
    const byId = await t.graph('GET', `/users/${u.id}`);
    expect(byId.status).toBe(200);
    expect(byId.body['@odata.context']).toBe(`${root}/$metadata#users/$entity`);
    expect(Object.keys(byId.body).sort()).toEqual(['@odata.context', ...USER_DEFAULTS].sort());
    const byUpn = await t.graph('GET', `/users/${q(String(u.userPrincipalName))}`);
    expect(byUpn.status).toBe(200);
    expect(byUpn.body).toEqual(byId.body);

    const g = stored.find((x) => x.userType === 'Guest')!;
    const guest = await t.graph('GET', `/users/${q(String(g.userPrincipalName))}?$select=id,userType`);
    expect(guest.status).toBe(200);
    expect(guest.body).toEqual({
      '@odata.context': `${root}/$metadata#users(id,userType)/$entity`,
      id: g.id,
      userType: 'Guest',
    });
  });

  it('answers 404 Request_ResourceNotFound for an unknown id', async () => {
    const id = randomUUID();
    const r = await t.graph('GET', `/users/${id}`);
    expectError(
      r,
      404,
      'Request_ResourceNotFound',
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    );
    // A group id is not a user.
    const groups = await t.graph('GET', '/groups?$select=id&$top=1');
    expect((await t.graph('GET', `/users/${groups.body.value[0].id}`)).status).toBe(404);
  });

  it('returns directory extension properties only when selected', async () => {
    const u = stored.find(
      (x) => x[`${EXT}_employeeNumber`] !== undefined && x[`${EXT}_skills`] !== undefined,
    )!;
    const plain = await t.graph('GET', `/users/${u.id}`);
    expect(Object.keys(plain.body).some((k) => k.startsWith('extension_'))).toBe(false);
    const sel = await t.graph(
      'GET',
      `/users/${u.id}?$select=id,${EXT}_employeeNumber,${EXT}_skills,${EXT}_badgeCode`,
    );
    expect(sel.status).toBe(200);
    expect(sel.body[`${EXT}_employeeNumber`]).toBe(u[`${EXT}_employeeNumber`]);
    expect(sel.body[`${EXT}_skills`]).toEqual(u[`${EXT}_skills`]);
    expect(sel.body).toHaveProperty(`${EXT}_badgeCode`);
    const list = await t.graph('GET', `/users?$select=id,${EXT}_employeeNumber&$top=5`);
    for (const x of list.body.value) expect(Object.keys(x)).toEqual(['id', `${EXT}_employeeNumber`]);
    const unknown = await t.graph('GET', `/users?$select=${EXT}_nope`);
    expectError(unknown, 400, 'Request_BadRequest');
  });

  it('filters on an extension property with eq', async () => {
    const u = stored.find((x) => x[`${EXT}_employeeNumber`] !== undefined)!;
    const r = await t.graph(
      'GET',
      `/users?$filter=${q(`${EXT}_employeeNumber eq '${u[`${EXT}_employeeNumber`]}'`)}&$select=id`,
    );
    expect(r.status).toBe(200);
    expect(r.body.value).toEqual([{ id: u.id }]);
  });

  it('gets a service principal by the appId alternate key', async () => {
    const list = await t.graph('GET', '/servicePrincipals');
    expect(list.status).toBe(200);
    expect(list.body['@odata.context']).toBe(`${root}/$metadata#servicePrincipals`);
    expect(list.body.value).toHaveLength(5);
    const sp = list.body.value[2];
    for (const k of ['appId', 'displayName', 'servicePrincipalNames', 'accountEnabled', 'tags']) {
      expect(sp).toHaveProperty(k);
    }
    const r = await t.graph('GET', `/servicePrincipals(appId='${sp.appId}')`);
    expect(r.status).toBe(200);
    expect(r.body['@odata.context']).toBe(`${root}/$metadata#servicePrincipals/$entity`);
    expect(r.body.id).toBe(sp.id);
    expect(r.body.appId).toBe(sp.appId);
    const missing = await t.graph('GET', `/servicePrincipals(appId='${randomUUID()}')`);
    expectError(missing, 404, 'Request_ResourceNotFound');
  });

  it('gets any object through /directoryObjects/{id} and many through getByIds', async () => {
    const u = stored[1]!;
    const groups = await t.graph('GET', '/groups?$select=id&$top=2');
    const g = groups.body.value[0].id;
    const one = await t.graph('GET', `/directoryObjects/${u.id}`);
    expect(one.status).toBe(200);
    expect(one.body['@odata.context']).toBe(`${root}/$metadata#directoryObjects/$entity`);
    expect(one.body['@odata.type']).toBe('#microsoft.graph.user');
    expect(Object.keys(one.body).sort()).toEqual(['@odata.context', '@odata.type', ...USER_DEFAULTS].sort());
    const grp = await t.graph('GET', `/directoryObjects/${g}?$select=id,displayName`);
    expect(Object.keys(grp.body)).toEqual(['@odata.context', '@odata.type', 'id', 'displayName']);
    expect(grp.body['@odata.type']).toBe('#microsoft.graph.group');
    expectError(await t.graph('GET', `/directoryObjects/${randomUUID()}`), 404, 'Request_ResourceNotFound');

    const ids = [g, u.id, randomUUID()];
    const r = await t.graph('POST', '/directoryObjects/getByIds', { body: { ids } });
    expect(r.status, r.text).toBe(200);
    expect(r.body['@odata.context']).toBe(`${root}/$metadata#directoryObjects`);
    expect(r.body.value.map((x: J) => [x['@odata.type'], x.id])).toEqual([
      ['#microsoft.graph.group', g],
      ['#microsoft.graph.user', u.id],
    ]);
    const users = await t.graph('POST', '/directoryObjects/getByIds', { body: { ids, types: ['user'] } });
    expect(users.body.value.map((x: J) => x.id)).toEqual([u.id]);
    expectError(await t.graph('POST', '/directoryObjects/getByIds', { body: {} }), 400, 'Request_BadRequest');
  });

  it('lists organisational contacts with every property', async () => {
    const r = await t.graph('GET', '/contacts');
    expect(r.status).toBe(200);
    expect(r.body['@odata.context']).toBe(`${root}/$metadata#contacts`);
    expect(r.body.value.length).toBe(Math.floor(USERS / 50));
    for (const c of r.body.value) {
      for (const k of [
        'id',
        'displayName',
        'mail',
        'mailNickname',
        'companyName',
        'proxyAddresses',
        'phones',
      ])
        expect(c).toHaveProperty(k);
      expect(c).not.toHaveProperty('@odata.type');
    }
    const one = await t.graph('GET', `/contacts/${r.body.value[0].id}`);
    expect(one.body['@odata.context']).toBe(`${root}/$metadata#contacts/$entity`);
  });
});

describe('relations', () => {
  let staff: string;

  beforeAll(async () => {
    const r = await t.graph('GET', `/groups?$filter=${q("mailNickname eq 'all-staff'")}&$select=id`);
    staff = r.body.value[0].id;
  });

  it('lists members as directoryObjects with @odata.type per item, paged', async () => {
    const first = await t.graph('GET', `/groups/${staff}/members`);
    expect(first.status).toBe(200);
    expect(first.body['@odata.context']).toBe(`${root}/$metadata#directoryObjects`);
    expect(first.body.value).toHaveLength(100);
    for (const m of first.body.value) {
      expect(m['@odata.type']).toBe('#microsoft.graph.user');
      expect(Object.keys(m).sort()).toEqual(['@odata.type', ...USER_DEFAULTS].sort());
    }
    const pages = await allPages(t, `/groups/${staff}/members?$select=id&$top=100`);
    const ids = pages.flatMap((p) => p.value.map((m: J) => m.id));
    expect(ids).toHaveLength(USERS);
    expect(new Set(ids).size).toBe(USERS);
    expect(new URL(pages[0]['@odata.nextLink']).searchParams.get('$select')).toBe('id');
    expect(pages[0].value[0]).toEqual({ '@odata.type': '#microsoft.graph.user', id: ids[0] });
  });

  it('lists mixed member types with their own @odata.type', async () => {
    const contacts = await t.graph('GET', '/contacts?$select=id');
    const contactIds = new Set(contacts.body.value.map((c: J) => c.id));
    const groups = await t.graph('GET', '/groups?$select=id');
    let seenContact = false;
    for (const g of groups.body.value) {
      const m = await t.graph('GET', `/groups/${g.id}/members?$top=999`);
      for (const x of m.body.value) {
        if (contactIds.has(x.id)) {
          seenContact = true;
          expect(x['@odata.type']).toBe('#microsoft.graph.orgContact');
          expect(x).toHaveProperty('companyName');
        } else expect(['#microsoft.graph.user', '#microsoft.graph.group']).toContain(x['@odata.type']);
      }
    }
    expect(seenContact).toBe(true);
  });

  it('applies a members $select to each member type, skipping what a type lacks', async () => {
    const contacts = await t.graph('GET', '/contacts?$select=id');
    const contactIds = new Set(contacts.body.value.map((c: J) => c.id));
    const groups = await t.graph('GET', '/groups?$select=id');
    let mixed: string | undefined;
    for (const g of groups.body.value) {
      const m = await t.graph('GET', `/groups/${g.id}/members?$select=id&$top=999`);
      if (m.body.value.some((x: J) => contactIds.has(x.id))) mixed = g.id;
    }
    expect(mixed).toBeDefined();
    const r = await t.graph(
      'GET',
      `/groups/${mixed}/members?$select=id,userPrincipalName,companyName&$top=999`,
    );
    expect(r.status, r.text).toBe(200);
    for (const x of r.body.value) {
      if (x['@odata.type'] === '#microsoft.graph.user')
        expect(Object.keys(x)).toEqual(['@odata.type', 'id', 'userPrincipalName', 'companyName']);
      else if (x['@odata.type'] === '#microsoft.graph.orgContact')
        expect(Object.keys(x)).toEqual(['@odata.type', 'id', 'companyName']);
      else expect(Object.keys(x)).toEqual(['@odata.type', 'id']);
    }
    const bad = await t.graph('GET', `/groups/${mixed}/members?$select=id,shoeSize`);
    expectError(
      bad,
      400,
      'Request_BadRequest',
      "Could not find a property named 'shoeSize' on type 'microsoft.graph.directoryObject'.",
    );
    // Also when the group has no members: the $select is checked up front.
    const empty = await t.graph(
      'GET',
      `/users/${stored.find((u) => u.userType === 'Guest')!.id}/directReports?$select=shoeSize`,
    );
    expect(empty.status).toBe(400);
  });

  it('lists a user memberOf as groups with @odata.type', async () => {
    const u = stored[0]!;
    const r = await t.graph('GET', `/users/${u.id}/memberOf?$select=id,displayName`);
    expect(r.status).toBe(200);
    expect(r.body['@odata.context']).toBe(`${root}/$metadata#directoryObjects`);
    expect(r.body.value.length).toBeGreaterThanOrEqual(1);
    expect(r.body.value.map((g: J) => g.id)).toContain(staff);
    for (const g of r.body.value) expect(Object.keys(g)).toEqual(['@odata.type', 'id', 'displayName']);
    for (const g of r.body.value) expect(g['@odata.type']).toBe('#microsoft.graph.group');
  });

  it('casts members to users', async () => {
    const r = await t.graph('GET', `/groups/${staff}/members/microsoft.graph.user?$select=id&$top=3`);
    expect(r.status).toBe(200);
    expect(r.body['@odata.context']).toBe(`${root}/$metadata#users`);
    expect(r.body.value).toHaveLength(3);
  });

  it('expands manager on a list and a single user; users without one have no manager key', async () => {
    const withManager = (await fetchAdmin('/_emulator/objects?type=user')) as {
      id: string;
      manager: string | null;
    }[];
    const r = await t.graph('GET', '/users?$select=id&$expand=manager($select=id,displayName)&$top=999');
    expect(r.status, r.text).toBe(200);
    expect(r.body.value).toHaveLength(USERS);
    const managerOf = new Map(withManager.map((u) => [u.id, u.manager]));
    for (const u of r.body.value) {
      const m = managerOf.get(u.id);
      if (m) {
        expect(Object.keys(u)).toEqual(['id', 'manager']);
        expect(u.manager['@odata.type']).toBe('#microsoft.graph.user');
        expect(Object.keys(u.manager)).toEqual(['@odata.type', 'id', 'displayName']);
        expect(u.manager.id).toBe(m);
      } else expect(Object.keys(u)).toEqual(['id']);
    }
    const one = withManager.find((u) => u.manager)!;
    const single = await t.graph('GET', `/users/${one.id}?$expand=manager`);
    expect(single.body.manager.id).toBe(one.manager);
    expect(single.body.manager).toHaveProperty('userPrincipalName');
    expect(single.body).toHaveProperty('displayName');
  });

  it('expands group members to at most 20, and refuses unknown relations', async () => {
    const r = await t.graph(
      'GET',
      `/groups?$filter=${q("mailNickname eq 'all-staff'")}&$select=id&$expand=members($select=id)`,
    );
    expect(r.status, r.text).toBe(200);
    expect(r.body.value[0].members).toHaveLength(20);
    expect(r.body.value[0].members[0]).toEqual({
      '@odata.type': '#microsoft.graph.user',
      id: expect.any(String),
    });
    const bad = await t.graph('GET', '/users?$expand=shoes');
    expectError(
      bad,
      400,
      'Request_BadRequest',
      "Could not find a property named 'shoes' on type 'microsoft.graph.user'.",
    );
    const advanced = await t.graph('GET', '/users?$expand=manager&$count=true', { headers: EVENTUAL });
    expectError(advanced, 400, 'Request_UnsupportedQuery');
  });

  it('gets a manager and the direct reports', async () => {
    const withManager = (await fetchAdmin('/_emulator/objects?type=user')) as {
      id: string;
      manager: string | null;
    }[];
    const u = withManager.find((x) => x.manager)!;
    const m = await t.graph('GET', `/users/${u.id}/manager?$select=id`);
    expect(m.status).toBe(200);
    expect(m.body).toEqual({
      '@odata.context': `${root}/$metadata#directoryObjects/$entity`,
      '@odata.type': '#microsoft.graph.user',
      id: u.manager,
    });
    const reports = await t.graph('GET', `/users/${u.manager}/directReports?$select=id&$top=999`);
    expect(reports.body.value.map((x: J) => x.id)).toContain(u.id);
  });
});

describe('permissions, tokens, errors, $metadata', () => {
  it('refuses an app without the role with 403 Authorization_RequestDenied', async () => {
    const token = await t.token(readerId, readerSecret);
    const ok = await t.graph('GET', '/users?$top=1', { token });
    expect(ok.status).toBe(200);
    for (const path of ['/groups', '/contacts', '/servicePrincipals']) {
      const r = await t.graph('GET', path, { token });
      expectError(
        r,
        403,
        'Authorization_RequestDenied',
        'Insufficient privileges to complete the operation.',
      );
    }
    const write = await t.graph('PATCH', `/users/${stored[0]!.id}`, { token, body: { jobTitle: 'x' } });
    expectError(write, 403, 'Authorization_RequestDenied');
  });

  it('refuses a garbage token with 401 InvalidAuthenticationToken and WWW-Authenticate', async () => {
    const r = await t.graph('GET', '/users', { token: 'garbage' });
    expectError(
      r,
      401,
      'InvalidAuthenticationToken',
      'CompactToken parsing failed with error code: 80049217',
    );
    expect(r.headers['www-authenticate']).toMatch(/^Bearer realm="", authorization_uri="/);
    const forged = await t.graph('GET', '/users', {
      token: `${(await t.token()).split('.').slice(0, 2).join('.')}.AAAA`,
    });
    expectError(forged, 401, 'InvalidAuthenticationToken', 'Access token validation failure.');
  });

  it('writes the error envelope with innerError date, request-id and client-request-id', async () => {
    const crid = randomUUID();
    const r = await t.graph('GET', `/users/${randomUUID()}`, { headers: { 'client-request-id': crid } });
    expect(r.status).toBe(404);
    expect(Object.keys(r.body)).toEqual(['error']);
    expect(Object.keys(r.body.error)).toEqual(['code', 'message', 'innerError']);
    const inner = r.body.error.innerError;
    expect(Object.keys(inner)).toEqual(['date', 'request-id', 'client-request-id']);
    expect(inner.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(Math.abs(Date.parse(`${inner.date}Z`) - Date.now())).toBeLessThan(60_000);
    expect(inner['request-id']).toBe(r.headers['request-id']);
    expect(inner['request-id']).toMatch(GUID);
    expect(inner['client-request-id']).toBe(crid);
    expect(r.headers['client-request-id']).toBe(crid);

    const without = await t.graph('GET', `/users/${randomUUID()}`);
    expect(without.body.error.innerError['client-request-id']).toBe(without.headers['request-id']);
  });

  it('serves $metadata as CSDL XML', async () => {
    const r = await t.graph('GET', '/$metadata');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/xml/);
    expect(r.text.startsWith('<?xml')).toBe(true);
    expect(r.text).toContain('<edmx:Edmx');
    expect(r.text).toContain('Namespace="microsoft.graph"');
    expect(r.text).toMatch(/<EntityType Name="user"/);
    expect(r.text).toMatch(/<EntitySet Name="users" EntityType="microsoft.graph.user"/);
  });

  it('answers unknown resources with 400', async () => {
    const r = await t.graph('GET', '/widgets');
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe("Resource not found for the segment 'widgets'.");
  });
});
