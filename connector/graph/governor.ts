import { sleep } from './retry.js';

/**
 * Paces writes to Graph's budget for one app in one tenant (3,000 writes per 150 s), shared by every
 * client of that pair in the process. Two parts:
 *
 * - a token bucket (rate 99 % of the budget, burst 2 %) that spreads writes evenly instead of
 *   spending the budget in the first seconds, and
 * - a sliding window over *completed* writes that makes the guarantee exact: Graph counts a write
 *   when it arrives, and a write arrives between its sending and its answer, so a write is only sent
 *   while fewer than the budget were answered within the last window or are still in flight.
 *   Connection set-up or network jitter that bunches arrivals therefore cannot push Graph over.
 *
 * When Graph throttles anyway (its real budget is smaller, or other processes share it), the rate and
 * the window limit halve; every success adds a little back (additive increase, multiplicative decrease).
 */
export interface WriteBudget {
  writes: number;
  seconds: number;
}

export const GRAPH_WRITE_BUDGET: WriteBudget = { writes: 3000, seconds: 150 };

export interface GovernorStats {
  rate: number;
  maxRate: number;
  limit: number;
  waitedMs: number;
  throttles: number;
  acquired: number;
}

/** A reservation of writes; release it when Graph's answer has arrived (or the attempt failed). */
export interface Permit {
  release(): void;
}

const POLL_MS = 50;

export class WriteGovernor {
  readonly maxRate: number;
  private rate: number;
  private readonly minRate: number;
  private readonly capacity: number;
  private tokens: number;
  private last: number;
  private readonly windowMs: number;
  private readonly maxLimit: number;
  private limit: number;
  private inFlight = 0;
  /** Completion times (ms, ascending) of writes answered within the last window. */
  private completions: number[] = [];
  private head = 0;
  private waitedMs = 0;
  private throttles = 0;
  private acquired = 0;

  constructor(
    budget: WriteBudget,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(budget.writes > 0 && budget.seconds > 0)) {
      throw new Error(`write budget must be positive; got ${budget.writes}/${budget.seconds}`);
    }
    this.maxRate = (budget.writes * 0.99) / budget.seconds;
    this.rate = this.maxRate;
    this.minRate = this.maxRate * 0.05;
    this.capacity = Math.max(1, Math.floor(budget.writes * 0.02));
    this.tokens = this.capacity;
    this.last = this.now();
    this.windowMs = budget.seconds * 1000;
    this.maxLimit = budget.writes;
    this.limit = budget.writes;
  }

  /**
   * Waits until `n` writes may be sent: their turn in the bucket's queue (reservations are served in
   * call order), then room in the window. Returns the permit to release when the answer arrives.
   */
  async acquire(n = 1, signal?: AbortSignal, onWait?: (ms: number) => void): Promise<Permit> {
    this.acquired += n;
    this.refill();
    this.tokens -= n;
    let waited = 0;
    if (this.tokens < 0) {
      const ms = Math.ceil((-this.tokens / this.rate) * 1000);
      onWait?.(ms);
      await sleep(ms, signal);
      waited += ms;
    }
    for (;;) {
      const ms = this.windowWait(n);
      if (ms <= 0) break;
      onWait?.(ms);
      const step = Math.min(ms, POLL_MS);
      await sleep(step, signal);
      waited += step;
    }
    this.waitedMs += waited;
    this.inFlight += n;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.inFlight -= n;
        const t = this.now();
        for (let i = 0; i < n; i++) this.completions.push(t);
      },
    };
  }

  /** Milliseconds until `n` more writes fit the window (0 = now); a guess when in-flight writes block. */
  private windowWait(n: number): number {
    const t = this.now();
    while (this.head < this.completions.length && this.completions[this.head]! <= t - this.windowMs)
      this.head++;
    if (this.head > 1024 && this.head * 2 > this.completions.length) {
      this.completions = this.completions.slice(this.head);
      this.head = 0;
    }
    const recent = this.completions.length - this.head;
    const excess = this.inFlight + recent + n - this.limit;
    if (excess <= 0) return 0;
    // The oldest `excess` completions must leave the window; if in-flight writes are in the way, poll.
    const idx = this.head + excess - 1;
    return idx < this.completions.length ? this.completions[idx]! + this.windowMs - t + 1 : POLL_MS;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }

  onSuccess(n = 1): void {
    this.rate = Math.min(this.maxRate, this.rate + this.maxRate * 0.01 * n);
    this.limit = Math.min(this.maxLimit, this.limit + n * 0.5);
  }

  onThrottle(): void {
    this.refill();
    this.throttles++;
    this.rate = Math.max(this.minRate, this.rate / 2);
    this.limit = Math.max(1, Math.floor(this.limit / 2));
    this.tokens = Math.min(this.tokens, 0);
  }

  stats(): GovernorStats {
    return {
      rate: this.rate,
      maxRate: this.maxRate,
      limit: this.limit,
      waitedMs: this.waitedMs,
      throttles: this.throttles,
      acquired: this.acquired,
    };
  }
}

const governors = new Map<string, WriteGovernor>();

/** The process-wide governor of an app in a tenant: every client of the pair shares it. */
export function governorFor(tenantId: string, clientId: string, budget: WriteBudget): WriteGovernor {
  const key = `${tenantId.toLowerCase()}|${clientId.toLowerCase()}|${budget.writes}/${budget.seconds}`;
  let g = governors.get(key);
  if (!g) {
    g = new WriteGovernor(budget);
    governors.set(key, g);
  }
  return g;
}
