import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
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
  /**
   * A plain serial reader (undici, JSON.parse, nothing else) following the same delta rounds with the
   * same $select against the same emulator: what any client reaches when Graph's nextLinks are
   * followed one after another. The gap between it and the latency bound is the emulator's serving
   * time and the transfer, not the connector.
   */
  serialReader: { objectsPerSecond: number; seconds: number; graphPages: number };
  /** import speed / serial reader speed. */
  fractionOfSerialReader: number;
  /** The emulator's CPU per object during the page calls (it shares the machine's cores with the worker). */
  emulatorCpuMicrosPerObject: number;
  pagesSeconds: number;
  openSeconds: number;
  closeSeconds: number;
  /** Every attribute the schema offers was selected: user and group attribute counts. */
  attributes: { user: number; group: number };
  /** The same import with a typical selection of attributes, at zero latency: worker CPU per object. */
  typicalSelection: { attributes: { user: number; group: number }; cpuMicrosPerObject: number };
}

/** What a B2B MA typically selects (the anchor `id` besides). */
const TYPICAL: Record<string, readonly string[]> = {
  user: [
    'accountEnabled',
    'displayName',
    'givenName',
    'surname',
    'mail',
    'userPrincipalName',
    'mailNickname',
    'userType',
    'department',
    'jobTitle',
    'employeeId',
    'companyName',
    'city',
    'creationType',
    'externalUserState',
    'manager',
  ],
  group: [
    'displayName',
    'description',
    'mailNickname',
    'mail',
    'securityEnabled',
    'mailEnabled',
    'groupTypes',
    'members',
  ],
};

function typicalSchema(schema: Schema): Schema {
  return {
    types: schema.types.map((t) => ({
      ...t,
      attributes: t.attributes.filter((a) => a.name === 'id' || TYPICAL[t.name]?.includes(a.name)),
    })),
  };
}

const counts = (schema: Schema) => {
  const n = (type: string) => (schema.types.find((t) => t.name === type)?.attributes.length ?? 1) - 1;
  return { user: n('user'), group: n('group') };
};

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
  const users = quick ? 5_000 : 100_000;
  const groups = quick ? 500 : 10_000;
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
    const peak = memoryMB(worker.pid).peakMB;
    log(`import: the same delta rounds read by a plain serial reader at ${latencyMs} ms`);
    const serial = await serialRead(client, schema);
    // CPU does not depend on latency: the typical selection runs at zero latency, in its own worker
    // and MA data folder (the delta benchmark continues from the first run's watermark and state).
    const typical = typicalSchema(schema);
    log(`import: full import with a typical selection of attributes at zero latency (CPU only)`);
    await client.setLatency(0);
    const w2 = await Worker.start(dataFolder());
    let typicalCpu: number;
    try {
      await detectSchema(w2, config);
      const r2 = await importRun(w2, client, config, typical, 'Full', null, IMPORT_PAGE_SIZE);
      typicalCpu = r2.pagesCpuMicros / r2.objects;
    } finally {
      await w2.stop();
      await client.setLatency(latencyMs);
    }
    const summary = summarise(run, users, groups, latencyMs, peak);
    const serialRate = run.objects / serial.seconds;
    const result: ImportResult = {
      ...summary,
      serialReader: {
        objectsPerSecond: round(serialRate),
        seconds: round(serial.seconds, 2),
        graphPages: serial.pages,
      },
      fractionOfSerialReader: round(summary.objectsPerSecond / serialRate, 3),
      attributes: counts(schema),
      typicalSelection: { attributes: counts(typical), cpuMicrosPerObject: round(typicalCpu, 1) },
    };
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
): Omit<ImportResult, 'attributes' | 'typicalSelection' | 'serialReader' | 'fractionOfSerialReader'> {
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

const ENTITY_SETS: Record<string, string> = {
  user: 'users',
  group: 'groups',
  contact: 'contacts',
  servicePrincipal: 'servicePrincipals',
};

/**
 * Each type's delta round from start to deltaLink, one request after another (a nextLink is known
 * only once its page has arrived), with the $select the connector sends: the schema's attributes by
 * Graph property (`onPremisesExtensionAttributes.extensionAttribute1` → `onPremisesExtensionAttributes`).
 */
async function serialRead(client: EmuClient, schema: Schema): Promise<{ seconds: number; pages: number }> {
  const token = await client.newToken();
  let pages = 0;
  const t0 = performance.now();
  for (const type of schema.types) {
    const set = ENTITY_SETS[type.name];
    if (!set) throw new Error(`serial reader: no entity set known for object type ${type.name}`);
    const read = type.attributes.filter((a) => a.operation !== 'ExportOnly');
    const select = new Set(['id', ...read.map((a) => a.name.split('.')[0]!)]);
    let url: string | undefined = `${client.emu.baseUrl}/v1.0/${set}/delta?$select=${[...select].join(',')}`;
    while (url) {
      const res = await request(url, {
        dispatcher: client.agent,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'accept-encoding': 'gzip' },
      });
      // Compressed as the connector asks for it: the emulator's gzip is part of its serving time.
      const raw = Buffer.from(await res.body.arrayBuffer());
      const gzip = /gzip/.test(String(res.headers['content-encoding'] ?? ''));
      const body = JSON.parse((gzip ? gunzipSync(raw) : raw).toString('utf8')) as Record<string, unknown>;
      if (res.statusCode !== 200)
        throw new Error(`serial reader: GET ${url}: ${res.statusCode} ${JSON.stringify(body).slice(0, 300)}`);
      pages++;
      url = body['@odata.nextLink'] as string | undefined;
    }
  }
  return { seconds: (performance.now() - t0) / 1000, pages };
}

