import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OBJECT_TYPE_PARAM, PARAM } from '../../connector/config/parse.js';
import { createLogger } from '../../connector/runtime/log.js';
import { connectorVersion, createEdgeDispatcher } from '../../connector/worker/edge.js';
import { startTestTenant, type TestTenant } from '../support/emulator.js';

/**
 * Channel (b), Edge.js, on Linux: edge-js (CoreCLR) loads the bridge's net10.0 build into this Node
 * process; the connector's Edge dispatcher goes to it as a Func<object, Task<object>> (the delegate the
 * Windows path gets from EdgeJs's Edge.Func), and the simulator's EdgeEntry drives the bridge's ECMA2
 * classes through MIM's interfaces: designer, full import, delta import, export, confirming delta.
 * The .NET side is built by `npm run bridge:build` (npm test runs it before vitest). Never skipped: when
 * edge-js or the build is missing, the suite fails with the reason.
 */
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const appRoot = join(repo, 'host-bridge/edge/MimGraph.Bridge.EdgeHost/bin/Release');
const entryAssembly = join(appRoot, 'MimGraph.Bridge.Simulator.dll');

type Callback = (err: unknown, result?: unknown) => void;
type EdgeFunc = (input: unknown, callback: Callback) => void;

interface ImportStep {
  kind: 'full' | 'delta';
  count: number;
  counts: Record<string, Record<string, number>>;
  entries: {
    dn: string;
    objectType: string;
    modification: string;
    anchors: Record<string, unknown>;
    attributes: Record<string, { modification: string; values: { modification: string; value: unknown }[] }>;
    error: string | null;
  }[];
  watermarkBefore: string | null;
  watermarkAfter: string | null;
  committed: boolean;
  discoveryErrors: number;
}

interface ExportStep {
  kind: 'export';
  results: {
    dn: string;
    objectType: string;
    modification: string;
    pass: number;
    identifier: string;
    resultIdentifier: string | null;
    errorCode: string;
    errorName: string | null;
    errorDetail: string | null;
    anchors: Record<string, unknown>;
  }[];
  anchors: Record<string, unknown>;
}

interface Summary {
  steps: (
    | { kind: 'designer'; succeeded: boolean; types: string[] }
    | ImportStep
    | ExportStep
    | { kind: 'js' }
  )[];
  error?: { step: string; type: string; message: string; status: string };
  watermark: string | null;
  violations: string[];
  pendingConfirmations: string[];
  notReimported: string[];
  trace: string[];
}

/** edge-js with CoreCLR, the EdgeHost output as its application root; throws the exact reason when it cannot load. */
function loadEdge(): {
  func(options: { assemblyFile: string; typeName: string; methodName: string }): EdgeFunc;
} {
  if (!existsSync(entryAssembly))
    throw new Error(`${entryAssembly} does not exist: build the bridge first (npm run bridge:build)`);
  process.env.EDGE_USE_CORECLR = '1';
  process.env.EDGE_APP_ROOT = appRoot;
  return createRequire(import.meta.url)('edge-js');
}

let tenant: TestTenant;
let invoke: (input: unknown) => Promise<Summary>;
let config: Record<string, string>;
let dataFolder: string;
let summary: Summary;
let edgeLoadMs = 0;
/** Filled by the step that changes the emulator between the full and the delta import. */
const changed = {} as {
  renamed: string;
  group: string;
  newMember: string;
  deleted: string;
  created: string;
  leftGroups: string[];
};
const exported = {} as { target: string; group: string; member: string };

