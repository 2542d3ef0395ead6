import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLACEHOLDER_FILE, PlaceholderMap } from '../../connector/export/placeholders.js';
import { ExportSession } from '../../connector/export/session.js';
import { formatPlanned } from '../../connector/export/whatif.js';
import { type AttributeChange, ConnectorError, type CSEntryChange } from '../../connector/model/ecma.js';
import {
  attributeAdd,
  attributeDelete,
  attributeReplace,
  attributeUpdate,
  bool,
  ref,
  str,
  valueAdd,
  valueDelete,
} from '../../connector/model/values.js';
import { silentLogger } from '../../connector/runtime/log.js';
import type { DirObject } from '../../emulator/directory/store.js';
import { type ExportRig, newId, resultOf, startExportRig } from '../support/export-rig.js';

let rig: ExportRig;
const DOMAIN = 'mimgraph.onmicrosoft.com';

beforeAll(async () => {
  rig = await startExportRig();
}, 30_000);
afterAll(async () => {
  await rig?.close();
});

function entry(
  objectType: string,
  modification: CSEntryChange['modification'],
  dn: string,
  attributes: AttributeChange[] = [],
  id?: string,
): CSEntryChange {
  return {
    identifier: randomUUID(),
    objectType,
    modification,
    dn,
    anchors: id ? [{ name: 'id', value: str(id) }] : [],
    attributes,
  };
}

const userAdd = (name: string, extra: AttributeChange[] = []) =>
  entry('user', 'Add', `CN=${name}`, [
    attributeAdd('accountEnabled', [bool(true)]),
    attributeAdd('displayName', [str(name)]),
    attributeAdd('userPrincipalName', [str(`${name}@${DOMAIN}`)]),
    ...extra,
  ]);

const groupAdd = (name: string, extra: AttributeChange[] = []) =>
  entry('group', 'Add', `CN=${name}`, [
    attributeAdd('displayName', [str(name)]),
    attributeAdd('mailEnabled', [bool(false)]),
    attributeAdd('securityEnabled', [bool(true)]),
    attributeAdd('mailNickname', [str(name)]),
    ...extra,
  ]);

async function exportAll(
  batches: CSEntryChange[][],
  opts: { whatIf?: boolean; ctx?: ExportRig['ctx'] } = {},
) {
  const s = await ExportSession.open(
    rig.config,
    rig.schema,
    rig.attributes,
    { exportType: 'Delta', batchSize: 100 },
    opts.ctx ?? rig.ctx,
    { whatIf: opts.whatIf === true },
  );
  const results = [];
  for (const b of batches) {
    const r = await s.put(b);
    expect(r.results).toHaveLength(b.length);
    results.push(...r.results);
  }
  const planned = s.plannedRequests();
  await s.close({ reason: 'Normal' });
  return { results, planned };
}

const store = () => rig.emu.context.store;
const obj = (id: string): DirObject => {
  const o = store().get(id);
  if (!o) throw new Error(`no object ${id}`);
  return o;
};
const activeUsers = () => [...store().all('user')].filter((u) => u.state === 'active');
const byUpn = (upn: string) =>
  activeUsers().filter((u) => String(u.props.userPrincipalName).toLowerCase() === upn.toLowerCase());
const seededUsers = () =>
  activeUsers().filter((u) => u.props.onPremisesSyncEnabled !== true && u.props.userType !== 'Guest');

