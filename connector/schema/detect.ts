import type { ObjectTypeName } from '../config/types.js';
import type {
  AttributeOperation,
  AttributeType,
  Schema,
  SchemaAttribute,
  SchemaType,
} from '../model/ecma.js';
import {
  allProperties,
  type CsdlModel,
  type CsdlNavigation,
  type CsdlProperty,
  parseCsdl,
  parseTypeRef,
} from './csdl.js';
import { type AttributeTable, loadAttributeTable, OBJECT_TYPE_ORDER, type ObjectTypeRules } from './table.js';
import type { AttributeInfo, AttributeMap, DetectedSchema } from './types.js';

/**
 * Schema detection: Graph's CSDL plus the curated table (schemas/graph-attributes.json) plus the
 * tenant's directory extension properties → MIM's schema and the connector's attribute map.
 *
 * Rules:
 * - Attribute names are Graph's property names; a complex property's members are `parent.member`.
 * - Edm.Boolean → Boolean; Edm.Int16/Int32/Int64/Byte/SByte → Integer; Edm.Binary → Binary;
 *   Edm.String/Guid/DateTimeOffset/Date/TimeOfDay/Duration/Double/Single/Decimal and enums → String;
 *   other primitives (Stream, geography, Untyped) are left out. `Collection(...)` → multivalued.
 * - A single complex property is flattened one level: its primitive/enum members (and collections of
 *   them) become `parent.member`. Members that are themselves complex are left out.
 * - A collection of a complex type (identities, assignedLicenses, addresses, ...) is one multivalued
 *   String attribute; each value is one element as compact JSON (`jsonElements: true`).
 * - Multivalued Booleans are left out (MIM forbids them).
 * - Navigation properties: only those the table names (manager, members, owners) → Reference.
 * - `id` is the anchor: String, ImportOnly, on every type (the type's anchor is locked).
 * - Same name on several object types (MIM's Schema.Validate wants one definition): the first type in
 *   the order user, group, contact, servicePrincipal, administrativeUnit fixes the data type and
 *   multivaluedness; a later type whose definition differs loses that attribute (with a warning).
 *   The schema's operation is the union of the per-type operations (ImportOnly + anything else →
 *   ImportExport). AttributeInfo.operation keeps what Graph allows on that object type, so export
 *   can refuse a write to a read-only property (e.g. a contact's displayName) clearly.
 */

export interface ExtensionProperty {
  /** `extension_<appId without hyphens>_<name>` */
  readonly name: string;
  /** Binary, Boolean, DateTime, Integer, LargeInteger, String. */
  readonly dataType: string;
  readonly isMultiValued: boolean;
  /** User, Group, AdministrativeUnit, Application, Device, Organization. */
  readonly targetObjects: readonly string[];
}

export interface DetectOptions {
  readonly apiVersion: 'v1.0' | 'beta';
  readonly objectTypes: readonly ObjectTypeName[];
  readonly extensionProperties: readonly ExtensionProperty[];
}

/** Per object type, the attributes before cross-type reconciliation (what snapshots store). */
export type AttributeCandidates = ReadonlyMap<ObjectTypeName, readonly AttributeInfo[]>;

const EDM_TYPES: Readonly<Record<string, AttributeType>> = {
  'Edm.Boolean': 'Boolean',
  'Edm.String': 'String',
  'Edm.Guid': 'String',
  'Edm.DateTimeOffset': 'String',
  'Edm.Date': 'String',
  'Edm.TimeOfDay': 'String',
  'Edm.Duration': 'String',
  'Edm.Double': 'String',
  'Edm.Single': 'String',
  'Edm.Decimal': 'String',
  'Edm.Int16': 'Integer',
  'Edm.Int32': 'Integer',
  'Edm.Int64': 'Integer',
  'Edm.Byte': 'Integer',
  'Edm.SByte': 'Integer',
  'Edm.Binary': 'Binary',
};

const EXTENSION_TYPES: Readonly<Record<string, { dataType: AttributeType; edmType: string }>> = {
  binary: { dataType: 'Binary', edmType: 'Edm.Binary' },
  boolean: { dataType: 'Boolean', edmType: 'Edm.Boolean' },
  datetime: { dataType: 'String', edmType: 'Edm.DateTimeOffset' },
  integer: { dataType: 'Integer', edmType: 'Edm.Int32' },
  largeinteger: { dataType: 'Integer', edmType: 'Edm.Int64' },
  string: { dataType: 'String', edmType: 'Edm.String' },
};

