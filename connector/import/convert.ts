import { randomUUID } from 'node:crypto';
import type { ObjectTypeName } from '../config/types.js';
import { GRAPH_TYPES } from '../config/types.js';
import type {
  AttributeChange,
  CSEntryChange,
  ObjectModification,
  TypedValue,
  ValueChange,
} from '../model/ecma.js';
import {
  attributeAdd,
  attributeDelete,
  attributeReplace,
  attributeUpdate,
  bin,
  bool,
  int,
  ref,
  str,
  valueAdd,
  valueDelete,
} from '../model/values.js';
import type { Logger } from '../runtime/log.js';
import type { AttributeInfo } from '../schema/types.js';
import { UnexpectedDataError } from './errors.js';
import { addHash, subHash, sumHash, valueHash } from './hash.js';
import type { TypePlan } from './plan.js';

/** How DateTimeOffset values become strings (config.dateTimeFormat, in UTC). */
export type DateFormatter = (iso: string) => string;

export type RefRelation = 'members' | 'owners';

/** One Graph item (or several merged), normalised: what import reads of it. */
export interface Piece {
  readonly id: string;
  /** `@removed.reason` when the object left (changed = soft-deleted, deleted = gone). */
  removed?: string | undefined;
  /** Top-level Graph properties present in the item. */
  props: Record<string, unknown>;
  /** Links added / removed (for a complete object: all of them in `add`). */
  refs: Partial<Record<RefRelation, { add: string[]; remove: string[] }>>;
  /** manager@delta: the new manager's id, null when removed, undefined when not mentioned. */
  manager?: string | null | undefined;
}

/** A value that cannot be converted: the object becomes an error entry, the run goes on. */
export class ConversionError extends Error {
  override readonly name = 'ConversionError';
}

const GRAPH_TO_MIM = new Map<string, ObjectTypeName>(
  Object.entries(GRAPH_TYPES).map(([mim, graph]) => [graph.toLowerCase(), mim as ObjectTypeName]),
);

