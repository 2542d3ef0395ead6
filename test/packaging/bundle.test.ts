import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assemblyVersionOf,
  BRIDGE_NET472_DIR,
  type BundleResult,
  buildBundle,
  DEFAULT_SETTINGS,
  productionPackages,
} from '../../connector/packaging/bundle.js';
import { readZip } from '../../connector/packaging/zip.js';
import { externalZipTesters } from './zip-tools.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const bridgeDll = join(root, BRIDGE_NET472_DIR, 'MimGraph.Bridge.dll');

/** Starts a worker from the bundle, says hello, asks for the capabilities, and shuts it down. */
async function askStagedWorker(
  workerJs: string,
  cwd: string,
): Promise<{ hello?: Record<string, unknown>; caps?: Record<string, unknown>; stderr: string }> {
  const child = spawn(process.execPath, [workerJs], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const replies = new Map<number, { result?: Record<string, unknown> }>();
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`staged worker did not answer: ${stderr}`)), 20_000);
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        const msg = JSON.parse(out.slice(0, nl));
        out = out.slice(nl + 1);
        if (typeof msg.id === 'number') replies.set(msg.id, msg);
        if (replies.has(1) && replies.has(2)) {
          clearTimeout(timer);
          resolve();
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!(replies.has(1) && replies.has(2))) reject(new Error(`staged worker exited (${code}): ${stderr}`));
    });
  });
  child.stdin.write(
    `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'hello', params: { protocolVersion: 1 } })}\n`,
  );
  child.stdin.write(
    `${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'getCapabilities', params: { config: {} } })}\n`,
  );
  try {
    await done;
  } finally {
    child.stdin.end();
    child.kill();
  }
  return { hello: replies.get(1)?.result, caps: replies.get(2)?.result, stderr };
}

