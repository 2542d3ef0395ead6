import { randomUUID } from 'node:crypto';
import type { ConfigValues, CSEntryChange, CSEntryChangeResult, Schema } from '../../connector/model/ecma.js';
import { spawnEmulator } from './emulator-process.js';
import {
  connectorConfig,
  cpuMicros,
  dataFolder,
  detectSchema,
  EmuClient,
  log,
  round,
  Worker,
} from './rig.js';

/** MIM's batch size on the export run step (entries per putExportEntries call). */
export const EXPORT_BATCH_SIZE = 100;
/** Members added by one member-add entry (one group's members attribute, five value adds). */
const MEMBERS_PER_ADD = 5;
const DOMAIN = 'mimgraph.onmicrosoft.com';

/** The mix of one export: creates, attribute updates and member adds, 40 / 40 / 20. */
export interface ExportMix {
  creates: number;
  updates: number;
  memberAdds: number;
}

const mixOf = (n: number): ExportMix => ({ creates: n * 0.4, updates: n * 0.4, memberAdds: n * 0.2 });

/** The tenant an export works on: user ids to update and groups with users that are not yet members. */
export interface ExportTargets {
  users: string[];
  groups: { id: string; outsiders: string[] }[];
}

const str = (name: string, value: string) => ({
  name,
  modification: 'Add' as const,
  values: [{ modification: 'Add' as const, value: { type: 'String' as const, value } }],
});
const replace = (name: string, value: string) => ({
  name,
  modification: 'Replace' as const,
  values: [{ modification: 'Add' as const, value: { type: 'String' as const, value } }],
});

/** The CSEntryChanges MIM would export for the mix, `tag` keeping names unique across runs. */
export function exportEntries(
  mix: ExportMix,
  t: ExportTargets,
  tag: string,
  userFrom = 0,
  groupFrom = 0,
): CSEntryChange[] {
  const out: CSEntryChange[] = [];
  for (let i = 0; i < mix.creates; i++) {
    const nick = `bench.${tag}.${i}`;
    out.push({
      identifier: randomUUID(),
      objectType: 'user',
      modification: 'Add',
      dn: `CN=${nick},OU=bench`,
      anchors: [],
      attributes: [
        {
          name: 'accountEnabled',
          modification: 'Add',
          values: [{ modification: 'Add', value: { type: 'Boolean', value: true } }],
        },
        str('displayName', `Bench ${tag} ${i}`),
        str('mailNickname', nick),
        str('userPrincipalName', `${nick}@${DOMAIN}`),
        str('department', 'Benchmarks'),
        str('export_password', `Bench!${i}-Passw0rd`),
      ],
    });
  }
  for (let i = 0; i < mix.updates; i++) {
    const id = t.users[(userFrom + i) % t.users.length]!;
    out.push({
      identifier: randomUUID(),
      objectType: 'user',
      modification: 'Update',
      dn: id,
      anchors: [{ name: 'id', value: { type: 'String', value: id } }],
      attributes: [replace('jobTitle', `Title ${tag} ${i}`), replace('department', `Dept ${tag}`)],
    });
  }
  for (let i = 0; i < mix.memberAdds; i++) {
    const g = t.groups[groupFrom + i]!;
    out.push({
      identifier: randomUUID(),
      objectType: 'group',
      modification: 'Update',
      dn: g.id,
      anchors: [{ name: 'id', value: { type: 'String', value: g.id } }],
      attributes: [
        {
          name: 'members',
          modification: 'Update',
          values: g.outsiders.map((m) => ({
            modification: 'Add' as const,
            value: { type: 'Reference' as const, value: m },
          })),
        },
      ],
    });
  }
  return out;
}

export interface ExportRun {
  entries: number;
  seconds: number;
  errors: number;
  firstError?: string | undefined;
  cpuMicrosPerObject: number;
}

/** openExport, putExportEntries in MIM's batches, closeExport through the worker. */
export async function exportRun(
  worker: Worker,
  config: ConfigValues,
  schema: Schema,
  entries: CSEntryChange[],
): Promise<ExportRun> {
  const cpu0 = cpuMicros(worker.pid);
  const t0 = performance.now();
  const open = await worker.call<{ session: string }>('openExport', {
    config,
    schema,
    runStep: { exportType: 'Delta', batchSize: EXPORT_BATCH_SIZE },
  });
  let errors = 0;
  let firstError: string | undefined;
  for (let i = 0; i < entries.length; i += EXPORT_BATCH_SIZE) {
    const put = await worker.call<{ results: CSEntryChangeResult[] }>('putExportEntries', {
      session: open.session,
      entries: entries.slice(i, i + EXPORT_BATCH_SIZE),
    });
    for (const r of put.results) {
      if (r.errorCode !== 'Success') {
        errors++;
        firstError ??= `${r.errorCode}: ${r.errorDetail ?? ''}`;
      }
    }
  }
  await worker.call('closeExport', { session: open.session, runStep: { reason: 'Normal' } });
  const seconds = (performance.now() - t0) / 1000;
  return {
    entries: entries.length,
    seconds,
    errors,
    firstError,
    cpuMicrosPerObject: (cpuMicros(worker.pid) - cpu0) / entries.length,
  };
}

