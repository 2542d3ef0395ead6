import type { GraphClient } from '../graph/client.js';
import { GraphError } from '../graph/errors.js';
import { ADVANCED_QUERY_HEADERS, buildQuery } from '../graph/query.js';
import { UnexpectedDataError } from './errors.js';
import type { TypePlan } from './plan.js';
import { deltaSelect, objectSelect } from './plan.js';

/** Graph reads besides delta rounds: single objects, their relations, and "latest" delta links. */
export interface Reader {
  readonly client: GraphClient;
  readonly signal: AbortSignal;
}

const enc = encodeURIComponent;

/** One object with the plan's properties, or undefined when it is gone. */
export async function fetchObject(
  r: Reader,
  plan: TypePlan,
  id: string,
): Promise<Record<string, unknown> | undefined> {
  const q = buildQuery({ select: objectSelect(plan) });
  try {
    const res = await r.client.request<Record<string, unknown>>('GET', `/${plan.set}/${enc(id)}${q.query}`, {
      signal: r.signal,
    });
    return res.body;
  } catch (e) {
    if (e instanceof GraphError && e.status === 404) return undefined;
    throw e;
  }
}

/**
 * The object with its selected relations as `<relation>@delta` arrays, as a delta round would
 * show a new object ($expand returns at most 20 related objects, so each relation is paged).
 */
export async function withRelations(
  r: Reader,
  plan: TypePlan,
  obj: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const id = String(obj.id);
  const out: Record<string, unknown> = { ...obj };
  for (const rel of plan.relations) {
    if (rel === 'manager') {
      try {
        const res = await r.client.request<Record<string, unknown>>(
          'GET',
          `/${plan.set}/${enc(id)}/manager?$select=id`,
          { signal: r.signal },
        );
        out['manager@delta'] = res.body ? [res.body] : [];
      } catch (e) {
        if (!(e instanceof GraphError && e.status === 404)) throw e;
        out['manager@delta'] = [];
      }
      continue;
    }
    const list: unknown[] = [];
    try {
      for await (const page of r.client.pages<unknown>(`/${plan.set}/${enc(id)}/${rel}?$select=id&$top=999`, {
        signal: r.signal,
      })) {
        for (const v of page.value) list.push(v);
      }
    } catch (e) {
      if (!(e instanceof GraphError && e.status === 404)) throw e;
    }
    out[`${rel}@delta`] = list;
  }
  return out;
}

/** A delta link that reports changes from now on (`$deltatoken=latest`). */
export async function latestDeltaLink(r: Reader, plan: TypePlan): Promise<string> {
  const q = buildQuery({ select: deltaSelect(plan) }).query;
  const url = `/${plan.set}/delta${q ? `${q}&` : '?'}$deltatoken=latest`;
  for await (const page of r.client.delta<unknown>(url, { signal: r.signal })) {
    if (page.deltaLink) return page.deltaLink;
  }
  throw new UnexpectedDataError(`GET ${url}: the delta round ended without a deltaLink`);
}

/** The first URL of a list read with the type's filter. */
export function filteredList(plan: TypePlan): { url: string; headers: Record<string, string> } {
  const q = buildQuery({ select: objectSelect(plan), filter: plan.scope?.text, top: 999 });
  return { url: `/${plan.set}${q.query}`, headers: q.advanced ? { ...ADVANCED_QUERY_HEADERS } : {} };
}

/** The first URL of a delta round that enumerates the type. */
export function deltaStart(plan: TypePlan): string {
  return `/${plan.set}/delta${buildQuery({ select: deltaSelect(plan) }).query}`;
}

/** Runs `fn` over `items` with at most `limit` at once; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (t: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
