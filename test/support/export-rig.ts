import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectorConfig } from '../../connector/config/types.js';
import { GraphClient } from '../../connector/graph/client.js';
import { resolveCloud } from '../../connector/graph/clouds.js';
import type { CSEntryChange, CSEntryChangeResult, Schema } from '../../connector/model/ecma.js';
import type { RunContext } from '../../connector/runtime/context.js';
import type { Logger } from '../../connector/runtime/log.js';
import { buildAttributeMap } from '../../connector/schema/detect.js';
import type { AttributeMap } from '../../connector/schema/types.js';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { buildCsdl } from '../../emulator/model/csdl.js';
import { model } from '../../emulator/model/entities.js';
import { sharedTls } from './tls.js';

/** An emulator, a ConnectorConfig and RunContext pointing at it, and the detected attribute map. */
export interface ExportRig {
  emu: RunningEmulator;
  config: ConnectorConfig;
  ctx: RunContext;
  schema: Schema;
  attributes: AttributeMap;
  stateDir: string;
  /** Log lines written through ctx.log (to check that no password leaks). */
  logLines: string[];
  /** A context with another state folder or app credentials. */
  context(extra?: { stateDir?: string; clientId?: string; secret?: string }): RunContext;
  configFor(extra?: Partial<ConnectorConfig> & { secret?: string }): ConnectorConfig;
  close(): Promise<void>;
}

let detected: { schema: Schema; attributes: AttributeMap } | undefined;

export function detectedSchema(): { schema: Schema; attributes: AttributeMap } {
  detected ??= buildAttributeMap(buildCsdl(model), {
    apiVersion: 'v1.0',
    objectTypes: ['user', 'group', 'contact', 'servicePrincipal'],
    extensionProperties: [],
  });
  return detected;
}

export async function startExportRig(emuOpts: EmulatorOptions = {}): Promise<ExportRig> {
  const clientId = randomUUID();
  const secret = randomBytes(24).toString('base64url');
  const emu = await startEmulator({
    tls: sharedTls(),
    generate: { users: 80, groups: 5, seed: 7 },
    ...emuOpts,
    apps: [{ clientId, secrets: [secret], certificates: [], roles: 'all' }, ...(emuOpts.apps ?? [])],
  });
  const dir = mkdtempSync(join(tmpdir(), 'mimgraph-export-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, emu.caCertPem);
  const stateDir = join(dir, 'state');
  const logLines: string[] = [];
  const log: Logger = {
    error: (m, f) => logLines.push(JSON.stringify({ m, ...f })),
    warn: (m, f) => logLines.push(JSON.stringify({ m, ...f })),
    info: (m, f) => logLines.push(JSON.stringify({ m, ...f })),
    debug: (m, f) => logLines.push(JSON.stringify({ m, ...f })),
  };
  const configFor = (extra: Partial<ConnectorConfig> & { secret?: string } = {}): ConnectorConfig => {
    const { secret: s, ...rest } = extra;
    return {
      apiVersion: 'v1.0',
      tenantId: emu.tenantId,
      clientId,
      credential: { kind: 'secret', secret: s ?? secret },
      cloud: resolveCloud('custom', { loginEndpoint: emu.baseUrl, graphEndpoint: emu.baseUrl }),
      caFile,
      httpTimeoutMs: 30_000,
      dateTimeFormat: 'o',
      forceChangePasswordNextSignIn: false,
      invitation: { redirectUrl: 'https://myapps.microsoft.com', sendMessage: false, messageText: undefined },
      exportConcurrency: 4,
      writeBudget: false,
      logLevel: 'debug',
      objectTypes: ['user', 'group'],
      filters: {},
      ...rest,
    };
  };
  const config = configFor();
  const context = (extra: { stateDir?: string } = {}): RunContext => ({
    stateDir: extra.stateDir ?? stateDir,
    log,
    signal: new AbortController().signal,
    graph: (c) =>
      new GraphClient({
        cloud: c.cloud,
        tenantId: c.tenantId,
        clientId: c.clientId,
        credential: c.credential,
        apiVersion: c.apiVersion,
        writeBudget: c.writeBudget,
        http: { caFile: c.caFile, timeoutMs: c.httpTimeoutMs },
        retry: { baseDelayMs: 10, maxDelayMs: 100, maxAttempts: 8 },
      }),
  });
  const { schema, attributes } = detectedSchema();
  return {
    emu,
    config,
    ctx: context(),
    schema,
    attributes,
    stateDir,
    logLines,
    context,
    configFor,
    close: () => emu.close(),
  };
}

/** The one result for an entry, by identifier. */
export function resultOf(results: readonly CSEntryChangeResult[], entry: CSEntryChange): CSEntryChangeResult {
  const r = results.find((x) => x.identifier === entry.identifier);
  if (!r) throw new Error(`no result for ${entry.identifier}`);
  return r;
}

export const newId = (r: CSEntryChangeResult) => {
  const v = r.anchors[0]?.values[0]?.value.value;
  if (typeof v !== 'string') throw new Error(`no anchor in result ${JSON.stringify(r)}`);
  return v;
};
