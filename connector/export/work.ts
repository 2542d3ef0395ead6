import type { ObjectTypeName } from '../config/types.js';
import type { CSEntryChange, MAExportError } from '../model/ecma.js';
import type { AttributeInfo } from '../schema/types.js';
import { type EntryFailure, failure } from './errors.js';

/** A multi-valued reference attribute's change: DNs as MIM sent them. */
export interface RefChange {
  readonly rel: 'members' | 'owners';
  readonly adds: string[];
  readonly deletes: string[];
  /** Replace/Delete: the complete new set (empty = clear); needs the current set from Graph. */
  replace?: string[] | undefined;
  /** With replace: the ids Graph holds now (read before writing). */
  currentIds?: string[] | undefined;
}

/** A multi-valued (non-reference) attribute changed value by value: needs its current values. */
export interface ValueDelta {
  readonly info: AttributeInfo;
  readonly adds: unknown[];
  readonly deletes: unknown[];
}

export type CreateKind = 'user' | 'group' | 'invitation' | 'generic';

/** One entry on its way through the phases of a put() call. */
export interface Work {
  readonly entry: CSEntryChange;
  readonly type: ObjectTypeName;
  /** Graph entity set: `users`, `groups`. */
  readonly set: string;
  /** Graph id: known for Update/Delete, assigned by the create for Add. */
  id?: string | undefined;
  /** An Add: the result carries the anchor. */
  readonly add: boolean;
  create?: CreateKind | undefined;
  /** Created in this session (a 404 may be replication lag). */
  fresh: boolean;
  readonly del: boolean;
  /** Top-level Graph properties to write (null clears). */
  readonly props: Map<string, unknown>;
  /** Dotted members of complex properties: parent → member → value (null clears). */
  readonly complex: Map<string, Map<string, unknown>>;
  readonly deltas: Map<string, ValueDelta>;
  readonly refs: RefChange[];
  /** Manager: a DN to set, or null to clear. */
  manager?: string | null | undefined;
  /** The password from `export_password` (never logged). */
  password?: string | undefined;
  /** Invitation-only inputs. */
  invite?: { readonly mail: string; readonly displayName: string | undefined } | undefined;
  /** Nothing (more) to send: e.g. a Delete of an object already gone. */
  done?: boolean | undefined;
  /** Set once: the first failure decides the entry's result. */
  failure?: EntryFailure | undefined;
  /** Things worth a debug line. */
  readonly notes: string[];
}

export function newWork(entry: CSEntryChange, type: ObjectTypeName, set: string): Work {
  return {
    entry,
    type,
    set,
    add: entry.modification === 'Add',
    del: entry.modification === 'Delete',
    fresh: false,
    props: new Map(),
    complex: new Map(),
    deltas: new Map(),
    refs: [],
    notes: [],
  };
}

export function fail(w: Work, code: MAExportError, name: string, detail: string): void {
  w.failure ??= failure(code, name, detail);
}

export const failed = (w: Work) => w.failure !== undefined;

/** Human name of an entry for messages: its DN and type. */
export const label = (w: Work) => `${w.type} '${w.entry.dn ?? w.entry.identifier}'`;
