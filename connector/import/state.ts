import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ObjectTypeName } from '../config/types.js';
import type { Logger } from '../runtime/log.js';
import { LineWriter, readLines } from './lines.js';
import { RowSpool, spoolName, sweepStale } from './rows.js';
import type { Watermark } from './watermark.js';

/**
 * The import state file (`<stateDir>/import-state.txt`): per object type, the anchors MIM holds from
 * this connector with a fingerprint row of their last imported values (see hash.ts), the attribute
 * order of those rows and the filter the type was imported with.
 *
 * A generation becomes current only once MIM has committed the watermark that names it: the file
 * holds the last committed generation and at most one pending one, written at a Normal close.
 * The next open promotes the pending one if the watermark names it, or drops it if the watermark
 * still names the committed one (the run failed, or MIM did not keep its watermark).
 *
 * One line per object, so a tenant of any size is read and written a line at a time (no string of
 * the whole file, which V8 caps at 512 MB), and only the generation a run needs is held in memory:
 *
 *   {"v":2,"sid":"…","tenant":"…","committed":3,"pending":4}
 *   {"gen":3}
 *   {"type":"user","attrs":["displayName",…],"filter":null,"count":2}
 *   <id> <row>
 *   <id> <row>
 *   {"gen":4}
 *   …
 *   {"end":true}
 */
export const STATE_FILE = 'import-state.txt';
/** Version 1 (SHA-1 fingerprints, one JSON document); its rows cannot be compared with today's. */
const LEGACY_STATE_FILE = 'import-state.json';
const STATE_VERSION = 2;

export interface TypeState<Rows = Map<string, string> | RowSpool> {
  /** MIM attribute names in the order of the rows' fingerprints. */
  readonly attrs: readonly string[];
  /** Fingerprint of the $filter the objects were imported with; null = unfiltered. */
  readonly filter: string | null;
  /**
   * id → fingerprint row: exactly the objects MIM holds (for a filtered type: those in scope). In
   * memory when a delta import changes them; spooled to a file when a full import writes them anew.
   */
  readonly objects: Rows;
}

export interface Generation<Rows = Map<string, string> | RowSpool> {
  readonly gen: number;
  readonly types: Partial<Record<ObjectTypeName, TypeState<Rows>>>;
}

/** A generation read from the file: its rows in memory, and where its lines are in the file. */
export type LoadedGeneration = Generation<Map<string, string>> & { readonly source?: Span };

/** Bytes of the file that hold one generation, and the file as it was when they were read. */
interface Span {
  readonly start: number;
  readonly end: number;
  readonly file: string;
}

interface Header {
  v: typeof STATE_VERSION;
  sid: string;
  tenant: string;
  committed: number | null;
  pending: number | null;
}

export interface LoadedState {
  readonly sid: string;
  /** The generation the watermark names, when the file has it. */
  readonly named: number | undefined;
  /** That generation's objects, when asked for and readable. */
  readonly current: LoadedGeneration | undefined;
  /** Highest generation number seen (new generations count up from it). */
  readonly maxGen: number;
}

/** A line of the file that is not what its place requires. */
class StateFileError extends Error {
  constructor(line: number, what: string) {
    super(`line ${line}: ${what}`);
  }
}

/** The state store of one import run. */
export class StateStore {
  private readonly newSid = randomUUID();

  private constructor(
    private readonly dir: string,
    private readonly tenant: string,
    private readonly header: Header | undefined,
    private readonly log: Logger,
  ) {}

  private get path(): string {
    return join(this.dir, STATE_FILE);
  }

  static open(dir: string, tenant: string, log: Logger): StateStore {
    const path = join(dir, STATE_FILE);
    sweepStale(dir);
    if (!existsSync(path) && existsSync(join(dir, LEGACY_STATE_FILE))) {
      log.warn(
        'the import state file was written by an earlier mimgraph; self-healing resumes after the next full import',
        { path: join(dir, LEGACY_STATE_FILE) },
      );
    }
    let header: Header | undefined;
    if (existsSync(path)) {
      try {
        header = readHeader(path);
        if (header.tenant !== tenant) {
          log.warn('the import state file belongs to another tenant; starting afresh', { path });
          header = undefined;
        }
      } catch (e) {
        log.warn('the import state file cannot be read; self-healing starts afresh', {
          path,
          error: (e as Error).message,
        });
      }
    }
    return new StateStore(dir, tenant, header, log);
  }