/** Users to update and, per group, users that are not its members yet (read at zero latency). */
export async function exportTargets(client: EmuClient, groupsNeeded: number): Promise<ExportTargets> {
  const users = await client.ids('users');
  const dump = await client.admin<{ id: string; members?: string[] }[]>('GET', 'objects?type=group');
  const groups: ExportTargets['groups'] = [];
  // Not the first group: it holds every user.
  for (const g of dump.slice(1)) {
    if (groups.length >= groupsNeeded) break;
    const members = new Set(g.members ?? []);
    const outsiders: string[] = [];
    for (let j = groups.length * 13; outsiders.length < MEMBERS_PER_ADD; j++) {
      const u = users[j % users.length]!;
      if (!members.has(u) && !outsiders.includes(u)) outsiders.push(u);
    }
    groups.push({ id: g.id, outsiders });
  }
  if (groups.length < groupsNeeded)
    throw new Error(`export: ${groupsNeeded} groups needed, ${groups.length} found`);
  return { users, groups };
}

/**
 * What Microsoft documents for its connector: each object one Graph request, a new access token
 * requested before each object, no $batch, one object at a time. Same emulator, same latency, same
 * mix; the token endpoint answers at once (the emulator adds latency to Graph calls only), which
 * flatters the baseline.
 */
export async function baselineRun(
  client: EmuClient,
  entries: CSEntryChange[],
): Promise<{ seconds: number; errors: number }> {
  const t0 = performance.now();
  let errors = 0;
  const value = (e: CSEntryChange, name: string) => {
    const v = e.attributes.find((a) => a.name === name)?.values[0]?.value.value;
    return v;
  };
  for (const e of entries) {
    const token = await client.newToken();
    try {
      if (e.modification === 'Add') {
        await client.graph(
          'POST',
          '/users',
          {
            accountEnabled: value(e, 'accountEnabled'),
            displayName: value(e, 'displayName'),
            mailNickname: value(e, 'mailNickname'),
            userPrincipalName: value(e, 'userPrincipalName'),
            department: value(e, 'department'),
            passwordProfile: { password: value(e, 'export_password'), forceChangePasswordNextSignIn: false },
          },
          token,
        );
      } else if (e.objectType === 'user') {
        await client.graph(
          'PATCH',
          `/users/${e.dn}`,
          { jobTitle: value(e, 'jobTitle'), department: value(e, 'department') },
          token,
        );
      } else {
        const members = e.attributes.find((a) => a.name === 'members')?.values ?? [];
        await client.graph(
          'PATCH',
          `/groups/${e.dn}`,
          {
            'members@odata.bind': members.map(
              (m) => `${client.emu.baseUrl}/v1.0/directoryObjects/${m.value.value}`,
            ),
          },
          token,
        );
      }
    } catch (err) {
      if (errors++ === 0) log(`export baseline: ${(err as Error).message}`);
    }
  }
  return { seconds: (performance.now() - t0) / 1000, errors };
}

export interface ExportResult {
  changes: number;
  mix: ExportMix;
  latencyMs: number;
  seconds: number;
  objectsPerSecond: number;
  errors: number;
  workerCpuMicrosPerObject: number;
  /** The baseline ran on a subset (same mix), extrapolated as objects/s. */
  baselineObjects: number;
  baselineSeconds: number;
  baselineObjectsPerSecond: number;
  baselineErrors: number;
  ratioVsBaseline: number;
}

/**
 * Export of `changes` entries (40 % user creates, 40 % user updates, 20 % groups with 5 member adds)
 * at 50 ms per Graph request through the worker (write budget pacing off: this measures the
 * connector, not the budget), against the baseline on a subset, both in this run.
 */
export async function benchExport(quick: boolean): Promise<ExportResult> {
  const changes = quick ? 1_000 : 10_000;
  const baselineObjects = quick ? 50 : 500;
  const latencyMs = 50;
  const mix = mixOf(changes);
  const bmix = mixOf(baselineObjects);
  const emu = await spawnEmulator([
    '--users',
    String(Math.max(2_000, mix.updates + bmix.updates)),
    '--groups',
    String(mix.memberAdds + bmix.memberAdds + 10),
    '--seed',
    '3',
  ]);
  const client = new EmuClient(emu);
  const worker = await Worker.start(dataFolder());
  try {
    const targets = await exportTargets(client, mix.memberAdds + bmix.memberAdds);
    const config = connectorConfig(emu);
    const schema = await detectSchema(worker, config);
    await client.setLatency(latencyMs);
    log(`export: ${changes} changes through the worker at ${latencyMs} ms per Graph request`);
    const run = await exportRun(worker, config, schema, exportEntries(mix, targets, 'm'));
    if (run.errors > 0) log(`export: ${run.errors} entries failed, first: ${run.firstError}`);
    log(`export: baseline, ${baselineObjects} objects one at a time with a token each`);
    // The baseline's updates and member adds touch other users and groups than the connector's.
    const base = await baselineRun(client, exportEntries(bmix, targets, 'b', mix.updates, mix.memberAdds));
    const ops = changes / run.seconds;
    const bops = baselineObjects / base.seconds;
    return {
      changes,
      mix,
      latencyMs,
      seconds: round(run.seconds, 2),
      objectsPerSecond: round(ops, 1),
      errors: run.errors,
      workerCpuMicrosPerObject: round(run.cpuMicrosPerObject),
      baselineObjects,
      baselineSeconds: round(base.seconds, 2),
      baselineObjectsPerSecond: round(bops, 2),
      baselineErrors: base.errors,
      ratioVsBaseline: round(ops / bops, 1),
    };
  } finally {
    await worker.stop();
    await client.close();
    await emu.stop();
  }
}
