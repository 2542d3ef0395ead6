import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ImportSession } from '../../connector/import/session.js';
import { STATE_FILE } from '../../connector/import/state.js';
import { parseWatermark } from '../../connector/import/watermark.js';
import { ConnectorError, type CSEntryChange } from '../../connector/model/ecma.js';
import { Prng } from '../../emulator/util/prng.js';
import {
  type ConnectorRig,
  ConnectorSpace,
  comparable,
  expectedSpace,
  plainSpace,
  runImport,
  startConnectorRig,
} from '../support/connector.js';

const TYPES = ['user', 'group', 'contact'] as const;
const PASSWORD = 'Str0ng!Passw0rd';

let rig: ConnectorRig;

beforeAll(async () => {
  rig = await startConnectorRig({ generate: { users: 60, groups: 8, seed: 7 } });
});
afterAll(async () => {
  await rig?.close();
});

const byId = (entries: readonly CSEntryChange[]) => new Map(entries.map((e) => [e.dn!, e]));
const odataId = (id: string) => ({ '@odata.id': `${rig.emu.baseUrl}/v1.0/directoryObjects/${id}` });

function expectSpaceMatches(space: ConnectorSpace) {
  expect(plainSpace(comparable(rig, space))).toEqual(plainSpace(expectedSpace(rig, TYPES)));
}

