import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMmsml } from '../../connector/dropfile/reader.js';
import { WORKER } from '../support/worker.js';

const CLI = join(WORKER, '../../cli/main.js');

/** What `npm start` runs, on its own, in an empty folder: it completes and its drop files parse. */
describe('mimgraph demo', () => {
  it('imports, exports and leaves drop files the reader parses', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mimgraph-demo-'));
    const r = spawnSync(process.execPath, [CLI, 'demo'], { cwd, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Full import');
    const counts: Record<string, number> = {};
    for (const file of ['full-import.xml', 'delta-import.xml', 'export.xml']) {
      const entries = [];
      for await (const e of readMmsml(join(cwd, 'out', file))) entries.push(e);
      counts[file] = entries.length;
    }
    // The sample tenant: 4 users, 3 groups, 1 contact; three changes; five exported entries.
    expect(counts).toEqual({ 'full-import.xml': 8, 'delta-import.xml': 3, 'export.xml': 5 });
    // The demo's secret never reaches a file or the console.
    expect(`${r.stdout}${r.stderr}`).not.toContain('sample-secret-for-the-emulator-only');
  });
});
