import type { ImportFixture } from './import.js';
import { IMPORT_PAGE_SIZE } from './import.js';
import { importRun, log, round, Worker } from './rig.js';

export interface DeltaResult {
  /** Changes made in the tenant between the full and the delta import. */
  changes: number;
  /** Objects in the tenant the delta runs over. */
  objects: number;
  latencyMs: number;
  /** Wall time of the delta run as MIM sees it: worker start, openImport (schema detection, token) … closeImport. */
  seconds: number;
  /** Entries the delta import returned (one per changed object). */
  entries: number;
  graphPages: number;
  /** Starting the worker (node, hello): the bridge starts one per run. */
  startSeconds: number;
  openSeconds: number;
  pagesSeconds: number;
  closeSeconds: number;
  /** Worker CPU over the run (ms). */
  workerCpuMs: number;
}

/**
 * Delta import after `changes` changes "in Entra" (user attribute updates and group member adds, made
 * by the bench itself at zero latency), from the full import's watermark, through a fresh worker as
 * the bridge starts one per run (the state file in the MA data folder carries over, as it does
 * between MIM runs), at the latency of the full import.
 */
export async function benchDelta(fx: ImportFixture, quick: boolean): Promise<DeltaResult> {
  const changes = quick ? 100 : 1_000;
  const memberAdds = changes / 10;
  const { client } = fx;
  await client.setLatency(0);
  try {
    const userIds = await client.ids('users');
    const groups = await client.admin<{ id: string; members?: string[] }[]>('GET', 'objects?type=group');
    const work: (() => Promise<unknown>)[] = [];
    // Every 97th user gets a new title: spread over the whole change log.
    for (let i = 0; i < changes - memberAdds; i++) {
      const id = userIds[(i * 97) % userIds.length]!;
      work.push(() => client.graph('PATCH', `/users/${id}`, { jobTitle: `Delta title ${i}` }));
    }
    // Member adds to ordinary groups (not the first, which holds everyone).
    for (let k = 0; k < memberAdds; k++) {
      const g = groups[1 + (k % (groups.length - 1))]!;
      const members = new Set(g.members ?? []);
      let j = k * 7919;
      while (members.has(userIds[j % userIds.length]!)) j++;
      const id = userIds[j % userIds.length]!;
      work.push(() =>
        client.graph('POST', `/groups/${g.id}/members/$ref`, {
          '@odata.id': `${fx.emu.baseUrl}/v1.0/directoryObjects/${id}`,
        }),
      );
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < work.length) await work[next++]!();
      }),
    );
  } finally {
    await client.setLatency(fx.latencyMs);
  }
  log(`delta: ${changes} changes made; delta import at ${fx.latencyMs} ms per Graph request`);
  const t0 = performance.now();
  const worker = await Worker.start(fx.folder);
  const startMs = performance.now() - t0;
  try {
    const run = await importRun(
      worker,
      client,
      fx.config,
      fx.schema,
      'Delta',
      fx.watermark,
      IMPORT_PAGE_SIZE,
    );
    return {
      changes,
      objects: fx.objects,
      latencyMs: fx.latencyMs,
      seconds: round((startMs + run.openMs + run.pagesMs + run.closeMs) / 1000, 2),
      entries: run.objects,
      graphPages: run.graphRequests,
      startSeconds: round(startMs / 1000, 2),
      openSeconds: round(run.openMs / 1000, 2),
      pagesSeconds: round(run.pagesMs / 1000, 2),
      closeSeconds: round(run.closeMs / 1000, 2),
      workerCpuMs: round(run.totalCpuMicros / 1000),
    };
  } finally {
    await worker.stop();
  }
}
