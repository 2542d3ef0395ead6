import type { EmulatorContext } from '../context.js';
import { extensionDef } from '../directory/representation.js';
import { badRequest } from '../http/errors.js';
import { complexType } from '../model/entities.js';
import type { EntityTypeDef, PropertyDef } from '../model/types.js';

/** A validated POST/PATCH body: property values to store and `<relation>@odata.bind` references. */
export interface WriteBody {
  props: Record<string, unknown>;
  binds: Map<string, string[]>;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export const resourceName = (entity: EntityTypeDef) => entity.name[0]!.toUpperCase() + entity.name.slice(1);

const invalidValue = (prop: string, entity: EntityTypeDef) =>
  badRequest(`Invalid value specified for property '${prop}' of resource '${resourceName(entity)}'.`);

/** Checks a body against the model as Graph does: names, read-only properties, value types. */
export function validateWrite(
  ctx: EmulatorContext,
  entity: EntityTypeDef,
  body: unknown,
  mode: 'create' | 'update',
): WriteBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('Write requests (excluding DELETE) must contain the Content-Type header declaration.');
  }
  const props: Record<string, unknown> = {};
  const binds = new Map<string, string[]>();
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key.endsWith('@odata.bind')) {
      const rel = key.slice(0, -'@odata.bind'.length);
      const nav = entity.navigation.find((n) => n.name === rel && n.referenceable);
      if (!nav) throw badRequest(`Property '${rel}' does not exist as a declared navigation property.`);
      const refs = nav.collection ? value : [value];
      if (!Array.isArray(refs) || refs.some((r) => typeof r !== 'string')) {
        throw badRequest(`The value of '${key}' must be ${nav.collection ? 'an array of URLs' : 'a URL'}.`);
      }
      binds.set(rel, refs as string[]);
      continue;
    }
    if (key.startsWith('@odata.')) continue;
    const def =
      entity.properties.find((p) => p.name === key) ??
      (key.startsWith('extension_') ? extensionDef(ctx.store, key, entity) : undefined);
    if (!def) {
      throw badRequest(`Property '${key}' does not exist as a declared property or extension property.`);
    }
    if (def.readOnly) throw badRequest(`Property '${key}' is read-only and cannot be set.`);
    if (value === null) {
      if (def.notNull && !def.collection) throw invalidValue(key, entity);
      props[key] = null;
      continue;
    }
    checkValue(def, value, entity, key);
    if (key.startsWith('extension_') && !extensionValueFits(def, value)) throw invalidValue(key, entity);
    props[key] = value;
  }
  if (mode === 'create') {
    for (const p of entity.properties) {
      if (!p.requiredOnCreate || (props[p.name] !== undefined && props[p.name] !== null)) continue;
      throw badRequest(`Property ${p.name} value is required but is empty or missing.`);
    }
  }
  return { props, binds };
}

function checkValue(def: PropertyDef, value: unknown, entity: EntityTypeDef, path: string): void {
  if (def.collection) {
    if (!Array.isArray(value)) throw invalidValue(path, entity);
    for (const item of value) checkScalar(def, item, entity, path);
    return;
  }
  checkScalar(def, value, entity, path);
}

function checkScalar(def: PropertyDef, value: unknown, entity: EntityTypeDef, path: string): void {
  const ok = (() => {
    switch (def.type) {
      case 'Edm.String':
        return typeof value === 'string';
      case 'Edm.Boolean':
        return typeof value === 'boolean';
      case 'Edm.Int32':
        return Number.isInteger(value) && (value as number) >= -2147483648 && (value as number) <= 2147483647;
      case 'Edm.Int64':
        return Number.isInteger(value) || (typeof value === 'string' && /^-?\d{1,19}$/.test(value));
      case 'Edm.DateTimeOffset':
        return typeof value === 'string' && ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
      case 'Edm.Date':
        return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
      case 'Edm.Guid':
        return typeof value === 'string' && GUID.test(value);
      case 'Edm.Binary':
        return typeof value === 'string' && BASE64.test(value);
      default:
        return checkComplex(def.type, value, entity, path);
    }
  })();
  if (!ok) throw invalidValue(path, entity);
}

function checkComplex(typeName: string, value: unknown, entity: EntityTypeDef, path: string): boolean {
  const ct = complexType(typeName);
  if (!ct || typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k.startsWith('@odata.')) continue;
    const sub = ct.properties.find((p) => p.name === k);
    if (!sub) throw badRequest(`Property '${k}' does not exist on type 'microsoft.graph.${typeName}'.`);
    if (v !== null) checkValue(sub, v, entity, `${path}.${k}`);
  }
  return true;
}

/** Directory extension values: String at most 256 characters, Binary at most 256 bytes (per element). */
function extensionValueFits(def: PropertyDef, value: unknown): boolean {
  const items = Array.isArray(value) ? value : [value];
  return items.every((v) => {
    if (def.type === 'Edm.String') return typeof v !== 'string' || v.length <= 256;
    if (def.type === 'Edm.Binary') return typeof v !== 'string' || Buffer.from(v, 'base64').length <= 256;
    return true;
  });
}

/** Graph's password policy for cloud accounts: 8-256 characters, three of four character classes. */
export function passwordComplexEnough(password: string): boolean {
  if (password.length < 8 || password.length > 256) return false;
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  return classes >= 3;
}

/** The object id at the end of an `@odata.id` / `@odata.bind` URL. */
export function referenceId(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  const m =
    /\/(?:directoryObjects|users|groups|contacts|servicePrincipals|applications|devices)\/([^/?#]+)$/i.exec(
      url.trim(),
    );
  if (!m) return undefined;
  const id = decodeURIComponent(m[1]!);
  return GUID.test(id) ? id.toLowerCase() : undefined;
}

export const isGuid = (s: string) => GUID.test(s);
