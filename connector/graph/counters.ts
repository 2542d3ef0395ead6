/** Numbers for run summaries. One object per client; callers read it, the client writes it. */
export interface Counters {
  requests: number;
  retries: number;
  throttled: number;
  throttledWaitMs: number;
  governorWaitMs: number;
  bytesSent: number;
  bytesReceived: number;
  tokensAcquired: number;
  tokenRefreshesOn401: number;
}

export const newCounters = (): Counters => ({
  requests: 0,
  retries: 0,
  throttled: 0,
  throttledWaitMs: 0,
  governorWaitMs: 0,
  bytesSent: 0,
  bytesReceived: 0,
  tokensAcquired: 0,
  tokenRefreshesOn401: 0,
});
