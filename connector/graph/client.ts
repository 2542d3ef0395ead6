import { randomUUID } from 'node:crypto';
import { type Dispatcher, interceptors, request } from 'undici';
import type { Cloud } from './clouds.js';
import { type Counters, newCounters } from './counters.js';
import { GraphError, TransportError, transportError } from './errors.js';
import {
  GRAPH_WRITE_BUDGET,
  governorFor,
  type Permit,
  type WriteBudget,
  type WriteGovernor,
} from './governor.js';
import {
  backoffMs,
  defaultRetryPolicy,
  parseRetryAfter,
  READ_ONLY_TRANSIENT,
  RETRYABLE_ERROR_CODES,
  type RetryPolicy,
  sleep,
  TRANSIENT_STATUSES,
  validateRetryPolicy,
} from './retry.js';
import { type Credential, TokenProvider } from './tokens.js';
import { createDispatcher, type HttpOptions } from './transport.js';

/** Why the client is waiting: the worker turns these into heartbeats for MIM. */
export interface WaitEvent {
  reason: 'retry-after' | 'backoff' | 'write-budget';
  ms: number;
  method: string;
  path: string;
  status?: number | undefined;
  attempt?: number | undefined;
}

export interface GraphClientOptions {
  cloud: Cloud;
  tenantId: string;
  clientId: string;
  credential: Credential;
  apiVersion?: 'v1.0' | 'beta';
  http?: Partial<HttpOptions>;
  retry?: Partial<RetryPolicy>;
  /** Graph's write budget per app and tenant; `false` disables pacing. */
  writeBudget?: WriteBudget | false;
  onWait?: (e: WaitEvent) => void;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Counts against the write budget (default: every method but GET). */
  write?: boolean;
  /** The body is text (XML), not JSON. */
  text?: boolean;
}

export interface GraphResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
  requestId: string | undefined;
}

export interface Page<T> {
  value: T[];
  nextLink?: string | undefined;
  deltaLink?: string | undefined;
  count?: number | undefined;
}

export const DEFAULT_HTTP: HttpOptions = { timeoutMs: 100_000, connections: 8 };

/**
 * undici marks its decompression interceptor experimental and says so on stderr once per process;
 * that line would land in every CLI run and worker log. It is created once, with that one warning muted.
 */
const decompress = (() => {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!String(warning).includes('DecompressInterceptor'))
      (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return interceptors.decompress();
  } finally {
    process.emitWarning = emit;
  }
})();

type RetryError = Error & { statusCode?: number; code?: string; headers?: Record<string, string | string[]> };

/** Per-request retry state for undici's RetryHandler: our policy decides, undici re-sends. */
interface RetryState {
  waitedMs: number;
  /** The governor's permit of the attempt in flight. */
  permit: Permit | undefined;
}

/**
 * The connector's Graph client: one undici dispatcher (retry interceptor, decompression) for Graph
 * and MSAL, tokens from TokenProvider, writes paced by the process-wide governor.
 */
export class GraphClient {
  readonly counters: Counters = newCounters();
  /** `https://graph.microsoft.com/v1.0` */
  readonly root: string;
  readonly tokens: TokenProvider;
  readonly governor: WriteGovernor | undefined;
  private readonly base: Dispatcher;
  private readonly dispatcher: Dispatcher;
  private readonly policy: RetryPolicy;
  private readonly http: HttpOptions;
  private closing: Promise<void> | undefined;

