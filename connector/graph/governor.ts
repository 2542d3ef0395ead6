import { sleep } from './retry.js';

/**
 * Paces writes to Graph's budget for one app in one tenant (3,000 writes per 150 s). A token bucket
 * whose burst plus refill over the window stays under the budget (burst 2 %, rate 95 %, the rest a
 * margin for network jitter), so Graph's sliding-window count never reaches it. 429s halve the rate; each success adds a little back
 * (additive increase, multiplicative decrease). One governor per app and tenant in the process.
 */
export interface WriteBudget {
  writes: number;
  seconds: number;
}

export const GRAPH_WRITE_BUDGET: WriteBudget = { writes: 3000, seconds: 150 };

export interface GovernorStats {
  rate: number;
  maxRate: number;
  waitedMs: number;
  throttles: number;
  acquired: number;
}

export class WriteGovernor {
  readonly maxRate: number;
  private rate: number;
  private readonly minRate: number;
  private readonly capacity: number;
  private tokens: number;
  private last: number;
  private waitedMs = 0;
  private throttles = 0;
  private acquired = 0;

  constructor(
    budget: WriteBudget,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(budget.writes > 0 && budget.seconds > 0))
      throw new Error(`write budget must be positive; got ${budget.writes}/${budget.seconds}`);
    this.maxRate = (budget.writes * 0.95) / budget.seconds;
    this.rate = this.maxRate;
    this.minRate = this.maxRate * 0.05;
    this.capacity = Math.max(1, Math.floor(budget.writes * 0.02));
    this.tokens = this.capacity;
    this.last = this.now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }

  /**
   * Reserves `n` writes and waits until they are due. Reservations queue in call order: a
   * negative balance is the debt later callers wait behind. Returns the time waited (ms).
   */
  async acquire(n = 1, signal?: AbortSignal, onWait?: (ms: number) => void): Promise<number> {
    this.refill();
    this.tokens -= n;
    this.acquired += n;
    if (this.tokens >= 0) return 0;
    const waitMs = Math.ceil((-this.tokens / this.rate) * 1000);
    onWait?.(waitMs);
    this.waitedMs += waitMs;
    await sleep(waitMs, signal);
    return waitMs;
  }

  onSuccess(n = 1): void {
    this.rate = Math.min(this.maxRate, this.rate + this.maxRate * 0.01 * n);
  }

  onThrottle(): void {
    this.refill();
    this.throttles++;
    this.rate = Math.max(this.minRate, this.rate / 2);
    this.tokens = Math.min(this.tokens, 0);
  }

  stats(): GovernorStats {
    return {
      rate: this.rate,
      maxRate: this.maxRate,
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
