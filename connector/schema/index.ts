import type { ConnectorConfig } from '../config/types.js';
import type { GraphClient } from '../graph/client.js';
import type { RunContext } from '../runtime/context.js';
import { buildAttributeMap, type ExtensionProperty } from './detect.js';
import { loadSnapshot, readSnapshot, snapshotFileName } from './snapshot.js';
import type { DetectedSchema } from './types.js';

export { parseCsdl } from './csdl.js';
export {
  assembleSchema,
  buildAttributeMap,
  createAttributeMap,
  type DetectOptions,
  detectSchema,
  type ExtensionProperty,
  listAttributes,
  validateSchema,
} from './detect.js';
export { loadSnapshot, makeSnapshot, type SchemaSnapshot } from './snapshot.js';
export { loadAttributeTable } from './table.js';

export type MetadataFetcher = (config: ConnectorConfig, ctx: RunContext) => Promise<string>;
export type ExtensionFetcher = (config: ConnectorConfig, ctx: RunContext) => Promise<ExtensionProperty[]>;

/**
 * Live schema detection: Graph's `$metadata` for the configured API version plus the tenant's
 * directory extension properties. If `$metadata` cannot be read or parsed, the committed snapshot
 * of that version is used instead (without extension properties) and `warnings` says what failed
 * and how to fix it. If only the extension properties cannot be listed, the live metadata is used
 * without them, again with a warning.
 */
export async function detectLive(
  config: ConnectorConfig,
  ctx: RunContext,
  fetchMetadata: MetadataFetcher = fetchMetadataFromGraph,
  fetchExtensions: ExtensionFetcher = fetchExtensionProperties,
): Promise<DetectedSchema> {
  // Both fetches share one client (one pool, one token), closed when detection is done.
  let client: GraphClient | undefined;
  const shared: RunContext = { ...ctx, graph: (c) => (client ??= ctx.graph(c)) };
  try {
    return await detectWith(config, shared, fetchMetadata, fetchExtensions);
  } finally {
    await client?.close();
  }
}

async function detectWith(
  config: ConnectorConfig,
  ctx: RunContext,
  fetchMetadata: MetadataFetcher,
  fetchExtensions: ExtensionFetcher,
): Promise<DetectedSchema> {
  let xml: string;
  try {
    xml = await fetchMetadata(config, ctx);
  } catch (e) {
    return fallback(config, `could not read ${config.apiVersion}/$metadata from Graph (${message(e)})`, ctx);
  }
  const warnings: string[] = [];
  let extensionProperties: ExtensionProperty[] = [];
  try {
    extensionProperties = await fetchExtensions(config, ctx);
  } catch (e) {
    warnings.push(
      `could not list directory extension properties (POST /directoryObjects/getAvailableExtensionProperties: ${message(e)}); the schema has no extension_* attributes. Grant the app the Application.Read.All (or Directory.Read.All) application permission with admin consent, then refresh the schema`,
    );
  }
  try {
    const detected = buildAttributeMap(xml, {
      apiVersion: config.apiVersion,
      objectTypes: config.objectTypes,
      extensionProperties,
    });
    const all = [...warnings, ...detected.warnings];
    for (const w of all) ctx.log.warn(`schema: ${w}`);
    return { ...detected, warnings: all };
  } catch (e) {
    return fallback(config, `Graph's ${config.apiVersion}/$metadata could not be used (${message(e)})`, ctx);
  }
}

function fallback(config: ConnectorConfig, what: string, ctx: RunContext): DetectedSchema {
  const snap = readSnapshot(config.apiVersion);
  const warning =
    `${what}; using the schema snapshot shipped with the connector (schemas/${snapshotFileName(config.apiVersion)}, from ${snap.source}) ` +
    'without directory extension properties. Check that the server can reach Graph (proxy, firewall, TLS) and that the app can sign in, then refresh the schema';
  const detected = loadSnapshot(config.apiVersion, config.objectTypes, [warning]);
  for (const w of detected.warnings) ctx.log.warn(`schema: ${w}`);
  return { ...detected, fromSnapshot: true };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** `GET /$metadata` as text, through the configured client (proxy, CA file, retries). */
export async function fetchMetadataFromGraph(config: ConnectorConfig, ctx: RunContext): Promise<string> {
  const res = await ctx.graph(config).requestText('/$metadata', { signal: ctx.signal });
  return res.body;
}

/** Every extension property usable in the tenant (`POST /directoryObjects/getAvailableExtensionProperties`). */
export async function fetchExtensionProperties(
  config: ConnectorConfig,
  ctx: RunContext,
): Promise<ExtensionProperty[]> {
  const client = ctx.graph(config);
  const out: ExtensionProperty[] = [];
  const res = await client.request<{ value?: unknown[] }>(
    'POST',
    '/directoryObjects/getAvailableExtensionProperties',
    { body: {}, signal: ctx.signal, write: false },
  );
  for (const v of res.body?.value ?? []) {
    const e = v as Record<string, unknown>;
    if (typeof e.name !== 'string' || typeof e.dataType !== 'string') continue;
    out.push({
      name: e.name,
      dataType: e.dataType,
      isMultiValued: e.isMultiValued === true,
      targetObjects: Array.isArray(e.targetObjects)
        ? e.targetObjects.filter((x): x is string => typeof x === 'string')
        : [],
    });
  }
  return out;
}