const RELATIONS = new Set(['members', 'owners', 'manager']);

/** Detect the schema from a CSDL document (`$metadata`) and the tenant's extension properties. */
export function buildAttributeMap(csdlXml: string, opts: DetectOptions): DetectedSchema {
  const model = parseCsdl(csdlXml);
  const { candidates, warnings } = candidatesFromCsdl(model, opts, loadAttributeTable());
  return assembleSchema(candidates, warnings);
}

/** Alias kept for readers who look for "detect". */
export const detectSchema = buildAttributeMap;

/** The per-type attributes from a parsed CSDL model, before cross-type reconciliation. */
export function candidatesFromCsdl(
  model: CsdlModel,
  opts: DetectOptions,
  table: AttributeTable,
): { candidates: Map<ObjectTypeName, AttributeInfo[]>; warnings: string[] } {
  const warnings: string[] = [];
  const candidates = new Map<ObjectTypeName, AttributeInfo[]>();
  const wanted = new Set(opts.objectTypes);
  for (const objectType of OBJECT_TYPE_ORDER) {
    if (!wanted.has(objectType)) continue;
    const rules = table.objectTypes[objectType];
    if (!rules.apiVersions.includes(opts.apiVersion)) {
      warnings.push(
        `object type ${objectType} is offered only with API version ${rules.apiVersions.join(' or ')}; it is left out of the ${opts.apiVersion} schema (choose API version ${rules.apiVersions.join(' or ')} to get it)`,
      );
      continue;
    }
    const entity = model.entityTypes.get(rules.graphType);
    if (!entity) {
      warnings.push(
        `object type ${objectType}: the ${opts.apiVersion} metadata has no entity type microsoft.graph.${rules.graphType}; it is left out`,
      );
      continue;
    }
    candidates.set(objectType, attributesOfType(model, objectType, rules));
  }
  addExtensions(candidates, opts.extensionProperties, table, warnings);
  return { candidates, warnings };
}

function anchorInfo(objectType: ObjectTypeName): AttributeInfo {
  return {
    name: 'id',
    objectType,
    path: ['id'],
    edmType: 'Edm.String',
    dataType: 'String',
    multiValued: false,
    operation: 'ImportOnly',
  };
}

function attributesOfType(
  model: CsdlModel,
  objectType: ObjectTypeName,
  rules: ObjectTypeRules,
): AttributeInfo[] {
  const entity = model.entityTypes.get(rules.graphType);
  if (!entity) return [];
  const { properties, navigation } = allProperties(model, entity);
  const out: AttributeInfo[] = [anchorInfo(objectType)];
  const byDefault = rules.returnedByDefault ? new Set(rules.returnedByDefault) : undefined;
  const operationOf = (name: string, parent?: string): AttributeOperation => {
    if (!rules.writable) return 'ImportOnly';
    const lookup = (rec: Readonly<Record<string, string>>) =>
      rec[name] !== undefined || (parent !== undefined && rec[parent] !== undefined);
    if (lookup(rules.readOnly)) return 'ImportOnly';
    if (lookup(rules.writeOnly)) return 'ExportOnly';
    return 'ImportExport';
  };
  const excluded = (name: string) => rules.exclude[name] !== undefined;

  for (const p of properties) {
    if (p.name === 'id' || excluded(p.name)) continue;
    const selectOnly = byDefault ? !byDefault.has(p.name) : false;
    out.push(...propertyAttributes(model, objectType, p, selectOnly, operationOf, excluded));
  }
  for (const n of navigation) {
    if (rules.navigation[n.name] === undefined || excluded(n.name)) continue;
    const info = navigationAttribute(model, objectType, n, operationOf(n.name));
    if (info) out.push(info);
  }
  return out;
}

function primitiveOrEnum(model: CsdlModel, ref: ReturnType<typeof parseTypeRef>): AttributeType | undefined {
  if (ref.primitive) return EDM_TYPES[ref.name];
  if (ref.main && model.enumTypes.has(ref.name)) return 'String';
  return undefined;
}

