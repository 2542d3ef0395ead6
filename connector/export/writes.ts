import type { BatchRequest } from '../graph/batch.js';
import { GraphError } from '../graph/errors.js';
import type { MAExportError } from '../model/ecma.js';
import { isAlreadyReferenced, isNotReferenced, type RequestKind } from './errors.js';
import { fail, failed, label, type Work } from './work.js';

/** Graph's limit for `members@odata.bind` in one request (all or nothing). */
export const MAX_BIND = 20;

/** One write, tied to its entry. */
export interface Op extends BatchRequest {
  readonly work: Work;
  readonly kind: RequestKind;
  /** A failure that means the change is already in place: returns the note to log, or undefined. */
  readonly tolerate?: ((e: GraphError) => string | undefined) | undefined;
  /** A 400 falls back to these (bulk member add → one $ref per member). */
  readonly fallback?: (() => Op[]) | undefined;
  /** Touches an object created in this session: a 404 may be replication lag and is retried. */
  readonly fresh: boolean;
  readonly attempt: number;
  readonly onSuccess?: ((body: unknown) => void) | undefined;
}

export type RefResolution = { id: string } | { code: MAExportError; detail: string };

/** Resolves a reference DN (placeholder or Graph id) to an id, or says why not. */
export type ResolveRef = (dn: string) => RefResolution;

let seq = 0;
export const nextOpId = () => `w${++seq}`;

/**
 * Builds the writes of one entry whose id is known: delete; PATCH of the changed properties (and a
 * password); members added 20 per `members@odata.bind` PATCH (on a 400, one `$ref` POST each);
 * owners added one `$ref` POST each; member/owner removes one `$ref` DELETE each; the manager by
 * PUT/DELETE `manager/$ref`. All references are resolved first: one that cannot be resolved leaves
 * the entry unwritten.
 */
export function buildWrites(
  w: Work,
  resolve: ResolveRef,
  root: string,
  freshIds: ReadonlySet<string>,
  forceChange: boolean,
): Op[] {
  if (failed(w) || w.done || !w.id) return [];
  const base = `/${w.set}/${w.id}`;
  const op = (o: Omit<Op, 'id' | 'work' | 'attempt' | 'fresh'> & { fresh?: boolean }): Op => ({
    id: nextOpId(),
    work: w,
    attempt: 0,
    ...o,
    fresh: w.fresh || o.fresh === true,
  });
  if (w.del) {
    return [
      op({
        kind: 'delete',
        method: 'DELETE',
        url: base,
        tolerate: (e) =>
          e.status === 404 ? `${label(w)} was already gone (404): the delete counts as done` : undefined,
      }),
    ];
  }
  // Resolve every reference before anything is written.
  const ids = (dns: readonly string[]): string[] | undefined => {
    const out: string[] = [];
    for (const dn of dns) {
      const r = resolve(dn);
      if ('code' in r) {
        fail(
          w,
          r.code,
          r.code === 'ExportActionRetryReferenceAttribute' ? 'ReferencePending' : 'UnresolvedReference',
          r.detail,
        );
        return undefined;
      }
      out.push(r.id);
    }
    return out;
  };
  const refs: { rel: 'members' | 'owners'; adds: string[]; deletes: string[] }[] = [];
  for (const r of w.refs) {
    if (r.replace) {
      const want = ids(r.replace);
      if (!want) return [];
      const current = new Set(r.currentIds ?? []);
      const wanted = new Set(want);
      refs.push({
        rel: r.rel,
        adds: [...wanted].filter((x) => !current.has(x)),
        deletes: [...current].filter((x) => !wanted.has(x)),
      });
      continue;
    }
    const adds = ids(r.adds);
    const deletes = ids(r.deletes);
    if (!adds || !deletes) return [];
    refs.push({ rel: r.rel, adds: [...new Set(adds)], deletes: [...new Set(deletes)] });
  }
  let manager: string | null | undefined;
  if (typeof w.manager === 'string') {
    const m = ids([w.manager]);
    if (!m) return [];
    manager = m[0];
  } else manager = w.manager;

  const ops: Op[] = [];
  const body: Record<string, unknown> = Object.fromEntries(w.props);
  for (const [k, members] of w.complex) body[k] = Object.fromEntries(members);
  if (w.password) body.passwordProfile = { password: w.password, forceChangePasswordNextSignIn: forceChange };
  if (Object.keys(body).length > 0) ops.push(op({ kind: 'update', method: 'PATCH', url: base, body }));

  const url = (id: string) => `${root}/directoryObjects/${id}`;
  const already = (rel: string, id: string) => (e: GraphError) =>
    isAlreadyReferenced(e) ? `${id} is already in ${rel} of ${label(w)}` : undefined;
  const addOne = (rel: string, id: string) =>
    op({
      kind: 'reference',
      method: 'POST',
      url: `${base}/${rel}/$ref`,
      body: { '@odata.id': url(id) },
      tolerate: already(rel, id),
      fresh: freshIds.has(id),
    });
  for (const r of refs) {
    if (r.rel === 'members') {
      for (let i = 0; i < r.adds.length; i += MAX_BIND) {
        const chunk = r.adds.slice(i, i + MAX_BIND);
        ops.push(
          op({
            kind: 'reference',
            method: 'PATCH',
            url: base,
            body: { 'members@odata.bind': chunk.map(url) },
            fresh: chunk.some((id) => freshIds.has(id)),
            fallback: () => chunk.map((id) => addOne('members', id)),
          }),
        );
      }
    } else {
      for (const id of r.adds) ops.push(addOne(r.rel, id));
    }
    for (const id of r.deletes) {
      ops.push(
        op({
          kind: 'reference',
          method: 'DELETE',
          url: `${base}/${r.rel}/${id}/$ref`,
          tolerate: (e) => (isNotReferenced(e) ? `${id} was not in ${r.rel} of ${label(w)}` : undefined),
        }),
      );
    }
  }
  if (manager === null) {
    ops.push(
      op({
        kind: 'reference',
        method: 'DELETE',
        url: `${base}/manager/$ref`,
        tolerate: (e) => (e.status === 404 ? `${label(w)} had no manager` : undefined),
      }),
    );
  } else if (manager !== undefined) {
    ops.push(
      op({
        kind: 'reference',
        method: 'PUT',
        url: `${base}/manager/$ref`,
        body: { '@odata.id': url(manager) },
        fresh: freshIds.has(manager),
      }),
    );
  }
  return ops;
}

export const isGraphError = (e: unknown): e is GraphError => e instanceof GraphError;
