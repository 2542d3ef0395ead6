import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { type Dispatcher, request } from 'undici';
import type { Counters } from './counters.js';
import { type TransportError, transportError } from './errors.js';
import { backoffMs, defaultRetryPolicy, RETRYABLE_ERROR_CODES, type RetryPolicy, sleep } from './retry.js';

const TOKEN_ATTEMPTS = 4;
const TOKEN_RETRY: RetryPolicy = { ...defaultRetryPolicy, baseDelayMs: 500, maxDelayMs: 4000 };
const TRANSIENT_LOGIN_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

/**
 * MSAL's network traffic through the connector's undici dispatcher, so the token endpoint sees the
 * same proxy, timeout and TLS trust as Graph.
 *
 * MSAL replaces any error a network module throws by its own bare `network_error` (no cause, no
 * message), so the TransportError that explains the failure (TLS trust, proxy 407, DNS) is kept here
 * for TokenProvider to report instead.
 */
export class MsalNetwork implements INetworkModule {
  private failure: TransportError | undefined;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly counters: Counters,
    private readonly timeoutMs: number,
  ) {}

  sendGetRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  /** The transport failure since the last call, if any; clears it. */
  takeFailure(): TransportError | undefined {
    const f = this.failure;
    this.failure = undefined;
    return f;
  }

  private fail(e: unknown, method: string, url: string): TransportError {
    this.failure = transportError(e, method, url);
    return this.failure;
  }

  /**
   * A token request that fails on the way (connection reset, 5xx from the login host) is repeated a
   * few times with backoff before MSAL sees the failure; errors that will not heal (TLS trust, proxy
   * credentials, DNS) go straight through.
   */
  private async send<T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.sendOnce<T>(method, url, options, timeout);
        if (attempt < TOKEN_ATTEMPTS && TRANSIENT_LOGIN_STATUSES.has(res.status)) {
          await sleep(backoffMs(attempt, TOKEN_RETRY));
          continue;
        }
        return res;
      } catch (e) {
        const code = (e as TransportError).code;
        if (attempt >= TOKEN_ATTEMPTS || !RETRYABLE_ERROR_CODES.has(code)) throw e;
        this.failure = undefined;
        await sleep(backoffMs(attempt, TOKEN_RETRY));
      }
    }
  }

  private async sendOnce<T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    let res: Dispatcher.ResponseData;
    const ms = timeout ?? this.timeoutMs;
    try {
      res = await request(url, {
        method,
        dispatcher: this.dispatcher,
        headers: options?.headers,
        body: options?.body,
        headersTimeout: ms,
        bodyTimeout: ms,
      });
    } catch (e) {
      throw this.fail(e, method, url);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (e) {
      throw this.fail(e, method, url);
    }
    this.counters.bytesReceived += Buffer.byteLength(text);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers))
      if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    let body: unknown;
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      // MSAL reads error/error_description from the body; a proxy's HTML page becomes one.
      body = {
        error: 'invalid_response',
        error_description: `HTTP ${res.statusCode} from ${new URL(url).host} is not JSON`,
      };
    }
    return { status: res.statusCode, headers, body: body as T };
  }
}