function propertyAttributes(
  model: CsdlModel,
  objectType: ObjectTypeName,
  p: CsdlProperty,
  selectOnly: boolean,
  operationOf: (name: string, parent?: string) => AttributeOperation,
  excluded: (name: string) => boolean,
): AttributeInfo[] {
  const ref = parseTypeRef(p.type, model.alias);
  const simple = primitiveOrEnum(model, ref);
  const base = { objectType, selectOnly: selectOnly || undefined };
  if (simple) {
    if (simple === 'Boolean' && ref.collection) return [];
    return [
      {
        ...base,
        name: p.name,
        path: [p.name],
        edmType: ref.name,
        dataType: simple,
        multiValued: ref.collection,
        operation: operationOf(p.name),
      },
    ];
  }
  const complex = ref.main ? model.complexTypes.get(ref.name) : undefined;
  if (!complex) return [];
  if (ref.collection) {
    return [
      {
        ...base,
        name: p.name,
        path: [p.name],
        edmType: ref.name,
        dataType: 'String',
        multiValued: true,
        operation: operationOf(p.name),
        jsonElements: true,
      },
    ];
  }
  const out: AttributeInfo[] = [];
  for (const m of allProperties(model, complex).properties) {
    const name = `${p.name}.${m.name}`;
    if (excluded(name)) continue;
    const mref = parseTypeRef(m.type, model.alias);
    const t = primitiveOrEnum(model, mref);
    // Nested complex members (and multivalued Booleans) are left out: one level deep only.
    if (!t || (t === 'Boolean' && mref.collection)) continue;
    out.push({
      ...base,
      name,
      path: [p.name, m.name],
      edmType: mref.name,
      dataType: t,
      multiValued: mref.collection,
      operation: operationOf(name, p.name),
    });
  }
  return out;
}

/** True if `name` is directoryObject or derives from it. */
function isDirectoryObject(model: CsdlModel, name: string): boolean {
  const seen = new Set<string>();
  for (
    let cur: string | undefined = name;
    cur && !seen.has(cur);
    cur = model.entityTypes.get(cur)?.baseType
  ) {
    if (cur === 'directoryObject') return true;
    seen.add(cur);
  }
  return false;
}

function navigationAttribute(
  model: CsdlModel,
  objectType: ObjectTypeName,
  n: CsdlNavigation,
  operation: AttributeOperation,
): AttributeInfo | undefined {
  const ref = parseTypeRef(n.type, model.alias);
  if (!ref.main || n.containsTarget || !isDirectoryObject(model, ref.name) || !RELATIONS.has(n.name)) {
    return undefined;
  }
  return {
    name: n.name,
    objectType,
    path: [n.name],
    edmType: ref.name,
    dataType: 'Reference',
    multiValued: ref.collection,
    operation,
    relation: n.name as 'members' | 'owners' | 'manager',
    selectOnly: true,
  };
}

function addExtensions(
  candidates: Map<ObjectTypeName, AttributeInfo[]>,
  extensions: readonly ExtensionProperty[],
  table: AttributeTable,
  warnings: string[],
): void {
  for (const e of extensions) {
    if (!/^extension_[0-9a-fA-F]{32}_\w+$/.test(e.name)) {
      warnings.push(
        `extension property ${JSON.stringify(e.name)} is not named extension_<appId>_<name>; left out`,
      );
      continue;
    }
    const t = EXTENSION_TYPES[e.dataType.toLowerCase()];
    if (!t) {
      warnings.push(
        `extension property ${e.name} has unknown data type ${JSON.stringify(e.dataType)}; left out`,
      );
      continue;
    }
    if (t.dataType === 'Boolean' && e.isMultiValued) {
      warnings.push(`extension property ${e.name} is a multivalued Boolean, which MIM cannot hold; left out`);
      continue;
    }
    for (const target of e.targetObjects) {
      const objectType = table.extensionTargets[target];
      const list = objectType ? candidates.get(objectType) : undefined;
      if (!objectType || !list) continue;
      if (list.some((a) => a.name === e.name)) continue;
      const writable = table.objectTypes[objectType].writable;
      list.push({
        name: e.name,
        objectType,
        path: [e.name],
        edmType: t.edmType,
        dataType: t.dataType,
        multiValued: e.isMultiValued,
        operation: writable ? 'ImportExport' : 'ImportOnly',
        extension: true,
        selectOnly: true,
      });
    }
  }
}

function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  if (a === 'id') return -1;
  if (b === 'id') return 1;
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : 1;
}

function unionOperation(ops: readonly AttributeOperation[]): AttributeOperation {
  const first = ops[0] ?? 'ImportExport';
  return ops.every((o) => o === first) ? first : 'ImportExport';
}

/**
 * Reconcile per-type attributes into MIM's schema: one definition per attribute name across types
 * (see the rules at the top of this file), sorted with the anchor first.
 */
