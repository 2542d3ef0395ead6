/**
 * When and how long to retry. Graph asks for patience with 429/503 and Retry-After; without it we
 * back off exponentially with full jitter. Both the number of attempts and the total wait are capped
 * so a run fails clearly instead of hanging.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Longest total wait across the retries of one request, ms. */
  maxTotalWaitMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 8,
  maxTotalWaitMs: 10 * 60_000,
  baseDelayMs: 500,
  maxDelayMs: 60_000,
};

/** Statuses Graph documents as transient. */
export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);
/** Worth retrying for reads only: the write may have been applied. */
export const READ_ONLY_TRANSIENT: ReadonlySet<number> = new Set([500, 502]);

/** Connection-level failures after which a request may be sent again. */
export const RETRYABLE_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Retry-After as seconds (fractional allowed, as Graph sends `2.128`) or an HTTP date; ms to wait. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Full-jitter exponential backoff for attempt n (1 = first retry). */
export function backoffMs(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function validateRetryPolicy(p: RetryPolicy): void {
  if (!Number.isInteger(p.maxAttempts) || p.maxAttempts < 1 || p.maxAttempts > 100) {
    throw new Error(`retry maxAttempts must be a whole number from 1 to 100; got ${p.maxAttempts}`);
  }
  for (const k of ['maxTotalWaitMs', 'baseDelayMs', 'maxDelayMs'] as const) {
    if (!Number.isFinite(p[k]) || p[k] < 0) throw new Error(`retry ${k} must be a number >= 0; got ${p[k]}`);
  }
}

/** Sleeps, waking early (with the signal's reason) when the run is cancelled. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
