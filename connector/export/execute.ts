import { runBatch } from '../graph/batch.js';
import type { GraphClient } from '../graph/client.js';
import { GraphError } from '../graph/errors.js';
import { sleep } from '../graph/retry.js';
import { isUnreachable, mapEntryError } from './errors.js';
import { nextOpId, type Op } from './writes.js';

/** A 404 on an object created in this session is retried this often, after 0.5, 1, 2 s (Graph's replication lag). */
export const FRESH_RETRIES = 3;
const FRESH_DELAY_MS = 500;

export interface ExecuteOptions {
  concurrency: number;
  signal: AbortSignal;
  /** For tests: the delay before a replication-lag retry. */
  freshDelayMs?: number;
}

/**
 * Sends writes in $batch requests (20 each, `concurrency` in flight) and settles every outcome on
 * its entry: tolerated failures (already a member, not a member, already deleted) are notes; a 400
 * on a bulk member add falls back to one `$ref` per member; a 404 touching a fresh object is retried
 * with bounded backoff; anything else is the entry's failure (the first one wins). Returns when every
 * request has been answered, so nothing outlives the put() call.
 */
export async function execute(client: GraphClient, ops: readonly Op[], o: ExecuteOptions): Promise<void> {
  let round: readonly Op[] = ops;
  while (round.length > 0) {
    const results = await runBatch(client, round, { concurrency: o.concurrency, signal: o.signal });
    const next: Op[] = [];
    let lag = 0;
    for (const op of round) {
      const r = results.get(op.id);
      if (!r) continue;
      if (!r.error) {
        op.onSuccess?.(r.body);
        continue;
      }
      const e = r.error;
      if (isUnreachable(e)) throw e;
      if (e instanceof GraphError) {
        const note = op.tolerate?.(e);
        if (note) {
          op.work.notes.push(note);
          continue;
        }
        if (e.status === 400 && op.fallback) {
          op.work.notes.push(`bulk member add refused (${e.code}); adding members one by one`);
          next.push(...op.fallback());
          continue;
        }
        if (e.status === 404 && op.fresh && op.attempt < FRESH_RETRIES) {
          lag = Math.max(lag, (o.freshDelayMs ?? FRESH_DELAY_MS) * 2 ** op.attempt);
          next.push({ ...op, id: nextOpId(), attempt: op.attempt + 1 });
          continue;
        }
      }
      op.work.failure ??= mapEntryError(e, op.kind);
    }
    if (lag > 0) await sleep(lag, o.signal);
    round = next;
  }
}
