import { badRequest } from '../http/errors.js';
import type { EntityTypeDef, PropertyDef } from '../model/types.js';
import type { DirectoryStore, DirObject } from './store.js';

/** What a request asked to see of an entity: structural properties and (delta only) relations. */
export interface Selection {
  readonly properties: readonly PropertyDef[];
  /** Navigation properties named in $select (`manager`, `members`, `owners`). */
  readonly relations: readonly string[];
  /** The $select list as given, for `@odata.context`. */
  readonly explicit: readonly string[] | undefined;
}

const EXTENSION_NAME = /^extension_[0-9a-f]{32}_[A-Za-z0-9_]+$/i;

export function extensionDef(
  store: DirectoryStore,
  name: string,
  entity: EntityTypeDef,
): PropertyDef | undefined {
  if (!EXTENSION_NAME.test(name)) return undefined;
  const ext = store.extensionProperty(name);
  if (!ext || !entity.extensionTarget) return undefined;
  const targets = (ext.props.targetObjects as string[] | undefined) ?? [];
  if (!targets.some((t) => t.toLowerCase() === entity.extensionTarget!.toLowerCase())) return undefined;
  return {
    name: String(ext.props.name),
    type: extensionEdmType(String(ext.props.dataType)),
    collection: ext.props.isMultiValued === true,
    filter: { eq: 'D', null: 'D', ne: 'A', in: 'D', startsWith: 'D', any: 'D' },
  };
}

function extensionEdmType(dataType: string): string {
  switch (dataType) {
    case 'Boolean':
      return 'Edm.Boolean';
    case 'Integer':
      return 'Edm.Int32';
    case 'LargeInteger':
      return 'Edm.Int64';
    case 'DateTime':
      return 'Edm.DateTimeOffset';
    case 'Binary':
      return 'Edm.Binary';
    default:
      return 'Edm.String';
  }
}

/** Parses `$select`; unknown names get Graph's 400. `allowRelations` is true for delta. */
export function parseSelect(
  raw: string | null,
  entity: EntityTypeDef,
  store: DirectoryStore,
  allowRelations: boolean,
): Selection {
  if (raw === null || raw.trim() === '') {
    return {
      properties: entity.properties.filter((p) => p.returnedByDefault && !p.writeOnly),
      relations: [],
      explicit: undefined,
    };
  }
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const properties: PropertyDef[] = [];
  const relations: string[] = [];
  for (const name of names) {
    const prop = entity.properties.find((p) => p.name.toLowerCase() === name.toLowerCase());
    if (prop && !prop.writeOnly) {
      if (!properties.includes(prop)) properties.push(prop);
      continue;
    }
    const nav = entity.navigation.find((n) => n.name.toLowerCase() === name.toLowerCase());
    if (nav && allowRelations) {
      if (!relations.includes(nav.name)) relations.push(nav.name);
      continue;
    }
    const ext = extensionDef(store, name, entity);
    if (ext) {
      properties.push(ext);
      continue;
    }
    throw badRequest(`Could not find a property named '${name}' on type 'microsoft.graph.${entity.name}'.`);
  }
  return { properties, relations, explicit: names };
}

/** An entity as a list or get answers it: every selected property, null or [] when unset. */
export function project(o: DirObject, sel: Selection): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of sel.properties) {
    const v = o.props[p.name];
    out[p.name] = v === undefined ? (p.collection ? [] : null) : v;
  }
  return out;
}

/** `@odata.context` for a collection or an entity, reflecting $select as Graph does. */
export function contextUrl(root: string, set: string, sel: Selection | undefined, entity = false): string {
  const selectPart = sel?.explicit ? `(${sel.explicit.join(',')})` : '';
  return `${root}/$metadata#${set}${selectPart}${entity ? '/$entity' : ''}`;
}
