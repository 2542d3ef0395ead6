import type { ObjectTypeName } from '../config/types.js';
import { readSchemasFile } from './files.js';

/**
 * The curated table schemas/graph-attributes.json: per object type, what CSDL does not say
 * (read-only, write-only, excluded, select-only, which navigations, whether Graph can write the type).
 * Values are the reasons, kept as documentation.
 */
export interface ObjectTypeRules {
  readonly graphType: string;
  readonly apiVersions: readonly ('v1.0' | 'beta')[];
  readonly writable: boolean;
  readonly writableReason?: string;
  /** null: every structural property comes back without $select. */
  readonly returnedByDefault: readonly string[] | null;
  readonly navigation: Readonly<Record<string, string>>;
  readonly exclude: Readonly<Record<string, string>>;
  readonly readOnly: Readonly<Record<string, string>>;
  readonly writeOnly: Readonly<Record<string, string>>;
}

export interface AttributeTable {
  readonly objectTypes: Readonly<Record<ObjectTypeName, ObjectTypeRules>>;
  /** extensionProperty.targetObjects value (`User`) → object type. */
  readonly extensionTargets: Readonly<Record<string, ObjectTypeName>>;
}

export const OBJECT_TYPE_ORDER: readonly ObjectTypeName[] = [
  'user',
  'group',
  'contact',
  'servicePrincipal',
  'administrativeUnit',
];

let cached: AttributeTable | undefined;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function stringRecord(v: unknown, where: string): Record<string, string> {
  if (!isRecord(v)) throw new Error(`graph-attributes.json: ${where} must be an object`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (k === '_comment') continue;
    if (typeof val !== 'string')
      throw new Error(`graph-attributes.json: ${where}.${k} must be a reason string`);
    out[k] = val;
  }
  return out;
}

/** Check the table's shape (it is hand-edited) and return it typed. */
export function parseAttributeTable(json: unknown): AttributeTable {
  if (!isRecord(json) || json.format !== 1 || !isRecord(json.objectTypes)) {
    throw new Error('graph-attributes.json: expected { format: 1, objectTypes: {...} }');
  }
  const objectTypes = {} as Record<ObjectTypeName, ObjectTypeRules>;
  for (const name of OBJECT_TYPE_ORDER) {
    const r = json.objectTypes[name];
    if (!isRecord(r)) throw new Error(`graph-attributes.json: objectTypes.${name} is missing`);
    const rbd = r.returnedByDefault;
    if (rbd !== null && !(Array.isArray(rbd) && rbd.every((x) => typeof x === 'string'))) {
      throw new Error(`graph-attributes.json: objectTypes.${name}.returnedByDefault must be null or a list`);
    }
    if (typeof r.graphType !== 'string' || typeof r.writable !== 'boolean' || !Array.isArray(r.apiVersions)) {
      throw new Error(`graph-attributes.json: objectTypes.${name} needs graphType, writable and apiVersions`);
    }
    objectTypes[name] = {
      graphType: r.graphType,
      apiVersions: r.apiVersions.filter((v): v is 'v1.0' | 'beta' => v === 'v1.0' || v === 'beta'),
      writable: r.writable,
      writableReason: typeof r.writableReason === 'string' ? r.writableReason : undefined,
      returnedByDefault: rbd as string[] | null,
      navigation: stringRecord(r.navigation, `${name}.navigation`),
      exclude: stringRecord(r.exclude, `${name}.exclude`),
      readOnly: stringRecord(r.readOnly, `${name}.readOnly`),
      writeOnly: stringRecord(r.writeOnly, `${name}.writeOnly`),
    };
  }
  const targets = stringRecord(json.extensionTargets ?? {}, 'extensionTargets');
  const extensionTargets: Record<string, ObjectTypeName> = {};
  for (const [k, v] of Object.entries(targets)) {
    if (!OBJECT_TYPE_ORDER.includes(v as ObjectTypeName)) {
      throw new Error(`graph-attributes.json: extensionTargets.${k} names unknown object type ${v}`);
    }
    extensionTargets[k] = v as ObjectTypeName;
  }
  return { objectTypes, extensionTargets };
}

/** The committed table, read once. */
export function loadAttributeTable(): AttributeTable {
  cached ??= parseAttributeTable(JSON.parse(readSchemasFile('graph-attributes.json')));
  return cached;
}