describe('full and delta import', () => {
  const space = new ConnectorSpace();
  let ctx: ReturnType<ConnectorRig['context']>;
  let watermark: string | null = null;

  it('a full import equals the emulator, in pages of exactly pageSize', async () => {
    ctx = rig.context();
    const run = await runImport(rig, { importType: 'Full', pageSize: 7, ctx });
    const total = run.entries.length;
    expect(total).toBe(expectedSpace(rig, TYPES).size);
    expect(run.pageSizes.slice(0, -1).every((n) => n === 7)).toBe(true);
    expect(run.pageSizes.at(-1)).toBe(total % 7 || 7);
    for (const e of run.entries) {
      expect(e.modification).toBe('Add');
      expect(e.anchors).toEqual([{ name: 'id', value: { type: 'String', value: e.dn } }]);
      expect(e.errorCodeImport).toBeUndefined();
      for (const a of e.attributes) expect(a.modification).toBe('Add');
    }
    space.applyFull(run.entries);
    expectSpaceMatches(space);
    // Spot checks of the value typing.
    const store = rig.emu.context.store;
    const user = [...store.all('user')].find((u) => u.props.userType === 'Member' && u.manager)!;
    const e = byId(run.entries).get(user.id)!;
    const attr = (n: string) => e.attributes.find((a) => a.name === n)?.values.map((v) => v.value);
    expect(attr('manager')).toEqual([{ type: 'Reference', value: user.manager }]);
    expect(attr('accountEnabled')).toEqual([{ type: 'Boolean', value: user.props.accountEnabled }]);
    expect(attr('createdDateTime')?.[0]?.value).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    expect(attr('onPremisesExtensionAttributes.extensionAttribute1')).toEqual([
      {
        type: 'String',
        value: (user.props.onPremisesExtensionAttributes as Record<string, string>).extensionAttribute1,
      },
    ]);
    const badge = Object.keys(user.props).find((k) => k.endsWith('_badgeCode'));
    if (badge) expect(attr(badge)).toEqual([{ type: 'Integer', value: String(user.props[badge]) }]);
    const allStaff = [...store.all('group')][0]!;
    expect(
      byId(run.entries)
        .get(allStaff.id)!
        .attributes.find((a) => a.name === 'members')?.values,
    ).toHaveLength(allStaff.members!.size);

    const w = parseWatermark(run.customData)!;
    expect(Object.keys(w.links).sort()).toEqual(['contact', 'group', 'user']);
    expect(w.gen).toBeGreaterThan(0);
    expect(existsSync(join(ctx.stateDir!, STATE_FILE))).toBe(true);
    // The rows spooled during the import went into the state file and their files are gone.
    expect(readdirSync(ctx.stateDir!)).toEqual([STATE_FILE]);
    watermark = run.customData;
  });

  it('a delta import without changes is empty and moves the watermark on', async () => {
    const run = await runImport(rig, { importType: 'Delta', customData: watermark, ctx });
    expect(run.entries).toEqual([]);
    expect(run.pageSizes).toEqual([0]);
    expect(parseWatermark(run.customData)!.gen).toBeGreaterThan(parseWatermark(watermark)!.gen);
    watermark = run.customData;
  });

  it('a delta import after random changes made through Graph yields exactly those changes', async () => {
    const store = rig.emu.context.store;
    const rng = new Prng(11);
    const users = () => [...store.all('user')];
    const groups = () => [...store.all('group')];
    const pick = <T>(list: T[]) => list[rng.int(list.length)]!;
    const touched = new Set<string>();
    const deleted = new Set<string>();
    const g = rig.graph;
    // Fixed kinds, random targets: every kind of change appears at least once.
    for (let i = 0; i < 4; i++) {
      const u = pick(users().filter((x) => !touched.has(x.id)));
      touched.add(u.id);
      await g.request('PATCH', `/users/${u.id}`, {
        body: { displayName: `Renamed ${i}`, jobTitle: null, businessPhones: [`+1 555 99${i}`] },
      });
    }
    for (let i = 0; i < 3; i++) {
      const grp = pick(groups().slice(1));
      const u = pick(users().filter((x) => !grp.members!.has(x.id)));
      await g.request('POST', `/groups/${grp.id}/members/$ref`, { body: odataId(u.id) });
      const gone = pick([...grp.members!].filter((m) => m !== u.id));
      await g.request('DELETE', `/groups/${grp.id}/members/${gone}/$ref`);
      touched.add(grp.id);
    }
    const withManager = users().filter((x) => x.manager && !touched.has(x.id));
    const m1 = pick(withManager);
    await g.request('DELETE', `/users/${m1.id}/manager/$ref`);
    const m2 = pick(
      users().filter((x) => x.id !== m1.id && x.props.userType === 'Member' && !touched.has(x.id)),
    );
    await g.request('PUT', `/users/${m2.id}/manager/$ref`, { body: odataId(pick(users().slice(0, 5)).id) });
    touched.add(m1.id).add(m2.id);
    const soft = pick(users().filter((x) => !touched.has(x.id)));
    await g.request('DELETE', `/users/${soft.id}`);
    deleted.add(soft.id);
    const hard = pick(users().filter((x) => !touched.has(x.id) && !deleted.has(x.id)));
    await g.request('DELETE', `/users/${hard.id}`);
    await g.request('DELETE', `/directory/deletedItems/${hard.id}`);
    deleted.add(hard.id);
    const created = await g.request<{ id: string }>('POST', '/users', {
      body: {
        accountEnabled: true,
        displayName: 'New Person',
        mailNickname: 'new.person',
        userPrincipalName: `new.person@${store.primaryDomain}`,
        department: 'Research',
        passwordProfile: { forceChangePasswordNextSignIn: true, password: PASSWORD },
      },
    });

    const run = await runImport(rig, { importType: 'Delta', customData: watermark, ctx, pageSize: 3 });
    const entries = byId(run.entries);
    expect(run.entries).toHaveLength(entries.size); // one entry per object
    expect(entries.get(created.body.id)?.modification).toBe('Add');
    for (const id of deleted) {
      expect(entries.get(id)?.modification).toBe('Delete');
      expect(entries.get(id)?.attributes).toEqual([]);
    }
    for (const id of touched) expect(entries.get(id)?.modification, id).toBe('Update');
    // A hard-deleted member leaves its groups: those show as value deletes.
    const expectedIds = new Set([...touched, ...deleted, created.body.id]);
    for (const e of run.entries) {
      if (!expectedIds.has(e.dn!)) {
        expect(e.objectType).toBe('group');
        expect(e.attributes.map((a) => a.name)).toEqual(['members']);
      }
    }
    const renamed = run.entries.find((e) =>
      e.attributes.some((a) => a.name === 'displayName' && a.modification === 'Replace'),
    )!;
    const names = renamed.attributes.map((a) => `${a.name}:${a.modification}`);
    expect(names).toContain('businessPhones:Replace');
    const jobTitle = renamed.attributes.find((a) => a.name === 'jobTitle');
    if (jobTitle) expect(jobTitle.modification).toBe('Delete');
    expect(entries.get(m1.id)?.attributes).toEqual([{ name: 'manager', modification: 'Delete', values: [] }]);
    expect(entries.get(m2.id)?.attributes.map((a) => `${a.name}:${a.modification}`)).toEqual([
      'manager:Replace',
    ]);
    for (const e of run.entries) space.apply(e);
    expectSpaceMatches(space);
    watermark = run.customData;
  });

  it('refuses a delta import without a usable watermark', async () => {
    for (const bad of [
      null,
      '',
      'garbage',
      '{"v":2,"gen":1,"links":{}}',
      '{"v":1,"gen":1,"links":{"user":5}}',
    ]) {
      const err = await runImport(rig, { importType: 'Delta', customData: bad, ctx }).catch((e) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as ConnectorError).code).toBe('WarningNoWatermark');
    }
    const noGroups = JSON.stringify({
      ...JSON.parse(watermark!),
      links: { user: parseWatermark(watermark)!.links.user },
    });
    const err = await runImport(rig, { importType: 'Delta', customData: noGroups, ctx }).catch((e) => e);
    expect((err as ConnectorError).code).toBe('WarningNoWatermark');
  });

  it('state file: a failed run does not move the state ahead of the watermark', async () => {
    const before = readFileSync(join(ctx.stateDir!, STATE_FILE), 'utf8');
    await rig.graph.request('PATCH', `/users/${[...rig.emu.context.store.all('user')][3]!.id}`, {
      body: { department: 'Failed run' },
    });
    const aborted = await runImport(rig, {
      importType: 'Delta',
      customData: watermark,
      ctx,
      closeReason: 'TerminatedByUser',
    });
    expect(aborted.customData).toBe(watermark);
    expect(readFileSync(join(ctx.stateDir!, STATE_FILE), 'utf8')).toBe(before);
    // MIM kept the old watermark: the next run repeats the change.
    const again = await runImport(rig, { importType: 'Delta', customData: watermark, ctx });
    expect(again.entries).toHaveLength(1);
    for (const e of again.entries) space.apply(e);
    expectSpaceMatches(space);
    // A Normal close whose watermark MIM did not keep: the run after it starts from the older one.
    const lost = await runImport(rig, { importType: 'Delta', customData: watermark, ctx });
    expect(lost.entries).toHaveLength(1);
    expect(lost.entries[0]!.modification).toBe('Update');
    watermark = again.customData;
    const next = await runImport(rig, { importType: 'Delta', customData: watermark, ctx });
    expect(next.entries).toEqual([]);
    watermark = next.customData;
  });
});

