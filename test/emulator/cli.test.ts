/**
 * `mimgraph emulator` as a real process: spawned from the build output (dist/), talked to over HTTPS with
 * the CA file it writes, stopped with SIGTERM. No timing assertions; the 100k-user start is measured and
 * printed for the report.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = join(ROOT, 'dist/connector/cli/main.js');
const TENANT_ID = '3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';

/** A parsed JSON answer, read field by field in assertions (the shape is what is under test). */
type Json = ReturnType<typeof JSON.parse>;

interface Running {
  proc: ChildProcess;
  baseUrl: string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  spawnedAt: number;
  readyAt: number;
}

const running = new Set<ChildProcess>();

/** Spawns `mimgraph <args>` and resolves once stdout's first line (the base URL) is out. */
function startCli(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<Running> {
  const spawnedAt = performance.now();
  const proc = spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  let out = '';
  let err = '';
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    proc.once('exit', (code, signal) => {
      running.delete(proc);
      res({ code, signal });
    }),
  );
  proc.stderr!.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`no base URL within ${timeoutMs} ms; stderr: ${err}`));
    }, timeoutMs);
    // Ready once stdout's first line (the base URL) and stderr's summary ("ready in … ms") are both out.
    let readyAt = 0;
    const check = () => {
      const nl = out.indexOf('\n');
      if (nl >= 0 && !readyAt) readyAt = performance.now();
      if (nl < 0 || !/ready in \d+ ms/.test(err)) return;
      clearTimeout(timer);
      resolveStart({ proc, baseUrl: out.slice(0, nl).trim(), stderr: () => err, exit, spawnedAt, readyAt });
    };
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      check();
    });
    proc.stderr!.on('data', check);
    void exit.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before printing the base URL; stderr: ${err}`));
    });
  });
}

/** Runs `mimgraph <args>` to its end. */
function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 15_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((res, rej) => {
    const proc = spawn(process.execPath, [MAIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (c: Buffer) => {
      stdout += c;
    });
    proc.stderr!.on('data', (c: Buffer) => {
      stderr += c;
    });
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      rej(new Error(`mimgraph ${args.join(' ')} did not end within ${timeoutMs} ms (stderr: ${stderr})`));
    }, timeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      running.delete(proc);
      res({ code, stdout, stderr });
    });
  });
}

/** SIGTERM, then the exit code (SIGKILL and a failure if it takes longer than `ms`). */
async function stop(r: Running, ms = 5_000) {
  r.proc.kill('SIGTERM');
  const killer = setTimeout(() => r.proc.kill('SIGKILL'), ms);
  const result = await r.exit;
  clearTimeout(killer);
  return result;
}

async function tokenFor(agent: Agent, baseUrl: string, tenant: string, clientId: string, secret: string) {
  const res = await request(`${baseUrl}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: clientId,
      client_secret: secret,
      grant_type: 'client_credentials',
      scope: `${baseUrl}/.default`,
    }).toString(),
  });
  const body = (await res.body.json()) as { access_token?: string; error_description?: string };
  if (res.statusCode !== 200 || !body.access_token)
    throw new Error(`token: ${res.statusCode} ${body.error_description}`);
  return body.access_token;
}

