import { describe, expect, it } from 'vitest';
import { ImportSession } from '../../connector/import/session.js';
import { startConnectorRig } from '../support/connector.js';

/**
 * Memory of a full import with a group of 100,000 members (emulator in the same process). Slow:
 * runs only with MIMGRAPH_HEAVY=1. Prints the numbers; asserts a generous bound.
 */
describe.skipIf(!process.env.MIMGRAPH_HEAVY)('heavy: 100,000-member group', () => {
  it('imports the group as one entry in bounded memory', { timeout: 600_000 }, async () => {
    const rig = await startConnectorRig({ generate: { users: 100_000, groups: 2, seed: 1 } });
    try {
      const ctx = rig.context();
      const mb = (n: number) => Math.round(n / 1048576);
      global.gc?.();
      const base = process.memoryUsage();
      let peakHeap = base.heapUsed;
      let peakRss = base.rss;
      const sample = () => {
        const m = process.memoryUsage();
        peakHeap = Math.max(peakHeap, m.heapUsed);
        peakRss = Math.max(peakRss, m.rss);
      };
      const timer = setInterval(sample, 20);
      const t0 = performance.now();
      const { session } = await ImportSession.open(
        rig.config({ objectTypes: ['user', 'group'] }),
        rig.schema(['user', 'group']),
        rig.attributes,
        { importType: 'Full', pageSize: 500, customData: null },
        ctx,
      );
      let entries = 0;
      let biggest = 0;
      let pages = 0;
      let retained = 0;
      for (;;) {
        const page = await session.getPage({});
        entries += page.entries.length;
        for (const e of page.entries) {
          const m = e.attributes.find((a) => a.name === 'members');
          if (m) biggest = Math.max(biggest, m.values.length);
        }
        sample();
        // With --expose-gc: what is live (not garbage) between pages.
        if (global.gc && (++pages % 20 === 0 || biggest === 100_000)) {
          global.gc();
          retained = Math.max(retained, process.memoryUsage().heapUsed - base.heapUsed);
        }
        if (!page.moreToImport) break;
      }
      const closed = await session.close({ reason: 'Normal' });
      clearInterval(timer);
      const seconds = (performance.now() - t0) / 1000;
      console.log(
        `heavy import: ${entries} entries, largest group ${biggest} members, ${seconds.toFixed(1)} s; ` +
          `heap ${mb(base.heapUsed)} MB before (emulator tenant loaded), peak ${mb(peakHeap)} MB ` +
          `(+${mb(peakHeap - base.heapUsed)} MB); rss ${mb(base.rss)} → peak ${mb(peakRss)} MB; ` +
          `watermark ${closed.customData?.length} chars` +
          (global.gc ? `; live heap above the baseline at most ${mb(retained)} MB` : ''),
      );
      expect(biggest).toBe(100_000);
      expect(peakHeap - base.heapUsed).toBeLessThan(1024 * 1048576);
    } finally {
      await rig.close();
    }
  });
});
