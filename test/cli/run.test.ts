import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMmsmlFile } from '../../connector/dropfile/reader.js';
import { MmsmlWriter } from '../../connector/dropfile/writer.js';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { sharedTls } from '../support/tls.js';

/** The built CLI (`npx tsc -p tsconfig.json` first) against an emulator running in this process. */
const MAIN = resolve(__dirname, '../../dist/connector/cli/main.js');

let emu: RunningEmulator;
let dir: string;
let caFile: string;
const clientId = randomUUID();
const secret = randomBytes(24).toString('base64url');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Result> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { ...process.env, MIMGRAPH_CLIENT_SECRET: secret, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

function baseConfig(): Record<string, unknown> {
  return {
    tenant: emu.tenantId,
    clientId,
    cloud: 'custom',
    loginEndpoint: emu.baseUrl,
    graphEndpoint: emu.baseUrl,
    caFile,
    objectTypes: ['user', 'group'],
    pageSize: 7,
    export: { writesPerWindow: 100000, windowSeconds: 10 },
  };
}

function writeConfig(name: string, json: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(json, null, 2));
  return file;
}

beforeAll(async () => {
  emu = await startEmulator({
    tls: sharedTls(),
    apps: [{ clientId, secrets: [secret], certificates: [], roles: 'all' }],
    generate: { users: 25, groups: 4, seed: 7 },
  });
  dir = mkdtempSync(join(tmpdir(), 'mimgraph-cli-'));
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, emu.caCertPem);
}, 60_000);

afterAll(async () => {
  await emu?.close();
});

const users = () => [...emu.context.store.all('user')];

