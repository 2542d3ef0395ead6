import { randomBytes } from 'node:crypto';
import type { EmulatorContext } from '../context.js';
import { parseSelect, type Selection } from '../directory/representation.js';
import type { DirObject, RelationKind } from '../directory/store.js';
import { badRequest, GraphHttpError, unsupportedQuery } from '../http/errors.js';
import type { GraphRequest, GraphResponse } from '../http/types.js';
import type { EntityTypeDef, EntityTypeName } from '../model/types.js';
import { deltaIdFilter } from '../odata/filter.js';
import { decodeToken, encodeToken, odataQueryString } from './paging.js';
import { requireRole } from './permissions.js';

/**
 * Graph's delta query for users, groups, contacts and service principals.
 *
 * A round either enumerates the current state (`initial`, walking the type's enumeration order) or
 * reports changes since a sequence number (`changes`, walking the change log, where each object sits
 * at its latest change). Both kinds of token are self-contained, so links survive a restart of an
 * emulator that keeps its state, and the same object may be reported twice in a round, as Graph
 * allows.
 *
 * An object whose references (`members@delta`, ...) do not fit the page's budget continues on the
 * next pages; its references then go out in id order and the link remembers the last one sent, so
 * references added or removed between the pages neither shift others out of the round nor repeat
 * them (the change itself is reported in the next round).
 */
interface DeltaToken {
  /** `i` = initial enumeration, `c` = changes since `q`. */
  k: 'i' | 'c';
  t: EntityTypeName;
  /** $select as given. */
  s?: string | undefined;
  /** $filter ids. */
  f?: string[] | undefined;
  /** Changes after this sequence are reported (for `i`: the sequence when the round began). */
  q: number;
  /** Cursor: enumeration index (`i`) or change-log position (`c`). */
  p: number;
  /** The object at `p` spans pages: the last reference sent, as [relation index, id]. */
  m?: [number, string] | undefined;
  /** Makes every deltaLink distinct, even two issued in the same millisecond. */
  n?: string | undefined;
  /** Store history and resync generation the token belongs to. */
  e: string;
  g: number;
  /** When the link was issued (ms), for the delta-token age limit. */
  i: number;
}

const isDeltaToken = (v: unknown): v is DeltaToken => {
  const t = v as Partial<DeltaToken> | null;
  return (
    typeof t === 'object' &&
    t !== null &&
    (t.k === 'i' || t.k === 'c') &&
    typeof t.t === 'string' &&
    Number.isInteger(t.q) &&
    Number.isInteger(t.p) &&
    (t.m === undefined ||
      (Array.isArray(t.m) && t.m.length === 2 && Number.isInteger(t.m[0]) && typeof t.m[1] === 'string')) &&
    typeof t.e === 'string' &&
    Number.isInteger(t.g) &&
    Number.isInteger(t.i)
  );
};

const DELTA_ID_LIMIT: Partial<Record<EntityTypeName, number>> = { servicePrincipal: 1000 };

export function deltaQuery(ctx: EmulatorContext, req: GraphRequest, entity: EntityTypeDef): GraphResponse {
  requireRole(req, entity.name, 'read');
  for (const opt of ['$expand', '$orderby', '$search']) {
    if (req.query.has(opt)) throw unsupportedQuery(`The query option '${opt}' is not supported with delta.`);
  }
  const skip = req.query.get('$skiptoken');
  const deltaTokenRaw = queryCaseInsensitive(req.query, '$deltatoken');
  let token: DeltaToken;
  if (skip !== null) {
    if (req.query.has('$select') || req.query.has('$filter')) {
      throw unsupportedQuery(
        'Query options cannot be combined with a $skiptoken; follow the nextLink as given.',
      );
    }
    token = readToken(ctx, req, entity, skip, false);
  } else if (deltaTokenRaw !== null && deltaTokenRaw.toLowerCase() === 'latest') {
    const start = firstRound(ctx, req, entity);
    const sel = parseSelect(start.s ?? null, entity, ctx.store, true);
    const link: DeltaToken = { ...start, k: 'c', q: ctx.store.seq, p: ctx.store.seq + 1, n: nonce() };
    return page(ctx, req, entity, [], link, true, sel);
  } else if (deltaTokenRaw !== null) {
    token = readToken(ctx, req, entity, deltaTokenRaw, true);
    // Newer Graph accepts $select on a deltaLink to change what is tracked.
    const newSelect = req.query.get('$select');
    if (newSelect !== null) {
      parseSelect(newSelect, entity, ctx.store, true);
      token = { ...token, s: newSelect };
    }
  } else {
    token = firstRound(ctx, req, entity);
  }
  return walk(ctx, req, entity, token);
}