export interface MemoryResult {
  users: number;
  /** Objects read (all of them unless the run hit its time cap). */
  objects: number;
  /** The run hit its time cap before the end (this machine is too slow or too busy for all of it). */
  capped: boolean;
  seconds: number;
  /** VmHWM of the worker after the run. */
  peakRssMB: number;
  /** Highest RSS sample in the first and in the second half of the users read (they come first). */
  usersFirstHalfMaxMB: number;
  usersSecondHalfMaxMB: number;
  /**
   * usersSecondHalfMax / usersFirstHalfMax: 1.0 is flat. Whether memory grows with the number of
   * objects is judged over the users; the groups that follow include one of 100,000 members, a
   * single large object whose transient cost shows in the peak, not in a trend.
   */
  usersGrowth: number;
  flat: boolean;
  /** The same over the whole run, groups included. */
  firstHalfMaxMB: number;
  secondHalfMaxMB: number;
  growth: number;
  /** Least-squares slope of RSS over objects read (after the first 10 %): MB per 100,000 objects. */
  mbPer100kObjects: number;
  /** RSS the slope predicts at `users` objects (the measured peak when the run was complete). */
  projectedRssMB: number;
  /** RSS every 500 ms: [seconds, objects read, MB]. */
  samples: [number, number, number][];
}

/**
 * Memory only: a full import of a large generated tenant at zero latency, the worker's RSS sampled
 * every 500 ms. Flat means the peak of the second half (by objects read) is within 10 % of the first
 * half's. `capMinutes` bounds the page calls on a slow machine: the run is then closed as MIM closes a
 * stopped run, and the RSS slope over the objects read projects the rest.
 */
export async function benchImportMemory(quick: boolean, capMinutes: number): Promise<MemoryResult> {
  const users = quick ? 20_000 : 1_000_000;
  const groups = quick ? 20 : 100;
  log(`import1M: generating ${users} users and ${groups} groups (one of up to 100,000 members)`);
  const emu = await spawnEmulator(['--users', String(users), '--groups', String(groups), '--seed', '2']);
  const client = new EmuClient(emu);
  const worker = await Worker.start(dataFolder());
  try {
    const config = connectorConfig(emu);
    const schema = await detectSchema(worker, config);
    log(
      `import1M: full import at zero latency, worker RSS every 500 ms, page calls capped at ${capMinutes} min`,
    );
    let read = 0;
    const sampler = new RssSampler(worker.pid, 500, () => read);
    const run = await importRun(worker, client, config, schema, 'Full', null, IMPORT_PAGE_SIZE, {
      deadlineMs: capMinutes * 60_000,
      onPage: (n) => {
        read = n;
      },
    });
    const samples = sampler.stop();
    const peakRssMB = memoryMB(worker.pid).peakMB;
    const max = (xs: { rssMB: number }[]) => xs.reduce((m, x) => Math.max(m, x.rssMB), 0);
    const half = run.objects / 2;
    const firstHalfMaxMB = max(samples.filter((x) => x.progress <= half));
    const secondHalfMaxMB = max(samples.filter((x) => x.progress > half));
    const growth = secondHalfMaxMB / firstHalfMaxMB;
    const usersRead = Math.min(users, run.objects);
    const usersFirstHalfMaxMB = max(samples.filter((x) => x.progress <= usersRead / 2));
    const usersSecondHalfMaxMB = max(
      samples.filter((x) => x.progress > usersRead / 2 && x.progress <= usersRead),
    );
    const usersGrowth = usersSecondHalfMaxMB / usersFirstHalfMaxMB;
    // The slope over the page calls, past the first tenth (module loading, pools and caches warming).
    const fit = samples.filter((x) => x.progress > run.objects / 10 && x.progress < run.objects);
    const slope = leastSquaresSlope(fit.map((x) => [x.progress, x.rssMB]));
    const lastFit = fit.at(-1);
    const projected = run.stopped && lastFit ? lastFit.rssMB + slope * (users - lastFit.progress) : peakRssMB;
    return {
      users,
      objects: run.objects,
      capped: run.stopped,
      seconds: round((run.openMs + run.pagesMs + run.closeMs) / 1000, 1),
      peakRssMB: round(peakRssMB, 1),
      usersFirstHalfMaxMB: round(usersFirstHalfMaxMB, 1),
      usersSecondHalfMaxMB: round(usersSecondHalfMaxMB, 1),
      usersGrowth: round(usersGrowth, 2),
      flat: usersGrowth <= 1.1,
      firstHalfMaxMB: round(firstHalfMaxMB, 1),
      secondHalfMaxMB: round(secondHalfMaxMB, 1),
      growth: round(growth, 2),
      mbPer100kObjects: round(slope * 100_000, 1),
      projectedRssMB: round(projected),
      samples: samples.map((x) => [round(x.t / 1000, 1), x.progress, round(x.rssMB, 1)]),
    };
  } finally {
    await worker.stop();
    await client.close();
    await emu.stop();
  }
}

function leastSquaresSlope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx === 0 ? 0 : sxy / sxx;
}