/** The MIM object type of an `@odata.type` (`#microsoft.graph.orgContact` → contact). */
export function mimTypeOf(odataType: unknown): ObjectTypeName | undefined {
  if (typeof odataType !== 'string') return undefined;
  return GRAPH_TO_MIM.get(odataType.replace(/^#?microsoft\.graph\./i, '').toLowerCase());
}

/**
 * Reads one Graph item. `imported`: MIM object types in the run; references to objects of other
 * types are dropped (a debug log says so).
 */
export function toPiece(raw: unknown, imported: ReadonlySet<ObjectTypeName>, log: Logger): Piece {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UnexpectedDataError(
      `Graph returned an item that is not an object: ${JSON.stringify(raw)?.slice(0, 80)}`,
    );
  }
  const o = raw as Record<string, unknown>;
  if (typeof o.id !== 'string' || o.id === '')
    throw new UnexpectedDataError(
      `Graph returned an item without an id: ${JSON.stringify(raw).slice(0, 120)}`,
    );
  const piece: Piece = { id: o.id.toLowerCase(), props: {}, refs: {} };
  for (const [k, v] of Object.entries(o)) {
    if (k === '@removed') {
      piece.removed = String((v as { reason?: unknown } | null)?.reason ?? 'deleted');
    } else if (k === 'manager@delta') {
      piece.manager = managerOf(v, piece.id, imported, log);
    } else if (k === 'members@delta' || k === 'owners@delta') {
      const rel = k.slice(0, -6) as RefRelation;
      piece.refs[rel] = linksOf(v, piece.id, rel, imported, log);
    } else if (!k.includes('@')) {
      piece.props[k] = v;
    }
  }
  return piece;
}

function linkTarget(
  e: unknown,
  owner: string,
  rel: string,
  imported: ReadonlySet<ObjectTypeName>,
  log: Logger,
): { id: string; removed: boolean } | undefined {
  const r = e as Record<string, unknown> | null;
  if (typeof r !== 'object' || r === null || typeof r.id !== 'string')
    throw new UnexpectedDataError(`${rel}@delta of ${owner} holds an entry without an id`);
  const odataType = r['@odata.type'];
  if (odataType !== undefined) {
    const t = mimTypeOf(odataType);
    if (!t || !imported.has(t)) {
      log.debug('reference to an object type that is not imported dropped', {
        owner,
        relation: rel,
        target: r.id,
        type: String(odataType),
      });
      return undefined;
    }
  }
  return { id: r.id.toLowerCase(), removed: r['@removed'] !== undefined };
}

function linksOf(
  v: unknown,
  owner: string,
  rel: RefRelation,
  imported: ReadonlySet<ObjectTypeName>,
  log: Logger,
): { add: string[]; remove: string[] } {
  if (!Array.isArray(v)) throw new UnexpectedDataError(`${rel}@delta of ${owner} is not an array`);
  const out = { add: [] as string[], remove: [] as string[] };
  for (const e of v) {
    const t = linkTarget(e, owner, rel, imported, log);
    if (t) (t.removed ? out.remove : out.add).push(t.id);
  }
  return out;
}

function managerOf(
  v: unknown,
  owner: string,
  imported: ReadonlySet<ObjectTypeName>,
  log: Logger,
): string | null {
  const list = Array.isArray(v) ? v : v === null ? [] : [v];
  let result: string | null = null;
  for (const e of list) {
    const t = linkTarget(e, owner, 'manager', imported, log);
    if (t && !t.removed) result = t.id;
  }
  return result;
}

/** Later pieces of the same object win for properties; links accumulate. */
export function mergePiece(into: Piece, from: Piece): void {
  Object.assign(into.props, from.props);
  for (const rel of ['members', 'owners'] as const) {
    const f = from.refs[rel];
    if (!f) continue;
    into.refs[rel] ??= { add: [], remove: [] };
    const t = into.refs[rel];
    for (const id of f.add) t.add.push(id);
    for (const id of f.remove) t.remove.push(id);
  }
  if (from.manager !== undefined) into.manager = from.manager;
  if (from.removed !== undefined) into.removed = from.removed;
  else if (Object.keys(from.props).length > 0) into.removed = undefined;
}

// ---- values ----------------------------------------------------------------------------------

function scalar(info: AttributeInfo, v: unknown, fmt: DateFormatter): TypedValue {
  const fail = (why: string): never => {
    throw new ConversionError(`${info.name}: ${why} (${JSON.stringify(v)?.slice(0, 60)})`);
  };
  if (info.jsonElements || (typeof v === 'object' && v !== null)) return str(JSON.stringify(v));
  switch (info.dataType) {
    case 'Boolean':
      if (typeof v !== 'boolean') fail('not a boolean');
      return bool(v as boolean);
    case 'Integer':
      if (typeof v !== 'number' && typeof v !== 'string') fail('not an integer');
      try {
        return int(v as number | string);
      } catch {
        return fail('not an integer');
      }
    case 'Binary':
      if (typeof v !== 'string') fail('not base64 text');
      return bin(v as string);
    case 'Reference':
      return ref(String(v).toLowerCase());
    default:
      if (info.edmType === 'Edm.DateTimeOffset') {
        if (typeof v !== 'string') fail('not a date and time');
        try {
          return str(fmt(v as string));
        } catch (e) {
          return fail(`not a date and time (${(e as Error).message})`);
        }
      }
      if (typeof v === 'string') return str(v);
      if (typeof v === 'number' || typeof v === 'boolean') return str(String(v));
      return fail('not a string');
  }
}

/**
 * The attribute's values in a piece's properties: undefined when the item says nothing about it,
 * [] when it is empty or cleared.
 */
export function valuesOf(
  info: AttributeInfo,
  props: Record<string, unknown>,
  fmt: DateFormatter,
): TypedValue[] | undefined {
  const [top, ...rest] = info.path;
  if (top === undefined || !(top in props)) return undefined;
  let v: unknown = props[top];
  for (const k of rest) {
    if (v === null || v === undefined) break;
    if (typeof v !== 'object' || Array.isArray(v))
      throw new ConversionError(`${info.name}: ${top} is not an object`);
    v = (v as Record<string, unknown>)[k];
  }
  if (v === null || v === undefined) return [];
  if (info.multiValued || info.jsonElements) {
    if (!Array.isArray(v)) throw new ConversionError(`${info.name}: Graph sent a single value for a list`);
    return v.filter((e) => e !== null && e !== undefined).map((e) => scalar(info, e, fmt));
  }
  if (Array.isArray(v)) throw new ConversionError(`${info.name}: Graph sent a list for a single value`);
  if (v === '' && info.dataType === 'String') return [];
  return [scalar(info, v, fmt)];
}

// ---- entries ---------------------------------------------------------------------------------

export function entry(
  type: ObjectTypeName,
  id: string,
  modification: ObjectModification,
  attributes: readonly AttributeChange[] = [],
): CSEntryChange {
  return {
    identifier: randomUUID(),
    objectType: type,
    modification,
    dn: id,
    anchors: [{ name: 'id', value: str(id) }],
    attributes,
  };
}

export function errorEntry(
  type: ObjectTypeName,
  id: string,
  modification: ObjectModification,
  e: unknown,
): CSEntryChange {
  return {
    ...entry(type, id, modification),
    errorCodeImport: 'ImportErrorCustomContinueRun',
    errorName: e instanceof Error ? e.name : 'ImportError',
    errorDetail: e instanceof Error ? e.message : String(e),
  };
}

const uniq = (ids: readonly string[]) => [...new Set(ids)];

/** A complete object as Add attribute changes, and its fingerprint row. */
export function fullAttributes(
  plan: TypePlan,
  p: Piece,
  fmt: DateFormatter,
): { attributes: AttributeChange[]; row: number[] } {
  const attributes: AttributeChange[] = [];
  const row: number[] = [];
  for (const info of plan.attributes) {
    let values: TypedValue[];
    if (info.relation === 'manager') values = p.manager ? [ref(p.manager)] : [];
    else if (info.relation) values = uniq(p.refs[info.relation]?.add ?? []).map(ref);
    else values = valuesOf(info, p.props, fmt) ?? [];
    row.push(sumHash(values));
    if (values.length > 0) attributes.push(attributeAdd(info.name, values));
  }
  return { attributes, row };
}

/**
 * A changed object's Update attribute changes. With the previous fingerprints (`old`), attributes
 * whose value did not change are left out and the new fingerprints are returned.
 */
export function updateAttributes(
  plan: TypePlan,
  p: Piece,
  old: readonly number[] | undefined,
  fmt: DateFormatter,
): { attributes: AttributeChange[]; row: number[] | undefined } {
  const attributes: AttributeChange[] = [];
  const row = old ? [...old] : undefined;
  plan.attributes.forEach((info, i) => {
    const before = row?.[i];
    const known = before !== undefined && before >= 0;
    if (info.relation === 'manager') {
      if (p.manager === undefined) return;
      const values = p.manager ? [ref(p.manager)] : [];
      const h = sumHash(values);
      if (known && h === before) return;
      if (row) row[i] = h;
      attributes.push(values.length ? attributeReplace(info.name, values) : attributeDelete(info.name));
      return;
    }
    if (info.relation) {
      const links = p.refs[info.relation];
      if (!links) return;
      const removed = new Set(links.remove);
      const changes: ValueChange[] = [];
      let h = known ? before : 0;
      for (const id of uniq(links.add)) {
        if (removed.has(id)) continue;
        changes.push(valueAdd(ref(id)));
        h = addHash(h, valueHash(ref(id)));
      }
      for (const id of removed) {
        changes.push(valueDelete(ref(id)));
        h = subHash(h, valueHash(ref(id)));
      }
      if (row) row[i] = known ? h : -1;
      if (changes.length) attributes.push(attributeUpdate(info.name, changes));
      return;
    }
    const values = valuesOf(info, p.props, fmt);
    if (values === undefined) return;
    const h = sumHash(values);
    if (known && h === before) return;
    if (row) row[i] = h;
    attributes.push(values.length ? attributeReplace(info.name, values) : attributeDelete(info.name));
  });
  return { attributes, row };
}

/** An Update entry's attribute changes turned into Add changes (for an object MIM does not hold yet). */
export function asAddAttributes(changes: readonly AttributeChange[]): AttributeChange[] {
  const out: AttributeChange[] = [];
  for (const c of changes) {
    const values = c.values.filter((v) => v.modification === 'Add');
    if (c.modification !== 'Delete' && values.length) out.push({ name: c.name, modification: 'Add', values });
  }
  return out;
}
