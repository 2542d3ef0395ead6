import type { ObjectTypeName } from '../config/types.js';
import { parseCsdl } from './csdl.js';
import { assembleSchema, candidatesFromCsdl } from './detect.js';
import { readSchemasFile } from './files.js';
import { loadAttributeTable, OBJECT_TYPE_ORDER } from './table.js';
import type { AttributeInfo, DetectedSchema } from './types.js';

/**
 * Committed schema snapshots (schemas/schema-snapshot-<version>.json): what detection found in a
 * known CSDL, per object type and before cross-type reconciliation, so a fallback can offer any
 * subset of object types and still get a valid schema. Used when `$metadata` cannot be read.
 * Regenerate with `mimgraph schema --metadata <csdl> --api-version <v> --write-snapshot <file>`.
 */
export interface SchemaSnapshot {
  readonly format: 1;
  readonly apiVersion: 'v1.0' | 'beta';
  /** Where the CSDL came from (file name, date), for the fallback warning. */
  readonly source: string;
  readonly objectTypes: Readonly<Partial<Record<ObjectTypeName, readonly AttributeInfo[]>>>;
}

export function snapshotFileName(apiVersion: 'v1.0' | 'beta'): string {
  return `schema-snapshot-${apiVersion}.json`;
}

/** Build a snapshot from a CSDL document: every object type the version offers, no extensions. */
export function makeSnapshot(csdlXml: string, apiVersion: 'v1.0' | 'beta', source: string): SchemaSnapshot {
  const { candidates } = candidatesFromCsdl(
    parseCsdl(csdlXml),
    { apiVersion, objectTypes: OBJECT_TYPE_ORDER, extensionProperties: [] },
    loadAttributeTable(),
  );
  const objectTypes: Partial<Record<ObjectTypeName, readonly AttributeInfo[]>> = {};
  for (const [t, list] of candidates) objectTypes[t] = list.map(compactInfo);
  return { format: 1, apiVersion, source, objectTypes };
}

const KEY_ORDER = [
  'name',
  'objectType',
  'path',
  'edmType',
  'dataType',
  'multiValued',
  'operation',
  'relation',
  'jsonElements',
  'extension',
  'selectOnly',
] as const;

/** Fixed key order, undefined fields dropped, so the JSON stays small and diffs stay readable. */
function compactInfo(a: AttributeInfo): AttributeInfo {
  const out: Record<string, unknown> = {};
  for (const k of KEY_ORDER) if (a[k] !== undefined) out[k] = a[k];
  return out as unknown as AttributeInfo;
}

/** The snapshot as JSON text: one attribute per line. */
export function snapshotToJson(s: SchemaSnapshot): string {
  const types = Object.entries(s.objectTypes).map(
    ([t, list]) =>
      `    ${JSON.stringify(t)}: [\n${(list ?? []).map((a) => `      ${JSON.stringify(a)}`).join(',\n')}\n    ]`,
  );
  return [
    '{',
    `  "format": ${s.format},`,
    `  "apiVersion": ${JSON.stringify(s.apiVersion)},`,
    `  "source": ${JSON.stringify(s.source)},`,
    '  "objectTypes": {',
    types.join(',\n'),
    '  }',
    '}',
    '',
  ].join('\n');
}

const snapshots = new Map<string, SchemaSnapshot>();

export function readSnapshot(apiVersion: 'v1.0' | 'beta'): SchemaSnapshot {
  let s = snapshots.get(apiVersion);
  if (!s) {
    const json = JSON.parse(readSchemasFile(snapshotFileName(apiVersion))) as SchemaSnapshot;
    if (json.format !== 1 || json.apiVersion !== apiVersion || typeof json.objectTypes !== 'object') {
      throw new Error(`schema: ${snapshotFileName(apiVersion)} is not a format-1 ${apiVersion} snapshot`);
    }
    s = json;
    snapshots.set(apiVersion, s);
  }
  return s;
}

/**
 * The committed snapshot of a version as a detected schema, for the object types asked (all the
 * snapshot has when omitted). Object types the snapshot lacks are reported in `warnings`.
 */
export function loadSnapshot(
  apiVersion: 'v1.0' | 'beta',
  objectTypes?: readonly ObjectTypeName[],
  warnings: readonly string[] = [],
): DetectedSchema {
  const snap = readSnapshot(apiVersion);
  const out = [...warnings];
  const wanted = objectTypes ?? OBJECT_TYPE_ORDER.filter((t) => snap.objectTypes[t]);
  const candidates = new Map<ObjectTypeName, AttributeInfo[]>();
  for (const t of OBJECT_TYPE_ORDER) {
    if (!wanted.includes(t)) continue;
    const list = snap.objectTypes[t];
    if (!list) {
      out.push(`object type ${t} is not available with API version ${apiVersion}; it is left out`);
      continue;
    }
    candidates.set(t, [...list]);
  }
  return assembleSchema(candidates, out);
}