describe('failures', () => {
  it('a value that cannot be converted fails that object alone', async () => {
    const wrong = {
      get: (t: Parameters<ConnectorRig['attributes']['get']>[0], n: string) => {
        const a = rig.attributes.get(t, n);
        return a && n === 'displayName' && t === 'user' ? { ...a, dataType: 'Boolean' as const } : a;
      },
      forType: rig.attributes.forType,
    };
    const { ImportSession } = await import('../../connector/import/session.js');
    const { session } = await ImportSession.open(
      rig.config({ objectTypes: ['user', 'group'] }),
      rig.schema(['user', 'group']),
      wrong,
      { importType: 'Full', pageSize: 1000 },
      rig.context(),
    );
    const page = await session.getPage({});
    await session.close({ reason: 'Normal' });
    const users = page.entries.filter((e) => e.objectType === 'user');
    expect(users.length).toBeGreaterThan(0);
    for (const e of users) {
      expect(e.errorCodeImport).toBe('ImportErrorCustomContinueRun');
      expect(e.errorName).toBe('ConversionError');
      expect(e.errorDetail).toContain('displayName');
    }
    expect(page.entries.filter((e) => e.objectType === 'group' && !e.errorCodeImport).length).toBeGreaterThan(
      0,
    );
  });

  it('refused credentials stop the run with BadServerCredentials', async () => {
    const { ImportSession } = await import('../../connector/import/session.js');
    rig.emu.rejectAllTokens(true);
    try {
      const { session } = await ImportSession.open(
        rig.config(),
        rig.schema(),
        rig.attributes,
        { importType: 'Full', pageSize: 10 },
        rig.context(),
      );
      const err = (await session.getPage({}).catch((e) => e)) as ConnectorError;
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err.code).toBe('BadServerCredentials');
      expect((await session.close({ reason: 'Unknown' })).customData).toBeNull();
    } finally {
      rig.emu.rejectAllTokens(false);
    }
  });

  it('an unreachable Graph stops the run with ServerDown', async () => {
    const { ImportSession } = await import('../../connector/import/session.js');
    const { session } = await ImportSession.open(
      rig.config({
        cloud: {
          ...rig.config().cloud,
          graphEndpoint: 'https://127.0.0.1:9',
          loginEndpoint: 'https://127.0.0.1:9',
        },
      }),
      rig.schema(),
      rig.attributes,
      { importType: 'Full', pageSize: 10 },
      rig.context(),
    );
    const err = (await session.getPage({}).catch((e) => e)) as ConnectorError;
    expect(err.code).toBe('ServerDown');
    await session.close({ reason: 'Unknown' });
  });
});

