import type { EmulatorContext } from '../context.js';
import { badRequest, GraphHttpError } from '../http/errors.js';
import type { GraphRequest, GraphResponse } from '../http/types.js';
import { errorBody, execute, newRequestId, throttled } from './execute.js';
import { splitPath } from './path.js';

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];

/** Checks the batch as a whole; Graph refuses a malformed batch with 400 before running anything. */
function parseBatch(body: unknown): BatchItem[] {
  const requests = (body as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests))
    throw badRequest('Invalid batch payload format: the body must be {"requests": [...]}.');
  if (requests.length === 0) throw badRequest('Invalid batch payload format: the requests array is empty.');
  if (requests.length > 20)
    throw badRequest('Invalid batch payload format: a batch holds at most 20 requests.');
  const seen = new Set<string>();
  requests.forEach((r, i) => {
    const item = r as Partial<BatchItem>;
    if (typeof item !== 'object' || item === null)
      throw badRequest(`Invalid batch payload format: requests[${i}] is not an object.`);
    if (typeof item.id !== 'string' || item.id === '')
      throw badRequest(`Invalid batch payload format: requests[${i}].id is required.`);
    if (seen.has(item.id.toLowerCase()))
      throw badRequest(`Invalid batch payload format: duplicate request id '${item.id}'.`);
    seen.add(item.id.toLowerCase());
    if (typeof item.method !== 'string' || !METHODS.includes(item.method.toUpperCase())) {
      throw badRequest(`Invalid batch payload format: requests[${i}].method is missing or not supported.`);
    }
    if (typeof item.url !== 'string' || item.url === '')
      throw badRequest(`Invalid batch payload format: requests[${i}].url is required.`);
    if (item.body !== undefined) {
      const ct = Object.entries(item.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type');
      if (!ct)
        throw badRequest(
          `Invalid batch payload format: requests[${i}] has a body but no Content-Type header.`,
        );
    }
    if (
      item.dependsOn !== undefined &&
      (!Array.isArray(item.dependsOn) || item.dependsOn.some((d) => typeof d !== 'string'))
    ) {
      throw badRequest(
        `Invalid batch payload format: requests[${i}].dependsOn must be an array of request ids.`,
      );
    }
  });
  const ids = new Set(requests.map((r) => (r as BatchItem).id.toLowerCase()));
  for (const r of requests as BatchItem[]) {
    for (const d of r.dependsOn ?? []) {
      if (!ids.has(d.toLowerCase()))
        throw badRequest(`Invalid batch payload format: request '${r.id}' depends on unknown '${d}'.`);
    }
  }
  return requests as BatchItem[];
}

/**
 * POST /$batch: each item runs as its own request (its own faults and write-budget count); a
 * failed dependency gives 424; throttled items answer 429 inside a 200 batch.
 */
export function runBatch(ctx: EmulatorContext, outer: GraphRequest): GraphResponse {
  const items = parseBatch(outer.body);
  const status = new Map<string, number>();
  const responses: object[] = [];
  const pending = [...items];
  // Items run in dependency order; a cycle leaves items that can never run: they fail with 424.
  while (pending.length > 0) {
    const idx = pending.findIndex((it) => (it.dependsOn ?? []).every((d) => status.has(d.toLowerCase())));
    const item = idx >= 0 ? pending.splice(idx, 1)[0]! : pending.shift()!;
    const requestId = newRequestId();
    const failedDep =
      idx < 0 || (item.dependsOn ?? []).some((d) => (status.get(d.toLowerCase()) ?? 424) >= 400);
    let res: GraphResponse;
    if (failedDep) {
      const err = new GraphHttpError(424, 'FailedDependency', 'A request this request depends on failed.');
      res = { status: 424, body: errorBody(err, requestId, requestId, ctx.now()) };
    } else {
      res = runItem(ctx, outer, item, requestId);
    }
    status.set(item.id.toLowerCase(), res.status);
    const headers: Record<string, string> = { ...(res.headers ?? {}) };
    if (res.body !== undefined && !('Content-Type' in headers)) {
      headers['Content-Type'] =
        'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
    }
    responses.push({ id: item.id, status: res.status, headers, body: res.body ?? null });
  }
  return { status: 200, body: { responses } };
}

function runItem(
  ctx: EmulatorContext,
  outer: GraphRequest,
  item: BatchItem,
  requestId: string,
): GraphResponse {
  ctx.counters.batchItems++;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(item.headers ?? {})) headers[k.toLowerCase()] = String(v);
  let path: { segments: string[]; query: URLSearchParams };
  try {
    path = splitPath(item.url.replace(/^\//, ''));
  } catch (e) {
    const err = e instanceof GraphHttpError ? e : badRequest(`Invalid request URL '${item.url}'.`);
    return { status: err.status, body: errorBody(err, requestId, requestId, ctx.now()) };
  }
  const req: GraphRequest = {
    method: item.method.toUpperCase(),
    version: outer.version,
    segments: path.segments,
    query: path.query,
    headers,
    body: item.body,
    roles: outer.roles,
    appId: outer.appId,
    inBatch: true,
  };
  if (req.segments[0] === '$batch') {
    const err = badRequest('A $batch request cannot contain another $batch.');
    return { status: 400, body: errorBody(err, requestId, requestId, ctx.now()) };
  }
  const fault = ctx.faults.pre();
  if (fault === '429' || fault === '503' || fault === '504') {
    ctx.count(`batch-${fault}`);
    const err =
      fault === '429'
        ? throttled(ctx.faults.config.retryAfterSeconds)
        : new GraphHttpError(
            Number(fault),
            fault === '503' ? 'ServiceUnavailable' : 'GatewayTimeout',
            'The service is temporarily unavailable.',
            undefined,
            fault === '503' ? { 'Retry-After': String(ctx.faults.config.retryAfterSeconds) } : {},
          );
    return {
      status: err.status,
      headers: err.headers,
      body: errorBody(err, requestId, requestId, ctx.now()),
    };
  }
  return execute(ctx, req, requestId);
}
