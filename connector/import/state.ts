import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ObjectTypeName } from '../config/types.js';
import type { Logger } from '../runtime/log.js';
import type { Watermark } from './watermark.js';

/**
 * The import state file (`<stateDir>/import-state.json`): per object type, the anchors MIM holds
 * from this connector with a fingerprint row of their last imported values (see hash.ts), the
 * attribute order of those rows and the filter the type was imported with.
 *
 * A generation becomes current only once MIM has committed the watermark that names it: the file
 * holds the last committed generation and at most one pending one, written at a Normal close.
 * The next open promotes the pending one if the watermark names it, or drops it if the watermark
 * still names the committed one (the run failed, or MIM did not keep its watermark).
 *
 *   {"v":2,"sid":"…","tenant":"…","committed":{"gen":3,"types":{"user":{"attrs":["displayName",…],
 *    "filter":null,"objects":{"<id>":"<row>"}}}},"pending":{"gen":4,"types":{…}}}
 */
export const STATE_FILE = 'import-state.json';

export interface TypeState {
  /** MIM attribute names in the order of the rows' fingerprints. */
  readonly attrs: readonly string[];
  /** Fingerprint of the $filter the objects were imported with; null = unfiltered. */
  readonly filter: string | null;
  /** id → fingerprint row: exactly the objects MIM holds (for a filtered type: those in scope). */
  readonly objects: Map<string, string>;
}

export interface Generation {
  readonly gen: number;
  readonly types: Partial<Record<ObjectTypeName, TypeState>>;
}

/** Version 2: fingerprints by hash.ts's FNV lanes (version 1 used SHA-1; its rows cannot be compared). */
const STATE_VERSION = 2;

interface StateFileJson {
  v: typeof STATE_VERSION;
  sid: string;
  tenant: string;
  committed: GenerationJson | null;
  pending: GenerationJson | null;
}

interface GenerationJson {
  gen: number;
  types: Partial<
    Record<ObjectTypeName, { attrs: string[]; filter: string | null; objects: Record<string, string> }>
  >;
}

export interface LoadedState {
  readonly sid: string;
  /** The generation the watermark names, or undefined when there is none usable. */
  readonly current: Generation | undefined;
  /** Highest generation number seen (new generations count up from it). */
  readonly maxGen: number;
}

/** The state store of one import run. */
export class StateStore {
  private constructor(
    private readonly dir: string,
    private readonly tenant: string,
    private readonly file: StateFileJson | undefined,
    private readonly log: Logger,
  ) {}

  static open(dir: string, tenant: string, log: Logger): StateStore {
    const path = join(dir, STATE_FILE);
    let file: StateFileJson | undefined;
    if (existsSync(path)) {
      try {
        const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<StateFileJson>;
        if ((raw.v as number) === 1)
          throw new Error('it was written by an earlier mimgraph; a full import writes it afresh');
        if (raw.v !== STATE_VERSION || typeof raw.sid !== 'string')
          throw new Error(`unknown state file version ${raw.v}`);
        if (raw.tenant !== tenant) {
          log.warn('the import state file belongs to another tenant; starting afresh', { path });
        } else {
          file = raw as StateFileJson;
        }
      } catch (e) {
        log.warn('the import state file cannot be read; self-healing starts afresh', {
          path,
          error: (e as Error).message,
        });
      }
    }
    return new StateStore(dir, tenant, file, log);
  }

  get sid(): string {
    return this.file?.sid ?? this.newSid;
  }

  private readonly newSid = randomUUID();

  /** The generation named by the watermark, if the file has it. */
  resolve(w: Watermark | undefined): LoadedState {
    const f = this.file;
    const maxGen = Math.max(f?.committed?.gen ?? 0, f?.pending?.gen ?? 0, w?.gen ?? 0);
    if (!f || !w) return { sid: this.sid, current: undefined, maxGen };
    if (w.sid !== f.sid) {
      this.log.warn('the watermark does not belong to this import state file; working without self-healing', {
        watermarkSid: w.sid ?? null,
      });
      return { sid: this.sid, current: undefined, maxGen };
    }
    const named = [f.committed, f.pending].find((g) => g?.gen === w.gen);
    if (!named) {
      this.log.warn(
        'the import state file has no generation for this watermark; working without self-healing',
        {
          watermarkGen: w.gen,
          committed: f.committed?.gen ?? null,
          pending: f.pending?.gen ?? null,
        },
      );
      return { sid: this.sid, current: undefined, maxGen };
    }
    return { sid: this.sid, current: fromJson(named), maxGen };
  }

  /**
   * Writes `next` as the pending generation beside `committed` (the one the run started from),
   * atomically: a temporary file renamed over the old one.
   */
  writePending(committed: Generation | undefined, next: Generation): void {
    const out: StateFileJson = {
      v: STATE_VERSION,
      sid: this.sid,
      tenant: this.tenant,
      committed: committed ? toJson(committed) : null,
      pending: toJson(next),
    };
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, STATE_FILE);
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(out));
      renameSync(tmp, path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }
}

function fromJson(g: GenerationJson): Generation {
  const types: Partial<Record<ObjectTypeName, TypeState>> = {};
  for (const [t, s] of Object.entries(g.types)) {
    if (!s) continue;
    types[t as ObjectTypeName] = {
      attrs: s.attrs,
      filter: s.filter,
      objects: new Map(Object.entries(s.objects)),
    };
  }
  return { gen: g.gen, types };
}

function toJson(g: Generation): GenerationJson {
  const types: GenerationJson['types'] = {};
  for (const [t, s] of Object.entries(g.types)) {
    if (!s) continue;
    types[t as ObjectTypeName] = {
      attrs: [...s.attrs],
      filter: s.filter,
      objects: Object.fromEntries(s.objects),
    };
  }
  return { gen: g.gen, types };
}