describe('read-ahead', () => {
  const open = (pageSize: number) =>
    ImportSession.open(
      rig.config({ objectTypes: ['user'] }),
      rig.schema(['user'], { user: ['displayName'] }),
      rig.attributes,
      { importType: 'Full', pageSize },
      rig.context(),
    );

  it('reads two MIM pages ahead from Graph while MIM works on the current one, and no further', async () => {
    const counters = rig.emu.context.counters;
    const behaviour = rig.emu.context.behaviour;
    const pageSizeBefore = behaviour.deltaPageSize;
    behaviour.deltaPageSize = 5; // 60 users: 12 Graph pages; a MIM page of 10 takes 2 of them
    try {
      const start = counters.graphRequests;
      const { session } = await open(10);
      const first = await session.getPage({});
      expect(first.entries).toHaveLength(10);
      // Without another call: Graph pages up to entry 31 (two more pages and one beyond them) are
      // read, plus the client's one-page prefetch, and no more.
      await vi.waitFor(() => expect(counters.graphRequests - start).toBe(8), { timeout: 5000 });
      await new Promise((r) => setTimeout(r, 200));
      expect(counters.graphRequests - start).toBe(8);
      const dns = first.entries.map((e) => e.dn);
      for (let more = first.moreToImport; more; ) {
        const page = await session.getPage({});
        if (page.moreToImport) expect(page.entries).toHaveLength(10);
        dns.push(...page.entries.map((e) => e.dn));
        more = page.moreToImport;
      }
      expect(new Set(dns).size).toBe(dns.length);
      expect(dns.length).toBe(expectedSpace(rig, ['user']).size);
      expect((await session.close({ reason: 'Normal' })).customData).toContain('"links"');
    } finally {
      behaviour.deltaPageSize = pageSizeBefore;
    }
  });

  it('a run closed early stops reading from Graph', async () => {
    const counters = rig.emu.context.counters;
    const behaviour = rig.emu.context.behaviour;
    const pageSizeBefore = behaviour.deltaPageSize;
    behaviour.deltaPageSize = 2;
    try {
      const ctx = rig.context();
      const { session } = await ImportSession.open(
        rig.config({ objectTypes: ['user'] }),
        rig.schema(['user'], { user: ['displayName'] }),
        rig.attributes,
        { importType: 'Full', pageSize: 10 },
        ctx,
      );
      await session.getPage({});
      expect(readdirSync(ctx.stateDir!).some((n) => n.startsWith('import-rows.'))).toBe(true);
      const closed = await session.close({ reason: 'TerminatedByUser' });
      // Nothing half-written is left: no state file, no spooled rows.
      expect(readdirSync(ctx.stateDir!)).toEqual([]);
      expect(closed.customData).toBeNull();
      const after = counters.graphRequests;
      await new Promise((r) => setTimeout(r, 300));
      expect(counters.graphRequests).toBe(after);
      await expect(session.getPage({})).rejects.toThrow(/closed/);
    } finally {
      behaviour.deltaPageSize = pageSizeBefore;
    }
  });
});
