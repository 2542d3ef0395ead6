import { describe, expect, it } from 'vitest';
import { startClientRig } from '../support/client.js';

describe('token lifetime over a long run', () => {
  it('reuses a 6-second token until its margin and renews before expiry during a 15-second run', async () => {
    const rig = await startClientRig({
      generate: { users: 30, groups: 1, seed: 15 },
      behaviour: { tokenLifetimeSeconds: 6 },
    });
    try {
      const c = rig.client;
      const runMs = 15_000;
      const t0 = performance.now();
      let ok = 0;
      while (performance.now() - t0 < runMs) {
        const res = await c.request<{ value: unknown[] }>('GET', '/users?$top=1');
        if (res.status === 200) ok++;
        await new Promise((r) => setTimeout(r, 50));
      }
      const seconds = (performance.now() - t0) / 1000;
      // Renewal margin = min(300 s, lifetime / 5) = 1.2 s: a new token every 4.8 s.
      const expected = seconds / (6 - 1.2);
      expect(ok).toBeGreaterThan(100);
      expect(c.counters.tokensAcquired).toBeGreaterThanOrEqual(Math.floor(expected));
      expect(c.counters.tokensAcquired).toBeLessThanOrEqual(Math.ceil(expected) + 1);
      // Never a 401: every token was renewed before it expired.
      expect(c.counters.tokenRefreshesOn401).toBe(0);
      expect(rig.emu.context.counters.tokensIssued).toBe(c.counters.tokensAcquired);
      console.log(
        `15 s run: ${ok} requests, ${c.counters.tokensAcquired} tokens (expected ≈ ${expected.toFixed(2)})`,
      );
    } finally {
      await rig.close();
    }
  }, 60_000);
});
