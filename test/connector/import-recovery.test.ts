import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWatermark } from '../../connector/import/watermark.js';
import type { CSEntryChange } from '../../connector/model/ecma.js';
import { createLogger } from '../../connector/runtime/log.js';
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

let rig: ConnectorRig;

beforeAll(async () => {
  rig = await startConnectorRig({ generate: { users: 40, groups: 5, seed: 3 } });
});
afterAll(async () => {
  await rig?.close();
});

const odataId = (id: string) => ({ '@odata.id': `${rig.emu.baseUrl}/v1.0/directoryObjects/${id}` });
const summary = (entries: readonly CSEntryChange[]) => entries.map((e) => `${e.modification}:${e.dn}`).sort();

function expectSpaceMatches(space: ConnectorSpace) {
  expect(plainSpace(comparable(rig, space))).toEqual(plainSpace(expectedSpace(rig, TYPES)));
}

/** A few changes of each kind; returns the summary of the entries recovery must emit. */
async function change(round: number): Promise<string[]> {
  const store = rig.emu.context.store;
  const users = [...store.all('user')];
  const groups = [...store.all('group')];
  const g = rig.graph;
  const patched = users[5 + round]!;
  await g.request('PATCH', `/users/${patched.id}`, { body: { jobTitle: `Recovered ${round}` } });
  const grp = groups[2]!;
  const newMember = users.find((u) => !grp.members!.has(u.id))!;
  await g.request('POST', `/groups/${grp.id}/members/$ref`, { body: odataId(newMember.id) });
  const gone = users[20 + round]!;
  const memberOf = store.groupsOf(gone.id);
  await g.request('DELETE', `/users/${gone.id}`);
  await g.request('DELETE', `/directory/deletedItems/${gone.id}`);
  const reports = users.filter((u) => u.manager === gone.id).map((u) => u.id);
  const created = await g.request<{ id: string }>('POST', '/users', {
    body: {
      accountEnabled: true,
      displayName: `Recovery ${round}`,
      mailNickname: `recovery${round}`,
      userPrincipalName: `recovery${round}@${store.primaryDomain}`,
      passwordProfile: { forceChangePasswordNextSignIn: true, password: 'Str0ng!Passw0rd' },
    },
  });
  const replaced = new Set([patched.id, grp.id, ...memberOf, ...reports]);
  replaced.delete(gone.id);
  return [
    ...[...replaced].map((id) => `Replace:${id}`),
    `Delete:${gone.id}`,
    `Add:${created.body.id}`,
  ].sort();
}

describe('expired delta links', () => {
  const space = new ConnectorSpace();
  let ctx: ReturnType<ConnectorRig['context']>;
  let watermark: string | null;
  const warnings: string[] = [];

  beforeAll(async () => {
    const log = createLogger('warn', (line) => warnings.push(JSON.parse(line).msg));
    ctx = rig.context({ log });
    const full = await runImport(rig, { importType: 'Full', ctx });
    space.applyFull(full.entries);
    watermark = full.customData;
  });

  const cases: [string, () => void, () => void][] = [
    [
      '400 syncStateNotFound',
      () => {
        rig.emu.setBehaviour({ deltaMaxAgeSeconds: 1, deltaExpiredStatus: 400 });
        rig.emu.advanceClock(10);
      },
      () => rig.emu.setBehaviour({ deltaMaxAgeSeconds: 7 * 24 * 3600 }),
    ],
    [
      '410 syncStateNotFound',
      () => {
        rig.emu.setBehaviour({ deltaMaxAgeSeconds: 1, deltaExpiredStatus: 410 });
        rig.emu.advanceClock(10);
      },
      () => rig.emu.setBehaviour({ deltaMaxAgeSeconds: 7 * 24 * 3600, deltaExpiredStatus: 400 }),
    ],
    ['410 resyncRequired with Location', () => rig.emu.forceResync(), () => {}],
  ];

  cases.forEach(([name, expire, restore], round) => {
    it(`recovers from ${name}, emitting exactly the changes since the watermark`, async () => {
      // A normal delta first: the fingerprints it updates must match what recovery computes later.
      const store = rig.emu.context.store;
      const users = [...store.all('user')];
      const grp = [...store.all('group')][1]!;
      await rig.graph.request('PATCH', `/users/${users[1 + round]!.id}`, {
        body: { department: `Dept ${round}`, businessPhones: [], city: null },
      });
      await rig.graph.request('DELETE', `/groups/${grp.id}/members/${[...grp.members!][0]}/$ref`);
      await rig.graph.request('PUT', `/users/${users[30 + round]!.id}/manager/$ref`, {
        body: odataId(users[0]!.id),
      });
      const normal = await runImport(rig, { importType: 'Delta', customData: watermark, ctx });
      expect(normal.entries.length).toBe(3);
      for (const e of normal.entries) space.apply(e);
      watermark = normal.customData;

      const expected = await change(round);
      expire();
      try {
        warnings.length = 0;
        // A run that MIM stops keeps neither state nor watermark.
        const stopped = await runImport(rig, {
          importType: 'Delta',
          customData: watermark,
          ctx,
          closeReason: 'TerminatedByUser',
        });
        expect(summary(stopped.entries)).toEqual(expected);
        expect(stopped.customData).toBe(watermark);
        expect(warnings.some((w) => w.includes('no longer valid'))).toBe(true);
        const run = await runImport(rig, { importType: 'Delta', customData: watermark, ctx, pageSize: 4 });
        expect(summary(run.entries)).toEqual(expected);
        for (const e of run.entries) {
          if (e.modification === 'Replace')
            expect(e.attributes.every((a) => a.modification === 'Add')).toBe(true);
        }
        for (const e of run.entries) space.apply(e);
        expectSpaceMatches(space);
        watermark = run.customData;
      } finally {
        restore();
      }
      // The new links work.
      const after = await runImport(rig, { importType: 'Delta', customData: watermark, ctx });
      expect(after.entries).toEqual([]);
      watermark = after.customData;
    });
  });

  it('without state, recovery replaces every object and warns', async () => {
    const log = createLogger('warn', (line) => warnings.push(JSON.parse(line).msg));
    const stateless = rig.context({ stateDir: undefined, log });
    const full = await runImport(rig, { importType: 'Full', ctx: stateless });
    expect(parseWatermark(full.customData)!.sid).toBeUndefined();
    rig.emu.forceResync();
    warnings.length = 0;
    const run = await runImport(rig, { importType: 'Delta', customData: full.customData, ctx: stateless });
    expect(run.entries.length).toBe(expectedSpace(rig, TYPES).size);
    expect(run.entries.every((e) => e.modification === 'Replace')).toBe(true);
    expect(warnings.some((w) => w.includes('without import state'))).toBe(true);
    expect(warnings.some((w) => w.includes('no state folder'))).toBe(true);
  });
});

describe('state generations', () => {
  it('a full import whose watermark MIM did not keep leaves the previous generation usable', async () => {
    const ctx = rig.context();
    const first = await runImport(rig, { importType: 'Full', ctx });
    // A second full import closes Normal, but MIM keeps the first watermark (discovery errors).
    await runImport(rig, { importType: 'Full', ctx, customData: first.customData });
    const user = [...rig.emu.context.store.all('user')][2]!;
    await rig.graph.request('PATCH', `/users/${user.id}`, { body: { jobTitle: 'After the lost full' } });
    rig.emu.forceResync();
    const run = await runImport(rig, { importType: 'Delta', customData: first.customData, ctx });
    // Self-healing worked from generation 1: only the changed user.
    expect(summary(run.entries)).toEqual([`Replace:${user.id}`]);
  });
});