beforeAll(async () => {
  tenant = await startTestTenant({ generate: { users: 40, groups: 5, seed: 11 } });
  const dir = mkdtempSync(join(tmpdir(), 'mimgraph-edge-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, tenant.emu.caCertPem);
  dataFolder = join(dir, 'madata');
  config = {
    [PARAM.tenant]: tenant.emu.tenantId,
    [PARAM.clientId]: tenant.clientId,
    [PARAM.authenticationType]: 'ClientSecret',
    [PARAM.clientSecret]: tenant.secret,
    [PARAM.cloud]: 'custom',
    [PARAM.loginEndpoint]: tenant.emu.baseUrl,
    [PARAM.graphEndpoint]: tenant.emu.baseUrl,
    [PARAM.caFile]: caFile,
    [PARAM.writeBudget]: 'off',
    [OBJECT_TYPE_PARAM.user]: '1',
    [OBJECT_TYPE_PARAM.group]: '1',
    [OBJECT_TYPE_PARAM.contact]: '0',
  };
  const started = performance.now();
  const edge = loadEdge();
  const func = edge.func({
    assemblyFile: entryAssembly,
    typeName: 'MimGraph.Bridge.Simulator.EdgeEntry',
    methodName: 'Invoke',
  });
  edgeLoadMs = performance.now() - started;
  invoke = (input) =>
    new Promise((res, rej) => func(input, (err, result) => (err ? rej(err) : res(result as Summary))));
});

afterAll(async () => {
  await tenant?.close();
});

const users = () => [...tenant.emu.context.store.all('user')];
const groups = () => [...tenant.emu.context.store.all('group')];

/** What the run changes, chosen before it starts: the delta's changes and the export's targets do not overlap. */
function plan(): void {
  const members = users().filter((u) => u.props.userType === 'Member');
  const group = groups()[1]!;
  const renamed = members[3]!;
  const newMember = members.find((u) => !group.members!.has(u.id) && u.id !== renamed.id)!;
  const deleted = members.filter((u) => u.id !== renamed.id && u.id !== newMember.id)[5]!;
  Object.assign(changed, {
    renamed: renamed.id,
    group: group.id,
    newMember: newMember.id,
    deleted: deleted.id,
    created: '',
    leftGroups: [],
  });
  const busy = new Set([changed.renamed, changed.newMember, changed.deleted]);
  const rest = members.filter((u) => !busy.has(u.id));
  const exportGroup = groups()[2]!;
  exported.target = rest[10]!.id;
  exported.group = exportGroup.id;
  exported.member = rest.find((u) => !exportGroup.members!.has(u.id) && u.id !== exported.target)!.id;
}

/** Between the full and the delta import: changes through Graph, as another admin would make them. */
async function changeDirectory(): Promise<void> {
  const g = async (method: string, path: string, body?: unknown) => {
    const r = await tenant.graph(method, path, body === undefined ? {} : { body });
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${r.text}`);
    return r.body;
  };
  changed.leftGroups = tenant.emu.context.store.groupsOf(changed.deleted);
  const domain = String(tenant.emu.context.store.get(changed.renamed)!.props.userPrincipalName).split('@')[1];
  await g('PATCH', `/users/${changed.renamed}`, { displayName: 'Renamed Through Edge' });
  await g('POST', `/groups/${changed.group}/members/$ref`, {
    '@odata.id': `${tenant.emu.baseUrl}/v1.0/directoryObjects/${changed.newMember}`,
  });
  await g('DELETE', `/users/${changed.deleted}`);
  const created = await g('POST', '/users', {
    accountEnabled: true,
    displayName: 'Created Between Runs',
    mailNickname: 'created.between',
    userPrincipalName: `created.between@${domain}`,
    passwordProfile: { password: 'Between!Runs1', forceChangePasswordNextSignIn: false },
  });
  changed.created = created.id;
}

describe('the bridge through Edge.js (edge-js, CoreCLR in this Node process)', () => {
  it('runs designer, full import, delta import, export and a confirming delta through the bridge', async () => {
    plan();
    const dispatch = createEdgeDispatcher({ log: createLogger('warn') });
    const started = performance.now();
    summary = await invoke({
      dispatch,
      config,
      dataFolder,
      steps: [
        'full',
        {
          js: (_: unknown, callback: Callback) => {
            changeDirectory().then(
              () => callback(null, 'changed'),
              (e: unknown) => callback(e),
            );
          },
        },
        'delta',
        {
          export: [
            {
              modification: 'Add',
              objectType: 'user',
              dn: 'placeholder-edge-user',
              attributes: [
                { name: 'accountEnabled', values: [true] },
                { name: 'displayName', values: ['Exported Through Edge'] },
                { name: 'mailNickname', values: ['exported.edge'] },
                { name: 'userPrincipalName', values: ['exported.edge@mimgraph.onmicrosoft.com'] },
                { name: 'export_password', values: ['Edge!Passw0rd'] },
              ],
            },
            {
              modification: 'Update',
              objectType: 'user',
              dn: exported.target,
              attributes: [{ name: 'jobTitle', values: ['Exported by Edge'] }],
            },
            {
              modification: 'Update',
              objectType: 'group',
              dn: exported.group,
              attributes: [{ name: 'members', op: 'add', values: [exported.member] }],
            },
          ],
        },
        'delta',
      ],
    });
    console.info(
      `edge-js load ${edgeLoadMs.toFixed(0)} ms; designer, full, delta, export and delta through the bridge ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect(summary.error, JSON.stringify(summary.error)).toBeUndefined();
    expect(summary.violations).toEqual([]);
  });

  it('full import: every emulator user and group, once, as Add with its id as anchor', () => {
    const [designer, full] = summary.steps as [
      { kind: 'designer'; succeeded: boolean; types: string[] },
      ImportStep,
    ];
    expect(designer).toMatchObject({ kind: 'designer', succeeded: true });
    expect([...designer.types].sort()).toEqual(['group', 'user']);
    expect(full.kind).toBe('full');
    expect(full.discoveryErrors).toBe(0);
    // The state before the changes: the entries are compared to what the emulator had then (40 + 5).
    expect(full.counts).toEqual({ user: { Add: 40 }, group: { Add: 5 } });
    const dns = full.entries.map((e) => e.dn);
    expect(new Set(dns).size).toBe(dns.length);
    for (const e of full.entries) expect(e.anchors).toEqual({ id: e.dn });
    const group = full.entries.find((e) => e.dn === changed.group)!;
    expect(group.objectType).toBe('group');
    expect(full.committed).toBe(true);
    expect(full.watermarkBefore).toBeNull();
    expect(full.watermarkAfter).toBeTruthy();
  });

  it('delta import: exactly the changes made in the emulator, from the full import’s watermark', () => {
    const full = summary.steps[1] as ImportStep;
    const delta = summary.steps[3] as ImportStep;
    expect(delta.kind).toBe('delta');
    expect(delta.watermarkBefore).toBe(full.watermarkAfter);
    expect(delta.watermarkAfter).toBeTruthy();
    expect(delta.committed).toBe(true);
    const byDn = new Map(delta.entries.map((e) => [e.dn, e]));
    const rename = byDn.get(changed.renamed)!;
    expect(rename.modification).toBe('Update');
    expect(rename.attributes.displayName).toEqual({
      modification: 'Replace',
      values: [{ modification: 'Add', value: 'Renamed Through Edge' }],
    });
    const group = byDn.get(changed.group)!;
    expect(group.attributes.members?.values).toContainEqual({
      modification: 'Add',
      value: changed.newMember,
    });
    expect(byDn.get(changed.deleted)?.modification).toBe('Delete');
    const created = byDn.get(changed.created)!;
    expect(created.modification).toBe('Add');
    expect(created.attributes.displayName?.values).toEqual([
      { modification: 'Add', value: 'Created Between Runs' },
    ]);
    const expected = new Set([
      changed.renamed,
      changed.group,
      changed.deleted,
      changed.created,
      ...changed.leftGroups,
    ]);
    for (const e of delta.entries)
      expect(expected.has(e.dn), `unexpected ${e.modification} ${e.objectType} ${e.dn}`).toBe(true);
    expect(delta.counts.user).toEqual({ Update: 1, Delete: 1, Add: 1 });
  });

  it('export: add, update and member add succeed, the add returns its anchor, and the emulator holds them', () => {
    const exportStep = summary.steps.find((s) => s.kind === 'export') as ExportStep;
    expect(exportStep).toBeDefined();
    for (const r of exportStep.results) {
      expect(r.errorCode, `${r.modification} ${r.dn}: ${r.errorName} ${r.errorDetail}`).toBe('Success');
      if (r.resultIdentifier !== null) expect(r.resultIdentifier).toBe(r.identifier);
    }
    expect(exportStep.results.map((r) => `${r.modification} ${r.objectType}`)).toEqual(
      expect.arrayContaining(['Add user', 'Update user', 'Update group']),
    );
    const anchor = exportStep.anchors['placeholder-edge-user'];
    expect(typeof anchor).toBe('string');
    const added = tenant.emu.context.store.get(anchor as string)!;
    expect(added.type).toBe('user');
    expect(added.props.displayName).toBe('Exported Through Edge');
    expect(added.props.userPrincipalName).toBe('exported.edge@mimgraph.onmicrosoft.com');
    expect(tenant.emu.context.store.get(exported.target)!.props.jobTitle).toBe('Exported by Edge');
    expect(tenant.emu.context.store.get(exported.group)!.members!.has(exported.member)).toBe(true);
    // The confirming delta brought the exported values back: nothing awaits confirmation, nothing contradicted.
    const confirming = summary.steps.at(-1) as ImportStep;
    expect(confirming.kind).toBe('delta');
    expect(summary.pendingConfirmations).toEqual([]);
    expect(summary.notReimported).toEqual([]);
  });
});