describe('mimgraph import', () => {
  it('full then delta with --state: the second run sees exactly the change made in between', async () => {
    const config = writeConfig('import.json', baseConfig());
    const state = join(dir, 'import.state');
    const full = await cli(['import', '--full', '--config', config, '--state', state, '--json']);
    expect(full.code, full.stderr).toBe(0);
    const summary = JSON.parse(full.stdout);
    const activeUsers = users().length;
    expect(summary.types.user.adds).toBe(activeUsers);
    expect(summary.types.group.adds).toBe([...emu.context.store.all('group')].length);
    expect(summary.graph.requests).toBeGreaterThan(0);
    expect(summary.exitCode).toBe(0);
    const saved = JSON.parse(readFileSync(state, 'utf8'));
    expect(saved.customData).toBeTruthy();
    expect(existsSync(`${state}.d`)).toBe(true);

    const changed = users()[3]!;
    const client = await graph();
    await client('PATCH', `/users/${changed.id}`, { jobTitle: 'Changed between runs' });

    const delta = await cli(['import', '--delta', '--config', config, '--state', state, '--json']);
    expect(delta.code, delta.stderr).toBe(0);
    const d = JSON.parse(delta.stdout);
    expect(d.totals.objects).toBe(1);
    expect(d.types.user.updates + d.types.user.adds).toBe(1);
    // Without --json: the summary is text on stderr, stdout stays empty.
    const again = await cli(['import', '--delta', '--config', config, '--state', state]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/import delta: done/);
    expect(again.stderr).toMatch(/Graph: \d+ requests/);
  });

  it('attributes limits the schema handed to the run, and an unknown attribute is named', async () => {
    const ok = writeConfig('attrs.json', { ...baseConfig(), attributes: { user: ['displayName'] } });
    const r = await cli(['schema', '--config', ok, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const schema = JSON.parse(r.stdout);
    const user = schema.types.find((t: { name: string }) => t.name === 'user');
    expect(user.attributes.map((a: { name: string }) => a.name).sort()).toEqual(['displayName', 'id']);
    const bad = writeConfig('attrs-bad.json', { ...baseConfig(), attributes: { user: ['shoeSize'] } });
    const b = await cli(['import', '--full', '--config', bad]);
    expect(b.code).toBe(64);
    expect(b.stderr).toMatch(/attributes\.user: unknown attribute 'shoeSize'/);
  });

  it('NODE_EXTRA_CA_CERTS is honoured without caFile', async () => {
    const { caFile: _, ...noCa } = baseConfig();
    const config = writeConfig('no-ca.json', noCa);
    const r = await cli(['import', '--full', '--config', config, '--json'], { NODE_EXTRA_CA_CERTS: caFile });
    expect(r.code, r.stderr).toBe(0);
    const without = await cli(['import', '--full', '--config', config, '--json']);
    expect(without.code).toBe(2);
  });

  it('exit 2 when Graph is unreachable, 2 with a wrong secret', async () => {
    const unreachable = writeConfig('unreachable.json', {
      ...baseConfig(),
      loginEndpoint: 'https://127.0.0.1:1',
      graphEndpoint: 'https://127.0.0.1:1',
      httpTimeoutSeconds: 5,
    });
    const r = await cli(['import', '--full', '--config', unreachable, '--json']);
    expect(r.code, r.stderr).toBe(2);
    expect(JSON.parse(r.stdout).ok).toBe(false);
    const config = writeConfig('wrong-secret.json', baseConfig());
    const w = await cli(['import', '--full', '--config', config], { MIMGRAPH_CLIENT_SECRET: 'wrong-secret' });
    expect(w.code).toBe(2);
    expect(w.stderr).not.toContain('wrong-secret');
  });

  it.concurrent.each([
    [['import'], /exactly one of --full or --delta/],
    [['import', '--full', '--delta'], /exactly one of --full or --delta/],
    [['import', '--full'], /--config <file> is required/],
    [['import', '--delta', '--config', 'x.json'], /--delta needs --state/],
    [['import', '--full', '--bogus'], /bogus/],
    [['import', '--full', '--config', '/nonexistent/config.json'], /cannot read/],
    [['export', '--config', 'x.json'], /--changes/],
    [['doctor'], /--config <file> is required/],
  ])('usage error %j exits 64', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(message);
  });
});

describe('mimgraph export', () => {
  const change = (upn: string) => ({
    identifier: randomUUID(),
    objectType: 'user',
    modification: 'Add',
    dn: `new-${upn}`,
    anchors: [],
    attributes: [
      ['accountEnabled', { type: 'Boolean', value: true }],
      ['displayName', { type: 'String', value: upn }],
      ['mailNickname', { type: 'String', value: upn.split('@')[0] }],
      ['userPrincipalName', { type: 'String', value: upn }],
      ['export_password', { type: 'String', value: 'Export!Passw0rd1' }],
    ].map(([name, value]) => ({ name, modification: 'Add', values: [{ modification: 'Add', value }] })),
  });

  it('--what-if writes nothing; a real export adds; a duplicate UPN is a per-object error (exit 1)', async () => {
    const config = writeConfig('export.json', baseConfig());
    const changes = join(dir, 'changes.json');
    const add = change('cli.export@mimgraph.onmicrosoft.com');
    writeFileSync(changes, JSON.stringify([add]));
    const before = users().length;

    const whatIf = await cli(['export', '--changes', changes, '--config', config, '--what-if', '--json']);
    expect(whatIf.code, whatIf.stderr).toBe(0);
    expect(JSON.parse(whatIf.stdout).whatIf).toBe(true);
    expect(users().length).toBe(before);

    const results = join(dir, 'results.json');
    const real = await cli([
      'export',
      '--changes',
      changes,
      '--config',
      config,
      '--results',
      results,
      '--json',
    ]);
    expect(real.code, real.stderr).toBe(0);
    expect(JSON.parse(real.stdout).types.user.adds).toBe(1);
    const [r] = JSON.parse(readFileSync(results, 'utf8'));
    expect(r).toMatchObject({ identifier: add.identifier, objectType: 'user', result: 'success' });
    expect(emu.context.store.active(r.anchor)?.props.userPrincipalName).toBe(
      'cli.export@mimgraph.onmicrosoft.com',
    );

    const existing = users()[0]!.props.userPrincipalName as string;
    writeFileSync(changes, JSON.stringify([change(existing), change('cli.second@mimgraph.onmicrosoft.com')]));
    const dup = await cli([
      'export',
      '--changes',
      changes,
      '--config',
      config,
      '--results',
      results,
      '--json',
    ]);
    expect(dup.code, dup.stderr).toBe(1);
    const s = JSON.parse(dup.stdout);
    expect(s.types.user).toMatchObject({ adds: 1, errors: 1 });
    const out = JSON.parse(readFileSync(results, 'utf8'));
    expect(out[0]).toMatchObject({ result: 'error' });
    expect(out[0].errorCode).toMatch(/^Export/);
    expect(out[1]).toMatchObject({ result: 'success' });
  });
});

describe('drop files', () => {
  it('import --drop-file writes every entry as mmsml', async () => {
    const config = writeConfig('drop-import.json', baseConfig());
    const drop = join(dir, 'import.mmsml');
    const r = await cli(['import', '--full', '--config', config, '--drop-file', drop, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { stepType, entries } = await readMmsmlFile(drop);
    expect(stepType).toBe('full-import');
    expect(entries.length).toBe(JSON.parse(r.stdout).totals.objects);
    expect(new Set(entries.map((e) => e.objectType))).toEqual(new Set(['user', 'group']));
  });

  it('export --changes <mmsml> applies an update; --drop-file writes what was sent', async () => {
    const target = users()[8]!;
    const changes = join(dir, 'changes.mmsml');
    const w = await MmsmlWriter.open(changes, { stepType: 'export' });
    await w.write({
      identifier: randomUUID(),
      objectType: 'user',
      modification: 'Update',
      dn: target.id,
      anchors: [{ name: 'id', value: { type: 'String', value: target.id } }],
      attributes: [
        {
          name: 'jobTitle',
          modification: 'Replace',
          dataType: 'String',
          isMultiValued: false,
          values: [{ modification: 'Add', value: { type: 'String', value: 'From mmsml' } }],
        },
      ],
    });
    await w.close();
    const config = writeConfig('drop-export.json', baseConfig());
    const sent = join(dir, 'sent.mmsml');
    const r = await cli(['export', '--changes', changes, '--config', config, '--drop-file', sent, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).types.user.updates).toBe(1);
    expect(target.props.jobTitle).toBe('From mmsml');
    const { stepType, entries } = await readMmsmlFile(sent);
    expect(stepType).toBe('export');
    expect(entries.map((e) => e.dn)).toEqual([target.id]);
  });

  it('export --changes <csexport> replays a pending export', async () => {
    const target = users()[9]!;
    const tmp = join(dir, 'one-delta.mmsml');
    const w = await MmsmlWriter.open(tmp, { stepType: 'export', encoding: 'utf8' });
    await w.write({
      identifier: randomUUID(),
      objectType: 'user',
      modification: 'Update',
      dn: target.id,
      anchors: [{ name: 'id', value: { type: 'String', value: target.id } }],
      attributes: [
        {
          name: 'jobTitle',
          modification: 'Replace',
          dataType: 'String',
          isMultiValued: false,
          values: [{ modification: 'Add', value: { type: 'String', value: 'From csexport' } }],
        },
      ],
    });
    await w.close();
    const delta = /<delta\b[\s\S]*<\/delta>/.exec(readFileSync(tmp, 'utf8'))![0];
    const csexport = join(dir, 'pending.xml');
    writeFileSync(
      csexport,
      `<?xml version="1.0" encoding="UTF-8"?>\n<cs-objects>\n<cs-object cs-dn="${target.id}" id="{${randomUUID()}}" object-type="user">\n<unapplied-export>${delta}</unapplied-export>\n</cs-object>\n</cs-objects>\n`,
    );
    const config = writeConfig('csexport.json', baseConfig());
    const r = await cli(['export', '--changes', csexport, '--config', config, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).types.user.updates).toBe(1);
    expect(target.props.jobTitle).toBe('From csexport');
  });

  it('an unreadable or unknown changes file is a usage error', async () => {
    const config = writeConfig('drop-bad.json', baseConfig());
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, 'hello');
    const r = await cli(['export', '--changes', bad, '--config', config]);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/neither an mmsml drop file/);
  });
});

describe('mimgraph doctor', () => {
  it('all OK against the emulator; FAIL naming the fix with a wrong secret', async () => {
    const config = writeConfig('doctor.json', baseConfig());
    const state = join(dir, 'doctor.state');
    writeFileSync(
      state,
      JSON.stringify({
        version: 1,
        customData: '{}',
        savedAt: new Date(Date.now() - 6.5 * 86_400_000).toISOString(),
        mode: 'full',
      }),
    );
    const ok = await cli(['doctor', '--config', config, '--state', state]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^OK\s+token:/m);
    expect(ok.stdout).toMatch(/^OK\s+permissions user:/m);
    expect(ok.stdout).toMatch(/^OK\s+\$metadata:/m);
    expect(ok.stdout).toMatch(/^OK\s+login endpoint:/m);
    expect(ok.stdout).toMatch(/^WARN delta link age:/m);
    expect(ok.stdout).not.toMatch(/^FAIL/m);

    const bad = await cli(['doctor', '--config', config, '--json'], {
      MIMGRAPH_CLIENT_SECRET: 'not-the-secret',
    });
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout);
    const token = report.checks.find((c: { name: string }) => c.name === 'token');
    expect(token.status).toBe('FAIL');
    expect(token.fix).toMatch(/secret/);
    expect(bad.stdout).not.toContain('not-the-secret');
  });
});

/** Changes made "in Entra" between runs: straight Graph calls with a token of the same app. */
async function graph() {
  const { GraphClient } = await import('../../connector/graph/client.js');
  const { resolveCloud } = await import('../../connector/graph/clouds.js');
  const client = new GraphClient({
    cloud: resolveCloud('custom', { loginEndpoint: emu.baseUrl, graphEndpoint: emu.baseUrl }),
    tenantId: emu.tenantId,
    clientId,
    credential: { kind: 'secret', secret },
    http: { caFile },
    writeBudget: false,
  });
  return async (method: string, path: string, body?: unknown) => {
    await client.request(method, path, body === undefined ? {} : { body });
  };
}
