import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runSoak } from './soak.js';

const USAGE =
  'usage: npm run soak [-- --cycles N --users N --groups N --changes N --seed N --dir <folder>]\n' +
  '  defaults: 12 cycles, 2000 users, 60 groups, 120 changes per cycle, seed 7, a new temporary folder\n';

/** `npm run soak`: the long fault soak; prints its report, exit 1 unless clean, 2 on a usage error. */
function options() {
  try {
    const { values } = parseArgs({
      options: {
        cycles: { type: 'string', default: '12' },
        users: { type: 'string', default: '2000' },
        groups: { type: 'string', default: '60' },
        changes: { type: 'string', default: '120' },
        seed: { type: 'string', default: '7' },
        dir: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    for (const k of ['cycles', 'users', 'groups', 'changes', 'seed'] as const) {
      const n = Number(values[k]);
      if (!Number.isInteger(n) || n < (k === 'seed' ? 0 : 1))
        throw new Error(
          `--${k} must be a whole number${k === 'seed' ? '' : ' of at least 1'}, not '${values[k]}'`,
        );
    }
    return values;
  } catch (e) {
    process.stderr.write(`soak: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}
const values = options();
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
