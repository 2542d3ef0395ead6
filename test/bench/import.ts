import type { ConfigValues, Schema } from '../../connector/model/ecma.js';
import { type EmulatorProcess, spawnEmulator } from './emulator-process.js';
import {
  connectorConfig,
  dataFolder,
  detectSchema,
  EmuClient,
  type ImportRun,
  importRun,
  log,
  memoryMB,
  RssSampler,
  round,
  Worker,
} from './rig.js';

/** MIM's page size on the import run step (objects per getImportPage call). */
export const IMPORT_PAGE_SIZE = 500;
/** Graph requests the connector has in flight during an import: object types one after another, one page prefetched. */
export const IMPORT_STREAMS = 1;

export interface ImportResult {
  users: number;
  groups: number;
  objects: number;
  latencyMs: number;
  /** Objects per second over the getImportPage calls. */
  objectsPerSecond: number;
  /** objects / (graphPages × latency / streams): what a client waiting only on Graph's latency would reach. */
  boundObjectsPerSecond: number;
  fractionOfBound: number;
  /** Graph pages the emulator served during the getImportPage calls (delta pages of users, then groups). */
  graphPages: number;
  streams: number;
  /** Worker CPU (user + system) per object during the getImportPage calls. */
  cpuMicrosPerObject: number;
  /** The same over the whole run (openImport with schema detection … closeImport). */
  cpuMicrosPerObjectWholeRun: number;
  /** The worker's VmHWM after the run. */
  peakRssMB: number;
  /** The emulator's CPU per object during the page calls (it shares the machine's cores with the worker). */
  emulatorCpuMicrosPerObject: number;
  pagesSeconds: number;
  openSeconds: number;
  closeSeconds: number;
}

/** What the delta benchmark continues from: the tenant, the MA data folder and the watermark of the full import. */
export interface ImportFixture {
  emu: EmulatorProcess;
  client: EmuClient;
  config: ConfigValues;
  schema: Schema;
  folder: string;
  watermark: string | null;
  latencyMs: number;
  objects: number;
}

/**
 * Full import of a generated tenant (users; groups of 10–30 members, one of up to 100,000) from the
 * emulator in its own process with a fixed latency per Graph request, through the real worker.
 * The emulator is left running for the delta benchmark (the caller stops it).
 */
export async function benchImport(quick: boolean): Promise<{ result: ImportResult; fixture: ImportFixture }> {
  const users = quick ? 10_000 : 100_000;
  const groups = quick ? 1_000 : 10_000;
  const latencyMs = 100;
  log(`import: generating ${users} users and ${groups} groups`);
  const emu = await spawnEmulator([
    '--users',
    String(users),
    '--groups',
    String(groups),
    '--seed',
    '1',
    '--latency-ms',
    String(latencyMs),
  ]);
  const client = new EmuClient(emu);
  const folder = dataFolder();
  const config = connectorConfig(emu);
  const worker = await Worker.start(folder);
  try {
    const schema = await detectSchema(worker, config);
    log(`import: full import at ${latencyMs} ms per Graph request`);
    const run = await importRun(worker, client, config, schema, 'Full', null, IMPORT_PAGE_SIZE);
    const c = await client.counters();
    const faults = Object.values(c.injected).reduce((a, b) => a + b, 0);
    if (faults > 0) log(`import: the emulator injected ${faults} faults (${JSON.stringify(c.injected)})`);
    const result = summarise(run, users, groups, latencyMs, memoryMB(worker.pid).peakMB);
    return {
      result,
      fixture: {
        emu,
        client,
        config,
        schema,
        folder,
        watermark: run.customData,
        latencyMs,
        objects: run.objects,
      },
    };
  } catch (e) {
    await client.close();
    await emu.stop();
    throw e;
  } finally {
    await worker.stop();
  }
}

function summarise(
  run: ImportRun,
  users: number,
  groups: number,
  latencyMs: number,
  peakRssMB: number,
): ImportResult {
  const seconds = run.pagesMs / 1000;
  const boundSeconds = (run.graphRequests * latencyMs) / 1000 / IMPORT_STREAMS;
  const objectsPerSecond = run.objects / seconds;
  const bound = run.objects / boundSeconds;
  return {
    users,
    groups,
    objects: run.objects,
    latencyMs,
    objectsPerSecond: round(objectsPerSecond),
    boundObjectsPerSecond: round(bound),
    fractionOfBound: round(objectsPerSecond / bound, 3),
    graphPages: run.graphRequests,
    streams: IMPORT_STREAMS,
    cpuMicrosPerObject: round(run.pagesCpuMicros / run.objects, 1),
    cpuMicrosPerObjectWholeRun: round(run.totalCpuMicros / run.objects, 1),
    peakRssMB: round(peakRssMB, 1),
    emulatorCpuMicrosPerObject: round(run.emulatorCpuMicros / run.objects, 1),
    pagesSeconds: round(seconds, 2),
    openSeconds: round(run.openMs / 1000, 2),
    closeSeconds: round(run.closeMs / 1000, 2),
  };
}

export interface MemoryResult {
  users: number;
  objects: number;
  seconds: number;
  /** VmHWM of the worker after the run. */
  peakRssMB: number;
  /** Highest RSS sample in the first and in the second half of the page calls. */
  firstHalfMaxMB: number;
  secondHalfMaxMB: number;
  /** secondHalfMax / firstHalfMax: 1.0 is flat; memory growing with the objects read shows as ≈ 2. */
  growth: number;
  flat: boolean;
  /** RSS every 500 ms during the page calls: [seconds, MB]. */
  samples: [number, number][];
}

/**
 * Memory only: a full import of a large generated tenant at zero latency, the worker's RSS sampled
 * every 500 ms. Flat means the second half's peak is within 10 % of the first half's.
 */
export async function benchImportMemory(quick: boolean): Promise<MemoryResult> {
  const users = quick ? 100_000 : 1_000_000;
  const groups = 100;
  log(`import1M: generating ${users} users and ${groups} groups (one of 100,000 members)`);
  const emu = await spawnEmulator(['--users', String(users), '--groups', String(groups), '--seed', '2']);
  const client = new EmuClient(emu);
  const worker = await Worker.start(dataFolder());
  try {
    const config = connectorConfig(emu);
    const schema = await detectSchema(worker, config);
    log('import1M: full import at zero latency, sampling the worker RSS every 500 ms');
    const sampler = new RssSampler(worker.pid, 500);
    const run = await importRun(worker, client, config, schema, 'Full', null, IMPORT_PAGE_SIZE);
    const samples = sampler.stop();
    const peakRssMB = memoryMB(worker.pid).peakMB;
    const end = samples.at(-1)?.t ?? 0;
    const max = (xs: { rssMB: number }[]) => xs.reduce((m, s) => Math.max(m, s.rssMB), 0);
    const firstHalfMaxMB = max(samples.filter((s) => s.t <= end / 2));
    const secondHalfMaxMB = max(samples.filter((s) => s.t > end / 2));
    const growth = secondHalfMaxMB / firstHalfMaxMB;
    return {
      users,
      objects: run.objects,
      seconds: round((run.openMs + run.pagesMs + run.closeMs) / 1000, 1),
      peakRssMB: round(peakRssMB, 1),
      firstHalfMaxMB: round(firstHalfMaxMB, 1),
      secondHalfMaxMB: round(secondHalfMaxMB, 1),
      growth: round(growth, 2),
      flat: growth <= 1.1,
      samples: samples.map((s) => [round(s.t / 1000, 1), round(s.rssMB, 1)]),
    };
  } finally {
    await worker.stop();
    await client.close();
    await emu.stop();
  }
}
