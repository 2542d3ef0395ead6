import { randomFillSync } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { AppRegistration } from './auth/identity.js';
import { generateTlsMaterial, type TlsMaterial } from './auth/tls.js';
import type { WriteBudgetConfig } from './budget.js';
import { type BehaviourConfig, defaultBehaviour, EmulatorContext } from './context.js';
import { type GenerateOptions, generateTenant, loadTenantFile } from './directory/seed.js';
import { DirectoryStore, type PersistedStore } from './directory/store.js';
import { type FaultConfig, noFaults, validateFaults } from './faults.js';
import { applyConfig, configOf, validateBehaviour } from './http/admin.js';
import { EmulatorServer } from './http/server.js';

/**
 * The Graph emulator as a library: tests, demos and soaks start it in-process, so app secrets stay
 * in memory. `mimgraph emulator` is a thin command around this.
 */
export interface EmulatorOptions {
  port?: number;
  host?: string;
  tenantId?: string;
  domains?: string[];
  /** App registrations allowed to sign in. */
  apps?: AppRegistration[];
  /** A tenant JSON file; otherwise a tenant is generated (`generate`, default 20 users and 5 groups). */
  tenantFile?: string;
  generate?: Partial<GenerateOptions>;
  /** Keeps the directory (and so the delta links) across restarts. */
  statePath?: string;
  tls?: TlsMaterial;
  faults?: Partial<FaultConfig>;
  behaviour?: Partial<BehaviourConfig>;
  writeBudget?: WriteBudgetConfig;
}

export interface RunningEmulator {
  /** `https://127.0.0.1:<port>` */
  readonly baseUrl: string;
  readonly tenantId: string;
  /** PEM of the CA that signed the server certificate: what clients must trust. */
  readonly caCertPem: string;
  readonly context: EmulatorContext;
  registerApp(app: AppRegistration): void;
  setFaults(patch: Partial<FaultConfig>): void;
  setBehaviour(patch: Partial<BehaviourConfig>): void;
  setWriteBudget(cfg: WriteBudgetConfig | undefined): void;
  advanceClock(seconds: number): void;
  forceResync(): void;
  /** Every access token issued so far is refused from now on (a revocation or key rollover). */
  revokeTokens(): void;
  /** While true, every access token is refused. */
  rejectAllTokens(reject: boolean): void;
  /** Writes the state file now (also done on close and shortly after changes). */
  save(): void;
  close(): Promise<void>;
}

interface StateFile {
  version: 1;
  tenantId: string;
  signingKey: string;
  /** Forced resyncs so far: delta links issued before the last one stay refused after a restart. */
  resyncGeneration?: number;
  store: PersistedStore;
}

export const DEFAULT_TENANT_ID = '7b3f9c1e-2d4a-4e8b-9f61-0c5d2a8e4b17';

export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const faults = { ...noFaults, ...opts.faults };
  validateFaults(faults);
  const behaviour = { ...defaultBehaviour, ...opts.behaviour };
  validateBehaviour(behaviour);
  const domains = opts.domains ?? ['mimgraph.onmicrosoft.com', 'mimgraph.example'];

  let tenantId = opts.tenantId ?? DEFAULT_TENANT_ID;
  let store: DirectoryStore;
  let signingKey: Buffer | undefined;
  let resyncGeneration = 0;
  const apps = new Map<string, AppRegistration>();
  if (opts.statePath && existsSync(opts.statePath)) {
    const state = readState(opts.statePath);
    if (opts.tenantId && opts.tenantId.toLowerCase() !== state.tenantId.toLowerCase()) {
      // Silently serving the saved tenant would leave clients configured for opts.tenantId with AADSTS90002.
      throw new Error(
        `emulator state file ${opts.statePath} holds tenant ${state.tenantId}, not ${opts.tenantId}. ` +
          'Drop the tenant id option or delete the state file to start afresh.',
      );
    }
    store = DirectoryStore.fromJSON(state.store);
    tenantId = state.tenantId;
    signingKey = Buffer.from(state.signingKey, 'base64');
    resyncGeneration = state.resyncGeneration ?? 0;
  } else if (opts.tenantFile) {
    const loaded = loadTenantFile(opts.tenantFile, domains);
    store = loaded.store;
    tenantId = opts.tenantId ?? loaded.tenantId ?? tenantId;
    for (const a of loaded.apps) apps.set(a.clientId.toLowerCase(), a);
  } else {
    store = generateTenant(domains, { users: 20, groups: 5, seed: 1, ...opts.generate });
  }
  if (opts.tenantFile && opts.statePath && existsSync(opts.statePath)) {
    for (const a of loadTenantFile(opts.tenantFile, domains).apps) apps.set(a.clientId.toLowerCase(), a);
  }
  for (const a of opts.apps ?? []) apps.set(a.clientId.toLowerCase(), a);

  const ctx = new EmulatorContext(tenantId, store, apps, behaviour, faults, opts.writeBudget, signingKey);
  ctx.resyncGeneration = resyncGeneration;
  const tls = opts.tls ?? generateTlsMaterial();
  const server = new EmulatorServer(ctx, tls);
  const baseUrl = await server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');

  let timer: NodeJS.Timeout | undefined;
  const save = () => {
    if (!opts.statePath) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    writeState(opts.statePath, {
      version: 1,
      tenantId,
      signingKey: ctx.signingKey.toString('base64'),
      resyncGeneration: ctx.resyncGeneration,
      store: ctx.store.toJSON(),
    });
  };
  if (opts.statePath) {
    server.onChange = () => {
      timer ??= setTimeout(save, 1000);
      timer.unref();
    };
  }

  return {
    baseUrl,
    tenantId,
    caCertPem: tls.caCertPem,
    context: ctx,
    registerApp: (app) => apps.set(app.clientId.toLowerCase(), app),
    setFaults: (patch) => applyConfig(ctx, { faults: patch }),
    setBehaviour: (patch) => applyConfig(ctx, { behaviour: patch }),
    setWriteBudget: (cfg) => applyConfig(ctx, { writeBudget: cfg ?? null }),
    advanceClock: (seconds) => {
      if (!Number.isFinite(seconds))
        throw new Error(`advanceClock needs a number of seconds, got ${seconds}`);
      ctx.clockOffsetMs += seconds * 1000;
    },
    forceResync: () => {
      ctx.resyncGeneration++;
      server.onChange?.();
    },
    revokeTokens: () => {
      // A key rollover: tokens signed with the old key fail validation, new ones use the new key.
      randomFillSync(ctx.signingKey);
    },
    rejectAllTokens: (reject) => {
      ctx.rejectAllTokens = reject;
    },
    save,
    close: async () => {
      await server.close();
      save();
    },
  };
}

function readState(path: string): StateFile {
  let state: StateFile;
  try {
    state = JSON.parse(readFileSync(path, 'utf8')) as StateFile;
  } catch (e) {
    throw new Error(
      `emulator state file ${path} cannot be read: ${(e as Error).message}. Delete it to start afresh.`,
    );
  }
  if (state.version !== 1)
    throw new Error(
      `emulator state file ${path} has version ${state.version}; this emulator reads version 1`,
    );
  return state;
}

function writeState(path: string, state: StateFile): void {
  // Write-then-rename, so a crash mid-write leaves the previous state intact.
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, path);
}

export type { AppRegistration, BehaviourConfig, FaultConfig, TlsMaterial, WriteBudgetConfig };
export { configOf };
