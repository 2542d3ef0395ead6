import { benchGraphClient } from './graph-client.js';

/**
 * `npm run bench [-- --quick] [-- --json]`: measurements, printed; never pass/fail. Later benchmarks
 * (import, delta, export, write budget, bridge) join this table as they are built.
 */
async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const json = process.argv.includes('--json');
  const graphClient = await benchGraphClient(quick);
  const results = { graphClient };
  if (json) {
    process.stdout.write(`${JSON.stringify(results)}\n`);
    return;
  }
  const rows: [string, string][] = [
    ['Graph client: raw undici requests/s', String(graphClient.rawRequestsPerSecond)],
    ['Graph client: GraphClient requests/s', String(graphClient.clientRequestsPerSecond)],
    ['Graph client: overhead (target ≤ 10 %)', `${graphClient.overheadPercent} %`],
    ['Graph client: raw undici CPU µs/request', String(graphClient.rawCpuMicrosPerRequest)],
    ['Graph client: GraphClient CPU µs/request', String(graphClient.clientCpuMicrosPerRequest)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
