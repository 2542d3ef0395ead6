import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { BRIDGE_DLL, buildPackagedMaXml, PACKAGED_MA_FILE } from './packaged-ma.js';
import { readZip, withFolders, writeZip } from './zip.js';

/** Files `npm run build` writes besides tsc's output (precompile-validators.ts). */
const BUILD_GENERATED = new Set(['connector/worker/protocol-validators.js']);

/**
 * `npm run package`: one offline bundle for a MIM server, staged in `<out>/package/mimgraph-<version>/`
 * and zipped to `<out>/mimgraph-<version>.zip`:
 *
 *   connector/   dist/ (connector and emulator, with source maps), schemas/, package.json (without
 *                scripts and devDependencies), node_modules/ (the production dependency tree from
 *                package-lock.json, copied from the local node_modules)
 *   bridge/      MimGraph.Bridge.dll and .pdb (the net472 build), MimGraph.Bridge.settings.json
 *   MimGraph.PackagedMA.xml, Install-MimGraph.ps1, README-install.md
 *
 * MIM's own Microsoft.MetadirectoryServicesEx.dll (here: the stand-in built for tests) is never part
 * of it; the packager refuses to write a bundle that would contain it. Neither is edge-js (an optional
 * dependency, for the Linux test of the in-process channel): on a MIM server that channel runs from
 * the EdgeJs NuGet package's files placed in `<connectorFolder>\edge` by hand (host-bridge/README.md).
 */

export const BRIDGE_DIR = 'bridge';
export const CONNECTOR_DIR = 'connector';
export const BRIDGE_PDB = 'MimGraph.Bridge.pdb';
export const SETTINGS_FILE = 'MimGraph.Bridge.settings.json';
export const INSTALL_SCRIPT = 'Install-MimGraph.ps1';
export const INSTALL_README = 'README-install.md';
/** Where the net472 build of the bridge lands (`npm run bridge:build`), relative to the repository. */
export const BRIDGE_NET472_DIR = 'host-bridge/src/MimGraph.Bridge/bin/Release/net472';
const FORBIDDEN_DLL = /(^|\/)microsoft\.metadirectoryservices[^/]*\.dll$/i;

/**
 * The settings file the bridge reads beside its DLL, with the values of a standard install. The
 * install script replaces nodePath and connectorFolder and, on an upgrade, keeps every other key of
 * the settings already installed.
 */
export const DEFAULT_SETTINGS = {
  channel: 'worker',
  nodePath: 'C:\\Program Files\\nodejs\\node.exe',
  connectorFolder: 'C:\\Program Files\\mimgraph',
  heartbeatTimeoutSeconds: 60,
  startTimeoutSeconds: 30,
  certificateStoreLocation: 'LocalMachine',
  // null: MIM's MA data folder; the MA's Global page "Log file" / "Log level" win over these two.
  dataFolder: null,
  logFile: null,
  logLevel: null,
} as const;

export interface BundleOptions {
  /** The repository root (package.json, package-lock.json, dist/, node_modules/, host-bridge/). */
  readonly root: string;
  /** Output folder; default `<root>/out`. */
  readonly outDir?: string;
  /** Time stamp of the zip entries; default now. */
  readonly date?: Date;
  readonly log?: (line: string) => void;
}

export interface BundleResult {
  readonly version: string;
  readonly stageDir: string;
  readonly zipPath: string;
  /** Files of the bundle, relative to stageDir with `/` separators, sorted. */
  readonly files: readonly string[];
  /** Production packages shipped in connector/node_modules (lockfile paths without `node_modules/`). */
  readonly packages: readonly string[];
  readonly bytes: number;
  readonly zipBytes: number;
}

interface LockPackage {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  link?: boolean;
}

/** Every file under `dir` (following no symbolic links out of it), as paths relative to `dir`. */
function walk(dir: string, skip: (rel: string, isDir: boolean) => boolean, base = dir): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    const rel = relative(base, full).split(sep).join('/');
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && statSync(full).isDirectory());
    if (skip(rel, isDir)) continue;
    if (isDir) files.push(...walk(full, skip, base));
    else files.push(rel);
  }
  return files;
}

