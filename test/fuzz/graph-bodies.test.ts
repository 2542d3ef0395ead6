import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphError, TransportError } from '../../connector/graph/errors.js';
import { ConversionError, toPiece } from '../../connector/import/convert.js';
import { UnexpectedDataError } from '../../connector/import/errors.js';
import { createLogger } from '../../connector/runtime/log.js';
import { type ClientRig, startClientRig } from '../support/client.js';
import { HTTP_RUNS, mutateMany, Rng, RUNS, SEED } from './gen.js';

/**
 * Graph response bodies: the emulator corrupts or truncates half of its bodies, and each damaged
 * body must end as a valid page or a TransportError naming the request, never anything else. Then
 * the items themselves: damaged Graph items must be refused naming what is wrong.
 */
describe(`Graph response body fuzz (${HTTP_RUNS} responses, ${RUNS} items, seed ${SEED})`, () => {
  let rig: ClientRig;

  beforeAll(async () => {
    rig = await startClientRig(
      {
        generate: { users: 40, groups: 4, seed: SEED },
        faults: { rateCorrupt: 0.3, rateTruncate: 0.3, seed: SEED },
      },
      // One response per request: what a damaged body does is seen, not hidden by a retry.
      { retry: { maxAttempts: 1, maxTotalWaitMs: 0, baseDelayMs: 0, maxDelayMs: 0 } },
    );
  }, 60_000);
  afterAll(async () => rig?.close());

  it('every response is a usable page or a TransportError naming the method, the path and the damage', async () => {
    const rng = new Rng(SEED + 4);
    const paths = [
      '/users?$top=7&$select=id,displayName,proxyAddresses',
      '/groups?$top=3',
      '/users/delta?$select=id,displayName,manager',
      '/groups/delta?$select=id,members',
    ];
    const outcomes = { ok: 0, damaged: 0 };
    // Several in flight at once, as an import runs them.
    const one = async (i: number): Promise<void> => {
      const path = rng.pick(paths);
      try {
        const res = await rig.client.request<{ value?: unknown[] }>('GET', path);
        expect(Array.isArray(res.body.value), `response ${i} of ${path}`).toBe(true);
        outcomes.ok++;
      } catch (e) {
        outcomes.damaged++;
        if (e instanceof GraphError) {
          expect(e.message, `response ${i}`).toContain('GET');
          return;
        }
        expect(e, `response ${i} of ${path}: ${(e as Error).stack}`).toBeInstanceOf(TransportError);
        const err = e as TransportError;
        expect(err.method).toBe('GET');
        expect(err.path.length).toBeGreaterThan(0);
        expect(err.message, `response ${i}`).toMatch(/JSON|truncat|body|end|length|closed|terminated/i);
      }
    };
    for (let i = 0; i < HTTP_RUNS; i += 8) await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((k) => one(i + k)));
    expect(outcomes.ok).toBeGreaterThan(HTTP_RUNS / 10);
    expect(outcomes.damaged).toBeGreaterThan(HTTP_RUNS / 4);
  }, 300_000);

  it('damaged Graph items are refused as unexpected data naming the item and field, never a TypeError', async () => {
    // A clean sample to mutate: asked again until the emulator serves it whole.
    let page: unknown[] | undefined;
    for (let attempt = 0; attempt < 50 && !page; attempt++) {
      try {
        page = (
          await rig.client.request<{ value: unknown[] }>('GET', '/users/delta?$select=id,displayName,manager')
        ).body.value;
      } catch {}
    }
    if (!page) throw new Error('the emulator served no whole page in 50 attempts');
    const rng = new Rng(SEED + 5);
    const log = createLogger('error');
    const imported = new Set(['user', 'group'] as const);
    let refused = 0;
    for (let i = 0; i < RUNS; i++) {
      const text = mutateMany(rng, JSON.stringify(rng.pick(page as unknown[])), 3);
      let item: unknown;
      try {
        item = JSON.parse(text);
      } catch {
        item = rng.pick([
          null,
          7,
          'x',
          [],
          { id: 5 },
          { id: 'a', 'members@delta': {} },
          { id: 'a', 'manager@delta': [{}] },
        ]);
      }
      try {
        const piece = toPiece(item, imported, log);
        expect(typeof piece.id).toBe('string');
      } catch (e) {
        refused++;
        const where = `item ${i}: ${JSON.stringify(item)?.slice(0, 200)}`;
        expect(
          e instanceof UnexpectedDataError || e instanceof ConversionError,
          `${where}: ${(e as Error).stack}`,
        ).toBe(true);
        expect((e as Error).message, where).toMatch(/item|id|@delta|object|array/);
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});
