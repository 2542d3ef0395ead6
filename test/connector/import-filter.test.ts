import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWatermark } from '../../connector/import/watermark.js';
import type { ConnectorError, CSEntryChange } from '../../connector/model/ecma.js';
import type { DirObject } from '../../emulator/directory/store.js';
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
const FILTER = "department eq 'Sales'";

let rig: ConnectorRig;

beforeAll(async () => {
  rig = await startConnectorRig({ generate: { users: 60, groups: 5, seed: 5 } });
});
afterAll(async () => {
  await rig?.close();
});

const inScope = (t: string, o: DirObject) =>
  t !== 'user' || String(o.props.department).toLowerCase() === 'sales';
const summary = (entries: readonly CSEntryChange[]) => entries.map((e) => `${e.modification}:${e.dn}`).sort();

describe('object filters', () => {
  const space = new ConnectorSpace();
  const config = () => rig.config({ filters: { user: FILTER } });
  let ctx: ReturnType<ConnectorRig['context']>;
  let watermark: string | null;

  function expectSpaceMatches() {
    expect(plainSpace(comparable(rig, space))).toEqual(plainSpace(expectedSpace(rig, TYPES, inScope)));
  }

  it('a filtered full import reads the list with $filter and each object’s relations', async () => {
    ctx = rig.context();
    const run = await runImport(rig, { importType: 'Full', ctx, config: config(), pageSize: 10 });
    const users = run.entries.filter((e) => e.objectType === 'user');
    expect(users.length).toBeGreaterThan(0);
    expect(users.length).toBeLessThan([...rig.emu.context.store.all('user')].length);
    space.applyFull(run.entries);
    expectSpaceMatches();
    const w = parseWatermark(run.customData)!;
    expect(w.filters?.user).toMatch(/^[0-9a-f]{16}$/);
    expect(w.filters?.group).toBeUndefined();
    watermark = run.customData;
  });

  it('a filtered delta import turns objects entering scope into Add and leaving it into Delete', async () => {
    const store = rig.emu.context.store;
    const users = [...store.all('user')];
    const inside = users.filter((u) => inScope('user', u) && u.props.userType === 'Member');
    const outside = users.filter((u) => !inScope('user', u) && u.props.userType === 'Member');
    const g = rig.graph;
    const [enter, stayOut, gone] = outside;
    const [leave, stay, deleted] = inside;
    await g.request('PATCH', `/users/${enter!.id}`, { body: { department: 'sales' } });
    await g.request('PATCH', `/users/${stayOut!.id}`, { body: { jobTitle: 'Still outside' } });
    await g.request('PATCH', `/users/${leave!.id}`, { body: { department: 'Finance' } });
    await g.request('PATCH', `/users/${stay!.id}`, {
      body: { jobTitle: 'Still inside', department: 'Sales' },
    });
    await g.request('DELETE', `/users/${deleted!.id}`);
    await g.request('DELETE', `/users/${gone!.id}`);
    const run = await runImport(rig, { importType: 'Delta', customData: watermark, ctx, config: config() });
    expect(summary(run.entries)).toEqual(
      [`Add:${enter!.id}`, `Delete:${leave!.id}`, `Update:${stay!.id}`, `Delete:${deleted!.id}`].sort(),
    );
    const added = run.entries.find((e) => e.dn === enter!.id)!;
    expect(added.attributes.find((a) => a.name === 'displayName')?.values[0]?.value.value).toBe(
      enter!.props.displayName,
    );
    expect(run.entries.find((e) => e.dn === stay!.id)!.attributes.map((a) => a.name)).toEqual(['jobTitle']);
    for (const e of run.entries) space.apply(e);
    expectSpaceMatches();
    watermark = run.customData;
  });

  it('refuses a delta import after the filter changed', async () => {
    const err = (await runImport(rig, {
      importType: 'Delta',
      customData: watermark,
      ctx,
      config: rig.config({ filters: { user: "department eq 'Finance'" } }),
    }).catch((e) => e)) as ConnectorError;
    expect(err.code).toBe('WarningNoWatermark');
    expect(err.message).toContain('filter of user changed');
  });

  it('recovers a filtered type from an expired link', async () => {
    const store = rig.emu.context.store;
    const outside = [...store.all('user')].find((u) => !inScope('user', u) && u.props.userType === 'Member')!;
    await rig.graph.request('PATCH', `/users/${outside.id}`, { body: { department: 'Sales' } });
    rig.emu.forceResync();
    const run = await runImport(rig, { importType: 'Delta', customData: watermark, ctx, config: config() });
    expect(summary(run.entries)).toEqual([`Add:${outside.id}`]);
    for (const e of run.entries) space.apply(e);
    expectSpaceMatches();
  });
});

describe('large groups', () => {
  it('a group whose members span many delta pages is one entry with all its members', async () => {
    const big = await startConnectorRig({
      generate: { users: 400, groups: 3, seed: 9 },
      behaviour: { deltaMembersPerPage: 50 },
    });
    try {
      const ctx = big.context();
      const run = await runImport(big, { importType: 'Full', ctx, pageSize: 100 });
      const groups = run.entries.filter((e) => e.objectType === 'group');
      expect(groups).toHaveLength(3);
      const allStaff = [...big.emu.context.store.all('group')][0]!;
      const entry = groups.find((e) => e.dn === allStaff.id)!;
      const members = entry.attributes.find((a) => a.name === 'members')!.values.map((v) => v.value.value);
      expect(members).toHaveLength(400);
      expect(new Set(members)).toEqual(new Set(allStaff.members));
      expect(run.pageSizes.slice(0, -1).every((n) => n === 100)).toBe(true);
      // Member changes of a large group arrive in slices too; one Update carries them all.
      const users = [...big.emu.context.store.all('user')];
      const grp = [...big.emu.context.store.all('group')][1]!;
      const add = users.filter((u) => !grp.members!.has(u.id)).slice(0, 120);
      for (let i = 0; i < add.length; i += 20) {
        await big.graph.request('PATCH', `/groups/${grp.id}`, {
          body: {
            'members@odata.bind': add
              .slice(i, i + 20)
              .map((u) => `${big.emu.baseUrl}/v1.0/directoryObjects/${u.id}`),
          },
        });
      }
      const delta = await runImport(big, { importType: 'Delta', customData: run.customData, ctx });
      expect(delta.entries).toHaveLength(1);
      expect(delta.entries[0]!.attributes[0]!.values).toHaveLength(120);
      expect(delta.entries[0]!.attributes[0]!.modification).toBe('Update');
    } finally {
      await big.close();
    }
  });
});
