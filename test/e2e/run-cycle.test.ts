import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILTER_PARAM, OBJECT_TYPE_PARAM, PARAM } from '../../connector/config/parse.js';
import { readMmsml } from '../../connector/dropfile/reader.js';
import type { ConfigValues, CSEntryChange, Schema, TypedValue } from '../../connector/model/ecma.js';
import { silentLogger } from '../../connector/runtime/log.js';
import { SCHEMA_CACHE_FILE } from '../../connector/schema/cache.js';
import { Dispatcher } from '../../connector/worker/dispatcher.js';
import { checkMessage } from '../../connector/worker/validate.js';
import type { DirObject } from '../../emulator/directory/store.js';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { sharedTls } from '../support/tls.js';

/**
 * The connector driven through its dispatcher in MIM's call order, against the emulator: every
 * message checked against schemas/bridge-protocol.schema.json on the way in and out.
 */
let emu: RunningEmulator;
let dispatcher: Dispatcher;
let config: ConfigValues;
let stateDir: string;

async function call(method: string, params: Record<string, unknown>): Promise<any> {
  expect(checkMessage(method, 'params', params)).toBeUndefined();
  const result = await dispatcher.dispatch(method, params, {
    signal: new AbortController().signal,
    onWait: () => {},
  });
  expect(checkMessage(method, 'result', result ?? {})).toBeUndefined();
  return result;
}

/** open → pages until moreToImport is false → close; returns the entries and the new watermark. */
async function importRun(
  schema: Schema,
  importType: 'Full' | 'Delta',
  customData: string | null,
  pageSize = 50,
) {
  const open = await call('openImport', { config, schema, runStep: { importType, pageSize, customData } });
  const entries: CSEntryChange[] = [];
  let page: any;
  let last = open.customData;
  do {
    page = await call('getImportPage', { session: open.session, runStep: { customData: last } });
    if (page.moreToImport) expect(page.entries.length).toBe(pageSize);
    expect(page.entries.length).toBeLessThanOrEqual(pageSize);
    entries.push(...page.entries);
    last = page.customData ?? last;
  } while (page.moreToImport);
  const close = await call('closeImport', {
    session: open.session,
    runStep: { reason: 'Normal', customData: last },
  });
  return { entries, watermark: close.customData as string | null };
}

const values = (e: CSEntryChange, name: string): TypedValue[] =>
  e.attributes.find((a) => a.name === name)?.values.map((v) => v.value) ?? [];
const one = (e: CSEntryChange, name: string) => values(e, name)[0]?.value;

function configFor(e: RunningEmulator, clientId: string, secret: string, caFile: string): ConfigValues {
  const v = (value: string, encrypted = false) => ({ value, encrypted });
  return {
    [PARAM.tenant]: v(e.tenantId),
    [PARAM.clientId]: v(clientId),
    [PARAM.authenticationType]: v('ClientSecret'),
    [PARAM.clientSecret]: v(secret, true),
    [PARAM.cloud]: v('custom'),
    [PARAM.loginEndpoint]: v(e.baseUrl),
    [PARAM.graphEndpoint]: v(e.baseUrl),
    [PARAM.caFile]: v(caFile),
    [PARAM.writeBudget]: v('off'),
    [OBJECT_TYPE_PARAM.user]: v('1'),
    [OBJECT_TYPE_PARAM.group]: v('1'),
    [OBJECT_TYPE_PARAM.contact]: v('1'),
  };
}