describe('the edge channel’s refusals, through the bridge', () => {
  it('refuses a connector of another version with both versions in the message', async () => {
    const r = await invoke({
      dispatch: createEdgeDispatcher({ log: createLogger('error'), version: '0.0.1' }),
      config,
      dataFolder: mkdtempSync(join(tmpdir(), 'mimgraph-edge-version-')),
      steps: [],
    });
    expect(r.error?.step).toBe('designer');
    expect(r.error?.type).toMatch(/^Microsoft\.MetadirectoryServices\./);
    expect(r.error?.message).toContain(
      `is version 0.0.1 but the bridge MimGraph.Bridge.dll is version ${connectorVersion()}`,
    );
  });

  it('without an in-process dispatcher, names the missing EdgeJs.dll and suggests the worker channel', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'mimgraph-edge-noedge-'));
    const r = await invoke({ config, dataFolder: join(folder, 'data'), connectorFolder: folder, steps: [] });
    expect(r.error?.message).toContain(`${join(folder, 'edge', 'EdgeJs.dll')} does not exist`);
    expect(r.error?.message).toContain('set "channel" to "worker"');
  });
});

interface EdgeAnswer {
  result?: { protocolVersion?: number; connectorVersion?: string; methods?: string[] };
  error?: { code: number; message: string; data?: { mimError?: string; field?: string } };
}