  get sid(): string {
    return this.header?.sid ?? this.newSid;
  }

  /**
   * The generation named by the watermark, if the file has it; its objects are read only with
   * `load` (a full import starts from nothing and needs none of them). The read gives way to other
   * work every few thousand lines, so a delta import reads the state while its first Graph pages
   * are on their way.
   */
  async resolve(w: Watermark | undefined, load: boolean): Promise<LoadedState> {
    const h = this.header;
    const maxGen = Math.max(h?.committed ?? 0, h?.pending ?? 0, w?.gen ?? 0);
    const none = { sid: this.sid, named: undefined, current: undefined, maxGen };
    if (!h || !w) return none;
    if (w.sid !== h.sid) {
      this.log.warn('the watermark does not belong to this import state file; working without self-healing', {
        watermarkSid: w.sid ?? null,
      });
      return none;
    }
    if (w.gen !== h.committed && w.gen !== h.pending) {
      this.log.warn(
        'the import state file has no generation for this watermark; working without self-healing',
        { watermarkGen: w.gen, committed: h.committed, pending: h.pending },
      );
      return none;
    }
    if (!load) return { ...none, named: w.gen };
    try {
      return { ...none, named: w.gen, current: await readGeneration(this.path, w.gen) };
    } catch (e) {
      this.log.warn('the import state file cannot be read; working without self-healing', {
        path: this.path,
        error: (e as Error).message,
      });
      return none;
    }
  }

  /** A new spool for a full import's rows, in the state folder (removed by `discard`, or swept once its process is gone). */
  spool(): RowSpool {
    mkdirSync(this.dir, { recursive: true });
    return new RowSpool(join(this.dir, spoolName(process.pid, randomBytes(4).toString('hex'))));
  }

  /**
   * Writes `next` as the pending generation after generation `base` of the current file (the one
   * the run started from, copied line by line — or byte for byte when `read` is that generation as
   * read from the unchanged file), atomically: a temporary file renamed over the old.
   */
  writePending(base: number | undefined, next: Generation, read?: LoadedGeneration): void {
    mkdirSync(this.dir, { recursive: true });
    const keep = base !== undefined && this.header ? base : undefined;
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const out = new LineWriter(tmp);
    try {
      const header: Header = {
        v: STATE_VERSION,
        sid: this.sid,
        tenant: this.tenant,
        committed: keep ?? null,
        pending: next.gen,
      };
      out.line(JSON.stringify(header));
      if (keep !== undefined) {
        const span = read?.gen === keep ? read.source : undefined;
        if (span && span.file === fileStamp(this.path)) out.copyRange(this.path, span.start, span.end);
        else copyGeneration(this.path, keep, out);
      }
      out.line(JSON.stringify({ gen: next.gen }));
      for (const [type, s] of Object.entries(next.types)) {
        if (!s) continue;
        out.line(JSON.stringify({ type, attrs: s.attrs, filter: s.filter, count: s.objects.size }));
        if (s.objects instanceof RowSpool) for (const line of s.objects.lines()) out.line(line);
        else for (const [id, row] of s.objects) out.line(`${id} ${row}`);
      }
      out.line('{"end":true}');
      out.close(true);
      renameSync(tmp, this.path);
      rmSync(join(this.dir, LEGACY_STATE_FILE), { force: true });
    } catch (e) {
      out.abandon();
      rmSync(tmp, { force: true });
      throw e;
    }
  }
}

function readHeader(path: string): Header {
  for (const [n, text] of readLines(path)) {
    let h: Partial<Header>;
    try {
      h = JSON.parse(text) as Partial<Header>;
    } catch {
      throw new StateFileError(n, 'the header is not JSON');
    }
    if (h.v !== STATE_VERSION) throw new StateFileError(n, `unknown state file version ${String(h.v)}`);
    if (typeof h.sid !== 'string' || typeof h.tenant !== 'string')
      throw new StateFileError(n, 'the header has no sid or tenant');
    const gen = (g: unknown) => (Number.isInteger(g) && (g as number) > 0 ? (g as number) : null);
    return {
      v: STATE_VERSION,
      sid: h.sid,
      tenant: h.tenant,
      committed: gen(h.committed),
      pending: gen(h.pending),
    };
  }
  throw new StateFileError(1, 'the file is empty');
}

