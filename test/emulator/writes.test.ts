import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_EXTENSION_APP_ID } from '../../emulator/directory/seed.js';
import { startTestTenant, type TestTenant } from '../support/emulator.js';

/** A JSON payload under test: its shape is what the assertions check. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
type J = any;

/** Writes of directory objects over real HTTPS: users, groups, references, invitations, deleted items, extensions. */

const DOMAIN = 'mimgraph.onmicrosoft.com';
const EXT = `extension_${SAMPLE_EXTENSION_APP_ID.replace(/-/g, '')}`;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
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
const PASSWORD = 'Str0ng!Passw0rd';

let t: TestTenant;
let root: string;
let seq = 0;

const ref = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });
const bind = (id: string) => `https://graph.microsoft.com/v1.0/directoryObjects/${id}`;

function expectError(r: { status: number; body: J }, status: number, code: string, message?: string): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body.error.code).toBe(code);
  if (message !== undefined) expect(r.body.error.message).toBe(message);
  expect(r.body.error.innerError['request-id']).toMatch(GUID);
}

function newUser(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const nick = `writer${++seq}${randomBytes(3).toString('hex')}`;
  return {
    accountEnabled: true,
    displayName: `Writer ${seq}`,
    mailNickname: nick,
    userPrincipalName: `${nick}@${DOMAIN}`,
    passwordProfile: { forceChangePasswordNextSignIn: true, password: PASSWORD },
    ...extra,
  };
}

async function createUser(extra: Record<string, unknown> = {}): Promise<J> {
  const r = await t.graph('POST', '/users', { body: newUser(extra) });
  expect(r.status, r.text).toBe(201);
  return r.body;
}

async function createGroup(extra: Record<string, unknown> = {}): Promise<J> {
  const nick = `grp${++seq}${randomBytes(3).toString('hex')}`;
  const r = await t.graph('POST', '/groups', {
    body: {
      displayName: `Group ${seq}`,
      mailEnabled: false,
      mailNickname: nick,
      securityEnabled: true,
      ...extra,
    },
  });
  expect(r.status, r.text).toBe(201);
  return r.body;
}

async function memberIds(groupId: string): Promise<string[]> {
  const r = await t.graph('GET', `/groups/${groupId}/members?$select=id&$top=999`);
  expect(r.status).toBe(200);
  return r.body.value.map((m: J) => m.id);
}

beforeAll(async () => {
  t = await startTestTenant({ generate: { users: 60, groups: 6, seed: 3 } });
  root = `${t.emu.baseUrl}/v1.0`;
});

afterAll(async () => {
  await t?.close();
});

