import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { OBJECT_TYPE_PARAM, PARAM } from '../../connector/config/parse.js';
import type { ConfigValues, Schema } from '../../connector/model/ecma.js';
import type { EmulatorProcess } from './emulator-process.js';

/**
 * The shared rig of the benchmarks: the real worker process driven over stdio as the bridge drives it,
 * /proc readers for a child's CPU time and memory, the connector configuration for an emulator, and a
 * small HTTPS client for the emulator's admin endpoints and for the bench's own Graph calls.
 */

const here = dirname(fileURLToPath(import.meta.url));
export const WORKER_JS = resolve(here, '../../connector/worker/main.js');

// ---- /proc --------------------------------------------------------------------------------------

let clkTck: number | undefined;
/** Clock ticks per second of /proc/<pid>/stat's utime and stime (`getconf CLK_TCK`, 100 on Linux). */
export function clockTicks(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** User + system CPU time of a process so far, in µs (resolution: one clock tick, 10 ms). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of the whole line (utime, stime) are 12 and 13 after the name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / clockTicks();
}

/** Resident set size now and its high-water mark (VmHWM), in MB. */
export function memoryMB(pid: number): { rssMB: number; peakMB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMB: kb('VmRSS') / 1024, peakMB: kb('VmHWM') / 1024 };
}

/** Samples a process's RSS every `everyMs` until stopped. */
export class RssSampler {
  readonly samples: { t: number; rssMB: number; progress: number }[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly t0 = performance.now();

  constructor(
    private readonly pid: number,
    everyMs = 500,
    /** What the run has done so far (objects read), recorded with each sample. */
    private readonly progress: () => number = () => 0,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    try {
      this.samples.push({
        t: performance.now() - this.t0,
        rssMB: memoryMB(this.pid).rssMB,
        progress: this.progress(),
      });
    } catch {
      // the process is gone
    }
  }

  stop(): { t: number; rssMB: number; progress: number }[] {
    clearInterval(this.timer);
    this.sample();
    return this.samples;
  }
}

// ---- the worker ---------------------------------------------------------------------------------

interface RpcReply {
  id: number;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** `node dist/connector/worker/main.js`, driven over stdin/stdout with JSON-RPC lines as the bridge does. */
export class Worker {
  readonly child: ChildProcessWithoutNullStreams;
  private nextId = 1;
  private readonly waiting = new Map<number, (r: RpcReply) => void>();
  private chunks: string[] = [];
  private stderrTail = '';
  private exited = false;

