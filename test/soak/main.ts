import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runSoak } from './soak.js';

/** `npm run soak [-- --cycles N --users N --changes N --seed N]`: the long fault soak; prints its report. */
const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '12' },
    users: { type: 'string', default: '2000' },
    groups: { type: 'string', default: '60' },
    changes: { type: 'string', default: '120' },
    seed: { type: 'string', default: '7' },
    dir: { type: 'string' },
  },
});
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'mimgraph-soak-'));
const report = await runSoak({
  dir,
  workerPath: join(root, 'dist/connector/worker/main.js'),
  cycles: Number(values.cycles),
  users: Number(values.users),
  groups: Number(values.groups),
  changesPerCycle: Number(values.changes),
  seed: Number(values.seed),
  log: (line) => process.stderr.write(`soak: ${line}\n`),
});
process.stdout.write(`${JSON.stringify({ dir, ...report }, null, 2)}\n`);
const clean =
  report.importMismatches.length === 0 &&
  report.exportMismatches.length === 0 &&
  report.duplicates.length === 0 &&
  report.failedTwice.length === 0 &&
  report.pendingAtEnd === 0 &&
  report.secretHits.length === 0;
process.exitCode = clean ? 0 : 1;
