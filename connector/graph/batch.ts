import type { GraphClient } from './client.js';
import { GraphError, TransportError } from './errors.js';
import { backoffMs, parseRetryAfter, READ_ONLY_TRANSIENT, sleep, TRANSIENT_STATUSES } from './retry.js';

/**
 * JSON batching: requests packed 20 to a POST /$batch, several batches in flight, results mapped back
 * by id. Only items that failed transiently (429, 503, 504) are sent again, after the longest
 * Retry-After among them. Items that depend on each other (dependsOn) always travel in one batch.
 */
export interface BatchRequest {
  id: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Relative to the version root: `/users/{id}`. */
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  dependsOn?: string[];
  /**
   * For a create: finds the object if an earlier, interrupted attempt created it, so a retry never
   * makes a duplicate. Without it, a create whose outcome is unknown fails instead of being re-sent.
   */
  lookup?: () => Promise<unknown | undefined>;
}

export interface BatchResult {
  id: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** Set when status >= 400. */
  error?: GraphError | TransportError | undefined;
  /** The object was found by `lookup` after an interrupted create. */
  recovered?: boolean;
}

export interface BatchOptions {
  /** Batches in flight at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
}

const MAX_PER_BATCH = 20;

export async function runBatch(
  client: GraphClient,
  requests: readonly BatchRequest[],
  opts: BatchOptions = {},
): Promise<Map<string, BatchResult>> {
  validate(requests);
  const results = new Map<string, BatchResult>();
  const chunks = pack(requests);
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      for (const r of await runChunk(client, chunk, opts.signal)) results.set(r.id, r);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, chunks.length) }, worker));
  return results;
}

function validate(requests: readonly BatchRequest[]): void {
  const ids = new Set<string>();
  for (const r of requests) {
    const key = r.id.toLowerCase();
    if (ids.has(key)) throw new Error(`batch request id '${r.id}' is used twice`);
    ids.add(key);
  }
  for (const r of requests) {
    for (const d of r.dependsOn ?? [])
      if (!ids.has(d.toLowerCase())) throw new Error(`batch request '${r.id}' depends on unknown '${d}'`);
  }
}

/** Groups requests linked by dependsOn (union-find), then fills batches of 20 with whole groups. */
function pack(requests: readonly BatchRequest[]): BatchRequest[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let p = parent.get(x) ?? x;
    while (p !== (parent.get(p) ?? p)) p = parent.get(p) ?? p;
    parent.set(x, p);
    return p;
  };
  for (const r of requests) {
    for (const d of r.dependsOn ?? []) parent.set(find(r.id.toLowerCase()), find(d.toLowerCase()));
  }
  const groups = new Map<string, BatchRequest[]>();
  for (const r of requests) {
    const root = find(r.id.toLowerCase());
    const g = groups.get(root) ?? [];
    g.push(r);
    groups.set(root, g);
  }
  const chunks: BatchRequest[][] = [];
  let current: BatchRequest[] = [];
  for (const g of groups.values()) {
    if (g.length > MAX_PER_BATCH)
      throw new Error(`requests linked by dependsOn (${g.length}) exceed one batch of ${MAX_PER_BATCH}`);
    if (current.length + g.length > MAX_PER_BATCH) {
      chunks.push(current);
      current = [];
    }
    current.push(...g);
  }
  if (current.length) chunks.push(current);
  return chunks;
}

interface InnerResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

async function runChunk(
  client: GraphClient,
  chunk: BatchRequest[],
  signal: AbortSignal | undefined,
): Promise<BatchResult[]> {
  const done = new Map<string, BatchResult>();
  let pending = chunk;
  const policy = client.retryPolicy;
  let waited = 0;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const writes = pending.filter((r) => r.method !== 'GET').length;
    const t0 = performance.now();
    const permit = writes && client.governor ? await client.governor.acquire(writes, signal) : undefined;
    client.counters.governorWaitMs += performance.now() - t0;
    let responses: InnerResponse[];
    try {
      responses = await post(client, pending, signal);
    } catch (e) {
      permit?.release();
      if (!(e instanceof TransportError) && !(e instanceof GraphError && e.status >= 500)) throw e;
      // The batch may or may not have run: idempotent items go again, creates are looked up first.
      if (attempt >= policy.maxAttempts) {
        for (const r of pending)
          done.set(r.id, { id: r.id, status: 0, headers: {}, body: undefined, error: e });
        break;
      }
      pending = await recoverInterrupted(pending, done, e);
      const ms = backoffMs(attempt, policy);
      client.counters.retries++;
      await sleep(ms, signal);
      continue;
    }
    permit?.release();
    const byId = new Map(responses.map((r) => [String(r.id).toLowerCase(), r]));
    const retry: BatchRequest[] = [];
    let retryAfterMs = 0;
    for (const req of pending) {
      const res = byId.get(req.id.toLowerCase());
      if (!res) {
        done.set(req.id, missing(req));
        continue;
      }
      const transient =
        TRANSIENT_STATUSES.has(res.status) || (req.method === 'GET' && READ_ONLY_TRANSIENT.has(res.status));
      if (transient && attempt < policy.maxAttempts) {
        retry.push(req);
        const ra = parseRetryAfter(headerOf(res.headers, 'retry-after'));
        retryAfterMs = Math.max(retryAfterMs, ra ?? backoffMs(attempt, policy));
        if (res.status === 429) {
          client.counters.throttled++;
          if (req.method !== 'GET') client.governor?.onThrottle();
        }
        continue;
      }
      done.set(req.id, toResult(client, req, res));
      if (res.status < 400 && req.method !== 'GET') client.governor?.onSuccess();
    }
    // Dependents failed with 424 because their dependency is being retried: send them again too.
    const retryIds = new Set(retry.map((r) => r.id.toLowerCase()));
    for (const req of pending) {
      const r = done.get(req.id);
      if (
        r?.status === 424 &&
        (req.dependsOn ?? []).some((d) => retryIds.has(d.toLowerCase()) || needsRetry(d, retry))
      ) {
        done.delete(req.id);
        retry.push(req);
      }
    }
    if (retry.length === 0) break;
    if (waited + retryAfterMs > policy.maxTotalWaitMs) {
      for (const req of retry)
        done.set(req.id, {
          ...toResult(client, req, byId.get(req.id.toLowerCase()) ?? { id: req.id, status: 429 }),
        });
      break;
    }
    waited += retryAfterMs;
    client.counters.retries += retry.length;
    client.counters.throttledWaitMs += retryAfterMs;
    await sleep(retryAfterMs, signal);
    pending = retry;
  }
  return chunk.map((r) => done.get(r.id) ?? missing(r));
}