async function graph(
  agent: Agent,
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
) {
  const res = await request(`${baseUrl}/v1.0${path}`, {
    method: method as 'GET',
    dispatcher: agent,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? (JSON.parse(text) as Json) : undefined };
}

async function allUserIds(agent: Agent, baseUrl: string, token: string): Promise<string[]> {
  const r = await graph(agent, baseUrl, token, 'GET', '/users?$top=999&$select=id');
  expect(r.status).toBe(200);
  expect(r.body['@odata.nextLink']).toBeUndefined();
  return r.body.value.map((u: { id: string }) => u.id);
}

let dir: string;

beforeAll(() => {
  // `npm test` builds first; a bare `vitest run` of this file builds if dist/ is missing or older than the CLI.
  const src = join(ROOT, 'connector/cli/emulator.ts');
  if (!existsSync(MAIN) || statSync(MAIN).mtimeMs < statSync(src).mtimeMs) {
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
        cwd: ROOT,
        stdio: 'ignore',
      });
    } catch {
      // Type errors elsewhere still emit JavaScript; the check below decides.
    }
  }
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npx tsc -p tsconfig.json`);
  dir = mkdtempSync(join(tmpdir(), 'mimgraph-cli-'));
});

afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('mimgraph emulator', () => {
  it('serves a generated tenant (app secret from an env var, or literal); SIGTERM ends it with 0 even with a client connected', async () => {
    const clientId = randomUUID();
    const secret = `env-${randomUUID()}`;
    const literalId = randomUUID();
    const literalSecret = `lit~${randomUUID()}`;
    const caEnv = join(dir, 'ca-env.pem');
    const caLit = join(dir, 'ca-lit.pem');
    const lingering: Agent[] = [];
    const common = [
      '--port',
      '0',
      '--tenant-id',
      TENANT_ID,
      '--users',
      '200',
      '--groups',
      '10',
      '--seed',
      '7',
    ];
    // Both forms of --app side by side: env:<VAR> (no secret on the command line) and the literal one.
    const [viaEnv, viaLiteral] = await Promise.all([
      startCli(['emulator', ...common, '--ca-out', caEnv, '--app', `${clientId}=env:EMU_SECRET`], {
        EMU_SECRET: secret,
      }),
      startCli(['emulator', ...common, '--ca-out', caLit, '--app', `${literalId}=${literalSecret}`]),
    ]);
    try {
      expect(viaEnv.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(viaLiteral.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(viaEnv.baseUrl).not.toBe(viaLiteral.baseUrl);
      const cmdline = readFileSync(`/proc/${viaEnv.proc.pid}/cmdline`, 'utf8');
      expect(cmdline).toContain('env:EMU_SECRET');
      expect(cmdline).not.toContain(secret);

      const ids: string[][] = [];
      for (const [r, ca, id, sec] of [
        [viaEnv, caEnv, clientId, secret],
        [viaLiteral, caLit, literalId, literalSecret],
      ] as const) {
        const pem = readFileSync(ca, 'utf8');
        expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----/);
        const agent = new Agent({ connect: { ca: pem } });
        try {
          const token = await tokenFor(agent, r.baseUrl, TENANT_ID, id, sec);
          const users = await allUserIds(agent, r.baseUrl, token);
          expect(users).toHaveLength(200);
          const groups = await graph(agent, r.baseUrl, token, 'GET', '/groups?$top=999&$select=id');
          expect(groups.body.value).toHaveLength(10);
          ids.push(users);
          // A domain works as the tenant too, and the wrong secret does not.
          await expect(tokenFor(agent, r.baseUrl, 'mimgraph.onmicrosoft.com', id, sec)).resolves.toBeTruthy();
          await expect(tokenFor(agent, r.baseUrl, TENANT_ID, id, `${sec}x`)).rejects.toThrow(/AADSTS7000215/);
          // The admin endpoint is there.
          const counters = await request(`${r.baseUrl}/_emulator/counters`, { dispatcher: agent });
          expect(((await counters.body.json()) as { tokensIssued: number }).tokensIssued).toBe(2);
        } finally {
          await agent.close();
        }
        expect(r.stderr()).toContain(`tenant ${TENANT_ID}`);
        expect(r.stderr()).toContain('200 users, 10 groups, 1 app(s)');
        expect(r.stderr()).not.toContain(sec);
      }
      // --seed 7 twice: the same tenant.
      expect(ids[0]).toEqual(ids[1]);
      // The CA of one emulator is not trusted by the other's clients.
      const wrongCa = new Agent({ connect: { ca: readFileSync(caLit, 'utf8') } });
      await expect(request(`${viaEnv.baseUrl}/_emulator/config`, { dispatcher: wrongCa })).rejects.toThrow();
      await wrongCa.close();
      // A client keeps a connection open across the SIGTERM below: the emulator still ends promptly.
      const open = new Agent({ connect: { ca: readFileSync(caEnv, 'utf8') }, keepAliveTimeout: 60_000 });
      const token = await tokenFor(open, viaEnv.baseUrl, TENANT_ID, clientId, secret);
      expect((await graph(open, viaEnv.baseUrl, token, 'GET', '/users?$top=1')).status).toBe(200);
      lingering.push(open);
    } finally {
      const [a, b] = await Promise.all([stop(viaEnv), stop(viaLiteral)]);
      expect(a).toEqual({ code: 0, signal: null });
      expect(b).toEqual({ code: 0, signal: null });
    }
    expect(viaEnv.stderr()).toContain('mimgraph emulator: stopped');
    await Promise.all(lingering.map((a) => a.destroy()));
  });

  it('refuses bad flags with exit code 2 and a message naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['--rate-429', '2'], /--rate-429/],
      [['--write-budget', 'abc'], /--write-budget/],
      [['--write-budget', '0/150'], /--write-budget/],
      [['--tenant-id', 'nope'], /--tenant-id/],
      [['--frobnicate'], /--frobnicate/],
      [['--port'], /--port/],
      [['--app', 'no-equals-sign'], /--app/],
      [['--app', 'id=env:MIMGRAPH_SURELY_UNSET_VAR'], /MIMGRAPH_SURELY_UNSET_VAR/],
      [['--rate-429', '0.6', '--rate-503', '0.6'], /--rate-429/],
      [['--delta-expired-status', '404'], /--delta-expired-status/],
      [['stray-positional'], /stray-positional/],
      [['--tenant', 'samples/tenant.json', '--users', '3'], /--tenant/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(['emulator', ...args])));
    results.forEach((r, i) => {
      const [args, flag] = cases[i]!;
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(flag);
      expect(r.stdout, args.join(' ')).toBe('');
    });
  });

  it('a CA file that cannot be written: exit 1 naming --ca-out, and the process does not hang', async () => {
    const r = await runCli([
      'emulator',
      '--ca-out',
      join(dir, 'no/such/dir/ca.pem'),
      '--users',
      '1',
      '--groups',
      '0',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--ca-out/);
  });

  it('--help prints the usage; no command prints the overview', async () => {
    const help = await runCli(['emulator', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('mimgraph emulator');
    for (const flag of [
      '--port',
      '--ca-out',
      '--tenant-id',
      '--app',
      '--state',
      '--rate-429',
      '--write-budget',
    ]) {
      expect(help.stdout).toContain(flag);
    }
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('mimgraph emulator');
    const unknown = await runCli(['no-such-command']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'no-such-command'");
  });

  it('--state: a change survives a restart', async () => {
    const state = join(dir, 'state.json');
    const ca = join(dir, 'ca-state.pem');
    const args = [
      'emulator',
      '--state',
      state,
      '--ca-out',
      ca,
      '--app',
      'stateful=env:EMU_SECRET',
      '--users',
      '12',
    ];
    const env = { EMU_SECRET: 'keep-me' };

    const first = await startCli(args, env);
    let userId: string;
    let tenantId: string;
    {
      const agent = new Agent({ connect: { ca: readFileSync(ca, 'utf8') } });
      tenantId = /tenant ([0-9a-f-]{36})/.exec(first.stderr())![1]!;
      const token = await tokenFor(agent, first.baseUrl, tenantId, 'stateful', 'keep-me');
      userId = (await allUserIds(agent, first.baseUrl, token))[3]!;
      const p = await graph(agent, first.baseUrl, token, 'PATCH', `/users/${userId}`, {
        jobTitle: 'Survivor',
      });
      expect(p.status).toBe(204);
      const created = await graph(agent, first.baseUrl, token, 'POST', '/groups', {
        displayName: 'Made before the restart',
        mailEnabled: false,
        mailNickname: 'madebefore',
        securityEnabled: true,
      });
      expect(created.status).toBe(201);
      await agent.close();
    }
    expect(await stop(first)).toEqual({ code: 0, signal: null });
    expect(existsSync(state)).toBe(true);
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { version: number; tenantId: string };
    expect(saved.version).toBe(1);
    expect(saved.tenantId).toBe(tenantId);
    expect(readFileSync(state, 'utf8')).not.toContain('keep-me');

    const second = await startCli(args, env);
    try {
      const agent = new Agent({ connect: { ca: readFileSync(ca, 'utf8') } });
      const token = await tokenFor(agent, second.baseUrl, tenantId, 'stateful', 'keep-me');
      const u = await graph(agent, second.baseUrl, token, 'GET', `/users/${userId}?$select=jobTitle`);
      expect(u.status).toBe(200);
      expect(u.body.jobTitle).toBe('Survivor');
      const g = await graph(
        agent,
        second.baseUrl,
        token,
        'GET',
        `/groups?$filter=${encodeURIComponent("displayName eq 'Made before the restart'")}`,
      );
      expect(g.body.value).toHaveLength(1);
      expect(await allUserIds(agent, second.baseUrl, token)).toHaveLength(12);
      await agent.close();
    } finally {
      expect(await stop(second)).toEqual({ code: 0, signal: null });
    }
    // The state file decides the tenant: another --tenant-id is refused rather than silently ignored.
    const other = await runCli([...args, '--tenant-id', TENANT_ID], env);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`holds tenant ${tenantId}`);
  });
});

describe('mimgraph emulator at scale', () => {
  it('starts with 100,000 users and 10,000 groups and serves the first page (time and RSS printed)', async () => {
    const ca = join(dir, 'ca-big.pem');
    const r = await startCli(
      ['emulator', '--ca-out', ca, '--app', 'big=env:EMU_SECRET', '--users', '100000', '--groups', '10000'],
      { EMU_SECRET: 'big-secret' },
      60_000,
    );
    try {
      const agent = new Agent({ connect: { ca: readFileSync(ca, 'utf8') } });
      const token = await tokenFor(agent, r.baseUrl, 'mimgraph.onmicrosoft.com', 'big', 'big-secret');
      const page = await graph(agent, r.baseUrl, token, 'GET', '/users');
      const firstPageAt = performance.now();
      expect(page.status).toBe(200);
      expect(page.body.value.length).toBeGreaterThan(0);
      expect(page.body['@odata.nextLink']).toMatch(/\$skiptoken=/);
      const status = readFileSync(`/proc/${r.proc.pid}/status`, 'utf8');
      const kb = (name: string) =>
        Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
      const ready = /ready in (\d+) ms/.exec(r.stderr())?.[1];
      console.log(
        `[cli scale] 100000 users / 10000 groups: spawn→URL ${Math.round(r.readyAt - r.spawnedAt)} ms ` +
          `(emulator says ready in ${ready} ms), spawn→first page ${Math.round(firstPageAt - r.spawnedAt)} ms, ` +
          `RSS ${Math.round(kb('VmRSS') / 1024)} MiB (peak ${Math.round(kb('VmHWM') / 1024)} MiB)`,
      );
      await agent.close();
    } finally {
      expect(await stop(r, 10_000)).toEqual({ code: 0, signal: null });
    }
  });
});