/**
 * The `AssemblyVersion` recorded in a .NET DLL's version resource (the "Assembly Version" string the
 * compiler writes there), or undefined when there is none.
 */
export function assemblyVersionOf(dll: Buffer): string | undefined {
  const key = Buffer.from('Assembly Version\0', 'utf16le');
  const at = dll.indexOf(key);
  if (at < 0) return undefined;
  let i = at + key.length;
  while (i + 1 < dll.length && dll.readUInt16LE(i) === 0) i += 2; // padding to the value
  let value = '';
  for (; i + 1 < dll.length && value.length < 64; i += 2) {
    const ch = dll.readUInt16LE(i);
    if (ch === 0) break;
    value += String.fromCharCode(ch);
  }
  return value || undefined;
}

/** Lockfile paths (`node_modules/...`) of the packages a production install has. */
export function productionPackages(lock: { packages?: Record<string, LockPackage> }): string[] {
  const packages = lock.packages;
  if (!packages)
    throw new Error('package-lock.json has no "packages" (lockfileVersion 2 or later is needed)');
  return Object.entries(packages)
    .filter(([path]) => path.startsWith('node_modules/'))
    .filter(([, p]) => !p.dev && !p.devOptional && !p.optional)
    .map(([path, p]) => {
      if (p.link) throw new Error(`${path} is a link; the bundle needs real packages (run npm ci)`);
      return path;
    })
    .sort();
}

function toCrlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