  constructor(private readonly o: GraphClientOptions) {
    this.http = { ...DEFAULT_HTTP, ...o.http };
    this.policy = { ...defaultRetryPolicy, ...o.retry };
    validateRetryPolicy(this.policy);
    this.root = `${o.cloud.graphEndpoint}/${o.apiVersion ?? 'v1.0'}`;
    this.base = createDispatcher(this.http);
    this.dispatcher = this.base.compose(
      interceptors.retry({
        throwOnError: false,
        methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'POST'],
        statusCodes: [...TRANSIENT_STATUSES, ...READ_ONLY_TRANSIENT],
        errorCodes: [...RETRYABLE_ERROR_CODES],
      }),
      decompress,
    );
    try {
      this.tokens = new TokenProvider({
        cloud: o.cloud,
        tenantId: o.tenantId,
        clientId: o.clientId,
        credential: o.credential,
        dispatcher: this.base,
        counters: this.counters,
        timeoutMs: this.http.timeoutMs,
      });
    } catch (e) {
      // A bad certificate or tenant must not leave the pool open.
      void this.base.close();
      throw e;
    }
    this.governor =
      o.writeBudget === false
        ? undefined
        : governorFor(o.tenantId, o.clientId, o.writeBudget ?? GRAPH_WRITE_BUDGET);
  }

  get retryPolicy(): Readonly<RetryPolicy> {
    return this.policy;
  }

  /** Absolute URL for a path relative to the version root (`/users`), or a nextLink as given. */
  url(pathOrUrl: string): string {
    if (/^https:\/\//i.test(pathOrUrl)) {
      if (!pathOrUrl.toLowerCase().startsWith(this.o.cloud.graphEndpoint.toLowerCase())) {
        throw new TransportError(
          `refusing to send the token to ${new URL(pathOrUrl).host}: it is not the configured Graph endpoint`,
          'FOREIGN_HOST',
          'GET',
          pathOrUrl,
        );
      }
      return pathOrUrl;
    }
    return `${this.root}${pathOrUrl.startsWith('/') ? '' : '/'}${pathOrUrl}`;
  }

  /**
   * One Graph call. Transient failures are retried by undici's retry interceptor under our policy;
   * a 401 renews the token once; writes wait for the write budget. Graph errors throw GraphError.
   */
  async request<T = unknown>(
    method: string,
    pathOrUrl: string,
    opts: RequestOptions = {},
  ): Promise<GraphResponse<T>> {
    const url = this.url(pathOrUrl);
    const write = opts.write ?? method !== 'GET';
    // A body cut off mid-transfer cannot be resumed (Graph serves no ranges): a read starts over.
    for (let bodyAttempt = 1; ; bodyAttempt++) {
      try {
        return await this.requestOnce<T>(method, url, write, opts);
      } catch (e) {
        const interrupted = e instanceof BodyInterrupted;
        if (!interrupted) throw e;
        if (method !== 'GET' || bodyAttempt >= this.policy.maxAttempts) throw e.cause;
        this.counters.retries++;
        const ms = backoffMs(bodyAttempt, this.policy);
        this.o.onWait?.({ reason: 'backoff', ms, method, path: pathOf(url), attempt: bodyAttempt });
        await sleep(ms, opts.signal);
      }
    }
  }

  private async requestOnce<T>(
    method: string,
    url: string,
    write: boolean,
    opts: RequestOptions,
  ): Promise<GraphResponse<T>> {
    let token = this.tokens.current() ?? (await this.tokens.getToken());
    for (let renewed = false; ; renewed = true) {
      const res = await this.send(method, url, token, write, opts);
      if (res.status === 401 && !renewed && isTokenRejection(res.body)) {
        token = await this.tokens.renewAfter401(token);
        continue;
      }
      if (res.status >= 400) {
        if (res.status === 429 && write) this.governor?.onThrottle();
        throw graphError(method, url, res);
      }
      if (write) this.governor?.onSuccess();
      return res as GraphResponse<T>;
    }
  }

  /** A write waits for the governor; the permit is held until Graph's answer arrives. */
  private async permit(
    method: string,
    url: string,
    signal: AbortSignal | undefined,
  ): Promise<Permit | undefined> {
    if (!this.governor) return undefined;
    const t0 = performance.now();
    const p = await this.governor.acquire(1, signal, (ms) =>
      this.o.onWait?.({ reason: 'write-budget', ms, method, path: pathOf(url) }),
    );
    this.counters.governorWaitMs += performance.now() - t0;
    return p;
  }

  private async send(
    method: string,
    url: string,
    token: string,
    write: boolean,
    opts: RequestOptions,
  ): Promise<GraphResponse> {
    const clientRequestId = randomUUID();
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'accept-encoding': 'gzip, deflate',
      'client-request-id': clientRequestId,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    };
    const state: RetryState = {
      waitedMs: 0,
      permit: write ? await this.permit(method, url, opts.signal) : undefined,
    };
    this.counters.requests++;
    if (body) this.counters.bytesSent += Buffer.byteLength(body);
    let res: Dispatcher.ResponseData<unknown>;
    try {
      res = await request(url, {
        method: method as Dispatcher.HttpMethod,
        dispatcher: this.dispatcher,
        headers,
        body,
        signal: opts.signal,
        retryOptions: {
          retry: (err: RetryError, ctx: { state: { counter: number } }, cb: (err?: Error | null) => void) =>
            this.decideRetry(method, url, write, state, opts.signal, err, ctx.state.counter, cb),
        },
      } as unknown as Parameters<typeof request>[1]);
    } catch (e) {
      state.permit?.release();
      if (opts.signal?.aborted) throw opts.signal.reason;
      throw transportError(e, method, url);
    }
    // Headers are here: Graph has received the write.
    state.permit?.release();
    let text: string;
    try {
      text = await res.body.text();
    } catch (e) {
      throw new BodyInterrupted(transportError(e, method, url));
    }
    const responseHeaders = flatten(res.headers);
    this.counters.bytesReceived += Number(responseHeaders['content-length']) || Buffer.byteLength(text);
    let parsed: unknown;
    // A text answer (the $metadata XML) is taken as it is; errors still come as JSON.
    if (opts.text && res.statusCode < 300) parsed = text;
    else if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        const err = new TransportError(
          `${method} ${pathOf(url)}: Graph answered ${res.statusCode} with a body that is not valid JSON (${(e as Error).message}); request-id ${responseHeaders['request-id'] ?? 'unknown'}`,
          'INVALID_JSON',
          method,
          pathOf(url),
        );
        // A garbled read is retried like an interrupted one; a garbled error stays an error.
        if (res.statusCode < 300) throw new BodyInterrupted(err);
        parsed = { error: { code: 'InvalidResponse', message: err.message } };
      }
    }
    return {
      status: res.statusCode,
      headers: responseHeaders,
      body: parsed,
      requestId: responseHeaders['request-id'],
    };
  }

  /** undici's RetryHandler asks us after every failed attempt: retry (cb()) or give up (cb(err)). */
  private decideRetry(
    method: string,
    url: string,
    write: boolean,
    state: RetryState,
    signal: AbortSignal | undefined,
    err: RetryError,
    attempt: number,
    cb: (err?: Error | null) => void,
  ): void {
    const status = err.statusCode;
    const transient =
      status !== undefined
        ? TRANSIENT_STATUSES.has(status) || (!write && READ_ONLY_TRANSIENT.has(status))
        : err.code !== undefined && RETRYABLE_ERROR_CODES.has(err.code);
    // A create (POST) may have reached Graph unless Graph refused it with 429 or the connection was
    // never made; those are the only POST failures retried here. The rest go to the caller, who
    // looks the object up before sending it again.
    const safe =
      method !== 'POST' ||
      status === 429 ||
      err.code === 'ECONNREFUSED' ||
      (url.endsWith('/$batch') && status === 429);
    if (!transient || !safe || attempt >= this.policy.maxAttempts) {
      cb(err);
      return;
    }
    const retryAfter = parseRetryAfter(err.headers?.['retry-after']);
    const ms = retryAfter ?? backoffMs(attempt, this.policy);
    if (state.waitedMs + ms > this.policy.maxTotalWaitMs) {
      cb(err);
      return;
    }
    state.waitedMs += ms;
    this.counters.retries++;
    this.counters.requests++;
    if (status === 429) {
      this.counters.throttled++;
      this.counters.throttledWaitMs += ms;
      if (write) this.governor?.onThrottle();
    }
    this.o.onWait?.({
      reason: retryAfter !== undefined ? 'retry-after' : 'backoff',
      ms,
      method,
      path: pathOf(url),
      status,
      attempt,
    });
    // This attempt's answer has arrived; the next attempt is a write of its own for Graph's budget.
    state.permit?.release();
    sleep(ms, signal)
      .then(async () => {
        if (write) state.permit = await this.permit(method, url, signal);
        cb(null);
      })
      .catch((reason: unknown) => {
        // Cancelled: undici has already aborted the request and told its handlers; answering the
        // retry handler now would hand a response to a request that is over.
        if (signal?.aborted) return;
        cb(reason instanceof Error ? reason : new Error('cancelled'));
      });
  }

  /** A GET whose answer is text rather than JSON (Graph's $metadata): same retries, token and pool. */
  async requestText(
    pathOrUrl: string,
    opts: Omit<RequestOptions, 'body' | 'write' | 'text'> = {},
  ): Promise<GraphResponse<string>> {
    return this.request<string>('GET', pathOrUrl, {
      ...opts,
      text: true,
      headers: { accept: 'application/xml', ...opts.headers },
    });
  }

  /**
   * POST that creates an object. If the outcome is unknown (connection lost, 5xx after sending),
   * `lookup` decides: the object found is the result; otherwise the create is sent again. So a
   * retried create never makes a duplicate.
   */
  async create<T = unknown>(
    pathOrUrl: string,
    body: unknown,
    lookup: () => Promise<T | undefined>,
    opts: Omit<RequestOptions, 'body'> = {},
  ): Promise<{ body: T; recovered: boolean }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.request<T>('POST', pathOrUrl, { ...opts, body });
        return { body: res.body, recovered: false };
      } catch (e) {
        const unknownOutcome =
          (e instanceof TransportError && e.code !== 'ECONNREFUSED' && e.code !== 'FOREIGN_HOST') ||
          (e instanceof GraphError && e.status >= 500);
        if (!unknownOutcome || attempt >= this.policy.maxAttempts) throw e;
        const found = await lookup();
        if (found !== undefined) return { body: found, recovered: true };
        this.counters.retries++;
        const ms =
          e instanceof GraphError && e.retryAfterSeconds !== undefined
            ? e.retryAfterSeconds * 1000
            : backoffMs(attempt, this.policy);
        this.o.onWait?.({
          reason: 'backoff',
          ms,
          method: 'POST',
          path: pathOf(this.url(pathOrUrl)),
          attempt,
        });
        await sleep(ms, opts.signal);
      }
    }
  }

  /** Pages of a collection, following @odata.nextLink; the next page is fetched while the caller works. */
  async *pages<T>(
    pathOrUrl: string,
    opts: Omit<RequestOptions, 'body' | 'write'> = {},
  ): AsyncGenerator<Page<T>> {
    let pending: Promise<Page<T>> | undefined = this.page<T>(pathOrUrl, opts);
    try {
      while (pending) {
        const page: Page<T> = await pending;
        pending = page.nextLink ? this.page<T>(page.nextLink, opts) : undefined;
        yield page;
      }
    } finally {
      // The caller stopped early: the prefetch's outcome is no longer anyone's concern.
      pending?.catch(() => {});
    }
  }

  private async page<T>(pathOrUrl: string, opts: Omit<RequestOptions, 'body' | 'write'>): Promise<Page<T>> {
    const res = await this.request<Record<string, unknown>>('GET', pathOrUrl, opts);
    const b = res.body;
    if (typeof b !== 'object' || b === null || !Array.isArray(b.value)) {
      throw new TransportError(
        `GET ${pathOf(this.url(pathOrUrl))}: Graph's answer has no 'value' array (request-id ${res.requestId ?? 'unknown'})`,
        'UNEXPECTED_PAYLOAD',
        'GET',
        pathOf(this.url(pathOrUrl)),
      );
    }
    const link = (k: string) => {
      const v = b[k];
      if (v !== undefined && typeof v !== 'string') {
        throw new TransportError(
          `Graph's ${k} is not a string (request-id ${res.requestId ?? 'unknown'})`,
          'UNEXPECTED_PAYLOAD',
          'GET',
          pathOf(this.url(pathOrUrl)),
        );
      }
      return v;
    };
    return {
      value: b.value as T[],
      nextLink: link('@odata.nextLink'),
      deltaLink: link('@odata.deltaLink'),
      count: typeof b['@odata.count'] === 'number' ? b['@odata.count'] : undefined,
    };
  }

  /**
   * A delta round: pages until the one carrying @odata.deltaLink. Start with `/users/delta?$select=...`
   * or a stored deltaLink. An expired link throws GraphError with isExpiredDeltaToken.
   */
  delta<T>(
    startOrDeltaLink: string,
    opts: Omit<RequestOptions, 'body' | 'write'> = {},
  ): AsyncGenerator<Page<T>> {
    return this.pages<T>(startOrDeltaLink, opts);
  }

  /**
   * Closes the pool, letting requests in flight finish for a few seconds before they are cut off (a
   * cancelled run must not wait out a Retry-After). Closing twice is harmless.
   */
  close(graceMs = 3000): Promise<void> {
    this.closing ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const closed = await Promise.race([
        this.dispatcher.close().then(() => true),
        new Promise<false>((r) => {
          timer = setTimeout(() => r(false), graceMs);
        }),
      ]).catch(() => true);
      clearTimeout(timer);
      if (!closed) await this.dispatcher.destroy().catch(() => {});
    })();
    return this.closing;
  }
}

