import { GraphError } from '../graph/errors.js';
import type { CSEntryChange } from '../model/ecma.js';
import { wholeObjects } from './assemble.js';
import {
  ConversionError,
  entry,
  errorEntry,
  fullAttributes,
  type Piece,
  toPiece,
  updateAttributes,
} from './convert.js';
import { deltaStart, fetchObject, withRelations } from './fetch.js';
import { encodeRow, remapRow } from './hash.js';
import type { TypePlan } from './plan.js';
import type { RunEnv } from './run.js';
import type { TypeState } from './state.js';

/** Graph refuses the link: expired (400/410 syncStateNotFound, resyncRequired) or reset (410 + Location). */
export const isExpiredLink = (e: unknown): e is GraphError =>
  e instanceof GraphError && (e.isExpiredDeltaToken || e.status === 410);

/** What the run knows of one type's objects in MIM: id → fingerprints (in the plan's attribute order). */
class Known {
  private readonly rows: Map<string, string>;
  private readonly names: readonly string[];
  constructor(
    private readonly plan: TypePlan,
    private readonly from: TypeState<Map<string, string>>,
  ) {
    // The run owns the generation it read: its rows become the next generation's (the file keeps
    // the committed one on disk).
    this.rows = from.objects;
    this.names = plan.attributes.map((a) => a.name);
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }
  row(id: string): number[] | undefined {
    const r = this.rows.get(id);
    return r === undefined ? undefined : remapRow(r, this.from.attrs, this.names);
  }
  /** The row in the plan's order, as text (for comparisons). */
  text(id: string): string | undefined {
    const r = this.row(id);
    return r && encodeRow(r);
  }
  set(id: string, row: readonly number[]): void {
    this.rows.set(id, encodeRow(row));
  }
  delete(id: string): boolean {
    return this.rows.delete(id);
  }
  ids(): IterableIterator<string> {
    return this.rows.keys();
  }
  state(): TypeState {
    // Rows of unchanged objects may still be in the old order: bring them all to the plan's.
    const same =
      this.from.attrs.length === this.names.length && this.from.attrs.every((a, i) => a === this.names[i]);
    const objects = same
      ? this.rows
      : new Map([...this.rows].map(([id]) => [id, this.text(id) ?? ''] as const));
    return { attrs: this.names, filter: this.plan.scope?.fingerprint ?? null, objects };
  }
}

/**
 * Delta import of one object type from its stored link. Recovers by itself from an expired or
 * reset link: the type is enumerated again and only the differences to the state are emitted.
 */
export async function* deltaImport(env: RunEnv, plan: TypePlan, link: string): AsyncGenerator<CSEntryChange> {
  // The state may still be being read when the first page is requested: it is needed from the first object on.
  const knowing = Promise.resolve(env.current).then((current) => {
    const from = current?.types[plan.type];
    if (!from && env.stateful) {
      env.log.warn('no import state for this object type: changes are reported as updates', {
        objectType: plan.type,
      });
    }
    return from ? new Known(plan, from) : undefined;
  });
  let newLink: string | undefined;
  try {
    const pages = env.client.delta<unknown>(link, {
      headers: { Prefer: 'return=minimal' },
      signal: env.signal,
    });
    for await (const p of wholeObjects(pages, env.imported, env.log, (last) => {
      newLink = last.deltaLink;
    })) {
      const known = await knowing;
      yield* guarded(plan, p, () => change(env, plan, known, p));
    }
  } catch (e) {
    if (!isExpiredLink(e)) throw e;
    const known = await knowing;
    env.log.warn(
      `the delta link of ${plan.type} is no longer valid (${e.status} ${e.code}); enumerating ${plan.set} again` +
        (known
          ? ' and reporting the differences to the last import'
          : ', reporting every object as a replacement'),
      { objectType: plan.type, status: e.status, code: e.code },
    );
    newLink = undefined;
    yield* recover(env, plan, known, (l) => {
      newLink = l;
    });
  }
  if (newLink) env.links[plan.type] = newLink;
  const known = await knowing;
  if (known) env.next[plan.type] = known.state();
}

/** A conversion failure of one object becomes that object's error entry. */
async function* guarded(
  plan: TypePlan,
  p: Piece,
  fn: () => AsyncGenerator<CSEntryChange>,
): AsyncGenerator<CSEntryChange> {
  try {
    yield* fn();
  } catch (e) {
    if (!(e instanceof ConversionError)) throw e;
    yield errorEntry(plan.type, p.id, 'Update', e);
  }
}