const nonce = () => randomBytes(6).toString('base64url');

function queryCaseInsensitive(q: URLSearchParams, name: string): string | null {
  for (const [k, v] of q) if (k.toLowerCase() === name) return v;
  return null;
}

function firstRound(ctx: EmulatorContext, req: GraphRequest, entity: EntityTypeDef): DeltaToken {
  const select = req.query.get('$select') ?? undefined;
  parseSelect(select ?? null, entity, ctx.store, true);
  const filter = req.query.get('$filter');
  const ids = filter === null ? undefined : deltaIdFilter(filter, DELTA_ID_LIMIT[entity.name] ?? 50);
  return {
    k: 'i',
    t: entity.name,
    s: select,
    f: ids?.map((id) => id.toLowerCase()),
    q: ctx.store.seq,
    p: 0,
    e: ctx.store.epoch,
    g: ctx.resyncGeneration,
    i: ctx.now(),
  };
}

function readToken(
  ctx: EmulatorContext,
  req: GraphRequest,
  entity: EntityTypeDef,
  raw: string,
  isDeltaLink: boolean,
): DeltaToken {
  const token = decodeToken(raw, isDeltaToken);
  if (!token || token.t !== entity.name) {
    throw badRequest(
      `The ${isDeltaLink ? '$deltatoken' : '$skiptoken'} value is not valid for this request.`,
    );
  }
  // A token of another store history is unknown here, whatever resync generation it names.
  if (token.e !== ctx.store.epoch) throw syncStateNotFound(ctx);
  if (token.g !== ctx.resyncGeneration) {
    const q: [string, string][] = [];
    if (token.s) q.push(['$select', token.s]);
    if (token.f) q.push(['$filter', token.f.map((id) => `id eq '${id}'`).join(' or ')]);
    const location = `${ctx.root(req.version)}/${entity.entitySet}/delta${q.length ? `?${odataQueryString(q)}` : ''}`;
    throw new GraphHttpError(
      410,
      'resyncRequired',
      'The delta token is no longer valid, and the app must reset the sync state.',
      undefined,
      { Location: location },
    );
  }
  const tooOld = isDeltaLink && ctx.now() - token.i > ctx.behaviour.deltaMaxAgeSeconds * 1000;
  if (tooOld || token.q > ctx.store.seq) throw syncStateNotFound(ctx);
  return token;
}

const syncStateNotFound = (ctx: EmulatorContext) =>
  new GraphHttpError(
    ctx.behaviour.deltaExpiredStatus,
    'syncStateNotFound',
    'The sync state generation is not found. The delta token is expired and data must be synchronized again.',
  );

/** Relations reported as `<relation>@delta`: those selected, and members of groups by default. */
function trackedRelations(entity: EntityTypeDef, sel: Selection): string[] {
  if (sel.explicit) return [...sel.relations];
  return entity.name === 'group' ? ['members'] : [];
}