describe('adds', () => {
  it('creates a user, a group and an invited guest, returns their ids as anchors and records placeholders', async () => {
    const user = userAdd('alice', [
      attributeAdd('export_password', [str('Corr3ct-Horse-Battery')]),
      attributeAdd('onPremisesExtensionAttributes.extensionAttribute1', [str('x1')]),
      attributeAdd('jobTitle', [str('Engineer')]),
    ]);
    const group = groupAdd('team', [attributeAdd('description', [str('the team')])]);
    const guest = entry('user', 'Add', 'CN=guest', [
      attributeAdd('mail', [str('guest.one@partner.example')]),
      attributeAdd('displayName', [str('Guest One')]),
      attributeAdd('jobTitle', [str('Partner')]),
    ]);
    const { results } = await exportAll([[user, group, guest]]);
    for (const r of results) expect(r.errorCode, JSON.stringify(r)).toBe('Success');
    const uid = newId(resultOf(results, user));
    expect(resultOf(results, user).anchors).toEqual([
      { name: 'id', modification: 'Add', values: [valueAdd(str(uid))] },
    ]);
    const u = obj(uid);
    expect(u.props).toMatchObject({
      displayName: 'alice',
      userPrincipalName: `alice@${DOMAIN}`,
      mailNickname: 'alice',
      jobTitle: 'Engineer',
      accountEnabled: true,
      onPremisesExtensionAttributes: { extensionAttribute1: 'x1' },
      passwordProfile: { forceChangePasswordNextSignIn: false },
    });
    expect(JSON.stringify(u.props)).not.toContain('Corr3ct');
    const g = obj(newId(resultOf(results, group)));
    expect(g.props).toMatchObject({
      displayName: 'team',
      mailNickname: 'team',
      securityEnabled: true,
      description: 'the team',
    });
    const guestUser = obj(newId(resultOf(results, guest)));
    expect(guestUser.props).toMatchObject({
      userType: 'Guest',
      creationType: 'Invitation',
      mail: 'guest.one@partner.example',
      jobTitle: 'Partner',
    });
    expect(String(guestUser.props.userPrincipalName)).toContain('#EXT#');
    const state = JSON.parse(readFileSync(join(rig.stateDir, PLACEHOLDER_FILE), 'utf8'));
    expect(state.entries['cn=alice'].id).toBe(uid);
    expect(rig.logLines.join('\n')).not.toContain('Corr3ct');
  });

  it('resolves placeholder DNs in the reference pass of a later session (members, owners, manager)', async () => {
    const boss = seededUsers()[0]!;
    const other = seededUsers()[1]!;
    const members = entry('group', 'Update', 'CN=team', [
      attributeAdd('members', [ref('CN=alice'), ref('CN=guest'), ref(other.id)]),
      attributeAdd('owners', [ref('CN=alice')]),
    ]);
    const manager = entry('user', 'Update', 'CN=alice', [attributeAdd('manager', [ref(boss.id)])]);
    const { results } = await exportAll([[members, manager]]);
    for (const r of results) expect(r.errorCode, JSON.stringify(r)).toBe('Success');
    const alice = byUpn(`alice@${DOMAIN}`)[0]!;
    const guest = activeUsers().find((u) => u.props.mail === 'guest.one@partner.example')!;
    const team = [...store().all('group')].find((g) => g.props.mailNickname === 'team')!;
    expect([...team.members!].sort()).toEqual([alice.id, guest.id, other.id].sort());
    expect([...team.owners!]).toEqual([alice.id]);
    expect(alice.manager).toBe(boss.id);
  });

  it('sends references to Adds of the same batch after creating them', async () => {
    const u = userAdd('bob');
    const g = groupAdd('bobs', [
      attributeAdd('members', [ref('CN=bob')]),
      attributeAdd('owners', [ref('CN=bob')]),
    ]);
    const { results } = await exportAll([[g, u]]);
    for (const r of results) expect(r.errorCode, JSON.stringify(r)).toBe('Success');
    const group = obj(newId(resultOf(results, g)));
    expect([...group.members!]).toEqual([newId(resultOf(results, u))]);
    expect([...group.owners!]).toEqual([newId(resultOf(results, u))]);
  });

  it('a UPN conflict is ExistingObject, never adopted; missing required attributes are named', async () => {
    const taken = String(seededUsers()[2]!.props.userPrincipalName);
    const clash = entry('user', 'Add', 'CN=clash', [
      attributeAdd('accountEnabled', [bool(true)]),
      attributeAdd('displayName', [str('clash')]),
      attributeAdd('userPrincipalName', [str(taken)]),
    ]);
    const noSec = entry('group', 'Add', 'CN=nosec', [
      attributeAdd('displayName', [str('nosec')]),
      attributeAdd('mailEnabled', [bool(false)]),
      attributeAdd('mailNickname', [str('nosec')]),
    ]);
    const weak = userAdd('weak', [attributeAdd('export_password', [str('short')])]);
    const readOnly = userAdd('ro', [attributeAdd('creationType', [str('Invitation')])]);
    const writesBefore = rig.emu.context.counters.writes;
    const { results } = await exportAll([[clash, noSec, weak, readOnly]]);
    const c = resultOf(results, clash);
    expect(c.errorCode).toBe('ExportErrorConnectedDirectoryExistingObject');
    expect(c.anchors).toEqual([]);
    expect(c.errorDetail).toMatch(/already exists.*request-id/);
    expect(byUpn(taken)).toHaveLength(1);
    const n = resultOf(results, noSec);
    expect(n.errorCode).toBe('ExportErrorMissingProvisioningAttribute');
    expect(n.errorName).toBe('securityEnabled');
    expect(resultOf(results, weak).errorCode).toBe('ExportErrorPasswordPolicyViolation');
    expect(resultOf(results, weak).errorDetail).not.toContain('short');
    const ro = resultOf(results, readOnly);
    expect(ro.errorCode).toBe('ExportErrorInvalidAttributeValue');
    expect(ro.errorDetail).toMatch(/creationType.*read-only/);
    // Only the two creates Graph refused were sent.
    expect(rig.emu.context.counters.writes - writesBefore).toBe(2);
  });

  it('an invitation without a redirect URL fails with a clear message; an existing guest is not adopted', async () => {
    const s = await ExportSession.open(
      rig.configFor({ invitation: { redirectUrl: undefined, sendMessage: false, messageText: undefined } }),
      rig.schema,
      rig.attributes,
      { exportType: 'Delta', batchSize: 10 },
      rig.ctx,
    );
    const e = entry('user', 'Add', 'CN=guest2', [attributeAdd('mail', [str('guest.two@partner.example')])]);
    const r = (await s.put([e])).results[0]!;
    await s.close({ reason: 'Normal' });
    expect(r.errorCode).toBe('ExportErrorCustomContinueRun');
    expect(r.errorDetail).toMatch(/redirect URL/);
    const again = entry('user', 'Add', 'CN=guest-again', [
      attributeAdd('mail', [str('guest.one@partner.example')]),
    ]);
    const { results } = await exportAll([[again]]);
    expect(results[0]!.errorCode).toBe('ExportErrorConnectedDirectoryExistingObject');
  });
});