describe("the connector's Edge entry (the function the bridge calls)", () => {
  const call = (d: ReturnType<typeof createEdgeDispatcher>, message: unknown) =>
    new Promise<EdgeAnswer>((res, rej) =>
      d(typeof message === 'string' ? message : JSON.stringify(message), (err, result) =>
        err ? rej(err) : res(JSON.parse(result!)),
      ),
    );

  it('answers hello like the worker, refuses calls before it and bad params with the worker’s codes', async () => {
    const d = createEdgeDispatcher({ log: createLogger('error'), version: '9.9.9' });
    expect(await call(d, { method: 'getCapabilities', params: { config: {} } })).toMatchObject({
      error: { code: -32600, message: expect.stringContaining("send 'hello'") },
    });
    expect(await call(d, { method: 'hello', params: { protocolVersion: 2 } })).toMatchObject({
      error: { code: -32600, message: expect.stringContaining('protocol version 2 is not supported') },
    });
    const folder = mkdtempSync(join(tmpdir(), 'mimgraph-edge-hello-'));
    const hello = await call(d, { method: 'hello', params: { protocolVersion: 1, dataFolder: folder } });
    expect(hello.result).toMatchObject({ protocolVersion: 1, connectorVersion: '9.9.9' });
    expect(hello.result?.methods).toEqual(expect.arrayContaining(['openImport', 'putExportEntries']));
    expect(hello.result).not.toHaveProperty('heartbeatSeconds');
    // Calls name the data folder of their hello: another folder has no dispatcher.
    expect(await call(d, { method: 'getCapabilities', params: { config: {} } })).toMatchObject({
      error: { code: -32600 },
    });
    expect(await call(d, { id: 'e1', method: 'nope', params: {}, dataFolder: folder })).toMatchObject({
      error: { code: -32601, message: "unknown method 'nope'" },
    });
    expect(
      await call(d, { method: 'getImportPage', params: { session: 7 }, dataFolder: folder }),
    ).toMatchObject({
      error: { code: -32602, data: { field: expect.stringMatching(/^params/) } },
    });
    expect(await call(d, 'not json')).toMatchObject({ error: { code: -32700 } });
    expect(await call(d, { method: 'shutdown', params: {}, dataFolder: folder })).toEqual({ result: {} });
  });

  it('maps a connector failure to the error envelope with mimError', async () => {
    const d = createEdgeDispatcher({ log: createLogger('error'), version: '9.9.9' });
    const folder = mkdtempSync(join(tmpdir(), 'mimgraph-edge-fail-'));
    await call(d, { method: 'hello', params: { protocolVersion: 1, dataFolder: folder } });
    const r = await call(d, {
      id: 'e2',
      method: 'getImportPage',
      params: { session: 'no-such-session', runStep: {} },
      dataFolder: folder,
    });
    expect(r.error).toMatchObject({ code: -32000, data: { mimError: expect.any(String) } });
    expect(r.error?.message).toBeTruthy();
  });
});