const needsRetry = (id: string, retry: BatchRequest[]) =>
  retry.some((r) => r.id.toLowerCase() === id.toLowerCase());

async function recoverInterrupted(
  pending: BatchRequest[],
  done: Map<string, BatchResult>,
  cause: Error,
): Promise<BatchRequest[]> {
  const again: BatchRequest[] = [];
  for (const req of pending) {
    if (req.method !== 'POST' || req.url.includes('/$ref')) {
      again.push(req);
      continue;
    }
    if (!req.lookup) {
      done.set(req.id, {
        id: req.id,
        status: 0,
        headers: {},
        body: undefined,
        error: new TransportError(
          `${req.method} ${req.url}: the batch was interrupted and this create may or may not have been applied (${cause.message})`,
          'OUTCOME_UNKNOWN',
          req.method,
          req.url,
        ),
      });
      continue;
    }
    const found = await req.lookup();
    if (found) done.set(req.id, { id: req.id, status: 201, headers: {}, body: found, recovered: true });
    else again.push(req);
  }
  return again;
}

async function post(
  client: GraphClient,
  requests: BatchRequest[],
  signal: AbortSignal | undefined,
): Promise<InnerResponse[]> {
  const body = {
    requests: requests.map((r) => ({
      id: r.id,
      method: r.method,
      url: r.url,
      ...(r.body !== undefined
        ? { body: r.body, headers: { 'Content-Type': 'application/json', ...r.headers } }
        : r.headers
          ? { headers: r.headers }
          : {}),
      ...(r.dependsOn?.length ? { dependsOn: r.dependsOn } : {}),
    })),
  };
  // The batch itself is not a write in Graph's accounting; its items are (paced above).
  const res = await client.request<{ responses?: unknown }>('POST', '/$batch', {
    body,
    write: false,
    signal,
  });
  const responses = res.body?.responses;
  if (
    !Array.isArray(responses) ||
    responses.some(
      (r) => typeof (r as InnerResponse)?.id !== 'string' || typeof (r as InnerResponse).status !== 'number',
    )
  ) {
    throw new GraphError({
      status: 502,
      code: 'InvalidBatchResponse',
      message: "the $batch answer has no valid 'responses' array",
      method: 'POST',
      path: '/$batch',
      requestId: res.requestId,
    });
  }
  return responses as InnerResponse[];
}

function headerOf(h: Record<string, string> | undefined, name: string): string | undefined {
  if (!h) return undefined;
  for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === name) return v;
  return undefined;
}

function toResult(client: GraphClient, req: BatchRequest, res: InnerResponse): BatchResult {
  const headers = res.headers ?? {};
  const result: BatchResult = { id: req.id, status: res.status, headers, body: res.body ?? undefined };
  if (res.status >= 400) {
    const e = (
      res.body as
        | {
            error?: {
              code?: string;
              message?: string;
              details?: GraphError['details'];
              innerError?: Record<string, string>;
            };
          }
        | undefined
    )?.error;
    result.error = new GraphError({
      status: res.status,
      code: e?.code ?? `HTTP${res.status}`,
      message: e?.message ?? `Graph answered ${res.status}`,
      method: req.method,
      path: `${new URL(client.root).pathname}${req.url.startsWith('/') ? '' : '/'}${req.url}`,
      requestId: e?.innerError?.['request-id'] ?? headerOf(headers, 'request-id'),
      clientRequestId: e?.innerError?.['client-request-id'],
      retryAfterSeconds: (() => {
        const ms = parseRetryAfter(headerOf(headers, 'retry-after'));
        return ms === undefined ? undefined : ms / 1000;
      })(),
      details: e?.details,
    });
  }
  return result;
}

function missing(req: BatchRequest): BatchResult {
  return {
    id: req.id,
    status: 0,
    headers: {},
    body: undefined,
    error: new TransportError(
      `the $batch answer has no response for request '${req.id}'`,
      'MISSING_BATCH_RESPONSE',
      req.method,
      req.url,
    ),
  };
}
