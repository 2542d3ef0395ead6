import type { CSEntryChange } from '../model/ecma.js';
import { wholeObjects } from './assemble.js';
import { ConversionError, entry, errorEntry, fullAttributes, type Piece, toPiece } from './convert.js';
import { deltaStart, filteredList, latestDeltaLink, mapLimit, withRelations } from './fetch.js';
import { encodeRow } from './hash.js';
import type { TypePlan } from './plan.js';
import { IdSet } from './rows.js';
import type { RunEnv } from './run.js';

/** Objects read per list page are completed with their relations this many at a time. */
const RELATION_CONCURRENCY = 8;

/**
 * Full import of one object type: through its delta endpoint when no filter is configured (the
 * run ends with a fresh delta link), through the list endpoint with the filter otherwise (with a
 * `$deltatoken=latest` link taken first, so changes made meanwhile come with the next delta).
 */
export async function* fullImport(env: RunEnv, plan: TypePlan): AsyncGenerator<CSEntryChange> {
  const seen = new IdSet();
  // Rows go to a file as they come (none are kept without a state folder): memory stays flat.
  const rows = env.spool?.();
  const emit = function* (p: Piece): Generator<CSEntryChange> {
    if (p.removed) return;
    if (!seen.add(p.id)) {
      env.log.warn('Graph reported an object twice in one full import round; the repeat is ignored', {
        objectType: plan.type,
        id: p.id,
      });
      return;
    }
    try {
      const { attributes, row } = fullAttributes(plan, p, env.fmt);
      rows?.add(p.id, encodeRow(row));
      yield entry(plan.type, p.id, 'Add', attributes);
    } catch (e) {
      if (!(e instanceof ConversionError)) throw e;
      env.log.warn('object cannot be imported', { objectType: plan.type, id: p.id, error: e.message });
      yield errorEntry(plan.type, p.id, 'Add', e);
    }
  };

  if (!plan.scope) {
    let link: string | undefined;
    const pages = env.client.delta<unknown>(deltaStart(plan), { signal: env.signal });
    for await (const p of wholeObjects(pages, env.imported, env.log, (last) => {
      link = last.deltaLink;
    })) {
      yield* emit(p);
    }
    if (link) env.links[plan.type] = link;
  } else {
    env.links[plan.type] = await latestDeltaLink(env, plan);
    const { url, headers } = filteredList(plan);
    for await (const page of env.client.pages<unknown>(url, { headers, signal: env.signal })) {
      const whole = await mapLimit(page.value, RELATION_CONCURRENCY, async (raw) => {
        toPiece(raw, env.imported, env.log); // refuses an item without an id before asking for its relations
        return toPiece(await withRelations(env, plan, raw as Record<string, unknown>), env.imported, env.log);
      });
      for (const p of whole) yield* emit(p);
    }
  }
  env.next[plan.type] = {
    attrs: plan.attributes.map((a) => a.name),
    filter: plan.scope?.fingerprint ?? null,
    objects: rows ?? new Map(),
  };
}