type Section =
  | { kind: 'gen'; gen: number }
  | { kind: 'type'; type: ObjectTypeName; state: TypeState<Map<string, string>>; count: number };

/**
 * The file's lines after the header, each with the generation it belongs to, checked as they come:
 * every type section holds the count it announces, and the file ends with its end marker (a file cut
 * short by a full disk is refused, not half read).
 */
function* walk(path: string): Generator<{ gen: number; line: string; at: number; section?: Section }> {
  let gen = 0;
  let open: { type: ObjectTypeName; count: number; seen: number; at: number } | undefined;
  let ended = false;
  const closeType = (n: number) => {
    if (open && open.seen !== open.count)
      throw new StateFileError(
        n,
        `${open.type} (line ${open.at}) announces ${open.count} objects but has ${open.seen}`,
      );
    open = undefined;
  };
  let first = true;
  for (const [n, line, at] of readLines(path)) {
    if (first) {
      first = false;
      continue;
    }
    if (ended) throw new StateFileError(n, 'text after the end marker');
    if (line.startsWith('{')) {
      closeType(n);
      let j: Record<string, unknown>;
      try {
        j = JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new StateFileError(n, 'not JSON');
      }
      if (j.end === true) {
        ended = true;
        yield { gen: END, line, at };
        continue;
      }
      if (typeof j.gen === 'number') {
        gen = j.gen;
        yield { gen, line, at, section: { kind: 'gen', gen } };
        continue;
      }
      const attrs = j.attrs;
      if (
        typeof j.type !== 'string' ||
        !Array.isArray(attrs) ||
        !attrs.every((a) => typeof a === 'string') ||
        !(j.filter === null || typeof j.filter === 'string') ||
        !Number.isInteger(j.count)
      )
        throw new StateFileError(n, 'a type line needs type, attrs, filter and count');
      if (gen === 0) throw new StateFileError(n, 'a type before any generation');
      const type = j.type as ObjectTypeName;
      open = { type, count: j.count as number, seen: 0, at: n };
      const state: TypeState<Map<string, string>> = {
        attrs: attrs as string[],
        filter: j.filter as string | null,
        objects: new Map(),
      };
      yield { gen, line, at, section: { kind: 'type', type, state, count: j.count as number } };
      continue;
    }
    if (!open || line.indexOf(' ') < 1) throw new StateFileError(n, 'expected an object line "<id> <row>"');
    open.seen++;
    yield { gen, line, at };
  }
  if (!ended) throw new StateFileError(0, 'the file ends without its end marker (it was cut short)');
  closeType(0);
}

/** Lines read between turns of the event loop. */
const LINES_PER_TURN = 4096;

/** The generation number walk gives the end marker (generations count from 1). */
const END = -1;

/** The file as it is (inode, size, modification time): a span read from it is valid while this holds. */
function fileStamp(path: string): string {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch {
    return '';
  }
}

async function readGeneration(path: string, gen: number): Promise<LoadedGeneration> {
  const types: LoadedGeneration['types'] = {};
  let objects: Map<string, string> | undefined;
  let found = false;
  let n = 0;
  const file = fileStamp(path);
  let start = -1;
  let end = -1;
  for (const { gen: g, line, at, section } of walk(path)) {
    if (++n % LINES_PER_TURN === 0) await new Promise((r) => setImmediate(r));
    if (g !== gen) {
      if (start >= 0 && end < 0) end = at; // the first line after the generation
      continue;
    }
    if (start < 0) start = at;
    found = true;
    if (section?.kind === 'type') {
      types[section.type] = section.state;
      objects = section.state.objects;
    } else if (!section && objects) {
      const at = line.indexOf(' ');
      objects.set(line.slice(0, at), line.slice(at + 1));
    }
  }
  if (!found) throw new Error(`generation ${gen} is not in the file`);
  // Its lines, as read, if the file did not change under the read.
  const source = end > start && fileStamp(path) === file ? { start, end, file } : undefined;
  return { gen, types, ...(source ? { source } : {}) };
}

function copyGeneration(path: string, gen: number, out: LineWriter): void {
  for (const { gen: g, line } of walk(path)) if (g === gen) out.line(line);
}
