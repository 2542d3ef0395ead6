import { randomBytes } from 'node:crypto';
import type { AppRegistration } from './auth/identity.js';
import { WriteBudget, type WriteBudgetConfig } from './budget.js';
import type { DirectoryStore } from './directory/store.js';
import { type FaultConfig, FaultInjector } from './faults.js';

/** Behaviour switches where Graph's real behaviour is unconfirmed or worth varying in tests. */
export interface BehaviourConfig {
  /** Objects per delta page (Graph serves about 200; $top is ignored). */
  deltaPageSize: number;
  /** Member references per delta page; a larger group continues on the next pages. */
  deltaMembersPerPage: number;
  /** Delta tokens older than this are expired. */
  deltaMaxAgeSeconds: number;
  /** How an expired delta token is refused: 400 or 410, both with code syncStateNotFound. */
  deltaExpiredStatus: 400 | 410;
  /** Status for removing a reference that does not exist (404, or 400 as some reports say). */
  removeMissingReferenceStatus: 400 | 404;
  tokenLifetimeSeconds: number;
}

export const defaultBehaviour: BehaviourConfig = {
  deltaPageSize: 200,
  deltaMembersPerPage: 1000,
  deltaMaxAgeSeconds: 7 * 24 * 3600,
  deltaExpiredStatus: 400,
  removeMissingReferenceStatus: 404,
  tokenLifetimeSeconds: 3599,
};

export interface Counters {
  requests: number;
  graphRequests: number;
  batchItems: number;
  tokensIssued: number;
  writes: number;
  injected: Record<string, number>;
}

/** Everything a request handler may read or change: one tenant, its apps and its faults. */
export class EmulatorContext {
  readonly faults: FaultInjector;
  budget: WriteBudget | undefined;
  /** Bumped by a forced resync: delta tokens of an older generation get 410 + Location. */
  resyncGeneration = 0;
  clockOffsetMs = 0;
  /** Refuse every access token (to test a client's give-up after one renewal). */
  rejectAllTokens = false;
  baseUrl = '';
  readonly signingKey: Buffer;
  readonly counters: Counters = {
    requests: 0,
    graphRequests: 0,
    batchItems: 0,
    tokensIssued: 0,
    writes: 0,
    injected: {},
  };

  constructor(
    readonly tenantId: string,
    readonly store: DirectoryStore,
    readonly apps: Map<string, AppRegistration>,
    public behaviour: BehaviourConfig,
    faults: FaultConfig,
    budget: WriteBudgetConfig | undefined,
    signingKey?: Buffer,
  ) {
    this.faults = new FaultInjector(faults);
    this.budget = budget ? new WriteBudget(budget) : undefined;
    this.signingKey = signingKey ?? randomBytes(32);
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** `https://127.0.0.1:port/v1.0` */
  root(version: string): string {
    return `${this.baseUrl}/${version}`;
  }

  count(kind: string): void {
    this.counters.injected[kind] = (this.counters.injected[kind] ?? 0) + 1;
  }
}
