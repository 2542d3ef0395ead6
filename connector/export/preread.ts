import type { BatchRequest } from '../graph/batch.js';
import { runBatch } from '../graph/batch.js';
import type { GraphClient } from '../graph/client.js';
import { GraphError } from '../graph/errors.js';
import type { Logger } from '../runtime/log.js';
import { isUnreachable, mapEntryError } from './errors.js';
import { sameGraphValue } from './values.js';
import { fail, failed, label, type Work } from './work.js';

/** Types that carry onPremisesSyncEnabled. */
const SYNCABLE = new Set(['user', 'group']);

export interface PrereadOptions {
  concurrency: number;
  signal: AbortSignal;
  log: Logger;
}

/**
 * Reads what the writes need before any is sent, 20 GETs to a $batch: whether the object is
 * synchronised from on-premises (Entra Connect owns it: never written), the current values of
 * complex properties with changed members (merged, so Graph's replace-the-whole-object semantics
 * keep the others), and of multi-valued properties changed value by value. One read per entry.
 * A missing object fails an Update (MissingObject) and completes a Delete (already gone).
 */
export async function preread(client: GraphClient, works: readonly Work[], o: PrereadOptions): Promise<void> {
  const todo = works.filter(
    (w) =>
      !failed(w) && w.id !== undefined && (SYNCABLE.has(w.type) || w.complex.size > 0 || w.deltas.size > 0),
  );
  const requests: BatchRequest[] = todo.map((w, i) => {
    const sync = SYNCABLE.has(w.type) ? ['onPremisesSyncEnabled'] : [];
    const select = new Set(['id', ...sync, ...w.complex.keys(), ...w.deltas.keys()]);
    return { id: `r${i}`, method: 'GET', url: `/${w.set}/${w.id}?$select=${[...select].join(',')}` };
  });
  const results = requests.length
    ? await runBatch(client, requests, { concurrency: o.concurrency, signal: o.signal })
    : new Map();
  todo.forEach((w, i) => {
    const r = results.get(`r${i}`);
    if (!r) return;
    if (r.error) {
      if (isUnreachable(r.error)) throw r.error;
      if (r.error instanceof GraphError && r.error.status === 404 && w.add) {
        // An Add whose earlier creation is recorded, but the object is gone since: create it again.
        w.notes.push(`${label(w)} was created before but is gone (404): it is created again`);
        w.id = undefined;
        w.fresh = false;
        return;
      }
      if (r.error instanceof GraphError && r.error.status === 404 && w.del) {
        w.notes.push(`${label(w)} is already gone (404): the delete counts as done`);
        w.done = true;
        return;
      }
      w.failure ??= mapEntryError(r.error, 'read');
      return;
    }
    const obj = (r.body ?? {}) as Record<string, unknown>;
    if (obj.onPremisesSyncEnabled === true) {
      fail(
        w,
        'ExportErrorCustomContinueRun',
        'SynchronizedFromOnPremises',
        `${label(w)} is synchronised from on-premises Active Directory by Entra Connect (onPremisesSyncEnabled is true): ` +
          'Graph would refuse or silently lose the change, so it is not written; make the change on-premises or scope this object out of the export',
      );
      return;
    }
    for (const [parent, members] of w.complex) {
      const current = (obj[parent] ?? {}) as Record<string, unknown>;
      const merged = { ...current };
      for (const [k, v] of members) merged[k] = v;
      delete merged['@odata.type'];
      w.props.set(parent, merged);
    }
    w.complex.clear();
    for (const [prop, d] of w.deltas) {
      const current = Array.isArray(obj[prop]) ? (obj[prop] as unknown[]) : [];
      const next = current.filter((v) => !d.deletes.some((x) => sameGraphValue(x, v)));
      for (const a of d.adds) if (!next.some((v) => sameGraphValue(v, a))) next.push(a);
      w.props.set(prop, next);
    }
    w.deltas.clear();
  });
}

/**
 * The current members/owners of groups whose reference attribute is replaced or cleared: the
 * difference becomes per-value adds and removes (rare with AttributeUpdate export).
 */
export async function readCurrentRefs(
  client: GraphClient,
  works: readonly Work[],
  signal: AbortSignal,
): Promise<void> {
  for (const w of works) {
    if (failed(w) || !w.id) continue;
    for (const r of w.refs) {
      if (!r.replace) continue;
      const current: string[] = [];
      for await (const page of client.pages<{ id: string }>(`/${w.set}/${w.id}/${r.rel}?$select=id`, {
        signal,
      })) {
        for (const x of page.value) current.push(x.id.toLowerCase());
      }
      r.currentIds = current;
    }
  }
}