describe('users', () => {
  it('creates a user: 201, #users/$entity, Location, default properties, no password', async () => {
    const body = newUser({ givenName: 'Wanda', department: 'Engineering' });
    const r = await t.graph('POST', '/users', { body });
    expect(r.status).toBe(201);
    expect(r.body['@odata.context']).toBe(`${root}/$metadata#users/$entity`);
    expect(Object.keys(r.body).sort()).toEqual(['@odata.context', ...USER_DEFAULTS].sort());
    expect(r.body.id).toMatch(GUID);
    expect(r.body.userPrincipalName).toBe(body.userPrincipalName);
    expect(r.body.givenName).toBe('Wanda');
    expect(r.body.businessPhones).toEqual([]);
    expect(r.body.mail).toBeNull();
    expect(r.headers.location).toBe(
      `${t.emu.baseUrl}/v2/${t.emu.tenantId}/directoryObjects/${r.body.id}/Microsoft.DirectoryServices.User`,
    );
    expect(r.text).not.toContain(PASSWORD);
    expect(r.text).not.toContain('passwordProfile');

    const got = await t.graph(
      'GET',
      `/users/${r.body.id}?$select=id,accountEnabled,mailNickname,department,userType,createdDateTime`,
    );
    expect(got.body).toMatchObject({
      accountEnabled: true,
      mailNickname: body.mailNickname,
      department: 'Engineering',
      userType: 'Member',
    });
    expect(got.body.createdDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const full = await t.graph('GET', `/users/${r.body.id}`);
    expect(full.text).not.toContain(PASSWORD);
  });

  it('refuses a user without a required property', async () => {
    const { mailNickname: _n, ...body } = newUser();
    const r = await t.graph('POST', '/users', { body });
    expectError(
      r,
      400,
      'Request_BadRequest',
      'Property mailNickname value is required but is empty or missing.',
    );
    const nullName = await t.graph('POST', '/users', { body: newUser({ displayName: null }) });
    expectError(
      nullName,
      400,
      'Request_BadRequest',
      'Property displayName value is required but is empty or missing.',
    );
  });

  it('refuses a user without a password or with a weak one', async () => {
    const { passwordProfile: _p, ...noProfile } = newUser();
    expectError(
      await t.graph('POST', '/users', { body: noProfile }),
      400,
      'Request_BadRequest',
      'A password must be specified to create a new user.',
    );
    expectError(
      await t.graph('POST', '/users', {
        body: newUser({ passwordProfile: { forceChangePasswordNextSignIn: false, password: 'password' } }),
      }),
      400,
      'Request_BadRequest',
      'The specified password does not comply with password complexity requirements. Please provide a different password.',
    );
  });

  it('refuses a UPN in an unverified domain', async () => {
    const r = await t.graph('POST', '/users', { body: newUser({ userPrincipalName: 'x1@contoso.com' }) });
    expectError(
      r,
      400,
      'Request_BadRequest',
      'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.',
    );
    expect(r.body.error.details).toEqual([{ code: 'InvalidValue', target: 'userPrincipalName' }]);
    // The second verified domain is fine.
    await createUser({ userPrincipalName: `second${randomBytes(3).toString('hex')}@mimgraph.example` });
  });

  it('refuses read-only, unknown and wrongly typed properties', async () => {
    expectError(
      await t.graph('POST', '/users', { body: newUser({ createdDateTime: '2020-01-01T00:00:00Z' }) }),
      400,
      'Request_BadRequest',
      "Property 'createdDateTime' is read-only and cannot be set.",
    );
    expectError(
      await t.graph('POST', '/users', { body: newUser({ shoeSize: 44 }) }),
      400,
      'Request_BadRequest',
      "Property 'shoeSize' does not exist as a declared property or extension property.",
    );
    expectError(
      await t.graph('POST', '/users', { body: newUser({ accountEnabled: 'yes' }) }),
      400,
      'Request_BadRequest',
      "Invalid value specified for property 'accountEnabled' of resource 'User'.",
    );
    expectError(
      await t.graph('POST', '/users', { body: newUser({ businessPhones: '+1 555' }) }),
      400,
      'Request_BadRequest',
      "Invalid value specified for property 'businessPhones' of resource 'User'.",
    );
  });

  it('refuses a duplicate userPrincipalName (any case) with ObjectConflict details', async () => {
    const u = await createUser();
    const r = await t.graph('POST', '/users', {
      body: newUser({ userPrincipalName: String(u.userPrincipalName).toUpperCase() }),
    });
    expectError(
      r,
      400,
      'Request_BadRequest',
      'Another object with the same value for property userPrincipalName already exists.',
    );
    expect(r.body.error.details).toEqual([{ code: 'ObjectConflict', target: 'userPrincipalName' }]);
    // Renaming another user onto the UPN clashes too.
    const other = await createUser();
    const p = await t.graph('PATCH', `/users/${other.id}`, {
      body: { userPrincipalName: u.userPrincipalName },
    });
    expect(p.status).toBe(400);
    expect(p.body.error.details).toEqual([{ code: 'ObjectConflict', target: 'userPrincipalName' }]);
  });

  it('updates with PATCH (204, no body) and clears with null', async () => {
    const u = await createUser({ jobTitle: 'Engineer', city: 'Paris' });
    const r = await t.graph('PATCH', `/users/${u.id}`, { body: { jobTitle: null, department: 'Legal' } });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    const got = await t.graph('GET', `/users/${u.id}?$select=jobTitle,department,city,displayName`);
    expect(got.body).toEqual({
      '@odata.context': `${root}/$metadata#users(jobTitle,department,city,displayName)/$entity`,
      jobTitle: null,
      department: 'Legal',
      city: 'Paris',
      displayName: u.displayName,
    });
    // By UPN too.
    const byUpn = await t.graph('PATCH', `/users/${encodeURIComponent(u.userPrincipalName)}`, {
      body: { officeLocation: 'B1' },
    });
    expect(byUpn.status).toBe(204);
    expect((await t.graph('GET', `/users/${u.id}`)).body.officeLocation).toBe('B1');
    // Unknown user.
    expectError(
      await t.graph('PATCH', `/users/${randomUUID()}`, { body: { jobTitle: 'x' } }),
      404,
      'Request_ResourceNotFound',
    );
    // Read-only on update too.
    expectError(
      await t.graph('PATCH', `/users/${u.id}`, { body: { id: randomUUID() } }),
      400,
      'Request_BadRequest',
    );
  });

  it('deletes with 204, then the user is 404', async () => {
    const u = await createUser();
    const d = await t.graph('DELETE', `/users/${u.id}`);
    expect(d.status).toBe(204);
    expect(d.text).toBe('');
    expectError(await t.graph('GET', `/users/${u.id}`), 404, 'Request_ResourceNotFound');
    expectError(await t.graph('DELETE', `/users/${u.id}`), 404, 'Request_ResourceNotFound');
  });

  it('refuses a body that is not JSON', async () => {
    const u = await createUser();
    const r = await t.graph('PATCH', `/users/${u.id}`, {
      body: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expectError(r, 400, 'Request_BadRequest');
  });
});

describe('groups', () => {
  it('creates a security group with the default group properties', async () => {
    const g = await createGroup({ description: 'd', groupTypes: [] });
    expect(g['@odata.context']).toBe(`${root}/$metadata#groups/$entity`);
    expect(g).toMatchObject({
      description: 'd',
      mailEnabled: false,
      securityEnabled: true,
      groupTypes: [],
      mail: null,
      proxyAddresses: [],
    });
    expect(g.securityIdentifier).toMatch(/^S-1-12-1-/);
    expect(g.createdDateTime).toMatch(/Z$/);
    expect(g).not.toHaveProperty('assignedLicenses');
  });

  it('refuses a mail-enabled security group', async () => {
    const r = await t.graph('POST', '/groups', {
      body: { displayName: 'Mail SG', mailEnabled: true, mailNickname: 'mailsg', securityEnabled: true },
    });
    expectError(
      r,
      400,
      'Request_BadRequest',
      'The service does not currently support writes of mail-enabled groups. Please ensure that the mail-enablement property is unset or is set to false.',
    );
  });

  it('gives a Unified group a mail address and proxy address', async () => {
    const g = await createGroup({ mailEnabled: true, securityEnabled: false, groupTypes: ['Unified'] });
    expect(g.mail).toBe(`${g.mailNickname}@${DOMAIN}`);
    expect(g.proxyAddresses).toEqual([`SMTP:${g.mailNickname}@${DOMAIN}`]);
    expect(g.visibility).toBe('Public');
    expect(g.groupTypes).toEqual(['Unified']);
  });

  it('refuses a duplicate mailNickname and an invalid one', async () => {
    const g = await createGroup();
    const r = await t.graph('POST', '/groups', {
      body: { displayName: 'dup', mailEnabled: false, mailNickname: g.mailNickname, securityEnabled: true },
    });
    expectError(
      r,
      400,
      'Request_BadRequest',
      'Another object with the same value for property mailNickname already exists.',
    );
    expect(r.body.error.details).toEqual([{ code: 'ObjectConflict', target: 'mailNickname' }]);
    const bad = await t.graph('POST', '/groups', {
      body: { displayName: 'bad', mailEnabled: false, mailNickname: 'has space', securityEnabled: true },
    });
    expectError(
      bad,
      400,
      'Request_BadRequest',
      "Invalid value specified for property 'mailNickname' of resource 'Group'.",
    );
  });

  it('updates and deletes a group', async () => {
    const g = await createGroup();
    expect((await t.graph('PATCH', `/groups/${g.id}`, { body: { description: 'new' } })).status).toBe(204);
    expect((await t.graph('GET', `/groups/${g.id}?$select=description`)).body.description).toBe('new');
    expect((await t.graph('DELETE', `/groups/${g.id}`)).status).toBe(204);
    expect((await t.graph('GET', `/groups/${g.id}`)).status).toBe(404);
  });
});

describe('members and owners', () => {
  let group: J;
  let users: J[];

  beforeAll(async () => {
    group = await createGroup();
    const r = await t.graph('GET', '/users?$select=id&$top=30');
    users = r.body.value;
  });

  it('adds a member with $ref (204), refuses a duplicate and a missing object', async () => {
    const add = await t.graph('POST', `/groups/${group.id}/members/$ref`, { body: ref(users[0].id) });
    expect(add.status).toBe(204);
    expect(add.text).toBe('');
    expect(await memberIds(group.id)).toEqual([users[0].id]);

    const dup = await t.graph('POST', `/groups/${group.id}/members/$ref`, {
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/users/${users[0].id}` },
    });
    expectError(
      dup,
      400,
      'Request_BadRequest',
      "One or more added object references already exist for the following modified properties: 'members'.",
    );

    const missing = randomUUID();
    expectError(
      await t.graph('POST', `/groups/${group.id}/members/$ref`, { body: ref(missing) }),
      404,
      'Request_ResourceNotFound',
      `Resource '${missing}' does not exist or one of its queried reference-property objects are not present.`,
    );
    expectError(
      await t.graph('POST', `/groups/${randomUUID()}/members/$ref`, { body: ref(users[1].id) }),
      404,
      'Request_ResourceNotFound',
    );
    expectError(
      await t.graph('POST', `/groups/${group.id}/members/$ref`, { body: {} }),
      400,
      'Request_BadRequest',
    );
  });

  it('adds a group and a contact as members; the user sees the group in memberOf', async () => {
    const other = await createGroup();
    const contacts = await t.graph('GET', '/contacts?$select=id');
    const contact = contacts.body.value[0].id;
    expect((await t.graph('POST', `/groups/${group.id}/members/$ref`, { body: ref(other.id) })).status).toBe(
      204,
    );
    expect((await t.graph('POST', `/groups/${group.id}/members/$ref`, { body: ref(contact) })).status).toBe(
      204,
    );
    const m = await t.graph('GET', `/groups/${group.id}/members?$select=id`);
    const types = Object.fromEntries(m.body.value.map((x: J) => [x.id, x['@odata.type']]));
    expect(types[other.id]).toBe('#microsoft.graph.group');
    expect(types[contact]).toBe('#microsoft.graph.orgContact');
    const memberOf = await t.graph('GET', `/users/${users[0].id}/memberOf?$select=id`);
    expect(memberOf.body.value.map((x: J) => x.id)).toContain(group.id);
    expectError(
      await t.graph('POST', `/groups/${group.id}/members/$ref`, { body: ref(group.id) }),
      400,
      'Request_BadRequest',
    );
  });

  it('removes a member (204); a non-member is 404, or 400 when so configured', async () => {
    const gone = await t.graph('DELETE', `/groups/${group.id}/members/${users[0].id}/$ref`);
    expect(gone.status).toBe(204);
    expect(await memberIds(group.id)).not.toContain(users[0].id);
    const message =
      "One or more removed object references do not exist for the following modified properties: 'members'.";
    expectError(
      await t.graph('DELETE', `/groups/${group.id}/members/${users[0].id}/$ref`),
      404,
      'Request_ResourceNotFound',
      message,
    );
    t.emu.setBehaviour({ removeMissingReferenceStatus: 400 });
    try {
      expectError(
        await t.graph('DELETE', `/groups/${group.id}/members/${users[0].id}/$ref`),
        400,
        'Request_BadRequest',
        message,
      );
    } finally {
      t.emu.setBehaviour({ removeMissingReferenceStatus: 404 });
    }
  });

  it('binds 20 members in one PATCH', async () => {
    const g = await createGroup();
    const ids = users.slice(0, 20).map((u) => u.id);
    const r = await t.graph('PATCH', `/groups/${g.id}`, { body: { 'members@odata.bind': ids.map(bind) } });
    expect(r.status, r.text).toBe(204);
    expect((await memberIds(g.id)).sort()).toEqual([...ids].sort());
  });

  it('refuses 21 bound members and adds none', async () => {
    const g = await createGroup();
    const ids = users.slice(0, 21).map((u) => u.id);
    const r = await t.graph('PATCH', `/groups/${g.id}`, {
      body: { description: 'changed', 'members@odata.bind': ids.map(bind) },
    });
    expectError(r, 400, 'Request_BadRequest');
    expect(await memberIds(g.id)).toEqual([]);
    expect((await t.graph('GET', `/groups/${g.id}?$select=description`)).body.description).toBeNull();
  });

  it('is all-or-nothing: one bad or missing reference adds none', async () => {
    const g = await createGroup();
    const good = users.slice(0, 5).map((u) => bind(u.id));
    const malformed = await t.graph('PATCH', `/groups/${g.id}`, {
      body: {
        'members@odata.bind': [...good, 'https://graph.microsoft.com/v1.0/directoryObjects/not-a-guid'],
      },
    });
    expectError(malformed, 400, 'Request_BadRequest');
    const missing = await t.graph('PATCH', `/groups/${g.id}`, {
      body: { 'members@odata.bind': [...good, bind(randomUUID())] },
    });
    expectError(missing, 404, 'Request_ResourceNotFound');
    // One already a member: the duplicate message, and the others are not added.
    expect((await t.graph('POST', `/groups/${g.id}/members/$ref`, { body: ref(users[4].id) })).status).toBe(
      204,
    );
    const dup = await t.graph('PATCH', `/groups/${g.id}`, { body: { 'members@odata.bind': good } });
    expectError(
      dup,
      400,
      'Request_BadRequest',
      "One or more added object references already exist for the following modified properties: 'members'.",
    );
    expect(await memberIds(g.id)).toEqual([users[4].id]);
  });

  it('binds members and owners at creation, at most 20 together', async () => {
    const nick = `bound${randomBytes(3).toString('hex')}`;
    const r = await t.graph('POST', '/groups', {
      body: {
        displayName: 'Bound',
        mailEnabled: false,
        mailNickname: nick,
        securityEnabled: true,
        'owners@odata.bind': [bind(users[0].id)],
        'members@odata.bind': users.slice(1, 4).map((u) => bind(u.id)),
      },
    });
    expect(r.status, r.text).toBe(201);
    expect((await memberIds(r.body.id)).sort()).toEqual(
      users
        .slice(1, 4)
        .map((u) => u.id)
        .sort(),
    );
    const owners = await t.graph('GET', `/groups/${r.body.id}/owners?$select=id`);
    expect(owners.body.value).toEqual([{ '@odata.type': '#microsoft.graph.user', id: users[0].id }]);
    const tooMany = await t.graph('POST', '/groups', {
      body: {
        displayName: 'Too many',
        mailEnabled: false,
        mailNickname: `many${randomBytes(3).toString('hex')}`,
        securityEnabled: true,
        'owners@odata.bind': [bind(users[0].id)],
        'members@odata.bind': users.slice(1, 21).map((u) => bind(u.id)),
      },
    });
    expectError(tooMany, 400, 'Request_BadRequest');
    const list = await t.graph('GET', `/groups?$filter=displayName eq 'Too many'`);
    expect(list.body.value).toEqual([]);
  });

  it('adds and removes owners', async () => {
    const g = await createGroup();
    const add = await t.graph('POST', `/groups/${g.id}/owners/$ref`, {
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/users/${users[5].id}` },
    });
    expect(add.status).toBe(204);
    const owners = await t.graph('GET', `/groups/${g.id}/owners`);
    expect(owners.body['@odata.context']).toBe(`${root}/$metadata#directoryObjects`);
    expect(owners.body.value.map((o: J) => o.id)).toEqual([users[5].id]);
    expect(owners.body.value[0]['@odata.type']).toBe('#microsoft.graph.user');
    expectError(
      await t.graph('POST', `/groups/${g.id}/owners/$ref`, { body: ref(users[5].id) }),
      400,
      'Request_BadRequest',
      "One or more added object references already exist for the following modified properties: 'owners'.",
    );
    expectError(
      await t.graph('POST', `/groups/${g.id}/owners/$ref`, { body: ref(randomUUID()) }),
      404,
      'Request_ResourceNotFound',
    );
    // A group cannot own a group.
    const other = await createGroup();
    const unsupported = "Unsupported referenced-object resource identifier for link property 'owners'.";
    expectError(
      await t.graph('POST', `/groups/${g.id}/owners/$ref`, { body: ref(other.id) }),
      400,
      'Request_BadRequest',
      unsupported,
    );
    expectError(
      await t.graph('PATCH', `/groups/${g.id}`, { body: { 'owners@odata.bind': [bind(other.id)] } }),
      400,
      'Request_BadRequest',
      unsupported,
    );
    expect((await t.graph('DELETE', `/groups/${g.id}/owners/${users[5].id}/$ref`)).status).toBe(204);
    expect((await t.graph('GET', `/groups/${g.id}/owners`)).body.value).toEqual([]);
    expectError(
      await t.graph('DELETE', `/groups/${g.id}/owners/${users[5].id}/$ref`),
      404,
      'Request_ResourceNotFound',
    );
  });
});

describe('manager', () => {
  it('sets, reads and removes a manager; removing none is 404', async () => {
    const u = await createUser();
    const m = await createUser();
    expectError(await t.graph('GET', `/users/${u.id}/manager`), 404, 'Request_ResourceNotFound');
    expectError(await t.graph('DELETE', `/users/${u.id}/manager/$ref`), 404, 'Request_ResourceNotFound');
    const put = await t.graph('PUT', `/users/${u.id}/manager/$ref`, {
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/users/${m.id}` },
    });
    expect(put.status).toBe(204);
    const got = await t.graph('GET', `/users/${u.id}/manager`);
    expect(got.status).toBe(200);
    expect(got.body['@odata.context']).toBe(`${root}/$metadata#directoryObjects/$entity`);
    expect(got.body['@odata.type']).toBe('#microsoft.graph.user');
    expect(got.body.id).toBe(m.id);
    expect(got.body.userPrincipalName).toBe(m.userPrincipalName);
    const reports = await t.graph('GET', `/users/${m.id}/directReports?$select=id`);
    expect(reports.body.value).toEqual([{ '@odata.type': '#microsoft.graph.user', id: u.id }]);
    // Replacing is a PUT again.
    const m2 = await createUser();
    expect((await t.graph('PUT', `/users/${u.id}/manager/$ref`, { body: ref(m2.id) })).status).toBe(204);
    expect((await t.graph('GET', `/users/${u.id}/manager?$select=id`)).body.id).toBe(m2.id);
    expect((await t.graph('DELETE', `/users/${u.id}/manager/$ref`)).status).toBe(204);
    expect((await t.graph('GET', `/users/${u.id}/manager`)).status).toBe(404);
    expectError(
      await t.graph('PUT', `/users/${u.id}/manager/$ref`, { body: ref(randomUUID()) }),
      404,
      'Request_ResourceNotFound',
    );
    expectError(
      await t.graph('PUT', `/users/${u.id}/manager/$ref`, { body: ref(u.id) }),
      400,
      'Request_BadRequest',
    );
  });

  it('accepts an orgContact as manager, not a group', async () => {
    const u = await createUser();
    const contacts = await t.graph('GET', '/contacts?$select=id');
    const c = contacts.body.value[0].id;
    expect((await t.graph('PUT', `/users/${u.id}/manager/$ref`, { body: ref(c) })).status).toBe(204);
    expect((await t.graph('GET', `/users/${u.id}/manager`)).body['@odata.type']).toBe(
      '#microsoft.graph.orgContact',
    );
    const g = await createGroup();
    expect((await t.graph('PUT', `/users/${u.id}/manager/$ref`, { body: ref(g.id) })).status).toBe(404);
  });
});

describe('invitations', () => {
  it('invites a guest: 201 with invitedUser, redeem URL and PendingAcceptance', async () => {
    const email = `Pat.Guest-${randomBytes(3).toString('hex')}@fabrikam.com`;
    const r = await t.graph('POST', '/invitations', {
      body: {
        invitedUserEmailAddress: email,
        inviteRedirectUrl: 'https://myapps.microsoft.com',
        invitedUserDisplayName: 'Pat',
      },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.body['@odata.context']).toBe(`${root}/$metadata#invitations/$entity`);
    expect(r.body).toMatchObject({
      invitedUserEmailAddress: email,
      invitedUserDisplayName: 'Pat',
      inviteRedirectUrl: 'https://myapps.microsoft.com',
      sendInvitationMessage: false,
      status: 'PendingAcceptance',
    });
    expect(r.body.id).toMatch(GUID);
    expect(Object.keys(r.body.invitedUser)).toEqual(['id']);
    expect(r.body.invitedUser.id).toMatch(GUID);
    const redeem = new URL(r.body.inviteRedeemUrl);
    expect(`${redeem.origin}${redeem.pathname}`).toBe('https://invitations.microsoft.com/redeem/');
    expect(redeem.searchParams.get('tenant')).toBe(t.emu.tenantId);
    expect(redeem.searchParams.get('user')).toBe(r.body.invitedUser.id);
    expect(redeem.searchParams.get('ticket')).toBeTruthy();
    expect(redeem.searchParams.get('lc')).toBe('1033');
    expect(redeem.searchParams.get('ver')).toBe('2.0');
    for (const k of ['invitedUserMessageInfo', 'invitedUserType', 'resetRedemption'])
      expect(r.body).toHaveProperty(k);

    const u = await t.graph(
      'GET',
      `/users/${r.body.invitedUser.id}?$select=id,displayName,mail,userType,creationType,externalUserState,userPrincipalName`,
    );
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({
      displayName: 'Pat',
      mail: email,
      userType: 'Guest',
      creationType: 'Invitation',
      externalUserState: 'PendingAcceptance',
      userPrincipalName: `${email.replace('@', '_')}#EXT#@${DOMAIN}`,
    });

    // Re-inviting the same address (any case) returns the same user.
    const again = await t.graph('POST', '/invitations', {
      body: {
        invitedUserEmailAddress: email.toLowerCase(),
        inviteRedirectUrl: 'https://myapps.microsoft.com',
      },
    });
    expect(again.status).toBe(201);
    expect(again.body.invitedUser.id).toBe(r.body.invitedUser.id);
    expect(again.body.id).not.toBe(r.body.id);
    const found = await t.graph(
      'GET',
      `/users?$filter=${encodeURIComponent(`mail eq '${email}'`)}&$select=id`,
    );
    expect(found.body.value).toEqual([{ id: r.body.invitedUser.id }]);
  });

  it('refuses bad addresses and a missing redirect URL', async () => {
    for (const bad of ['no-at-sign', 'a#b@fabrikam.com', '.lead@fabrikam.com', 'x@nodot', '@fabrikam.com']) {
      const r = await t.graph('POST', '/invitations', {
        body: { invitedUserEmailAddress: bad, inviteRedirectUrl: 'https://myapps.microsoft.com' },
      });
      expectError(
        r,
        400,
        'Request_BadRequest',
        "Invalid value specified for property 'invitedUserEmailAddress' of resource 'Invitation'.",
      );
    }
    const r = await t.graph('POST', '/invitations', { body: { invitedUserEmailAddress: 'ok@fabrikam.com' } });
    expectError(
      r,
      400,
      'Request_BadRequest',
      'Property inviteRedirectUrl value is required but is empty or missing.',
    );
    expect((await t.graph('GET', '/invitations')).status).toBe(405);
  });
});

describe('deleted items', () => {
  it('lists with a cast segment only, gets, restores and purges', async () => {
    const u = await createUser();
    expect((await t.graph('DELETE', `/users/${u.id}`)).status).toBe(204);

    const bare = await t.graph('GET', '/directory/deletedItems');
    expectError(bare, 400, 'Request_BadRequest');
    const list = await t.graph('GET', '/directory/deletedItems/microsoft.graph.user');
    expect(list.status).toBe(200);
    const item = list.body.value.find((x: J) => x.id === u.id);
    expect(item).toBeDefined();
    expect(item.userPrincipalName).toBe(u.userPrincipalName);
    expect(item.deletedDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const groups = await t.graph('GET', '/directory/deletedItems/microsoft.graph.group');
    expect(groups.body.value.some((x: J) => x.id === u.id)).toBe(false);

    const got = await t.graph('GET', `/directory/deletedItems/${u.id}`);
    expect(got.status).toBe(200);
    expect(got.body['@odata.context']).toBe(`${root}/$metadata#directoryObjects/$entity`);
    expect(got.body['@odata.type']).toBe('#microsoft.graph.user');
    expect(got.body.id).toBe(u.id);

    const restored = await t.graph('POST', `/directory/deletedItems/${u.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body['@odata.context']).toBe(`${root}/$metadata#directoryObjects/$entity`);
    expect(restored.body['@odata.type']).toBe('#microsoft.graph.user');
    expect(restored.body.id).toBe(u.id);
    expect(restored.body.userPrincipalName).toBe(u.userPrincipalName);
    expect((await t.graph('GET', `/users/${u.id}`)).status).toBe(200);
    expect((await t.graph('GET', `/directory/deletedItems/${u.id}`)).status).toBe(404);

    // Delete again, then purge: gone for good.
    expect((await t.graph('DELETE', `/users/${u.id}`)).status).toBe(204);
    expect((await t.graph('DELETE', `/directory/deletedItems/${u.id}`)).status).toBe(204);
    expectError(await t.graph('GET', `/directory/deletedItems/${u.id}`), 404, 'Request_ResourceNotFound');
    expectError(
      await t.graph('POST', `/directory/deletedItems/${u.id}/restore`),
      404,
      'Request_ResourceNotFound',
    );
    expect((await t.graph('GET', `/users/${u.id}`)).status).toBe(404);
  });

  it('restores a group with its members and reports @odata.type group', async () => {
    const g = await createGroup();
    const u = await createUser();
    await t.graph('POST', `/groups/${g.id}/members/$ref`, { body: ref(u.id) });
    expect((await t.graph('DELETE', `/groups/${g.id}`)).status).toBe(204);
    const list = await t.graph('GET', '/directory/deletedItems/microsoft.graph.group');
    expect(list.body.value.map((x: J) => x.id)).toContain(g.id);
    const r = await t.graph('POST', `/directory/deletedItems/${g.id}/microsoft.graph.restore`);
    expect(r.status).toBe(200);
    expect(r.body['@odata.type']).toBe('#microsoft.graph.group');
    expect(await memberIds(g.id)).toEqual([u.id]);
  });

  it('pages deleted items with $top and a nextLink', async () => {
    for (let i = 0; i < 3; i++) {
      const u = await createUser();
      expect((await t.graph('DELETE', `/users/${u.id}`)).status).toBe(204);
    }
    const all = await t.graph(
      'GET',
      '/directory/deletedItems/microsoft.graph.user?$select=id,userPrincipalName',
    );
    const total = all.body.value.length;
    expect(total).toBeGreaterThanOrEqual(3);
    for (const x of all.body.value)
      expect(Object.keys(x)).toEqual(['id', 'userPrincipalName', 'deletedDateTime']);
    const ids: string[] = [];
    let url: string | undefined = '/directory/deletedItems/microsoft.graph.user?$select=id&$top=2';
    let pages = 0;
    while (url) {
      const r = await t.graph('GET', url);
      expect(r.status).toBe(200);
      ids.push(...r.body.value.map((x: J) => x.id));
      url = r.body['@odata.nextLink'];
      if (url)
        expect(url).toContain(
          `${root}/directory/deletedItems/microsoft.graph.user?$select=id&$top=2&$skiptoken=`,
        );
      pages++;
    }
    expect(pages).toBe(Math.ceil(total / 2));
    expect(ids.sort()).toEqual(all.body.value.map((x: J) => x.id).sort());
    expectError(
      await t.graph('GET', '/directory/deletedItems/microsoft.graph.user?$top=1000'),
      400,
      'Request_UnsupportedQuery',
      "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.",
    );
  });

  it('refuses to restore a user whose UPN was reused', async () => {
    const u = await createUser();
    expect((await t.graph('DELETE', `/users/${u.id}`)).status).toBe(204);
    const reuse = await t.graph('POST', '/users', {
      body: newUser({ userPrincipalName: u.userPrincipalName }),
    });
    expect(reuse.status, reuse.text).toBe(201);
    const r = await t.graph('POST', `/directory/deletedItems/${u.id}/restore`);
    expectError(r, 400, 'Request_BadRequest');
    expect(r.body.error.details).toEqual([{ code: 'ObjectConflict', target: 'userPrincipalName' }]);
    expect((await t.graph('GET', `/directory/deletedItems/${u.id}`)).status).toBe(200);
  });
});

describe('directory extension properties', () => {
  let appObjectId: string;

  beforeAll(async () => {
    const r = await t.graph(
      'GET',
      `/applications?$filter=${encodeURIComponent(`appId eq '${SAMPLE_EXTENSION_APP_ID}'`)}`,
    );
    expect(r.body.value).toHaveLength(1);
    appObjectId = r.body.value[0].id;
  });

  it('registers an extension property named extension_<appid without hyphens>_<name>', async () => {
    const r = await t.graph('POST', `/applications/${appObjectId}/extensionProperties`, {
      body: { name: 'tier', dataType: 'String', targetObjects: ['User'] },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({
      name: `${EXT}_tier`,
      dataType: 'String',
      targetObjects: ['User'],
      isMultiValued: false,
      isSyncedFromOnPremises: false,
      appDisplayName: 'mimgraph directory extensions',
    });
    expect(r.body.id).toMatch(GUID);
    expect(r.body['@odata.context']).toBe(
      `${root}/$metadata#applications('${appObjectId}')/extensionProperties/$entity`,
    );
    const list = await t.graph('GET', `/applications/${appObjectId}/extensionProperties`);
    expect(list.body.value.map((e: J) => e.name)).toContain(`${EXT}_tier`);
    const dup = await t.graph('POST', `/applications/${appObjectId}/extensionProperties`, {
      body: { name: 'tier', dataType: 'String', targetObjects: ['User'] },
    });
    expectError(dup, 400, 'Request_BadRequest');
    const badType = await t.graph('POST', `/applications/${appObjectId}/extensionProperties`, {
      body: { name: 'x', dataType: 'Float', targetObjects: ['User'] },
    });
    expectError(badType, 400, 'Request_BadRequest');
  });

  it('lists the available extension properties with @odata.type, filtered by isSyncedFromOnPremises', async () => {
    const r = await t.graph('POST', '/directoryObjects/getAvailableExtensionProperties', { body: {} });
    expect(r.status).toBe(200);
    expect(r.body['@odata.context']).toBe(`${root}/$metadata#Collection(microsoft.graph.extensionProperty)`);
    const names = r.body.value.map((e: J) => e.name);
    for (const n of ['employeeNumber', 'badgeCode', 'skills', 'costCenter'])
      expect(names).toContain(`${EXT}_${n}`);
    for (const e of r.body.value) {
      expect(e['@odata.type']).toBe('#microsoft.graph.extensionProperty');
      for (const k of [
        'id',
        'name',
        'dataType',
        'isMultiValued',
        'isSyncedFromOnPremises',
        'targetObjects',
        'appDisplayName',
      ])
        expect(e).toHaveProperty(k);
    }
    const skills = r.body.value.find((e: J) => e.name === `${EXT}_skills`);
    expect(skills.isMultiValued).toBe(true);
    const costCenter = r.body.value.find((e: J) => e.name === `${EXT}_costCenter`);
    expect(costCenter.targetObjects).toEqual(['User', 'Group']);

    const synced = await t.graph('POST', '/directoryObjects/getAvailableExtensionProperties', {
      body: { isSyncedFromOnPremises: true },
    });
    expect(synced.body.value).toEqual([]);
    const cloud = await t.graph('POST', '/directoryObjects/getAvailableExtensionProperties', {
      body: { isSyncedFromOnPremises: false },
    });
    expect(cloud.body.value.length).toBe(r.body.value.length);
    const none = await t.graph('POST', '/directoryObjects/microsoft.graph.getAvailableExtensionProperties');
    expect(none.status).toBe(200);
    expect(none.body.value.length).toBe(r.body.value.length);
  });

  it('writes extension values with PATCH, reads them with $select, clears them with null', async () => {
    const u = await createUser();
    const p = await t.graph('PATCH', `/users/${u.id}`, {
      body: { [`${EXT}_employeeNumber`]: 'E42', [`${EXT}_skills`]: ['a', 'b'], [`${EXT}_badgeCode`]: 7 },
    });
    expect(p.status, p.text).toBe(204);
    const sel = `${EXT}_employeeNumber,${EXT}_skills,${EXT}_badgeCode`;
    const got = await t.graph('GET', `/users/${u.id}?$select=${sel}`);
    expect(got.body).toEqual({
      '@odata.context': `${root}/$metadata#users(${sel})/$entity`,
      [`${EXT}_employeeNumber`]: 'E42',
      [`${EXT}_skills`]: ['a', 'b'],
      [`${EXT}_badgeCode`]: 7,
    });
    const plain = await t.graph('GET', `/users/${u.id}`);
    expect(plain.text).not.toContain('extension_');
    expect(
      (await t.graph('PATCH', `/users/${u.id}`, { body: { [`${EXT}_employeeNumber`]: null } })).status,
    ).toBe(204);
    expect(
      (await t.graph('GET', `/users/${u.id}?$select=${EXT}_employeeNumber`)).body[`${EXT}_employeeNumber`],
    ).toBeNull();
    // A group takes the User+Group property.
    const g = await createGroup();
    expect(
      (await t.graph('PATCH', `/groups/${g.id}`, { body: { [`${EXT}_costCenter`]: 'CC9' } })).status,
    ).toBe(204);
    expect(
      (await t.graph('GET', `/groups/${g.id}?$select=${EXT}_costCenter`)).body[`${EXT}_costCenter`],
    ).toBe('CC9');
  });

  it('refuses an unregistered extension, a wrong target and a wrong type', async () => {
    const u = await createUser();
    expectError(
      await t.graph('PATCH', `/users/${u.id}`, { body: { [`${EXT}_unregistered`]: 'x' } }),
      400,
      'Request_BadRequest',
      `Property '${EXT}_unregistered' does not exist as a declared property or extension property.`,
    );
    const g = await createGroup();
    expectError(
      await t.graph('PATCH', `/groups/${g.id}`, { body: { [`${EXT}_employeeNumber`]: 'x' } }),
      400,
      'Request_BadRequest',
    );
    expectError(
      await t.graph('PATCH', `/users/${u.id}`, { body: { [`${EXT}_badgeCode`]: 'seven' } }),
      400,
      'Request_BadRequest',
      `Invalid value specified for property '${EXT}_badgeCode' of resource 'User'.`,
    );
    expectError(
      await t.graph('PATCH', `/users/${u.id}`, { body: { [`${EXT}_skills`]: 'single' } }),
      400,
      'Request_BadRequest',
    );
    // Integer is 32-bit; String at most 256 characters (per element when multi-valued).
    expect(
      (await t.graph('PATCH', `/users/${u.id}`, { body: { [`${EXT}_badgeCode`]: 2147483647 } })).status,
    ).toBe(204);
    for (const body of [
      { [`${EXT}_badgeCode`]: 2147483648 },
      { [`${EXT}_badgeCode`]: 1.5 },
      { [`${EXT}_employeeNumber`]: 'x'.repeat(257) },
      { [`${EXT}_skills`]: ['ok', 'y'.repeat(257)] },
    ]) {
      expectError(await t.graph('PATCH', `/users/${u.id}`, { body }), 400, 'Request_BadRequest');
    }
    expect(
      (await t.graph('PATCH', `/users/${u.id}`, { body: { [`${EXT}_employeeNumber`]: 'x'.repeat(256) } }))
        .status,
    ).toBe(204);
  });
});

describe('read-only collections', () => {
  it('refuses POST /contacts with 405 and Graph message', async () => {
    const r = await t.graph('POST', '/contacts', {
      body: { displayName: 'New contact', mail: 'x@fabrikam.com' },
    });
    expectError(r, 405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
    const contacts = await t.graph('GET', '/contacts?$select=id');
    const id = contacts.body.value[0].id;
    expectError(
      await t.graph('PATCH', `/contacts/${id}`, { body: { displayName: 'x' } }),
      405,
      'Request_BadRequest',
      'Specified HTTP method is not allowed for the request target.',
    );
    expectError(await t.graph('DELETE', `/contacts/${id}`), 405, 'Request_BadRequest');
  });

  it('refuses PUT on a user', async () => {
    const u = await createUser();
    expectError(await t.graph('PUT', `/users/${u.id}`, { body: {} }), 405, 'Request_BadRequest');
  });
});
