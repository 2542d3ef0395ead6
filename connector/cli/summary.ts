import type { Counters } from '../graph/counters.js';

/** Per object type: what a run did. */
export interface TypeCounts {
  adds: number;
  updates: number;
  deletes: number;
  errors: number;
}

export interface RunSummary {
  command: 'import' | 'export';
  mode: string;
  whatIf?: boolean;
  ok: boolean;
  exitCode: number;
  error?: string | undefined;
  types: Record<string, TypeCounts>;
  totals: TypeCounts & { objects: number };
  graph: {
    requests: number;
    retries: number;
    throttled: number;
    throttledSeconds: number;
    writeBudgetWaitSeconds: number;
  };
  seconds: number;
  objectsPerSecond: number;
}

const zero = (): TypeCounts => ({ adds: 0, updates: 0, deletes: 0, errors: 0 });

/** Counts per type as a run goes, and Graph's counters of every client the run made. */
export class Tally {
  readonly types = new Map<string, TypeCounts>();
  readonly clients: { counters: Counters }[] = [];
  readonly started = performance.now();

  count(type: string, kind: keyof TypeCounts): void {
    let t = this.types.get(type);
    if (!t) {
      t = zero();
      this.types.set(type, t);
    }
    t[kind]++;
  }

  objects(type?: string): number {
    let n = 0;
    for (const [name, t] of this.types)
      if (type === undefined || name === type) n += t.adds + t.updates + t.deletes + t.errors;
    return n;
  }

  summary(base: Pick<RunSummary, 'command' | 'mode' | 'whatIf' | 'error'>, exitCode: number): RunSummary {
    const totals = { ...zero(), objects: 0 };
    const types: Record<string, TypeCounts> = {};
    for (const [name, t] of [...this.types].sort(([a], [b]) => a.localeCompare(b))) {
      types[name] = { ...t };
      totals.adds += t.adds;
      totals.updates += t.updates;
      totals.deletes += t.deletes;
      totals.errors += t.errors;
    }
    totals.objects = totals.adds + totals.updates + totals.deletes + totals.errors;
    const g = { requests: 0, retries: 0, throttled: 0, throttledSeconds: 0, writeBudgetWaitSeconds: 0 };
    for (const c of this.clients) {
      g.requests += c.counters.requests;
      g.retries += c.counters.retries;
      g.throttled += c.counters.throttled;
      g.throttledSeconds += c.counters.throttledWaitMs / 1000;
      g.writeBudgetWaitSeconds += c.counters.governorWaitMs / 1000;
    }
    g.throttledSeconds = round(g.throttledSeconds);
    g.writeBudgetWaitSeconds = round(g.writeBudgetWaitSeconds);
    const seconds = (performance.now() - this.started) / 1000;
    return {
      ...base,
      ok: exitCode === 0,
      exitCode,
      types,
      totals,
      graph: g,
      seconds: round(seconds),
      objectsPerSecond: round(seconds > 0 ? totals.objects / seconds : 0),
    };
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

/** The summary as a few human lines. */
export function formatSummary(s: RunSummary): string {
  const rows = [['type', 'adds', 'updates', 'deletes', 'errors']];
  for (const [name, t] of Object.entries(s.types)) {
    rows.push([name, String(t.adds), String(t.updates), String(t.deletes), String(t.errors)]);
  }
  rows.push([
    'total',
    String(s.totals.adds),
    String(s.totals.updates),
    String(s.totals.deletes),
    String(s.totals.errors),
  ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const lines = [
    `${s.command} ${s.mode}${s.whatIf ? ' (what-if)' : ''}: ${s.ok ? 'done' : s.exitCode === 1 ? 'done with errors' : 'FAILED'}`,
  ];
  for (const r of rows)
    lines.push(
      `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`,
    );
  lines.push(
    `  Graph: ${s.graph.requests} requests, ${s.graph.retries} retries, ${s.graph.throttled} throttled (${s.graph.throttledSeconds} s waited), write budget waits ${s.graph.writeBudgetWaitSeconds} s`,
  );
  lines.push(`  ${s.totals.objects} objects in ${s.seconds} s (${s.objectsPerSecond} objects/s)`);
  if (s.error) lines.push(`  error: ${s.error}`);
  return `${lines.join('\n')}\n`;
}

/** A progress line per object type: rewritten in place on a terminal, plain lines otherwise. */
export class Progress {
  private current: string | undefined;
  private startedAt = performance.now();
  private lastLine = 0;
  private lastObjects = 0;
  private lastVerb = '';
  private lastUpdateAt = performance.now();

  constructor(
    private readonly tty: boolean,
    private readonly write: (s: string) => void = (s) => process.stderr.write(s),
  ) {}

  update(type: string, objects: number, verb: string): void {
    const now = performance.now();
    if (type !== this.current) {
      this.end();
      this.current = type;
      // The type's objects started arriving after the previous type's last one (or the start).
      this.startedAt = this.lastUpdateAt;
    }
    this.lastUpdateAt = now;
    const rate = objects / Math.max(0.001, (now - this.startedAt) / 1000);
    const line = `${verb} ${type}: ${objects} objects, ${rate.toFixed(0)}/s`;
    if (this.tty) this.write(`\r\x1b[K${line}`);
    else if (now - this.lastLine > 5000) {
      this.write(`${line}\n`);
      this.lastLine = now;
    }
    this.lastObjects = objects;
    this.lastVerb = verb;
  }

  /** Ends the current type's line. */
  end(): void {
    if (this.current === undefined) return;
    const secs = (performance.now() - this.startedAt) / 1000;
    const line = `${this.lastVerb} ${this.current}: ${this.lastObjects} objects, ${(this.lastObjects / Math.max(0.001, secs)).toFixed(0)}/s`;
    this.write(this.tty ? `\r\x1b[K${line}\n` : `${line} (done)\n`);
    this.current = undefined;
    this.lastLine = 0;
  }
}
