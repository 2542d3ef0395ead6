import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { ObjectTypeName } from '../config/types.js';
import type { Schema } from '../model/ecma.js';
import { buildAttributeMap, type ExtensionProperty } from '../schema/detect.js';
import { makeSnapshot, snapshotToJson } from '../schema/snapshot.js';
import { loadAttributeTable, OBJECT_TYPE_ORDER } from '../schema/table.js';
import type { DetectedSchema } from '../schema/types.js';
import { UsageError } from './args.js';

export const schemaUsage = `mimgraph schema — detect the MIM schema offline from a Graph CSDL ($metadata) file

Usage:
  mimgraph schema --metadata <csdl file> [--api-version v1.0|beta] [--object-types user,group,...]
                  [--extensions <json file>] [--json] [--write-snapshot <file>]

Options:
  --metadata <file>        CSDL XML, e.g. saved from https://graph.microsoft.com/v1.0/$metadata
  --api-version <v>        v1.0 (default) or beta
  --object-types <list>    comma-separated: ${OBJECT_TYPE_ORDER.join(', ')} (default: all the version offers)
  --extensions <file>      JSON: the answer of POST /directoryObjects/getAvailableExtensionProperties
                           ({"value": [...]}) or a plain array of extension properties
  --json                   print the schema and attribute map as JSON instead of a table
  --write-snapshot <file>  write a schema snapshot (schemas/schema-snapshot-<version>.json format)
`;

type Write = (text: string) => void;

/** `mimgraph schema ...`: offline schema detection, printed as a table or JSON. */
export async function runSchemaCommand(
  argv: string[],
  write: Write = (t) => process.stdout.write(t),
): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      metadata: { type: 'string' },
      'api-version': { type: 'string' },
      'object-types': { type: 'string' },
      extensions: { type: 'string' },
      json: { type: 'boolean' },
      'write-snapshot': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    write(schemaUsage);
    return;
  }
  if (!values.metadata)
    throw new UsageError('schema: --metadata <csdl file> is required (see mimgraph schema --help)');
  const apiVersion = values['api-version'] ?? 'v1.0';
  if (apiVersion !== 'v1.0' && apiVersion !== 'beta') {
    throw new UsageError(`--api-version must be v1.0 or beta; got '${apiVersion}'`);
  }
  const table = loadAttributeTable();
  const objectTypes = values['object-types']
    ? parseObjectTypes(values['object-types'])
    : OBJECT_TYPE_ORDER.filter((t) => table.objectTypes[t].apiVersions.includes(apiVersion));
  const xml = await readFile(values.metadata, 'utf8').catch((e: Error) => {
    throw new UsageError(`--metadata: cannot read ${values.metadata}: ${e.message}`);
  });
  const extensionProperties = values.extensions ? await readExtensions(values.extensions) : [];

  if (values['write-snapshot']) {
    const snap = makeSnapshot(xml, apiVersion, snapshotSource(values.metadata));
    await writeFile(values['write-snapshot'], snapshotToJson(snap));
    write(`wrote ${values['write-snapshot']}\n`);
    return;
  }
  const detected = buildAttributeMap(xml, { apiVersion, objectTypes, extensionProperties });
  write(values.json ? `${JSON.stringify(detectedToJson(detected), null, 2)}\n` : formatTable(detected));
}

function snapshotSource(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return `${base}, generated ${new Date().toISOString().slice(0, 10)}`;
}

function parseObjectTypes(raw: string): ObjectTypeName[] {
  const out: ObjectTypeName[] = [];
  for (const part of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!OBJECT_TYPE_ORDER.includes(part as ObjectTypeName)) {
      throw new UsageError(
        `--object-types: unknown object type '${part}' (use ${OBJECT_TYPE_ORDER.join(', ')})`,
      );
    }
    out.push(part as ObjectTypeName);
  }
  if (out.length === 0) throw new UsageError('--object-types: name at least one object type');
  return out;
}

async function readExtensions(file: string): Promise<ExtensionProperty[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--extensions: cannot read ${file} as JSON: ${(e as Error).message}`);
  }
  const list = Array.isArray(json) ? json : (json as { value?: unknown }).value;
  if (!Array.isArray(list))
    throw new UsageError(`--extensions: ${file} holds neither an array nor {"value": [...]}`);
  return list.map((v, i) => {
    const e = v as Record<string, unknown>;
    if (typeof e.name !== 'string' || typeof e.dataType !== 'string') {
      throw new UsageError(`--extensions: entry ${i} needs name and dataType`);
    }
    return {
      name: e.name,
      dataType: e.dataType,
      isMultiValued: e.isMultiValued === true,
      targetObjects: Array.isArray(e.targetObjects) ? e.targetObjects.map(String) : [],
    };
  });
}

/** The detected schema as plain JSON: MIM's schema, the attribute map as a list, the warnings. */
export function detectedToJson(d: DetectedSchema): unknown {
  return schemaToJson(d.schema);
}

/**
 * `mimgraph schema --json`, in the shape scripts rely on:
 * {"types":[{"name":"user","anchor":["id"],"attributes":[{"name","type","multivalued","operation"}]}]}
 */
export function schemaToJson(schema: Schema): unknown {
  return {
    types: schema.types.map((t) => ({
      name: t.name,
      anchor: t.attributes.filter((a) => a.anchor).map((a) => a.name),
      attributes: t.attributes.map((a) => ({
        name: a.name,
        type: a.dataType,
        multivalued: a.multiValued,
        operation: a.operation,
      })),
    })),
  };
}

/** One block per object type: name, MIM type, multivalued, operation (MIM's and, if narrower, Graph's), notes. */
export function formatTable(d: DetectedSchema): string {
  const lines: string[] = [];
  for (const t of d.schema.types) {
    const rows: string[][] = [['attribute', 'type', 'multi', 'operation', 'notes']];
    for (const a of t.attributes) {
      const info = d.attributes.get(t.name as ObjectTypeName, a.name);
      const notes: string[] = [];
      if (a.anchor) notes.push('anchor');
      if (info && info.operation !== a.operation) notes.push(`Graph: ${info.operation}`);
      if (info?.relation) notes.push('reference');
      if (info?.jsonElements) notes.push('JSON per value');
      if (info?.extension) notes.push('extension');
      if (info?.selectOnly) notes.push('$select only');
      if (info && info.edmType !== 'Edm.String' && a.dataType === 'String') notes.push(info.edmType);
      rows.push([a.name, a.dataType, a.multiValued ? 'yes' : '', a.operation, notes.join(', ')]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
    lines.push(`${t.name} (${t.attributes.length} attributes)`);
    for (const r of rows) lines.push(`  ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd());
    lines.push('');
  }
  for (const w of d.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}
