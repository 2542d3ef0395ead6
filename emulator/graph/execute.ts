import { randomUUID } from 'node:crypto';
import type { EmulatorContext } from '../context.js';
import { GraphHttpError } from '../http/errors.js';
import type { GraphRequest, GraphResponse } from '../http/types.js';
import { route } from './routes.js';

/** POSTs that read (Graph counts them as reads, not against the write budget). */
const READ_ACTIONS = /^(directoryObjects\/(microsoft\.graph\.)?(getAvailableExtensionProperties|getByIds))$/i;

export function isWrite(req: Pick<GraphRequest, 'method' | 'segments'>): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  return !READ_ACTIONS.test(req.segments.join('/'));
}

/** Graph's error envelope. `innerError.date` has no fraction and no offset, as Graph writes it. */
export function errorBody(
  err: GraphHttpError,
  requestId: string,
  clientRequestId: string,
  now: number,
): object {
  const error: Record<string, unknown> = {
    code: err.code,
    message: err.message,
    innerError: {
      date: new Date(now).toISOString().slice(0, 19),
      'request-id': requestId,
      'client-request-id': clientRequestId,
    },
  };
  if (err.details) error.details = err.details;
  return { error };
}

export function throttled(retryAfterSeconds: number, scope?: string): GraphHttpError {
  const headers: Record<string, string> = { 'Retry-After': String(retryAfterSeconds) };
  if (scope) {
    headers['x-ms-throttle-scope'] = scope;
    headers['x-ms-throttle-information'] = 'WriteLimitExceeded';
  }
  return new GraphHttpError(429, 'TooManyRequests', 'Please retry again later.', undefined, headers);
}

/**
 * Runs one Graph call: the write budget, then the handler; any refusal becomes Graph's error
 * envelope. Unexpected exceptions become 500s naming the request id, never a crash of the server.
 */
export function execute(ctx: EmulatorContext, req: GraphRequest, requestId: string): GraphResponse {
  const clientRequestId = req.headers['client-request-id'] ?? requestId;
  try {
    if (isWrite(req)) {
      ctx.counters.writes++;
      const verdict = ctx.budget?.take(ctx.now(), req.appId);
      if (verdict && !verdict.ok) {
        throw throttled(verdict.retryAfterSeconds, `Tenant_Application/Write/${req.appId}/${ctx.tenantId}`);
      }
    }
    return route(ctx, req);
  } catch (e) {
    const err =
      e instanceof GraphHttpError
        ? e
        : new GraphHttpError(
            500,
            'InternalServerError',
            `The emulator failed on this request: ${(e as Error).message}`,
          );
    if (!(e instanceof GraphHttpError))
      process.stderr.write(`emulator: ${(e as Error).stack ?? String(e)}\n`);
    return {
      status: err.status,
      headers: err.headers,
      body: errorBody(err, requestId, clientRequestId, ctx.now()),
    };
  }
}

export const newRequestId = () => randomUUID();
