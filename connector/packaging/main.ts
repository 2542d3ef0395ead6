#!/usr/bin/env node
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBundle } from './bundle.js';

/**
 * `node dist/connector/packaging/main.js [--out <dir>]` (what `npm run package` runs
 * after building the connector and the bridge): writes out/mimgraph-<version>.zip.
 */
const { values } = parseArgs({
  options: { out: { type: 'string' } },
  strict: true,
});
// dist/connector/packaging → the repository root.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
try {
  const result = buildBundle({
    root,
    outDir: values.out ? resolve(values.out) : join(root, 'out'),
    log: (line) => console.log(line),
  });
  console.log(
    `mimgraph ${result.version}: ${result.files.length} files, ${result.packages.length} production packages, ` +
      `${(result.zipBytes / 1048576).toFixed(1)} MB zipped -> ${result.zipPath}`,
  );
  console.log('On the MIM server: expand the zip, then run Install-MimGraph.ps1 as an administrator.');
} catch (e) {
  console.error(`npm run package: ${(e as Error).message}`);
  process.exitCode = 1;
}