describe('updates', () => {
  it('patches single, deleted, complex dotted and multivalued attributes', async () => {
    const u = seededUsers()[3]!;
    const before = { ...(u.props.onPremisesExtensionAttributes as Record<string, unknown>) };
    const e = entry(
      'user',
      'Update',
      u.id,
      [
        attributeReplace('jobTitle', [str('Director')]),
        attributeDelete('department'),
        attributeReplace('onPremisesExtensionAttributes.extensionAttribute2', [str('ea2')]),
        attributeDelete('onPremisesExtensionAttributes.extensionAttribute3'),
        attributeUpdate('otherMails', [valueAdd(str('new@x.example'))]),
      ],
      u.id,
    );
    const { results } = await exportAll([[e]]);
    expect(results[0]!.errorCode, JSON.stringify(results[0])).toBe('Success');
    expect(results[0]!.anchors).toEqual([]);
    expect(u.props.jobTitle).toBe('Director');
    expect(u.props.department).toBeUndefined();
    const ea = u.props.onPremisesExtensionAttributes as Record<string, unknown>;
    expect(ea.extensionAttribute2).toBe('ea2');
    expect(ea.extensionAttribute3 ?? null).toBeNull();
    expect(ea.extensionAttribute1).toBe(before.extensionAttribute1);
    expect(u.props.otherMails).toContain('new@x.example');
    const remove = entry(
      'user',
      'Update',
      u.id,
      [attributeUpdate('otherMails', [valueDelete(str('new@x.example'))])],
      u.id,
    );
    await exportAll([[remove]]);
    expect(u.props.otherMails ?? []).not.toContain('new@x.example');
  });

  it('sets and clears the manager', async () => {
    const [u, m] = [seededUsers()[4]!, seededUsers()[5]!];
    await exportAll([[entry('user', 'Update', u.id, [attributeReplace('manager', [ref(m.id)])], u.id)]]);
    expect(u.manager).toBe(m.id);
    const { results } = await exportAll([
      [entry('user', 'Update', u.id, [attributeDelete('manager')], u.id)],
    ]);
    expect(results[0]!.errorCode).toBe('Success');
    expect(u.manager).toBeUndefined();
    // Clearing an absent manager is success too.
    const again = await exportAll([[entry('user', 'Update', u.id, [attributeDelete('manager')], u.id)]]);
    expect(again.results[0]!.errorCode).toBe('Success');
  });

  it('adds more than 20 members in bulk, removes members and owners, tolerates already-member and not-member', async () => {
    const g = [...store().all('group')]
      .filter(
        (x) => x.state === 'active' && x.props.securityEnabled === true && x.props.mailNickname !== 'team',
      )
      .sort((a, b) => a.members!.size - b.members!.size)[0]!;
    const current = new Set(g.members);
    const candidates = seededUsers().filter((u) => !current.has(u.id));
    const adds = candidates.slice(0, 22);
    expect(adds.length).toBe(22);
    const existing = [...current][0];
    const values = [...adds.map((u) => valueAdd(ref(u.id))), ...(existing ? [valueAdd(ref(existing))] : [])];
    const owner = seededUsers()[6]!;
    const { results } = await exportAll([
      [
        entry(
          'group',
          'Update',
          g.id,
          [attributeUpdate('members', values), attributeUpdate('owners', [valueAdd(ref(owner.id))])],
          g.id,
        ),
      ],
    ]);
    expect(results[0]!.errorCode, JSON.stringify(results[0])).toBe('Success');
    for (const u of adds) expect(g.members!.has(u.id)).toBe(true);
    expect(g.owners!.has(owner.id)).toBe(true);
    const removeIds = adds.slice(0, 3).map((u) => u.id);
    const notMember = candidates[30]?.id ?? randomUUID();
    const r2 = await exportAll([
      [
        entry(
          'group',
          'Update',
          g.id,
          [
            attributeUpdate(
              'members',
              [...removeIds, notMember].map((id) => valueDelete(ref(id))),
            ),
            attributeUpdate('owners', [valueDelete(ref(owner.id))]),
          ],
          g.id,
        ),
      ],
    ]);
    expect(r2.results[0]!.errorCode, JSON.stringify(r2.results[0])).toBe('Success');
    for (const id of removeIds) expect(g.members!.has(id)).toBe(false);
    expect(g.owners!.has(owner.id)).toBe(false);
    expect(g.members!.size).toBe(current.size + 22 - 3);
  });

  it('a Replace of members sets exactly the given set (current members read first)', async () => {
    const team = [...store().all('group')].find(
      (g) => g.state === 'active' && g.props.mailNickname === 'team',
    )!;
    const want = seededUsers()
      .slice(10, 13)
      .map((u) => u.id);
    const e = entry('group', 'Update', team.id, [attributeReplace('members', want.map(ref))], team.id);
    const { results } = await exportAll([[e]]);
    expect(results[0]!.errorCode, JSON.stringify(results[0])).toBe('Success');
    expect([...team.members!].sort()).toEqual([...want].sort());
  });

  it('refuses objects synchronised from on-premises without writing', async () => {
    const u = seededUsers()[7]!;
    store().update(u, { onPremisesSyncEnabled: true });
    const writes = rig.emu.context.counters.writes;
    const { results } = await exportAll([
      [entry('user', 'Update', u.id, [attributeReplace('jobTitle', [str('nope')])], u.id)],
    ]);
    expect(results[0]!.errorCode).toBe('ExportErrorCustomContinueRun');
    expect(results[0]!.errorName).toBe('SynchronizedFromOnPremises');
    expect(results[0]!.errorDetail).toMatch(/Entra Connect/);
    expect(rig.emu.context.counters.writes).toBe(writes);
    expect(u.props.jobTitle).not.toBe('nope');
  });

  it('an unknown placeholder is retried once, then fails; a missing object is MissingObject', async () => {
    const g = [...store().all('group')].find((x) => x.state === 'active')!;
    const e = entry(
      'group',
      'Update',
      g.id,
      [attributeUpdate('members', [valueAdd(ref('CN=not-yet'))])],
      g.id,
    );
    const s = await ExportSession.open(
      rig.config,
      rig.schema,
      rig.attributes,
      { exportType: 'Delta', batchSize: 5 },
      rig.ctx,
    );
    expect((await s.put([e])).results[0]!.errorCode).toBe('ExportActionRetryReferenceAttribute');
    expect((await s.put([e])).results[0]!.errorCode).toBe('ExportErrorReferenceAttributeFailure');
    const gone = randomUUID();
    const r = (await s.put([entry('user', 'Update', gone, [attributeReplace('jobTitle', [str('x')])], gone)]))
      .results[0]!;
    expect(r.errorCode).toBe('ExportErrorConnectedDirectoryMissingObject');
    expect(r.errorName).toBe('Request_ResourceNotFound');
    await s.close({ reason: 'Normal' });
  });
});