function walk(
  ctx: EmulatorContext,
  req: GraphRequest,
  entity: EntityTypeDef,
  token: DeltaToken,
): GraphResponse {
  const sel = parseSelect(token.s ?? null, entity, ctx.store, true);
  const relations = trackedRelations(entity, sel);
  const minimal = /return=minimal/i.test(req.headers.prefer ?? '');
  const ids = token.f ? new Set(token.f) : undefined;
  const value: Record<string, unknown>[] = [];
  let refBudget = ctx.behaviour.deltaMembersPerPage;
  let p = token.p;
  // Only the object the token stopped at resumes after a reference; the next ones start afresh.
  let cursor = token.m;
  const end = token.k === 'i' ? ctx.store.orderOf(entity.name).length : ctx.store.logLength;

  for (; p < end && value.length < ctx.behaviour.deltaPageSize && refBudget > 0; p++, cursor = undefined) {
    const o = token.k === 'i' ? ctx.store.atOrder(entity.name, p) : ctx.store.logAt(p);
    if (!o || o.type !== entity.name || (ids && !ids.has(o.id))) continue;
    const whole = token.k === 'i' || (o.state === 'active' && o.stateSeq > token.q);
    const found =
      token.k === 'i'
        ? { item: current(o, sel), onlyRelations: false }
        : changed(o, sel, relations, token.q, minimal);
    if (!found) continue;
    const lists: [number, RefList][] = [];
    if (o.state === 'active') {
      relations.forEach((rel, ri) => {
        const list = relationRefs(o, rel, whole ? undefined : token.q, minimal);
        if (list && list.ids.length > 0) lists.push([ri, list]);
      });
    }
    // Reported only for relation changes that cancelled out (added and removed again): nothing to say.
    if (found.onlyRelations && lists.length === 0) continue;
    const out = cursor ? { id: o.id } : found.item;
    const pending = pendingRefs(lists, cursor);
    let next = pending.next();
    let last: [number, string] | undefined;
    while (!next.done && refBudget > 0) {
      const [ri, id, removed] = next.value;
      const key = `${relations[ri]}@delta`;
      const list = (out[key] as unknown[] | undefined) ?? [];
      list.push(refTo(ctx, id, removed));
      out[key] = list;
      refBudget--;
      last = [ri, id];
      next = pending.next();
    }
    // A continuation whose remaining references all left in the meantime adds nothing.
    if (!cursor || last) value.push(out);
    if (!next.done) return page(ctx, req, entity, value, { ...token, p, m: last }, false, sel);
  }
  if (p < end) return page(ctx, req, entity, value, { ...token, p, m: undefined }, false, sel);
  // An enumeration reports changes made while it ran in the next round; a changes walk has seen the log to its end.
  const q = token.k === 'i' ? token.q : ctx.store.seq;
  const deltaLink: DeltaToken = { ...token, k: 'c', q, p: q + 1, m: undefined, i: ctx.now(), n: nonce() };
  return page(ctx, req, entity, value, deltaLink, true, sel);
}

/** The references still to send, relation by relation in id order, after `cursor` if given. */
function* pendingRefs(
  lists: readonly [number, RefList][],
  cursor: [number, string] | undefined,
): Generator<[number, string, boolean]> {
  for (const [ri, list] of lists) {
    if (cursor && ri < cursor[0]) continue;
    const from = cursor && ri === cursor[0] ? firstAbove(list.ids, cursor[1]) : 0;
    for (let i = from; i < list.ids.length; i++) {
      const id = list.ids[i]!;
      yield [ri, id, list.removed?.has(id) ?? false];
    }
  }
}

function page(
  ctx: EmulatorContext,
  req: GraphRequest,
  entity: EntityTypeDef,
  value: Record<string, unknown>[],
  next: DeltaToken,
  final: boolean,
  sel?: Selection,
): GraphResponse {
  const root = ctx.root(req.version);
  const selectPart = sel?.explicit ? `(${sel.explicit.join(',')})` : '';
  const link = `${root}/${entity.entitySet}/delta?${final ? '$deltatoken' : '$skiptoken'}=${encodeToken(next)}`;
  const body: Record<string, unknown> = {
    '@odata.context': `${root}/$metadata#${entity.entitySet}${selectPart}`,
    [final ? '@odata.deltaLink' : '@odata.nextLink']: link,
    value,
  };
  const headers: Record<string, string> = {};
  if (/return=minimal/i.test(req.headers.prefer ?? '')) headers['Preference-Applied'] = 'return=minimal';
  return { status: 200, body, headers };
}

/** The object as it is now: every selected property that has a value. */
function current(o: DirObject, sel: Selection): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of sel.properties) {
    const v = o.props[p.name];
    if (v !== undefined && v !== null) out[p.name] = v;
  }
  out.id = o.id;
  return out;
}

/**
 * The object in a changes round, or undefined when nothing it tracks changed since `q`.
 * `onlyRelations`: reported for relation changes alone, which may turn out to cancel out.
 */
