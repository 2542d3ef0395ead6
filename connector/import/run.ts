import type { ObjectTypeName } from '../config/types.js';
import type { Logger } from '../runtime/log.js';
import type { DateFormatter } from './convert.js';
import type { Reader } from './fetch.js';
import type { RowSpool } from './rows.js';
import type { LoadedGeneration, TypeState } from './state.js';

/** What the import of every object type in one run shares. */
export interface RunEnv extends Reader {
  readonly log: Logger;
  readonly fmt: DateFormatter;
  /** Object types MIM imports: references to other types are dropped. */
  readonly imported: ReadonlySet<ObjectTypeName>;
  /** The state generation the run starts from, being read (undefined: no self-healing for this run). */
  readonly current: Promise<LoadedGeneration | undefined> | undefined;
  /** Whether the run keeps state at all (a state folder is configured). */
  readonly stateful: boolean;
  /** Where a full import writes each type's rows (undefined without a state folder: none are kept). */
  readonly spool: (() => RowSpool) | undefined;
  /** Filled in as each type's import ends. */
  readonly links: Partial<Record<ObjectTypeName, string>>;
  readonly next: Partial<Record<ObjectTypeName, TypeState>>;
}