describe('deletes', () => {
  it('deletes objects; an object already gone counts as deleted', async () => {
    const bob = byUpn(`bob@${DOMAIN}`)[0]!;
    const gone = randomUUID();
    const { results } = await exportAll([
      [entry('user', 'Delete', bob.id, [], bob.id), entry('user', 'Delete', gone, [], gone)],
    ]);
    expect(results.map((r) => r.errorCode)).toEqual(['Success', 'Success']);
    expect(bob.state).toBe('soft');
  });
});

describe('what-if', () => {
  it('sends no write and lists the planned requests with passwords redacted', async () => {
    const writes = rig.emu.context.counters.writes;
    const u = userAdd('planned', [attributeAdd('export_password', [str('S3cret-Passw0rd!')])]);
    const g = groupAdd('plannedgroup', [
      attributeAdd('members', [
        ref('CN=planned'),
        ...seededUsers()
          .slice(0, 21)
          .map((x) => ref(x.id)),
      ]),
    ]);
    const upd = seededUsers()[8]!;
    const { results, planned } = await exportAll(
      [[u, g, entry('user', 'Update', upd.id, [attributeReplace('jobTitle', [str('Planner')])], upd.id)]],
      { whatIf: true },
    );
    expect(results.map((r) => r.errorCode)).toEqual(['Success', 'Success', 'Success']);
    expect(rig.emu.context.counters.writes).toBe(writes);
    expect(byUpn(`planned@${DOMAIN}`)).toHaveLength(0);
    const lines = planned.map(formatPlanned);
    expect(lines.join('\n')).not.toContain('S3cret');
    expect(lines.some((l) => l.startsWith('POST /users') && l.includes('[redacted]'))).toBe(true);
    const binds = planned.filter(
      (p) => p.body && typeof p.body === 'object' && 'members@odata.bind' in (p.body as object),
    );
    expect(
      binds.map((b) => ((b.body as Record<string, unknown[]>)['members@odata.bind'] ?? []).length),
    ).toEqual([20, 2]);
    expect(lines).toContain(`PATCH /users/${upd.id} {"jobTitle":"Planner"}`);
    expect(upd.props.jobTitle).not.toBe('Planner');
  });
});