  private constructor(env: NodeJS.ProcessEnv) {
    // BENCH_WORKER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the worker.
    const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    this.child = spawn(process.execPath, [...nodeArgs, WORKER_JS], {
      env: { ...process.env, MIMGRAPH_LOG_LEVEL: 'warn', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => this.onData(chunk));
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (c: string) => {
      this.stderrTail = (this.stderrTail + c).slice(-4000);
    });
    this.child.once('exit', (code) => {
      this.exited = true;
      const err: RpcReply = {
        id: 0,
        error: { code: -1, message: `the worker exited (${code}); stderr: ${this.stderrTail}` },
      };
      for (const w of this.waiting.values()) w(err);
      this.waiting.clear();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Starts the worker and says hello; `dataFolder` is MIM's MA data folder (import state). */
  static async start(dataFolder: string): Promise<Worker> {
    const w = new Worker({});
    await w.call('hello', { protocolVersion: 1, bridgeVersion: 'bench', dataFolder });
    return w;
  }

  private onData(chunk: string): void {
    // Pages are single lines of up to megabytes: search only the new chunk for the line end.
    let nl = chunk.indexOf('\n');
    if (nl < 0) {
      this.chunks.push(chunk);
      return;
    }
    let start = 0;
    while (nl >= 0) {
      this.chunks.push(chunk.slice(start, nl));
      const line = this.chunks.join('');
      this.chunks = [];
      this.onLine(line);
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    if (start < chunk.length) this.chunks.push(chunk.slice(start));
  }

  private onLine(line: string): void {
    if (!line) return;
    const msg = JSON.parse(line) as RpcReply & { method?: string };
    if (msg.method) return; // heartbeats and logs: not part of the measurement
    const w = this.waiting.get(msg.id);
    if (w) {
      this.waiting.delete(msg.id);
      w(msg);
    }
  }

  async call<T = Record<string, unknown>>(method: string, params: unknown): Promise<T> {
    if (this.exited) throw new Error(`${method}: the worker has exited; stderr: ${this.stderrTail}`);
    const id = this.nextId++;
    const reply = new Promise<RpcReply>((ok) => this.waiting.set(id, ok));
    this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    const r = await reply;
    if (r.error) throw new Error(`${method}: ${r.error.message}`);
    return r.result as T;
  }

  /** Ends the worker as the bridge does (stdin closed), and waits for it. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((ok) => this.child.once('exit', () => ok()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }
}

const folders: string[] = [];

/** A fresh MA data folder (import state, placeholders), removed by removeDataFolders(). */
export function dataFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mimgraph-bench-madata-'));
  folders.push(dir);
  return dir;
}

export function removeDataFolders(): void {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
}

// ---- configuration and the emulator --------------------------------------------------------------

/** The MA's parameters for an emulator, as MIM hands them to the bridge. */
export function connectorConfig(emu: EmulatorProcess, extra: Record<string, string> = {}): ConfigValues {
  const v = (value: string, encrypted = false) => ({ value, encrypted });
  const cfg: Record<string, { value: string; encrypted?: boolean }> = {
    [PARAM.tenant]: v(emu.tenantId),
    [PARAM.clientId]: v(emu.clientId),
    [PARAM.authenticationType]: v('ClientSecret'),
    [PARAM.clientSecret]: v(emu.secret, true),
    [PARAM.cloud]: v('custom'),
    [PARAM.loginEndpoint]: v(emu.baseUrl),
    [PARAM.graphEndpoint]: v(emu.baseUrl),
    [PARAM.caFile]: v(emu.caFile),
    [PARAM.writeBudget]: v('off'),
    [OBJECT_TYPE_PARAM.user]: v('1'),
    [OBJECT_TYPE_PARAM.group]: v('1'),
  };
  for (const [k, value] of Object.entries(extra)) cfg[k] = v(value);
  return cfg;
}

/** An HTTPS client for one emulator: admin endpoints, tokens and plain Graph calls from the bench. */
export class EmuClient {
  readonly agent: Agent;
  private token: string | undefined;

  constructor(
    readonly emu: EmulatorProcess,
    connections = 8,
  ) {
    this.agent = new Agent({ connections, connect: { ca: emu.caPem }, keepAliveTimeout: 30_000 });
  }

  async admin<T = Record<string, unknown>>(method: 'GET' | 'PATCH' | 'POST', path: string, body?: unknown) {
    const res = await request(`${this.emu.baseUrl}/_emulator/${path}`, {
      method,
      dispatcher: this.agent,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`${method} /_emulator/${path}: ${res.statusCode} ${text}`);
    return JSON.parse(text) as T;
  }

  counters(): Promise<EmuCounters> {
    return this.admin<EmuCounters>('GET', 'counters');
  }

  setLatency(latencyMs: number): Promise<unknown> {
    return this.admin('PATCH', 'config', { faults: { latencyMs } });
  }

  /** A fresh client-credentials token from the emulator's v2.0 endpoint. */
  async newToken(): Promise<string> {
    const { emu } = this;
    const res = await request(`${emu.baseUrl}/${emu.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      dispatcher: this.agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: emu.clientId,
        client_secret: emu.secret,
        scope: `${emu.baseUrl}/.default`,
        grant_type: 'client_credentials',
      }).toString(),
    });
    const body = (await res.body.json()) as { access_token?: string; error_description?: string };
    if (!body.access_token) throw new Error(`token: ${res.statusCode} ${body.error_description ?? ''}`);
    return body.access_token;
  }

  /** One Graph call; `token` given = that token, else one cached token. */
  async graph<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; body: T | undefined }> {
    if (!token && !this.token) this.token = await this.newToken();
    const bearer = token ?? this.token!;
    const res = await request(`${this.emu.baseUrl}/v1.0${path}`, {
      method: method as 'GET',
      dispatcher: this.agent,
      headers: {
        authorization: `Bearer ${bearer}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 500)}`);
    return { status: res.statusCode, body: text ? (JSON.parse(text) as T) : undefined };
  }

  /** Every id of a collection (`/users`), by pages of 999. */
  async ids(set: string): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = `/${set}?$select=id&$top=999`;
    while (next) {
      const page: { body: { value: { id: string }[]; '@odata.nextLink'?: string } | undefined } =
        await this.graph('GET', next);
      for (const o of page.body?.value ?? []) out.push(o.id);
      const link = page.body?.['@odata.nextLink'];
      next = link ? link.slice(link.indexOf('/v1.0') + '/v1.0'.length) : undefined;
    }
    return out;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

export interface EmuCounters {
  requests: number;
  graphRequests: number;
  batchItems: number;
  tokensIssued: number;
  writes: number;
  injected: Record<string, number>;
  budget: { accepted: number; throttled: number } | null;
}

// ---- import runs --------------------------------------------------------------------------------

export interface ImportRun {
  objects: number;
  /** The run was stopped at its deadline (closed as TerminatedByUser, no new state written). */
  stopped: boolean;
  pages: number;
  customData: string | null;
  /** openImport, the getImportPage calls, closeImport: wall time in ms. */
  openMs: number;
  pagesMs: number;
  closeMs: number;
  /** Worker CPU (µs) during the getImportPage calls. */
  pagesCpuMicros: number;
  /** Worker CPU (µs) from openImport to the end of closeImport. */
  totalCpuMicros: number;
  /** Emulator Graph requests during the getImportPage calls. */
  graphRequests: number;
  /** Emulator CPU (µs) during the getImportPage calls. */
  emulatorCpuMicros: number;
}

/** One import run as MIM drives it: openImport, getImportPage until moreToImport is false, closeImport. */
export async function importRun(
  worker: Worker,
  emu: EmuClient,
  config: ConfigValues,
  schema: Schema,
  importType: 'Full' | 'Delta',
  customData: string | null,
  pageSize: number,
  opts: { deadlineMs?: number; onPage?: (objects: number) => void } = {},
): Promise<ImportRun> {
  const cpu0 = cpuMicros(worker.pid);
  const t0 = performance.now();
  const open = await worker.call<{ session: string; customData: string | null }>('openImport', {
    config,
    schema,
    runStep: { importType, pageSize, customData },
  });
  const t1 = performance.now();
  const cpu1 = cpuMicros(worker.pid);
  const req1 = (await emu.counters()).graphRequests;
  const emuCpu1 = cpuMicros(emu.emu.pid);
  let objects = 0;
  let pages = 0;
  let last = open.customData;
  let stopped = false;
  const t2 = performance.now();
  for (;;) {
    const page = await worker.call<{ entries: unknown[]; moreToImport: boolean; customData?: string | null }>(
      'getImportPage',
      { session: open.session, runStep: { customData: last } },
    );
    objects += page.entries.length;
    pages++;
    last = page.customData ?? last;
    opts.onPage?.(objects);
    if (!page.moreToImport) break;
    if (opts.deadlineMs !== undefined && performance.now() - t2 > opts.deadlineMs) {
      stopped = true;
      break;
    }
  }
  const t3 = performance.now();
  const cpu3 = cpuMicros(worker.pid);
  const emuCpu3 = cpuMicros(emu.emu.pid);
  const req3 = (await emu.counters()).graphRequests;
  const t4 = performance.now();
  const close = await worker.call<{ customData: string | null }>('closeImport', {
    session: open.session,
    runStep: { reason: stopped ? 'TerminatedByUser' : 'Normal', customData: last },
  });
  const t5 = performance.now();
  return {
    objects,
    stopped,
    pages,
    customData: close.customData,
    openMs: t1 - t0,
    pagesMs: t3 - t2,
    closeMs: t5 - t4,
    pagesCpuMicros: cpu3 - cpu1,
    totalCpuMicros: cpuMicros(worker.pid) - cpu0,
    graphRequests: req3 - req1,
    emulatorCpuMicros: emuCpu3 - emuCpu1,
  };
}

/** The schema MIM would hand to openImport/openExport: every type and attribute the connector offers. */
export async function detectSchema(worker: Worker, config: ConfigValues): Promise<Schema> {
  return worker.call<Schema>('getSchema', { config });
}

export const round = (x: number, digits = 0) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export const log = (text: string) => process.stderr.write(`bench: ${text}\n`);