async function* change(
  env: RunEnv,
  plan: TypePlan,
  known: Known | undefined,
  p: Piece,
): AsyncGenerator<CSEntryChange> {
  if (p.removed) {
    if (known && !known.delete(p.id)) return; // never imported (or out of scope): nothing to delete
    yield entry(plan.type, p.id, 'Delete');
    return;
  }
  const scope = plan.scope;
  if (!scope) {
    yield* upsert(env, plan, known, p);
    return;
  }
  const inBefore = known?.has(p.id);
  const touches = scope.properties.some((k) => k in p.props);
  // An object's scope changes only with what the filter reads; one not in scope that the filter
  // would take as it stands (absent = null) is checked too.
  if (!touches && (inBefore === true || (inBefore === false && !scope.matches(p.props)))) {
    if (inBefore) yield* upsert(env, plan, known, p);
    return;
  }
  const current = await fetchObject(env, plan, p.id);
  const inNow = current !== undefined && scope.matches(current);
  if (inBefore === undefined) {
    // No state: the object's scope before this change is unknown.
    if (!inNow) {
      yield entry(plan.type, p.id, 'Delete');
      return;
    }
    yield* upsert(env, plan, known, { ...p, props: { ...current, ...p.props } });
    return;
  }
  if (inBefore && inNow) {
    yield* upsert(env, plan, known, p);
  } else if (inBefore && !inNow) {
    known?.delete(p.id);
    yield entry(plan.type, p.id, 'Delete');
  } else if (!inBefore && inNow && current) {
    const whole = toPiece(await withRelations(env, plan, current), env.imported, env.log);
    const { attributes, row } = fullAttributes(plan, whole, env.fmt);
    known?.set(p.id, row);
    yield entry(plan.type, p.id, 'Add', attributes);
  }
}

/** Update for an object MIM holds; Add (from what the item carries) for one it does not. */
async function* upsert(
  env: RunEnv,
  plan: TypePlan,
  known: Known | undefined,
  p: Piece,
): AsyncGenerator<CSEntryChange> {
  if (known && !known.has(p.id)) {
    // New (or restored) objects come whole in a delta round.
    const { attributes, row } = fullAttributes(plan, p, env.fmt);
    known.set(p.id, row);
    yield entry(plan.type, p.id, 'Add', attributes);
    return;
  }
  const { attributes, row } = updateAttributes(plan, p, known?.row(p.id), env.fmt);
  if (known && row) known.set(p.id, row);
  if (attributes.length === 0) return;
  yield entry(plan.type, p.id, 'Update', attributes);
}

/**
 * Self-healing after an expired link: a new delta round enumerates the type; objects whose
 * fingerprints differ from the state become Replace, new ones Add, vanished ones Delete.
 */
async function* recover(
  env: RunEnv,
  plan: TypePlan,
  known: Known | undefined,
  onLink: (link: string | undefined) => void,
): AsyncGenerator<CSEntryChange> {
  const seen = new Set<string>();
  const pages = env.client.delta<unknown>(deltaStart(plan), { signal: env.signal });
  for await (const p of wholeObjects(pages, env.imported, env.log, (last) => onLink(last.deltaLink))) {
    if (p.removed || seen.has(p.id)) continue;
    if (plan.scope && !plan.scope.matches(p.props)) continue;
    seen.add(p.id);
    try {
      const { attributes, row } = fullAttributes(plan, p, env.fmt);
      if (!known) {
        yield entry(plan.type, p.id, 'Replace', attributes);
        continue;
      }
      const before = known.text(p.id);
      const after = encodeRow(row);
      known.set(p.id, row);
      if (before === after) continue;
      yield entry(plan.type, p.id, before === undefined ? 'Add' : 'Replace', attributes);
    } catch (e) {
      if (!(e instanceof ConversionError)) throw e;
      yield errorEntry(plan.type, p.id, known?.has(p.id) ? 'Replace' : 'Add', e);
    }
  }
  if (!known) {
    env.log.warn(
      `without import state, objects of ${plan.type} deleted while the delta link was invalid stay in MIM until the next full import`,
      { objectType: plan.type },
    );
    return;
  }
  const gone = [...known.ids()].filter((id) => !seen.has(id));
  for (const id of gone) {
    known.delete(id);
    yield entry(plan.type, id, 'Delete');
  }
}
