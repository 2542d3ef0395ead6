import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * The emulator in its own process, as `mimgraph emulator` runs it, so benchmarks measure the client
 * without the emulator competing for the same event loop. The secret travels by environment.
 */
export interface EmulatorProcess {
  baseUrl: string;
  tenantId: string;
  clientId: string;
  secret: string;
  caFile: string;
  caPem: string;
  pid: number;
  stop(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const cli = resolve(here, '../../connector/cli/main.js');

export async function spawnEmulator(args: string[]): Promise<EmulatorProcess> {
  const clientId = randomUUID();
  const secret = randomBytes(24).toString('base64url');
  const tenantId = randomUUID();
  const caFile = join(mkdtempSync(join(tmpdir(), 'mimgraph-bench-')), 'ca.pem');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // A large generated tenant (1,000,000 users) needs more than Node's default heap.
      '--max-old-space-size=16384',
      cli,
      'emulator',
      '--port',
      '0',
      '--ca-out',
      caFile,
      '--tenant-id',
      tenantId,
      '--app',
      `${clientId}=env:BENCH_SECRET`,
      ...args,
    ],
    {
      env: { ...process.env, BENCH_SECRET: secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // Its banner and warnings stay out of the benchmark's table; they are shown if it fails.
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => {
    stderr = (stderr + c).slice(-4000);
  });
  const baseUrl = await new Promise<string>((ok, fail) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (line) => ok(line.trim()));
    child.once('exit', (code) => fail(new Error(`emulator exited with ${code}: ${stderr}`)));
  });
  return {
    baseUrl,
    tenantId,
    clientId,
    secret,
    caFile,
    caPem: readFileSync(caFile, 'utf8'),
    pid: child.pid!,
    stop: () =>
      new Promise<void>((ok) => {
        const done = () => {
          rmSync(dirname(caFile), { recursive: true, force: true });
          ok();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}