export function assembleSchema(
  candidates: AttributeCandidates,
  warnings: readonly string[] = [],
): DetectedSchema {
  const out = [...warnings];
  const definition = new Map<string, AttributeInfo>();
  const kept = new Map<ObjectTypeName, AttributeInfo[]>();
  for (const objectType of OBJECT_TYPE_ORDER) {
    const list = candidates.get(objectType);
    if (!list) continue;
    const keep: AttributeInfo[] = [];
    for (const a of list) {
      const first = definition.get(a.name);
      if (first && (first.dataType !== a.dataType || first.multiValued !== a.multiValued)) {
        out.push(
          `attribute ${a.name} of ${objectType} (${describe(a)}) differs from ${first.objectType}'s (${describe(first)}); MIM needs one definition per name, so it is left out of ${objectType}`,
        );
        continue;
      }
      if (!first) definition.set(a.name, a);
      keep.push(a);
    }
    keep.sort((x, y) => compareNames(x.name, y.name));
    kept.set(objectType, keep);
  }
  const operations = new Map<string, AttributeOperation[]>();
  for (const list of kept.values()) {
    for (const a of list) {
      const ops = operations.get(a.name) ?? [];
      ops.push(a.operation);
      operations.set(a.name, ops);
    }
  }
  const types: SchemaType[] = [];
  for (const [objectType, list] of kept) {
    const attributes: SchemaAttribute[] = list.map((a) => {
      const attr: SchemaAttribute = {
        name: a.name,
        dataType: a.dataType,
        multiValued: a.multiValued,
        anchor: a.name === 'id',
        operation: a.name === 'id' ? 'ImportOnly' : unionOperation(operations.get(a.name) ?? [a.operation]),
      };
      return a.jsonElements ? { ...attr, hiddenByDefault: true } : attr;
    });
    types.push({ name: objectType, locked: true, attributes });
  }
  const schema: Schema = { types };
  return { schema, attributes: createAttributeMap([...kept.values()].flat()), warnings: out };
}

function describe(a: AttributeInfo): string {
  return `${a.multiValued ? 'multivalued ' : ''}${a.dataType}`;
}

/** An AttributeMap over a list of attribute infos (type order and attribute order kept). */
export function createAttributeMap(infos: readonly AttributeInfo[]): AttributeMap {
  const byType = new Map<ObjectTypeName, AttributeInfo[]>();
  const index = new Map<string, AttributeInfo>();
  for (const a of infos) {
    const list = byType.get(a.objectType) ?? [];
    list.push(a);
    byType.set(a.objectType, list);
    index.set(`${a.objectType}\u0000${a.name}`, a);
  }
  return {
    get: (objectType, name) => index.get(`${objectType}\u0000${name}`),
    forType: (objectType) => byType.get(objectType) ?? [],
  };
}

/** Every attribute of a map, in schema order (for snapshots and --json). */
export function listAttributes(detected: DetectedSchema): AttributeInfo[] {
  return detected.schema.types.flatMap((t) => [...detected.attributes.forType(t.name as ObjectTypeName)]);
}

/**
 * Check the rules MIM enforces on a schema (SchemaAttribute factories and Schema.Validate):
 * no multivalued Boolean, anchors neither Boolean nor Reference, every locked type has an anchor,
 * one definition per attribute name. Returns the problems found (empty when valid).
 */
export function validateSchema(schema: Schema): string[] {
  const problems: string[] = [];
  const seen = new Map<string, { type: string; a: SchemaAttribute }>();
  for (const t of schema.types) {
    const names = new Set<string>();
    if (t.locked && !t.attributes.some((a) => a.anchor))
      problems.push(`${t.name}: locked type without anchor`);
    for (const a of t.attributes) {
      if (names.has(a.name)) problems.push(`${t.name}.${a.name}: defined twice`);
      names.add(a.name);
      if (a.multiValued && a.dataType === 'Boolean')
        problems.push(`${t.name}.${a.name}: multivalued Boolean`);
      if (a.anchor && (a.dataType === 'Boolean' || a.dataType === 'Reference' || a.multiValued)) {
        problems.push(`${t.name}.${a.name}: anchor must be a single-valued String, Integer or Binary`);
      }
      const prev = seen.get(a.name);
      if (
        prev &&
        (prev.a.dataType !== a.dataType ||
          prev.a.multiValued !== a.multiValued ||
          prev.a.operation !== a.operation)
      ) {
        problems.push(`${a.name}: ${prev.type} and ${t.name} define it differently`);
      }
      if (!prev) seen.set(a.name, { type: t.name, a });
    }
  }
  return problems;
}