export function buildBundle(options: BundleOptions): BundleResult {
  const root = options.root;
  const log = options.log ?? (() => {});
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown> & {
    version: string;
  };
  const version = pkg.version;
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`package.json version '${version}' is not x.y.z`);

  // The build outputs must be there, and the bridge must be the build of this version.
  const worker = join(root, 'dist/connector/worker/main.js');
  if (!existsSync(worker)) throw new Error(`${worker} is missing: run npm run build first`);
  const bridgeDir = join(root, BRIDGE_NET472_DIR);
  const bridgeDll = join(bridgeDir, BRIDGE_DLL);
  if (!existsSync(bridgeDll)) {
    throw new Error(
      `the net472 bridge ${bridgeDll} is missing: run npm run bridge:build first (the .NET SDK is needed)`,
    );
  }
  const dllVersion = assemblyVersionOf(readFileSync(bridgeDll));
  if (dllVersion !== `${version}.0`) {
    throw new Error(
      `${bridgeDll} is version ${dllVersion ?? '(none)'}, not ${version}.0: rebuild it with npm run bridge:build`,
    );
  }

  const outDir = options.outDir ?? join(root, 'out');
  const name = `mimgraph-${version}`;
  const stageDir = join(outDir, 'package', name);
  const zipPath = join(outDir, `${name}.zip`);
  rmSync(stageDir, { recursive: true, force: true });

  /** Staged file (relative to stageDir) → its content. */
  const files = new Map<string, Buffer>();
  const add = (rel: string, data: Buffer | string): void => {
    if (files.has(rel)) throw new Error(`bundle: ${rel} added twice`);
    files.set(rel, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  };
  const addTree = (from: string, to: string, skip: (rel: string, isDir: boolean) => boolean): void => {
    for (const rel of walk(from, skip)) add(`${to}/${rel}`, readFileSync(join(from, rel)));
  };

  // connector/: the compiled connector and emulator (the CLI's `emulator` and `demo` commands import
  // it), not the packager itself nor the benchmarks. tsc never deletes outputs, so a .js (or .js.map)
  // whose .ts is gone is a leftover and stays out; what the build generates has no .ts and goes in.
  const compiled = (tree: string) => (rel: string, isDir: boolean) =>
    !isDir &&
    !BUILD_GENERATED.has(`${tree}/${rel}`) &&
    !existsSync(join(root, tree, rel.replace(/\.js(\.map)?$/, '.ts')));
  const connectorSkip = compiled('connector');
  addTree(join(root, 'dist/connector'), `${CONNECTOR_DIR}/dist/connector`, (rel, isDir) =>
    rel === 'packaging' ? true : connectorSkip(rel, isDir),
  );
  addTree(join(root, 'dist/emulator'), `${CONNECTOR_DIR}/dist/emulator`, compiled('emulator'));
  addTree(join(root, 'schemas'), `${CONNECTOR_DIR}/schemas`, () => false);
  const {
    scripts: _scripts,
    devDependencies: _dev,
    optionalDependencies: _optional,
    files: _files,
    ...shipped
  } = pkg;
  add(`${CONNECTOR_DIR}/package.json`, `${JSON.stringify(shipped, null, 2)}\n`);

  // connector/node_modules: the production tree as package-lock.json records it, checked against
  // what is installed. Nested node_modules are their own lockfile entries, so each package is copied
  // without its node_modules folder.
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, LockPackage>;
  };
  const packages = productionPackages(lock);
  for (const path of packages) {
    const from = join(root, path);
    const installed = existsSync(join(from, 'package.json'))
      ? (JSON.parse(readFileSync(join(from, 'package.json'), 'utf8')) as { version?: string }).version
      : undefined;
    const wanted = lock.packages?.[path]?.version;
    if (installed === undefined) throw new Error(`${path} is not installed: run npm ci`);
    if (wanted !== undefined && installed !== wanted) {
      throw new Error(`${path} is ${installed}, package-lock.json says ${wanted}: run npm ci`);
    }
    addTree(
      from,
      `${CONNECTOR_DIR}/${path}`,
      (rel, isDir) => isDir && (rel === 'node_modules' || rel === '.bin'),
    );
  }

  // bridge/
  add(`${BRIDGE_DIR}/${BRIDGE_DLL}`, readFileSync(bridgeDll));
  const pdb = join(bridgeDir, BRIDGE_PDB);
  if (existsSync(pdb)) add(`${BRIDGE_DIR}/${BRIDGE_PDB}`, readFileSync(pdb));
  add(`${BRIDGE_DIR}/${SETTINGS_FILE}`, `${JSON.stringify(DEFAULT_SETTINGS, null, 2)}\n`);

  // The packaged MA, the install script and its short README.
  add(PACKAGED_MA_FILE, buildPackagedMaXml({ version }));
  const script = readFileSync(join(root, 'samples/mim', INSTALL_SCRIPT), 'utf8');
  if (!/^[\t\n\r\x20-\x7e]*$/.test(script)) {
    throw new Error(
      `${INSTALL_SCRIPT} must be ASCII (Windows PowerShell 5.1 reads a file without BOM as ANSI)`,
    );
  }
  add(INSTALL_SCRIPT, toCrlf(script));
  add(INSTALL_README, toCrlf(readFileSync(join(root, 'samples/mim', INSTALL_README), 'utf8')));

  // MIM's interface assembly belongs to the server; a stand-in in the bundle would shadow it.
  const forbidden = [...files.keys()].filter((rel) => FORBIDDEN_DLL.test(rel));
  if (forbidden.length > 0) {
    throw new Error(`refusing to package MIM's interface assembly (a stand-in): ${forbidden.join(', ')}`);
  }

  const sorted = [...files.keys()].sort();
  let bytes = 0;
  for (const rel of sorted) {
    const target = join(stageDir, rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, files.get(rel)!);
    bytes += files.get(rel)!.length;
  }
  log(`staged ${sorted.length} files (${bytes} bytes) in ${stageDir}`);

  const zip = writeZip(
    withFolders(sorted.map((rel) => ({ name: `${name}/${rel}`, data: files.get(rel)! }))),
    { date: options.date },
  );
  // Verify what is about to be shipped: every entry reads back with its CRC and content.
  const back = readZip(zip).filter((e) => !e.directory);
  if (back.length !== sorted.length || back.some((e, i) => e.name !== `${name}/${sorted[i]}`)) {
    throw new Error('bundle: the zip does not read back with the staged file list');
  }
  mkdirSync(outDir, { recursive: true });
  writeFileSync(zipPath, zip);
  log(`wrote ${zipPath} (${zip.length} bytes)`);

  return {
    version,
    stageDir,
    zipPath,
    files: sorted,
    packages: packages.map((p) => p.slice('node_modules/'.length)),
    bytes,
    zipBytes: zip.length,
  };
}