describe('faults', () => {
  it('dropped connections mid-batch never duplicate creates', async () => {
    const injected = { ...rig.emu.context.counters.injected };
    rig.emu.setFaults({ rateDrop: 0.3, seed: 3 });
    try {
      const adds: CSEntryChange[] = [];
      for (let i = 0; i < 12; i++) adds.push(userAdd(`drop${i}`));
      for (let i = 0; i < 4; i++) adds.push(groupAdd(`dropg${i}`));
      const batches: CSEntryChange[][] = [];
      for (let i = 0; i < adds.length; i += 2) batches.push(adds.slice(i, i + 2));
      const { results } = await exportAll(batches);
      for (const r of results) expect(r.errorCode, JSON.stringify(r)).toBe('Success');
    } finally {
      rig.emu.setFaults({ rateDrop: 0 });
    }
    const drops = Object.entries(rig.emu.context.counters.injected)
      .filter(([k]) => /drop/i.test(k))
      .reduce((n, [k, v]) => n + v - (injected[k] ?? 0), 0);
    expect(drops).toBeGreaterThan(0);
    for (let i = 0; i < 12; i++) expect(byUpn(`drop${i}@${DOMAIN}`)).toHaveLength(1);
    for (let i = 0; i < 4; i++) {
      expect(
        [...store().all('group')].filter((g) => g.state === 'active' && g.props.mailNickname === `dropg${i}`),
      ).toHaveLength(1);
    }
  }, 40_000);

  it('a re-sent Add of an object created earlier updates it instead of creating it twice', async () => {
    const again = userAdd('drop0', [attributeAdd('jobTitle', [str('Again')])]);
    const { results } = await exportAll([[again]]);
    expect(results[0]!.errorCode).toBe('Success');
    const users = byUpn(`drop0@${DOMAIN}`);
    expect(users).toHaveLength(1);
    expect(newId(results[0]!)).toBe(users[0]!.id);
    expect(users[0]!.props.jobTitle).toBe('Again');
  });
});

