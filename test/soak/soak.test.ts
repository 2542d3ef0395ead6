import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runSoak } from './soak.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The short form of `npm run soak`: three cycles with every fault, one worker kill, one delta expiry. */
describe('fault soak (short form)', () => {
  it('ends with the emulator equal to what was exported and imported, no duplicate, no secret anywhere', async () => {
    const report = await runSoak({
      dir: mkdtempSync(join(tmpdir(), 'mimgraph-soak-')),
      workerPath: join(root, 'dist/connector/worker/main.js'),
      cycles: 3,
      users: 60,
      groups: 5,
      changesPerCycle: 30,
      seed: 11,
    });
    expect(report.importMismatches).toEqual([]);
    expect(report.exportMismatches).toEqual([]);
    expect(report.duplicates).toEqual([]);
    expect(report.failedTwice).toEqual([]);
    expect(report.pendingAtEnd).toBe(0);
    expect(report.secretHits).toEqual([]);
    // The faults really happened.
    expect(report.workerKills).toBe(1);
    expect(report.unansweredEntries).toBeGreaterThan(0);
    expect(report.deltaExpiries).toBe(1);
    expect(report.emulatorCounters.injected['429'] ?? 0).toBeGreaterThan(0);
    expect(report.scannedFiles).toBeGreaterThanOrEqual(8);
    expect(report.scannedProcesses).toBe(report.workersStarted);
  }, 240_000);
});
