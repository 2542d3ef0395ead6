import { writeFileSync } from 'node:fs';
import { type BridgeResult, benchBridge } from './bridge.js';
import { type BudgetResult, benchBudget } from './budget.js';
import { benchDelta, type DeltaResult } from './delta.js';
import { benchExport, type ExportResult } from './export.js';
import { benchGraphClient, type ClientOverhead } from './graph-client.js';
import {
  benchImport,
  benchImportMemory,
  IMPORT_PAGE_SIZE,
  type ImportResult,
  type MemoryResult,
} from './import.js';
import { log, removeDataFolders } from './rig.js';
import { cpuTicks, stealShare } from './steal.js';

/**
 * `npm run bench [-- --quick] [-- --json] [-- --only import,delta,import1M,export,budget,bridge,graphClient]
 *  [-- --memory-minutes <n>] [-- --json-out <file>]`:
 * measurements of the real worker process against the emulator in its own process, printed as a table
 * with each figure's target, or as one JSON object. Never a test: the exit code says only whether
 * every scenario ran.
 */
const SCENARIOS = ['import', 'delta', 'import1M', 'export', 'budget', 'bridge', 'graphClient'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Results {
  import?: ImportResult | null;
  import1M?: MemoryResult | null;
  delta?: DeltaResult | null;
  export?: ExportResult | null;
  budget?: BudgetResult | null;
  bridge?:
    | (Omit<BridgeResult, 'microsPerObject'> & {
        microsPerObject: number | null;
        import: number | null;
        export: number | null;
      })
    | null;
  graphClient?: ClientOverhead | null;
  errors: Partial<Record<Scenario, string>>;
  /** CPU steal during each scenario, as a share of all CPU time (Linux; see steal.ts). */
  cpuSteal: Partial<Record<Scenario, number>>;
  quick: boolean;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const json = argv.includes('--json');
  const onlyArg = argv[argv.indexOf('--only') + 1];
  const only = argv.includes('--only') && onlyArg ? new Set(onlyArg.split(',')) : undefined;
  for (const s of only ?? []) {
    if (!SCENARIOS.includes(s as Scenario))
      throw new Error(`--only: unknown scenario '${s}'; known: ${SCENARIOS.join(', ')}`);
  }
  // The Graph client's overhead needs many rounds to be steady: full runs only, unless asked for.
  const wanted = (s: Scenario) =>
    only ? only.has(s) || (s === 'import' && only.has('delta')) : !(quick && s === 'graphClient');
  const results: Results = { errors: {}, cpuSteal: {}, quick };
  const started = performance.now();

  const attempt = async <T>(name: Scenario, fn: () => Promise<T>): Promise<T | null> => {
    const t0 = performance.now();
    const ticks = cpuTicks();
    try {
      const r = await fn();
      const steal = stealShare(ticks, cpuTicks());
      if (steal !== undefined) results.cpuSteal[name] = Math.round(steal * 1000) / 1000;
      log(`${name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return r;
    } catch (e) {
      results.errors[name] = (e as Error).message;
      log(`${name} failed: ${(e as Error).stack ?? String(e)}`);
      process.exitCode = 1;
      return null;
    }
  };

  if (wanted('import')) {
    const imp = await attempt('import', () => benchImport(quick));
    results.import = imp?.result ?? null;
    if (imp) {
      try {
        if (wanted('delta')) results.delta = await attempt('delta', () => benchDelta(imp.fixture, quick));
      } finally {
        await imp.fixture.client.close();
        await imp.fixture.emu.stop();
      }
    } else if (wanted('delta')) {
      results.delta = null;
      results.errors.delta = 'the full import it starts from failed';
    }
  }
  const capArg = argv[argv.indexOf('--memory-minutes') + 1];
  const capMinutes = argv.includes('--memory-minutes') && capArg ? Number(capArg) : quick ? 1 : 12;
  if (wanted('import1M'))
    results.import1M = await attempt('import1M', () => benchImportMemory(quick, capMinutes));
  if (wanted('export')) results.export = await attempt('export', () => benchExport(quick));
  if (wanted('budget')) results.budget = await attempt('budget', () => benchBudget(quick));
  if (wanted('bridge')) {
    const b = await attempt('bridge', () => benchBridge(quick));
    results.bridge = b && {
      ...b,
      microsPerObject: b.microsPerObject?.mean ?? null,
      import: b.microsPerObject?.import ?? null,
      export: b.microsPerObject?.export ?? null,
    };
  }
  if (wanted('graphClient'))
    results.graphClient = await attempt('graphClient', () => benchGraphClient(quick));
  removeDataFolders();
  log(`all scenarios in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const { import1M, ...rest } = results;
  // The RSS samples are for the table's reader; the JSON keeps the verdicts and the peak.
  const out = JSON.stringify(import1M ? { ...rest, import1M: { ...import1M, samples: undefined } } : rest);
  // --json-out <file>: the JSON object also goes to a file, so one long run gives both forms.
  const jsonOut = argv.includes('--json-out') ? argv[argv.indexOf('--json-out') + 1] : undefined;
  if (jsonOut) writeFileSync(jsonOut, `${out}\n`);
  if (json) {
    process.stdout.write(`${out}\n`);
    return;
  }
  printTable(results);
}

type Row = [figure: string, value: string, target: string, verdict: string];

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

function printTable(r: Results): void {
  const rows: Row[] = [];
  const failed = (name: Scenario, figure: string) =>
    rows.push([figure, `not measured: ${r.errors[name] ?? 'failed'}`, '', 'n/a']);

  if (r.import) {
    const i = r.import;
    rows.push([
      `Full import: ${i.objects} objects (${i.users} users, ${i.groups} groups), ${i.latencyMs} ms/page, all ${i.attributes.user}+${i.attributes.group} attributes`,
      `${i.objectsPerSecond} objects/s in ${i.pagesSeconds} s`,
      '',
      '',
    ]);
    rows.push([
      '  latency bound = objects / (Graph pages × latency / streams)',
      `${i.objects} / (${i.graphPages} × ${i.latencyMs / 1000} s / ${i.streams}) = ${i.boundObjectsPerSecond} objects/s`,
      '',
      '',
    ]);
    rows.push([
      '  import speed / latency bound',
      pct(i.fractionOfBound),
      '≥ 90 %',
      verdict(i.fractionOfBound >= 0.9),
    ]);
    rows.push([
      '  worker CPU per object (page calls; whole run)',
      `${i.cpuMicrosPerObject} µs; ${i.cpuMicrosPerObjectWholeRun} µs`,
      '≤ 20 µs',
      verdict(i.cpuMicrosPerObject <= 20),
    ]);
    rows.push([
      `  the same, typical selection (${i.typicalSelection.attributes.user} user, ${i.typicalSelection.attributes.group} group attributes)`,
      `${i.typicalSelection.cpuMicrosPerObject} µs`,
      '≤ 20 µs',
      verdict(i.typicalSelection.cpuMicrosPerObject <= 20),
    ]);
    rows.push(['  worker peak RSS (VmHWM)', `${i.peakRssMB} MB`, '≤ 256 MB', verdict(i.peakRssMB <= 256)]);
    rows.push([
      '  plain serial reader, same rounds and $select (no processing)',
      `${i.serialReader.objectsPerSecond} objects/s (${i.serialReader.graphPages} pages in ${i.serialReader.seconds} s)`,
      '',
      '',
    ]);
    rows.push(['  import speed / plain serial reader', pct(i.fractionOfSerialReader), '', '']);
    rows.push(['  emulator CPU per object (same cores)', `${i.emulatorCpuMicrosPerObject} µs`, '', '']);
    rows.push([
      '  openImport (schema, token); closeImport',
      `${i.openSeconds} s; ${i.closeSeconds} s`,
      '',
      '',
    ]);
  } else if (r.import === null) failed('import', 'Full import');

  if (r.import1M) {
    const m = r.import1M;
    rows.push([
      `Memory: full import of ${m.users} users (+ groups), 0 ms latency`,
      m.capped
        ? `stopped at the time cap after ${m.objects} objects, ${m.seconds} s`
        : `${m.objects} objects in ${m.seconds} s`,
      '',
      '',
    ]);
    rows.push([
      `  worker peak RSS (VmHWM)${m.capped ? ' over the objects read' : ''}`,
      `${m.peakRssMB} MB`,
      '≤ 256 MB',
      verdict(m.peakRssMB <= 256),
    ]);
    rows.push([
      '  RSS flat over the users: max 2nd half / max 1st half (by users read)',
      `${m.usersSecondHalfMaxMB} / ${m.usersFirstHalfMaxMB} MB = ${m.usersGrowth}`,
      '≤ 1.10',
      verdict(m.flat),
    ]);
    rows.push([
      '  the same over the whole run (the groups after the users hold one of 100,000 members)',
      `${m.secondHalfMaxMB} / ${m.firstHalfMaxMB} MB = ${m.growth}`,
      '',
      '',
    ]);
    rows.push([
      '  RSS slope; RSS at all users (projected if stopped)',
      `${m.mbPer100kObjects} MB per 100k objects; ${m.projectedRssMB} MB`,
      '≤ 256 MB',
      verdict(m.projectedRssMB <= 256),
    ]);
    const step = Math.max(1, Math.floor(m.samples.length / 8));
    rows.push([
      '  RSS over the run [objects read: MB]',
      m.samples
        .filter((_, k) => k % step === 0 || k === m.samples.length - 1)
        .map(([, n, mb]) => `${n}: ${Math.round(mb)}`)
        .join(', '),
      '',
      '',
    ]);
  } else if (r.import1M === null) failed('import1M', 'Memory (1M users)');

  if (r.delta) {
    const d = r.delta;
    rows.push([
      `Delta import: ${d.changes} changes among ${d.objects} objects, ${d.latencyMs} ms/page`,
      `${d.seconds} s (${d.entries} entries, ${d.graphPages} pages)`,
      '≤ 2 s',
      verdict(d.seconds <= 2),
    ]);
    rows.push([
      '  worker start; openImport; page calls; closeImport; worker CPU',
      `${d.startSeconds} s; ${d.openSeconds} s; ${d.pagesSeconds} s; ${d.closeSeconds} s; ${d.workerCpuMs} ms`,
      '',
      '',
    ]);
  } else if (r.delta === null) failed('delta', 'Delta import');

  if (r.export) {
    const e = r.export;
    rows.push([
      `Export: ${e.changes} changes (${e.mix.creates} creates, ${e.mix.updates} updates, ${e.mix.memberAdds} × 5 member adds), ${e.latencyMs} ms`,
      `${e.objectsPerSecond} objects/s in ${e.seconds} s, ${e.errors} errors`,
      '',
      '',
    ]);
    rows.push([
      `  baseline (request + new token per object, sequential; ${e.baselineObjects} objects, extrapolated)`,
      `${e.baselineObjectsPerSecond} objects/s (${e.baselineSeconds} s, ${e.baselineErrors} errors)`,
      '',
      '',
    ]);
    rows.push(['  mimgraph / baseline', `${e.ratioVsBaseline}×`, '≥ 20×', verdict(e.ratioVsBaseline >= 20)]);
    rows.push(['  worker CPU per exported object', `${e.workerCpuMicrosPerObject} µs`, '', '']);
  } else if (r.export === null) failed('export', 'Export');

  if (r.budget) {
    const b = r.budget;
    rows.push([
      `Write budget ${b.budgetWrites}/${b.budgetSeconds} s: ${b.entries} updates, ${b.latencyMs} ms`,
      `${b.writes} writes in ${b.seconds} s = ${b.writesPerSecond}/s, ${b.errors} errors`,
      '',
      '',
    ]);
    rows.push([
      '  fraction of the budget (writes/s ÷ budget/s)',
      pct(b.fractionOfBudget),
      '≥ 95 %',
      verdict(b.fractionOfBudget >= 0.95),
    ]);
    rows.push(['  429s from the emulator', String(b.throttled429), '0', verdict(b.throttled429 === 0)]);
  } else if (r.budget === null) failed('budget', 'Write budget');

  if (r.bridge) {
    const b = r.bridge;
    rows.push([
      'Bridge conversion per object (import; export)',
      b.microsPerObject === null
        ? `null: ${b.unavailable ?? 'unavailable'}`
        : `${b.microsPerObject} µs (${b.import}; ${b.export}) over ${b.objects} objects`,
      '',
      '',
    ]);
  } else if (r.bridge === null) failed('bridge', 'Bridge conversion');

  if (r.graphClient) {
    const g = r.graphClient;
    rows.push(['Graph client: raw undici requests/s', String(g.rawRequestsPerSecond), '', '']);
    rows.push(['Graph client: GraphClient requests/s', String(g.clientRequestsPerSecond), '', '']);
    rows.push([
      'Graph client: overhead',
      `${g.overheadPercent} %`,
      '≤ 10 %',
      verdict(g.overheadPercent <= 10),
    ]);
    rows.push([
      'Graph client: CPU µs/request (raw; GraphClient)',
      `${g.rawCpuMicrosPerRequest}; ${g.clientCpuMicrosPerRequest}`,
      '',
      '',
    ]);
  } else if (r.graphClient === null) failed('graphClient', 'Graph client');

  const head: Row = ['figure', 'value', 'target', 'verdict'];
  const widths = [0, 1, 2, 3].map((k) => Math.max(...[head, ...rows].map((row) => row[k]!.length)));
  const line = (row: Row) =>
    `${row
      .map((c, k) => c.padEnd(widths[k]!))
      .join('  ')
      .trimEnd()}\n`;
  process.stdout.write(
    `mimgraph benchmarks${r.quick ? ' (--quick: scaled down)' : ''}; import page size ${IMPORT_PAGE_SIZE}\n`,
  );
  process.stdout.write(line(head));
  process.stdout.write(line(widths.map((w) => '-'.repeat(w)) as Row));
  for (const row of rows) process.stdout.write(line(row));
  const steal = Object.entries(r.cpuSteal);
  if (steal.length > 0) {
    process.stdout.write(
      `CPU steal (share of the busy core time this VM's host gave to others) per scenario: ${steal
        .map(([name, share]) => `${name} ${pct(share)}`)
        .join(', ')}\n`,
    );
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