describe('npm run package: the offline bundle', () => {
  let out: string;
  let result: BundleResult;

  beforeAll(() => {
    if (!existsSync(bridgeDll)) {
      throw new Error(`${bridgeDll} is missing: run npm run bridge:build before this suite (npm test does)`);
    }
    if (!existsSync(join(root, 'dist/connector/worker/main.js'))) {
      throw new Error('dist/ is missing: run npm run build before this suite (npm test does)');
    }
    out = mkdtempSync(join(tmpdir(), 'mimgraph-package-'));
    result = buildBundle({ root, outDir: out });
  }, 180_000); // a few seconds alone; generous for a loaded machine running every suite at once
  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('stages mimgraph-<version>/ and writes mimgraph-<version>.zip', () => {
    expect(result.version).toBe(pkg.version);
    expect(result.stageDir).toBe(join(out, 'package', `mimgraph-${pkg.version}`));
    expect(result.zipPath).toBe(join(out, `mimgraph-${pkg.version}.zip`));
    expect(existsSync(result.zipPath)).toBe(true);
    for (const f of result.files) expect(existsSync(join(result.stageDir, f)), f).toBe(true);
  });

  it('holds the connector, the bridge, the settings, the packaged MA and the install script', () => {
    const files = new Set(result.files);
    for (const f of [
      'Install-MimGraph.ps1',
      'README-install.md',
      'MimGraph.PackagedMA.xml',
      'bridge/MimGraph.Bridge.dll',
      'bridge/MimGraph.Bridge.pdb',
      'bridge/MimGraph.Bridge.settings.json',
      'connector/package.json',
      'connector/dist/connector/worker/main.js',
      'connector/dist/connector/worker/main.js.map',
      'connector/dist/connector/cli/main.js',
      'connector/dist/emulator/index.js',
      'connector/schemas/bridge-protocol.schema.json',
      'connector/schemas/config.schema.json',
      'connector/schemas/graph-attributes.json',
    ]) {
      expect(files.has(f), f).toBe(true);
    }
    const top = new Set(result.files.map((f) => f.split('/')[0]));
    expect([...top].sort()).toEqual([
      'Install-MimGraph.ps1',
      'MimGraph.PackagedMA.xml',
      'README-install.md',
      'bridge',
      'connector',
    ]);
    expect(result.files.filter((f) => f.startsWith('bridge/'))).toHaveLength(3);
    // Neither the packager, the benchmarks, the tests nor the samples go to a server.
    expect(result.files.some((f) => /^connector\/dist\/(test|connector\/packaging)\//.test(f))).toBe(false);
    expect(result.files.some((f) => f.startsWith('connector/samples/'))).toBe(false);
    expect(result.files.filter((f) => f.startsWith('connector/dist/') && /\.ts$/.test(f))).toEqual([]);
    expect(
      readFileSync(join(result.stageDir, 'bridge/MimGraph.Bridge.dll')).equals(readFileSync(bridgeDll)),
    ).toBe(true);
  });

  it("never ships MIM's interface assembly (the stand-in)", () => {
    expect(result.files.filter((f) => /metadirectoryservices/i.test(f))).toEqual([]);
  });

  it('ships the production dependency tree and no devDependencies or edge-js', () => {
    const modules = new Set(
      result.files
        .filter((f) => f.startsWith('connector/node_modules/'))
        .map((f) => {
          const parts = f.slice('connector/node_modules/'.length).split('/');
          return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
        }),
    );
    for (const dep of Object.keys(pkg.dependencies)) expect(modules.has(dep), dep).toBe(true);
    for (const dev of [
      ...Object.keys(pkg.devDependencies),
      'vitest',
      'typescript',
      'vite',
      'chai',
      'edge-js',
      'edge-cs',
      'nan',
    ]) {
      expect(modules.has(dev), dev).toBe(false);
    }
    expect(
      [...modules].some(
        (m) => m.startsWith('@biomejs/') || m.startsWith('@types/') || m.startsWith('@vitest/'),
      ),
    ).toBe(false);
    expect(result.files.some((f) => f.includes('/.bin/'))).toBe(false);
    expect([...modules].sort()).toEqual([...result.packages].sort());
  });

  it('takes the same production packages from package-lock.json as npm ls does', () => {
    const ls = spawnSync('npm', ['ls', '--omit=dev', '--omit=optional', '--all', '--parseable'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(ls.status, ls.stderr).toBe(0);
    const fromNpm = ls.stdout
      .split(/\r?\n/)
      .filter((line) => line.includes('node_modules'))
      .map((line) => line.slice(line.indexOf('node_modules')).split('\\').join('/'))
      .sort();
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
    expect(productionPackages(lock)).toEqual(fromNpm);
  });

  it('ships a package.json without scripts or devDependencies', () => {
    const shipped = JSON.parse(readFileSync(join(result.stageDir, 'connector/package.json'), 'utf8'));
    expect(shipped.version).toBe(pkg.version);
    expect(shipped.type).toBe('module');
    expect(shipped.dependencies).toEqual(pkg.dependencies);
    expect(shipped.scripts).toBeUndefined();
    expect(shipped.devDependencies).toBeUndefined();
    expect(shipped.optionalDependencies).toBeUndefined();
  });

  it('writes the bridge settings with every key the bridge reads', () => {
    const settings = JSON.parse(
      readFileSync(join(result.stageDir, 'bridge/MimGraph.Bridge.settings.json'), 'utf8'),
    );
    expect(settings).toEqual(DEFAULT_SETTINGS);
    // The keys the bridge accepts (it refuses unknown ones): BridgeSettings.Keys in the C# reader.
    const reader = readFileSync(
      join(root, 'host-bridge/src/MimGraph.Bridge/Hosting/BridgeSettings.cs'),
      'utf8',
    );
    const keys = /string\[\]\s+Keys\s*=\s*\{([^}]*)\}/.exec(reader)?.[1];
    expect(keys, 'BridgeSettings.Keys not found').toBeDefined();
    const accepted = [...keys!.matchAll(/"([A-Za-z]+)"/g)].map((m) => m[1]).sort();
    expect(Object.keys(settings).sort()).toEqual(accepted);
    expect(accepted).toEqual(expect.arrayContaining(['channel', 'nodePath', 'connectorFolder', 'logFile']));
    expect(settings.channel).toBe('worker');
  });

  it('includes the packaged MA of this version', () => {
    const xml = readFileSync(join(result.stageDir, 'MimGraph.PackagedMA.xml'), 'utf8');
    const doc = new XMLParser({ ignoreAttributes: false, parseTagValue: false }).parse(xml);
    const ma = doc['export-ma']['ma-data'];
    expect(ma['ma-listname']).toBe('Graph (mimgraph)');
    expect(ma['private-configuration'].MAConfig['extension-config']['assembly-version']).toBe(
      `${pkg.version}.0`,
    );
    expect(assemblyVersionOf(readFileSync(bridgeDll))).toBe(`${pkg.version}.0`);
  });

  it('writes Windows line endings into the script and the README', () => {
    for (const f of ['Install-MimGraph.ps1', 'README-install.md']) {
      const text = readFileSync(join(result.stageDir, f), 'utf8');
      expect(text.includes('\r\n'), f).toBe(true);
      expect(/[^\r]\n/.test(text), f).toBe(false);
    }
  });

  it('zips exactly the staged files, readable by our reader and by other tools', () => {
    const zip = readFileSync(result.zipPath);
    expect(zip.length).toBe(result.zipBytes);
    const all = readZip(zip);
    const entries = all.filter((e) => !e.directory);
    const prefix = `mimgraph-${pkg.version}/`;
    // Every folder has its own entry, before anything inside it.
    const folders = all.filter((e) => e.directory).map((e) => e.name);
    expect(folders[0]).toBe(prefix);
    expect(folders).toContain(`${prefix}connector/node_modules/@azure/msal-node/`);
    for (const [i, e] of all.entries()) {
      const parent = e.name.slice(0, e.name.slice(0, -1).lastIndexOf('/') + 1);
      if (parent)
        expect(
          all.findIndex((f) => f.name === parent),
          e.name,
        ).toBeLessThan(i);
    }
    expect(entries.map((e) => e.name)).toEqual(result.files.map((f) => prefix + f));
    for (const e of entries) {
      expect(e.data.equals(readFileSync(join(result.stageDir, e.name.slice(prefix.length)))), e.name).toBe(
        true,
      );
    }
    for (const tester of externalZipTesters()) {
      const r = tester.test(result.zipPath);
      expect(r.ok, `${tester.name}: ${r.output.slice(-2000)}`).toBe(true);
    }
  });

  it('runs: the staged worker answers hello and getCapabilities with only the shipped node_modules', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mimgraph-cwd-'));
    try {
      const r = await askStagedWorker(join(result.stageDir, 'connector/dist/connector/worker/main.js'), cwd);
      expect(r.hello?.connectorVersion).toBe(pkg.version);
      expect(r.caps?.exportType).toBe('AttributeUpdate');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('npm run package: refusals', () => {
  let fake: string;
  const realDll = readFileSync(bridgeDll);

  /** A minimal repository the packager accepts, to break one thing at a time. */
  function fakeRoot(version = pkg.version): string {
    const dir = mkdtempSync(join(tmpdir(), 'mimgraph-fake-'));
    const write = (rel: string, data: string | Buffer) => {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), data);
    };
    write(
      'package.json',
      JSON.stringify({ name: 'mimgraph', version, type: 'module', dependencies: { tiny: '1.0.0' } }),
    );
    write(
      'package-lock.json',
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          '': {},
          'node_modules/tiny': { version: '1.0.0' },
          'node_modules/devtool': { version: '1.0.0', dev: true },
        },
      }),
    );
    write('node_modules/tiny/package.json', JSON.stringify({ name: 'tiny', version: '1.0.0' }));
    write('node_modules/devtool/package.json', JSON.stringify({ name: 'devtool', version: '1.0.0' }));
    write('dist/connector/worker/main.js', '');
    write('connector/worker/main.ts', '');
    write('dist/emulator/index.js', '');
    write('emulator/index.ts', '');
    write('schemas/bridge-protocol.schema.json', '{}');
    write(`${BRIDGE_NET472_DIR}/MimGraph.Bridge.dll`, realDll);
    for (const f of ['Install-MimGraph.ps1', 'README-install.md']) {
      write(`samples/mim/${f}`, readFileSync(join(root, 'samples/mim', f)));
    }
    return dir;
  }

  afterAll(() => {
    if (fake) rmSync(fake, { recursive: true, force: true });
  });

  it('packages the minimal repository (the baseline of the refusals below)', () => {
    fake = fakeRoot();
    const r = buildBundle({ root: fake });
    expect(r.packages).toEqual(['tiny']);
    expect(r.files).not.toContain('connector/node_modules/devtool/package.json');
    expect(r.files).not.toContain('bridge/MimGraph.Bridge.pdb');
  });

  it('leaves out compiled files whose source is gone', () => {
    writeFileSync(join(fake, 'dist/connector/worker/gone.js'), '');
    writeFileSync(join(fake, 'dist/connector/worker/gone.js.map'), '{}');
    const r = buildBundle({ root: fake });
    expect(r.files).toContain('connector/dist/connector/worker/main.js');
    expect(r.files.filter((f) => f.includes('gone'))).toEqual([]);
  });

  it('refuses without the net472 bridge', () => {
    rmSync(join(fake, BRIDGE_NET472_DIR, 'MimGraph.Bridge.dll'));
    expect(() => buildBundle({ root: fake })).toThrow(
      /net472 bridge .* is missing: run npm run bridge:build/,
    );
    copyFileSync(bridgeDll, join(fake, BRIDGE_NET472_DIR, 'MimGraph.Bridge.dll'));
  });

  it('refuses a bridge built for another version', () => {
    const other = fakeRoot('9.8.7');
    try {
      expect(() => buildBundle({ root: other })).toThrow(
        new RegExp(`is version ${pkg.version}\\.0, not 9\\.8\\.7\\.0`),
      );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("refuses to ship MIM's interface assembly wherever it would come from", () => {
    writeFileSync(join(fake, 'node_modules/tiny/Microsoft.MetadirectoryServicesEx.dll'), 'MZ');
    expect(() => buildBundle({ root: fake })).toThrow(/refusing to package MIM's interface assembly/);
    rmSync(join(fake, 'node_modules/tiny/Microsoft.MetadirectoryServicesEx.dll'));
  });

  it('refuses a node_modules that does not match package-lock.json', () => {
    writeFileSync(
      join(fake, 'node_modules/tiny/package.json'),
      JSON.stringify({ name: 'tiny', version: '2.0.0' }),
    );
    expect(() => buildBundle({ root: fake })).toThrow(
      /tiny is 2\.0\.0, package-lock\.json says 1\.0\.0: run npm ci/,
    );
    rmSync(join(fake, 'node_modules/tiny'), { recursive: true });
    expect(() => buildBundle({ root: fake })).toThrow(/tiny is not installed: run npm ci/);
  });
});