beforeAll(async () => {
  const clientId = randomUUID();
  const secret = randomBytes(24).toString('base64url');
  emu = await startEmulator({
    tls: sharedTls(),
    apps: [{ clientId, secrets: [secret], certificates: [], roles: 'all' }],
    generate: { users: 240, groups: 12, seed: 42 },
  });
  const dir = mkdtempSync(join(tmpdir(), 'mimgraph-e2e-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, emu.caCertPem);
  stateDir = join(dir, 'madata');
  config = configFor(emu, clientId, secret, caFile);
  dispatcher = new Dispatcher({ stateDir, log: silentLogger });
});

afterAll(async () => {
  await dispatcher?.shutdown();
  await emu?.close();
});

describe('MIM run cycle through the dispatcher', () => {
  let schema: Schema;
  let watermark: string | null = null;

  it('offers capabilities, parameter pages and a valid schema', async () => {
    const caps = await call('getCapabilities', { config });
    expect(caps).toMatchObject({
      distinguishedNameStyle: 'Generic',
      deltaImport: true,
      supportPassword: true,
    });
    const conn = await call('getConfigParameters', { config, page: 'Connectivity', pageNumber: 1 });
    expect(conn.parameters.map((p: { name: string }) => p.name)).toContain(PARAM.tenant);
    expect(await call('validateConfigParameters', { config, page: 'Connectivity', pageNumber: 1 })).toEqual({
      code: 'Success',
    });
    schema = await call('getSchema', { config });
    expect(schema.types.map((t) => t.name).sort()).toEqual(['contact', 'group', 'user']);
  });

  it('full import equals the emulator state object by object', async () => {
    const { entries, watermark: wm } = await importRun(schema, 'Full', null);
    watermark = wm;
    expect(watermark).toBeTruthy();
    const byId = new Map(entries.map((e) => [e.dn!, e]));
    const users = [...emu.context.store.all('user')];
    const groups = [...emu.context.store.all('group')];
    const contacts = [...emu.context.store.all('orgContact')];
    expect(entries.length).toBe(users.length + groups.length + contacts.length);
    for (const u of users) {
      const e = byId.get(u.id)!;
      expect(e.objectType).toBe('user');
      expect(e.modification).toBe('Add');
      expect(e.anchors).toEqual([{ name: 'id', value: { type: 'String', value: u.id } }]);
      expect(one(e, 'displayName')).toBe(u.props.displayName);
      expect(one(e, 'userPrincipalName')).toBe(u.props.userPrincipalName);
      expect(one(e, 'accountEnabled')).toBe(u.props.accountEnabled);
      expect(one(e, 'manager')).toBe(u.manager);
      expect(values(e, 'businessPhones').map((v) => v.value)).toEqual(u.props.businessPhones ?? []);
    }
    for (const g of groups) {
      const e = byId.get(g.id)!;
      expect(e.objectType).toBe('group');
      expect(one(e, 'mailNickname')).toBe(g.props.mailNickname);
      expect(new Set(values(e, 'members').map((v) => v.value))).toEqual(new Set(g.members));
    }
    for (const c of contacts) expect(one(byId.get(c.id)!, 'mail')).toBe(c.props.mail);
  });

  it('delta after random changes yields exactly those changes', async () => {
    const g = await graph();
    const users = [...emu.context.store.all('user')].filter((u) => u.props.userType === 'Member');
    const group = [...emu.context.store.all('group')][3]!;
    const renamed = users[5]!;
    const newMember = users.find((u) => !group.members!.has(u.id))!;
    const oldMember = [...group.members!][0]!;
    const managed = users[20]!;
    const softDeleted = users[30]!;
    const hardDeleted = users[31]!;
    // A permanently deleted user leaves its groups: they change too.
    const leftGroups = emu.context.store.groupsOf(hardDeleted.id);
    await g('PATCH', `/users/${renamed.id}`, { displayName: 'Renamed In Delta', jobTitle: null });
    await g('POST', `/groups/${group.id}/members/$ref`, {
      '@odata.id': `${emu.baseUrl}/v1.0/directoryObjects/${newMember.id}`,
    });
    await g('DELETE', `/groups/${group.id}/members/${oldMember}/$ref`);
    await g('PUT', `/users/${managed.id}/manager/$ref`, {
      '@odata.id': `${emu.baseUrl}/v1.0/users/${renamed.id}`,
    });
    await g('DELETE', `/users/${softDeleted.id}`);
    await g('DELETE', `/users/${hardDeleted.id}`);
    await g('DELETE', `/directory/deletedItems/${hardDeleted.id}`);

    const { entries, watermark: wm } = await importRun(schema, 'Delta', watermark);
    watermark = wm;
    const byId = new Map(entries.map((e) => [e.dn!, e]));
    const rename = byId.get(renamed.id)!;
    expect(rename.modification).toBe('Update');
    expect(rename.attributes.find((a) => a.name === 'displayName')).toMatchObject({
      modification: 'Replace',
      values: [{ modification: 'Add', value: { type: 'String', value: 'Renamed In Delta' } }],
    });
    const groupEntry = byId.get(group.id)!;
    const members = groupEntry.attributes.find((a) => a.name === 'members')!;
    expect(members.modification).toBe('Update');
    expect(members.values).toEqual(
      expect.arrayContaining([
        { modification: 'Add', value: { type: 'Reference', value: newMember.id } },
        { modification: 'Delete', value: { type: 'Reference', value: oldMember } },
      ]),
    );
    expect(byId.get(managed.id)?.attributes.find((a) => a.name === 'manager')?.values[0]?.value.value).toBe(
      renamed.id,
    );
    expect(byId.get(softDeleted.id)?.modification).toBe('Delete');
    expect(byId.get(hardDeleted.id)?.modification).toBe('Delete');
    // Nothing else changed.
    const expected = new Set([
      renamed.id,
      group.id,
      managed.id,
      softDeleted.id,
      hardDeleted.id,
      ...leftGroups,
    ]);
    for (const gid of leftGroups) {
      expect(byId.get(gid)?.attributes.find((a) => a.name === 'members')?.values).toContainEqual({
        modification: 'Delete',
        value: { type: 'Reference', value: hardDeleted.id },
      });
    }
    for (const e of entries)
      expect(expected.has(e.dn!), `unexpected change for ${e.objectType} ${e.dn}`).toBe(true);
  });

  it('exports adds, updates, deletes and membership changes', async () => {
    const users = [...emu.context.store.all('user')].filter((u) => u.props.userType === 'Member');
    const group = [...emu.context.store.all('group')][5]!;
    const target = users[40]!;
    const doomed = users[41]!;
    const add: CSEntryChange = {
      identifier: randomUUID(),
      objectType: 'user',
      modification: 'Add',
      dn: 'placeholder-new-user',
      anchors: [],
      attributes: [
        attr('accountEnabled', { type: 'Boolean', value: true }),
        attr('displayName', { type: 'String', value: 'Exported User' }),
        attr('mailNickname', { type: 'String', value: 'exported.user' }),
        attr('userPrincipalName', { type: 'String', value: 'exported.user@mimgraph.onmicrosoft.com' }),
        attr('export_password', { type: 'String', value: 'Export!Passw0rd' }),
      ],
    };
    const update: CSEntryChange = {
      identifier: randomUUID(),
      objectType: 'user',
      modification: 'Update',
      dn: target.id,
      anchors: [{ name: 'id', value: { type: 'String', value: target.id } }],
      attributes: [
        {
          name: 'jobTitle',
          modification: 'Replace',
          values: [{ modification: 'Add', value: { type: 'String', value: 'Exported title' } }],
        },
        { name: 'department', modification: 'Delete', values: [] },
      ],
    };
    const members: CSEntryChange = {
      identifier: randomUUID(),
      objectType: 'group',
      modification: 'Update',
      dn: group.id,
      anchors: [{ name: 'id', value: { type: 'String', value: group.id } }],
      attributes: [
        {
          name: 'members',
          modification: 'Update',
          values: [
            { modification: 'Add', value: { type: 'Reference', value: target.id } },
            ...[...group.members!].slice(0, 2).map((m) => ({
              modification: 'Delete' as const,
              value: { type: 'Reference' as const, value: m },
            })),
          ],
        },
      ],
    };
    const removed = [...group.members!].slice(0, 2);
    const del: CSEntryChange = {
      identifier: randomUUID(),
      objectType: 'user',
      modification: 'Delete',
      dn: doomed.id,
      anchors: [{ name: 'id', value: { type: 'String', value: doomed.id } }],
      attributes: [],
    };
    const open = await call('openExport', {
      config,
      schema,
      runStep: { exportType: 'Delta', batchSize: 100 },
    });
    const put = await call('putExportEntries', {
      session: open.session,
      entries: [add, update, members, del],
    });
    await call('closeExport', { session: open.session, runStep: { reason: 'Normal' } });
    expect(put.results).toHaveLength(4);
    for (const r of put.results) expect(r.errorCode, r.errorDetail).toBe('Success');
    const addResult = put.results.find((r: { identifier: string }) => r.identifier === add.identifier);
    const newId = addResult.anchors[0].values[0].value.value as string;
    const created = emu.context.store.active(newId)!;
    expect(created.props.userPrincipalName).toBe('exported.user@mimgraph.onmicrosoft.com');
    expect(target.props.jobTitle).toBe('Exported title');
    expect(target.props.department).toBeUndefined();
    expect(group.members!.has(target.id)).toBe(true);
    for (const m of removed) expect(group.members!.has(m)).toBe(false);
    expect(emu.context.store.get(doomed.id)?.state).toBe('soft');
  });

  it('resets a password', async () => {
    const user = [...emu.context.store.all('user')].filter((u) => u.props.userType === 'Member')[50]!;
    const open = await call('openPassword', { config });
    await call('setPassword', {
      session: open.session,
      target: { dn: user.id, objectType: 'user', anchor: user.id },
      password: 'N3w!Password',
      options: { forceChangeAtLogOn: true, unlockAccount: false, validatePassword: false },
    });
    await call('closePassword', { session: open.session });
    expect(
      (user.props.passwordProfile as { forceChangePasswordNextSignIn?: boolean })
        .forceChangePasswordNextSignIn,
    ).toBe(true);
  });

  it('a run in a new worker takes the schema kept in the MA data folder; a refresh and an attribute it lacks ask Graph', async () => {
    // MIM starts a worker per run: a fresh dispatcher over the same data folder.
    const saved = dispatcher;
    dispatcher = new Dispatcher({ stateDir, log: silentLogger });
    const graphRequestsDuring = async (fn: () => Promise<unknown>) => {
      const before = emu.context.counters.graphRequests;
      await fn();
      return emu.context.counters.graphRequests - before;
    };
    const openAndClose = async (s: Schema) => {
      const open = await call('openImport', {
        config,
        schema: s,
        runStep: { importType: 'Full', pageSize: 10, customData: null },
      });
      await call('closeImport', {
        session: open.session,
        runStep: { reason: 'TerminatedByUser', customData: null },
      });
    };
    try {
      expect(existsSync(join(stateDir, SCHEMA_CACHE_FILE))).toBe(true);
      // No $metadata, no extension property listing: opening the run asks Graph nothing.
      expect(await graphRequestsDuring(() => openAndClose(schema))).toBe(0);
      const user = schema.types.find((t) => t.name === 'user')!;
      const wider: Schema = {
        types: [
          {
            ...user,
            attributes: [
              ...user.attributes,
              {
                name: 'extension_added_since',
                dataType: 'String',
                multiValued: false,
                anchor: false,
                operation: 'ImportExport',
              },
            ],
          },
        ],
      };
      dispatcher = new Dispatcher({ stateDir, log: silentLogger });
      expect(await graphRequestsDuring(() => openAndClose(wider))).toBeGreaterThanOrEqual(2);
      // The designer's refresh always detects from Graph.
      dispatcher = new Dispatcher({ stateDir, log: silentLogger });
      expect(await graphRequestsDuring(() => call('getSchema', { config }))).toBeGreaterThanOrEqual(2);
    } finally {
      await dispatcher.shutdown();
      dispatcher = saved;
    }
  });

  it('filtered full import returns only objects in scope', async () => {
    const filtered: ConfigValues = {
      ...config,
      [PARAM.addObjectsFilter]: { value: '1' },
      [FILTER_PARAM.user]: { value: "userType eq 'Guest'" },
    };
    const saved = config;
    config = filtered;
    try {
      const { entries } = await importRun(schema, 'Full', null);
      const users = entries.filter((e) => e.objectType === 'user');
      const guests = [...emu.context.store.all('user')].filter(
        (u: DirObject) => u.props.userType === 'Guest',
      );
      expect(new Set(users.map((e) => e.dn))).toEqual(new Set(guests.map((u) => u.id)));
    } finally {
      config = saved;
    }
  });
});

describe('self-healing, scope and B2B through the dispatcher', () => {
  let schema: Schema;
  let watermark: string | null;
  const memberUsers = () => [...emu.context.store.all('user')].filter((u) => u.props.userType === 'Member');

  beforeAll(async () => {
    schema = await call('getSchema', { config });
    watermark = (await importRun(schema, 'Full', null)).watermark;
  });

  for (const form of [
    '400 syncStateNotFound',
    '410 syncStateNotFound',
    '410 resyncRequired + Location',
  ] as const) {
    it(`recovers from an expired delta link (${form}) with exactly the changes, never ahead of the watermark`, async () => {
      const g = await graph();
      const changed = memberUsers()[60 + form.length]!;
      await g('PATCH', `/users/${changed.id}`, { jobTitle: `Healed ${form}` });
      if (form === '410 resyncRequired + Location') emu.forceResync();
      else {
        emu.setBehaviour({ deltaMaxAgeSeconds: 60, deltaExpiredStatus: form.startsWith('410') ? 410 : 400 });
        emu.advanceClock(120);
      }
      try {
        // A run that fails (closed by the user after one page) must leave the watermark usable.
        const open = await call('openImport', {
          config,
          schema,
          runStep: { importType: 'Delta', pageSize: 10, customData: watermark },
        });
        await call('getImportPage', { session: open.session, runStep: { customData: watermark } });
        const aborted = await call('closeImport', {
          session: open.session,
          runStep: { reason: 'TerminatedByUser', customData: watermark },
        });
        expect(aborted.customData).toBe(watermark);
        const { entries, watermark: wm } = await importRun(schema, 'Delta', watermark);
        watermark = wm;
        expect(entries.map((e) => [e.dn, e.modification])).toEqual([[changed.id, 'Replace']]);
        expect(one(entries[0]!, 'jobTitle')).toBe(`Healed ${form}`);
      } finally {
        emu.setBehaviour({ deltaMaxAgeSeconds: 7 * 24 * 3600, deltaExpiredStatus: 400 });
      }
    });
  }

  it('filtered delta: objects entering scope are Adds, leaving scope Deletes', async () => {
    const saved = config;
    config = {
      ...config,
      [PARAM.addObjectsFilter]: { value: '1' },
      [FILTER_PARAM.user]: { value: "department eq 'Scoped'" },
    };
    try {
      const g = await graph();
      const [stays, leaves, enters] = memberUsers().slice(70, 73) as [DirObject, DirObject, DirObject];
      await g('PATCH', `/users/${stays.id}`, { department: 'Scoped' });
      await g('PATCH', `/users/${leaves.id}`, { department: 'Scoped' });
      const full = await importRun(schema, 'Full', null);
      expect(new Set(full.entries.filter((e) => e.objectType === 'user').map((e) => e.dn))).toEqual(
        new Set([stays.id, leaves.id]),
      );
      await g('PATCH', `/users/${leaves.id}`, { department: 'Elsewhere' });
      await g('PATCH', `/users/${enters.id}`, { department: 'Scoped' });
      await g('PATCH', `/users/${stays.id}`, { jobTitle: 'Still scoped' });
      const { entries } = await importRun(schema, 'Delta', full.watermark);
      const users = new Map(entries.filter((e) => e.objectType === 'user').map((e) => [e.dn, e]));
      expect(users.get(enters.id)?.modification).toBe('Add');
      expect(one(users.get(enters.id)!, 'displayName')).toBe(enters.props.displayName);
      expect(users.get(leaves.id)?.modification).toBe('Delete');
      expect(users.get(stays.id)?.modification).toBe('Update');
      expect(users.size).toBe(3);
    } finally {
      config = saved;
    }
  });

  it('writes the run step drop file (mmsml) into the MA data folder', async () => {
    const saved = config;
    config = { ...config, [PARAM.runStepDropFile]: { value: 'full-import.xml' } };
    try {
      const { entries } = await importRun(schema, 'Full', null);
      const read: CSEntryChange[] = [];
      for await (const e of readMmsml(join(stateDir, 'full-import.xml'))) read.push(e);
      expect(read.map((e) => [e.objectType, e.dn, e.modification])).toEqual(
        entries.map((e) => [e.objectType, e.dn, e.modification]),
      );
      const user = entries.find((e) => e.objectType === 'user')!;
      const back = read.find((e) => e.dn === user.dn)!;
      expect(back.attributes.find((a) => a.name === 'displayName')?.values).toEqual(
        user.attributes.find((a) => a.name === 'displayName')?.values,
      );
    } finally {
      config = saved;
    }
  });

  it('exports a B2B guest: a user with mail and no userPrincipalName is invited', async () => {
    const saved = config;
    config = { ...config, [PARAM.invitationRedirectUrl]: { value: 'https://myapps.microsoft.com' } };
    try {
      const add: CSEntryChange = {
        identifier: randomUUID(),
        objectType: 'user',
        modification: 'Add',
        dn: 'guest-placeholder',
        anchors: [],
        attributes: [
          attr('mail', { type: 'String', value: 'kerberos.partner@fabrikam.example' }),
          attr('displayName', { type: 'String', value: 'Kerberos Partner' }),
          attr('accountEnabled', { type: 'Boolean', value: true }),
        ],
      };
      const open = await call('openExport', {
        config,
        schema,
        runStep: { exportType: 'Delta', batchSize: 10 },
      });
      const put = await call('putExportEntries', { session: open.session, entries: [add] });
      await call('closeExport', { session: open.session, runStep: { reason: 'Normal' } });
      expect(put.results[0].errorCode, put.results[0].errorDetail).toBe('Success');
      const guest = emu.context.store.active(put.results[0].anchors[0].values[0].value.value)!;
      expect(guest.props).toMatchObject({
        userType: 'Guest',
        creationType: 'Invitation',
        mail: 'kerberos.partner@fabrikam.example',
      });
      expect(String(guest.props.userPrincipalName)).toContain('#EXT#');
    } finally {
      config = saved;
    }
  });
});

function attr(name: string, value: TypedValue) {
  return { name, modification: 'Add' as const, values: [{ modification: 'Add' as const, value }] };
}

/** Changes made "in Entra" between runs: straight Graph calls with a token of the same app. */
async function graph() {
  const { GraphClient } = await import('../../connector/graph/client.js');
  const { resolveCloud } = await import('../../connector/graph/clouds.js');
  const client = new GraphClient({
    cloud: resolveCloud('custom', { loginEndpoint: emu.baseUrl, graphEndpoint: emu.baseUrl }),
    tenantId: emu.tenantId,
    clientId: config[PARAM.clientId]!.value,
    credential: { kind: 'secret', secret: config[PARAM.clientSecret]!.value },
    http: { caFile: config[PARAM.caFile]!.value },
    writeBudget: false,
  });
  return async (method: string, path: string, body?: unknown) => {
    await client.request(method, path, body === undefined ? {} : { body });
  };
}
