/**
 * Graph's write budget for one application in one tenant (3,000 writes per 150 s), as a sliding
 * window per application: each write request counts one, each request inside a $batch too. Past the budget a write
 * gets 429 with Retry-After until the oldest write leaves the window.
 */
export interface WriteBudgetConfig {
  writes: number;
  seconds: number;
}

/** One app's sliding window of write timestamps. */
class Window {
  stamps: number[] = [];
  head = 0;
}

export class WriteBudget {
  /** Graph keeps one budget per application and tenant: one window per app id. */
  private readonly windows = new Map<string, Window>();
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

  /** Counts a write of `appId` at `now` (ms); returns the seconds to wait when its window is full. */
  take(now: number, appId = ''): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const key = appId.toLowerCase();
    let w = this.windows.get(key);
    if (!w) {
      w = new Window();
      this.windows.set(key, w);
    }
    const windowMs = this.cfg.seconds * 1000;
    while (w.head < w.stamps.length && w.stamps[w.head]! <= now - windowMs) w.head++;
    if (w.head > 4096 && w.head * 2 > w.stamps.length) {
      w.stamps = w.stamps.slice(w.head);
      w.head = 0;
    }
    const inWindow = w.stamps.length - w.head;
    if (inWindow >= this.cfg.writes) {
      this.throttled++;
      const waitMs = w.stamps[w.head]! + windowMs - now;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    w.stamps.push(now);
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