describe('a worker that died mid-export', () => {
  it('left creates without answers: the next export finds the one that landed instead of failing on it, and sends the other', async () => {
    // What the dead worker saved before sending its batch; then it was killed.
    PlaceholderMap.load(rig.stateDir, silentLogger).markSending([
      { dn: 'CN=ghost', objectType: 'user' },
      { dn: 'CN=ghost2', objectType: 'user' },
    ]);
    // Graph had applied its create of ghost, not of ghost2.
    const client = rig.ctx.graph(rig.config);
    await client.request('POST', '/users', {
      body: {
        accountEnabled: true,
        displayName: 'ghost',
        userPrincipalName: `ghost@${DOMAIN}`,
        mailNickname: 'ghost',
        passwordProfile: { password: 'Gh0st!Passw0rd-x' },
      },
    });
    await client.close();
    const ghost = userAdd('ghost');
    const ghost2 = userAdd('ghost2');
    const { results } = await exportAll([[ghost, ghost2]]);
    for (const e of [ghost, ghost2]) expect(resultOf(results, e).errorCode).toBe('Success');
    expect(byUpn(`ghost@${DOMAIN}`)).toHaveLength(1);
    expect(newId(resultOf(results, ghost))).toBe(byUpn(`ghost@${DOMAIN}`)[0]!.id);
    expect(byUpn(`ghost2@${DOMAIN}`)).toHaveLength(1);
    // Both are answered now: nothing is left marked as sent.
    const file = JSON.parse(readFileSync(join(rig.stateDir, PLACEHOLDER_FILE), 'utf8'));
    expect(file.sending).toBeUndefined();
    expect(file.entries['cn=ghost'].id).toBe(byUpn(`ghost@${DOMAIN}`)[0]!.id);
  });

  it('a create Graph refused leaves no mark, and an object nobody sent is still never adopted', async () => {
    const taken = String(seededUsers()[3]!.props.userPrincipalName);
    const clash = entry('user', 'Add', 'CN=clash2', [
      attributeAdd('accountEnabled', [bool(true)]),
      attributeAdd('displayName', [str('clash2')]),
      attributeAdd('userPrincipalName', [str(taken)]),
    ]);
    const first = await exportAll([[clash]]);
    expect(resultOf(first.results, clash).errorCode).toBe('ExportErrorConnectedDirectoryExistingObject');
    const file = JSON.parse(readFileSync(join(rig.stateDir, PLACEHOLDER_FILE), 'utf8'));
    expect(file.sending?.['cn=clash2']).toBeUndefined();
    const again = await exportAll([[{ ...clash, identifier: randomUUID() }]]);
    expect(again.results[0]!.errorCode).toBe('ExportErrorConnectedDirectoryExistingObject');
    expect(byUpn(taken)).toHaveLength(1);
  });
});

describe('run-stopping failures and permissions', () => {
  it('bad credentials stop the run at open with BadServerCredentials', async () => {
    const err = await ExportSession.open(
      rig.configFor({ secret: 'wrong' }),
      rig.schema,
      rig.attributes,
      { exportType: 'Delta', batchSize: 1 },
      rig.ctx,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).code).toBe('BadServerCredentials');
  });

  it('a missing permission is ExportErrorPermissionIssue', async () => {
    const clientId = randomUUID();
    rig.emu.registerApp({
      clientId,
      secrets: ['read-only-secret'],
      certificates: [],
      roles: ['User.Read.All', 'Group.Read.All'],
    });
    const config = rig.configFor({ clientId, secret: 'read-only-secret' });
    const u = seededUsers()[9]!;
    const s = await ExportSession.open(
      config,
      rig.schema,
      rig.attributes,
      { exportType: 'Delta', batchSize: 1 },
      rig.ctx,
    );
    const r = (await s.put([entry('user', 'Update', u.id, [attributeReplace('jobTitle', [str('x')])], u.id)]))
      .results[0]!;
    await s.close({ reason: 'Normal' });
    expect(r.errorCode).toBe('ExportErrorPermissionIssue');
    expect(r.errorDetail).toMatch(/request-id/);
  });

  it('keeps the placeholder map in the state folder', () => {
    expect(existsSync(join(rig.stateDir, PLACEHOLDER_FILE))).toBe(true);
  });
});
