/**
 * Graph's write budget for one application in one tenant (3,000 writes per 150 s), as a sliding
 * window: each write request counts one, each request inside a $batch too. Past the budget a write
 * gets 429 with Retry-After until the oldest write leaves the window.
 */
export interface WriteBudgetConfig {
  writes: number;
  seconds: number;
}

export class WriteBudget {
  private stamps: number[] = [];
  private head = 0;
  throttled = 0;
  accepted = 0;

  constructor(readonly cfg: WriteBudgetConfig) {
    const { writes, seconds } = cfg;
    if (
      !(Number.isInteger(writes) && writes > 0) ||
      !(typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0)
    ) {
      throw new Error(
        `write budget must be <writes>/<seconds> with both > 0, got ${cfg.writes}/${cfg.seconds}`,
      );
    }
  }

  /** Counts a write at `now` (ms); returns the seconds to wait when the window is full. */
  take(now: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const windowMs = this.cfg.seconds * 1000;
    while (this.head < this.stamps.length && this.stamps[this.head]! <= now - windowMs) this.head++;
    if (this.head > 4096 && this.head * 2 > this.stamps.length) {
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
    const inWindow = this.stamps.length - this.head;
    if (inWindow >= this.cfg.writes) {
      this.throttled++;
      const waitMs = this.stamps[this.head]! + windowMs - now;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    this.stamps.push(now);
    this.accepted++;
    return { ok: true };
  }
}

export function parseWriteBudget(text: string): WriteBudgetConfig {
  const m = /^(\d+)\s*\/\s*(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (!m) throw new Error(`--write-budget must look like <writes>/<seconds>, e.g. 3000/150; got '${text}'`);
  const cfg = { writes: Number(m[1]), seconds: Number(m[2]) };
  if (!(cfg.writes > 0 && cfg.seconds > 0))
    throw new Error(`--write-budget needs writes and seconds both above 0, e.g. 3000/150; got '${text}'`);
  return cfg;
}
