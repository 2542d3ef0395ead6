import { Prng } from './util/prng.js';

/** Faults the emulator injects into Graph calls. Rates are probabilities per request (0..1). */
export interface FaultConfig {
  latencyMs: number;
  jitterMs: number;
  rate429: number;
  /** Retry-After sent with injected 429s and 503s, in seconds (may be fractional as Graph's is). */
  retryAfterSeconds: number;
  rate503: number;
  rate504: number;
  rateDrop: number;
  rateCorrupt: number;
  rateTruncate: number;
  seed: number;
}

export const noFaults: FaultConfig = {
  latencyMs: 0,
  jitterMs: 0,
  rate429: 0,
  retryAfterSeconds: 1,
  rate503: 0,
  rate504: 0,
  rateDrop: 0,
  rateCorrupt: 0,
  rateTruncate: 0,
  seed: 1,
};

/** Decided before a request is handled. */
export type PreFault = 'none' | 'drop' | '429' | '503' | '504';
/** Decided for the response body. */
export type BodyFault = 'none' | 'corrupt' | 'truncate';

/** Everything decided for one top-level Graph request. */
export interface FaultDecision {
  delayMs: number;
  pre: PreFault;
  /** Applied only when the answer is a 200 with a body. */
  body: BodyFault;
}

const FAULT_KEYS: readonly (keyof FaultConfig)[] = Object.keys(noFaults) as (keyof FaultConfig)[];

/**
 * Draws faults from one seeded sequence so that a run repeats for a given seed and request order.
 * Every top-level request consumes three draws (see decide) and every $batch item one (pre), whatever
 * the rates are and however the request is answered.
 */
export class FaultInjector {
  private prng: Prng;
  private cfg: FaultConfig;

  constructor(cfg: FaultConfig) {
    this.cfg = { ...cfg };
    this.prng = new Prng(cfg.seed);
  }

  get config(): Readonly<FaultConfig> {
    return this.cfg;
  }

  /**
   * Changes rates at run time; a new seed restarts the sequence. An invalid patch (unknown key, value
   * out of range) changes nothing.
   */
  update(patch: Partial<FaultConfig>): void {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
      throw new Error('faults must be an object');
    const unknown = Object.keys(patch).filter((k) => !FAULT_KEYS.includes(k as keyof FaultConfig));
    if (unknown.length > 0)
      throw new Error(`unknown fault setting(s) ${unknown.join(', ')}; known: ${FAULT_KEYS.join(', ')}`);
    const next = { ...this.cfg, ...patch };
    validateFaults(next);
    const reseed = next.seed !== this.cfg.seed;
    this.cfg = next;
    if (reseed) this.prng = new Prng(this.cfg.seed);
  }

  /**
   * The faults of one top-level request: always three draws (latency, pre-fault, body fault), so the
   * sequence for a given seed does not shift with the rates or with how earlier requests were answered.
   */
  decide(): FaultDecision {
    const delayMs = this.latency();
    const pre = this.pre();
    const body = this.body();
    return { delayMs, pre, body };
  }

  latency(): number {
    const r = this.prng.next();
    return this.cfg.latencyMs + (this.cfg.jitterMs > 0 ? r * this.cfg.jitterMs : 0);
  }

  pre(): PreFault {
    const r = this.prng.next();
    let edge = this.cfg.rateDrop;
    if (r < edge) return 'drop';
    edge += this.cfg.rate429;
    if (r < edge) return '429';
    edge += this.cfg.rate503;
    if (r < edge) return '503';
    edge += this.cfg.rate504;
    if (r < edge) return '504';
    return 'none';
  }

  body(): BodyFault {
    const r = this.prng.next();
    if (r < this.cfg.rateCorrupt) return 'corrupt';
    if (r < this.cfg.rateCorrupt + this.cfg.rateTruncate) return 'truncate';
    return 'none';
  }
}

export function validateFaults(cfg: FaultConfig): void {
  for (const key of ['rate429', 'rate503', 'rate504', 'rateDrop', 'rateCorrupt', 'rateTruncate'] as const) {
    const v = cfg[key];
    if (!(Number.isFinite(v) && v >= 0 && v <= 1))
      throw new Error(`fault ${key} must be between 0 and 1, got ${v}`);
  }
  for (const key of ['latencyMs', 'jitterMs', 'retryAfterSeconds'] as const) {
    const v = cfg[key];
    if (!(Number.isFinite(v) && v >= 0)) throw new Error(`fault ${key} must be a number >= 0, got ${v}`);
  }
  if (!(Number.isInteger(cfg.seed) && cfg.seed >= 0 && cfg.seed <= 0xffffffff))
    throw new Error(`fault seed must be a whole number between 0 and 4294967295, got ${cfg.seed}`);
  const sum = cfg.rateDrop + cfg.rate429 + cfg.rate503 + cfg.rate504;
  // A little tolerance: 0.1 + 0.2 + 0.3 + 0.4 is 1.0000000000000002 in floating point.
  if (sum > 1 + 1e-9)
    throw new Error(`the rates of dropped connections, 429, 503 and 504 add up to ${sum}; at most 1`);
  const bodySum = cfg.rateCorrupt + cfg.rateTruncate;
  if (bodySum > 1 + 1e-9)
    throw new Error(`the rates of corrupt and truncated bodies add up to ${bodySum}; at most 1`);
}