function changed(
  o: DirObject,
  sel: Selection,
  relations: readonly string[],
  q: number,
  minimal: boolean,
): { item: Record<string, unknown>; onlyRelations: boolean } | undefined {
  const found = (item: Record<string, unknown>, onlyRelations = false) => ({ item, onlyRelations });
  if (o.state === 'gone') return found({ id: o.id, '@removed': { reason: 'deleted' } });
  if (o.state === 'soft')
    return o.stateSeq > q ? found({ id: o.id, '@removed': { reason: 'changed' } }) : undefined;
  if (o.stateSeq > q) return found(current(o, sel));
  const tracked = sel.explicit ? sel.properties.map((p) => p.name) : Object.keys(o.propSeq);
  const changedProps = tracked.filter((name) => (o.propSeq[name] ?? 0) > q);
  const relationChanged = relations.some((rel) =>
    rel === 'manager' ? (o.managerSeq ?? 0) > q : (o.relLog ?? []).some((c) => c.seq > q && c.rel === rel),
  );
  if (changedProps.length === 0 && !relationChanged) return undefined;
  const onlyRelations = changedProps.length === 0;
  if (!minimal) {
    const out = current(o, sel);
    for (const name of changedProps)
      if (!(name in out) && sel.properties.some((p) => p.name === name)) out[name] = null;
    return found(out, onlyRelations);
  }
  const out: Record<string, unknown> = {};
  for (const name of changedProps) {
    if (sel.properties.some((p) => p.name === name)) out[name] = o.props[name] ?? null;
  }
  out.id = o.id;
  return found(out, onlyRelations);
}

/** References of one relation to report: ids in ascending order, the removed ones named in `removed`. */
interface RefList {
  readonly ids: readonly string[];
  readonly removed?: ReadonlySet<string>;
}

function refTo(ctx: EmulatorContext, id: string, removed: boolean): Record<string, unknown> {
  const target = ctx.store.get(id);
  const r: Record<string, unknown> = {
    '@odata.type': `#microsoft.graph.${target?.type ?? 'directoryObject'}`,
    id,
  };
  if (removed) r['@removed'] = { reason: 'deleted' };
  return r;
}

/**
 * References of one relation: all current ones (`since` undefined), or the net changes after
 * `since` (a reference that is back where it was then is no change), removed ones marked.
 * Undefined when nothing is to be reported.
 */
function relationRefs(
  o: DirObject,
  rel: string,
  since: number | undefined,
  minimal: boolean,
): RefList | undefined {
  if (rel === 'manager') {
    if (since !== undefined && (o.managerSeq ?? 0) <= since) {
      return !minimal && o.manager ? { ids: [o.manager] } : undefined;
    }
    if (o.manager) return { ids: [o.manager] };
    if (since !== undefined && o.previousManager) {
      return { ids: [o.previousManager], removed: new Set([o.previousManager]) };
    }
    return undefined;
  }
  const set = o[rel as RelationKind];
  if (!set) return undefined;
  if (since === undefined) return { ids: sortedIds(o, set) };
  const log = o.relLog ?? [];
  // The first change after `since` tells whether the reference existed then.
  const firstOp = new Map<string, 'add' | 'remove'>();
  for (let i = firstAfter(log, since); i < log.length; i++) {
    const c = log[i]!;
    if (c.rel === rel && !firstOp.has(c.id)) firstOp.set(c.id, c.op);
  }
  const ids: string[] = [];
  const removed = new Set<string>();
  for (const [id, op] of firstOp) {
    const was = op === 'remove';
    const is = set.has(id);
    if (was === is) continue;
    ids.push(id);
    if (!is) removed.add(id);
  }
  return ids.length ? { ids: ids.sort(), removed } : undefined;
}

/** A relation's ids in ascending order, kept while the relation is unchanged (large groups span many pages). */
const sortedCache = new WeakMap<ReadonlySet<string>, { version: number; size: number; ids: string[] }>();

function sortedIds(o: DirObject, set: ReadonlySet<string>): readonly string[] {
  const version = o.relLog?.length ?? 0;
  const hit = sortedCache.get(set);
  if (hit && hit.version === version && hit.size === set.size) return hit.ids;
  const ids = [...set].sort();
  sortedCache.set(set, { version, size: set.size, ids });
  return ids;
}

/** Index of the first id greater than `id` in an ascending list. */
function firstAbove(ids: readonly string[], id: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! > id) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function firstAfter(log: readonly { seq: number }[], seq: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (log[mid]!.seq > seq) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