/** A response body that broke off or arrived garbled: the whole request may be repeated. */
class BodyInterrupted extends Error {
  constructor(override readonly cause: TransportError) {
    super(cause.message);
  }
}

function isTokenRejection(body: unknown): boolean {
  const code = (body as { error?: { code?: string } } | undefined)?.error?.code;
  return code === undefined || code === 'InvalidAuthenticationToken';
}

export function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + (u.search.length > 120 ? `${u.search.slice(0, 120)}…` : u.search);
  } catch {
    return url;
  }
}

function flatten(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export function graphError(method: string, url: string, res: GraphResponse): GraphError {
  const e = (res.body as { error?: Record<string, unknown> } | undefined)?.error;
  const inner = (e?.innerError ?? e?.innererror) as Record<string, unknown> | undefined;
  const retryAfter = parseRetryAfter(res.headers['retry-after']);
  return new GraphError({
    status: res.status,
    code: typeof e?.code === 'string' ? e.code : `HTTP${res.status}`,
    message:
      typeof e?.message === 'string' ? e.message : `Graph answered ${res.status} without an error body`,
    method,
    path: pathOf(url),
    requestId: res.requestId ?? (inner?.['request-id'] as string | undefined),
    clientRequestId: res.headers['client-request-id'] ?? (inner?.['client-request-id'] as string | undefined),
    retryAfterSeconds: retryAfter === undefined ? undefined : retryAfter / 1000,
    details: Array.isArray(e?.details) ? (e.details as GraphError['details']) : undefined,
  });
}
