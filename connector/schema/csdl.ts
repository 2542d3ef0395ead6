import type { XMLParser } from 'fast-xml-parser';
import { lazy } from '../runtime/lazy.js';

const fxp = lazy<typeof import('fast-xml-parser')>('fast-xml-parser');

/**
 * The pieces of an OData v4 CSDL document (Graph's `$metadata`) that schema detection needs:
 * entity, complex and enum types of the main `microsoft.graph` schema, with their base types,
 * structural properties (type, nullability) and navigation properties. Everything else (actions,
 * functions, annotations, the entity container, the other namespaces) is skipped unparsed.
 */

export const MAIN_NAMESPACE = 'microsoft.graph';

export interface CsdlProperty {
  readonly name: string;
  /** As written in the document: `Edm.String`, `graph.passwordProfile`, `Collection(Edm.String)`. */
  readonly type: string;
  readonly nullable: boolean;
}

export interface CsdlNavigation {
  readonly name: string;
  readonly type: string;
  readonly containsTarget: boolean;
}

export interface CsdlStructuredType {
  readonly kind: 'entity' | 'complex';
  readonly name: string;
  /** Local name of the base type in the main namespace (`directoryObject`), if any. */
  readonly baseType?: string | undefined;
  readonly abstract: boolean;
  readonly openType: boolean;
  readonly properties: readonly CsdlProperty[];
  readonly navigation: readonly CsdlNavigation[];
}

export interface CsdlEnumType {
  readonly name: string;
  readonly isFlags: boolean;
  readonly members: readonly string[];
}

export interface CsdlModel {
  /** The main schema's alias (`graph`), if it declares one. */
  readonly alias: string | undefined;
  readonly entityTypes: ReadonlyMap<string, CsdlStructuredType>;
  readonly complexTypes: ReadonlyMap<string, CsdlStructuredType>;
  readonly enumTypes: ReadonlyMap<string, CsdlEnumType>;
}

/** A type reference taken apart: `Collection(graph.assignedLicense)` → assignedLicense, collection. */
export interface TypeRef {
  readonly collection: boolean;
  /** `Edm.String`, or the local name of a main-namespace type, or the full name of any other type. */
  readonly name: string;
  readonly primitive: boolean;
  /** Defined in the main `microsoft.graph` namespace. */
  readonly main: boolean;
}

export class CsdlError extends Error {
  override readonly name = 'CsdlError';
}

type XmlObj = Record<string, unknown>;

const ARRAY_ELEMENTS = new Set([
  'Schema',
  'EntityType',
  'ComplexType',
  'EnumType',
  'Property',
  'NavigationProperty',
  'Member',
]);

function makeParser(): XMLParser {
  return new (fxp().XMLParser)({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    removeNSPrefix: true,
    parseAttributeValue: false,
    parseTagValue: false,
    // Not needed: kept as raw text, which is much cheaper than building their trees.
    stopNodes: [
      '*.Annotation',
      '*.Annotations',
      '*.Action',
      '*.Function',
      '*.EntityContainer',
      '*.Term',
      '*.Key',
    ],
    isArray: (name) => ARRAY_ELEMENTS.has(name),
  });
}

const asArray = (v: unknown): XmlObj[] => (Array.isArray(v) ? (v as XmlObj[]) : v ? [v as XmlObj] : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Cut the main schema out of the document, so the parser does not walk the other namespaces
 * (`<Schema>` elements never nest). Falls back to the whole text if the shape is unexpected.
 */
function mainSchemaText(xml: string): string {
  const re = /<(?:[A-Za-z_][\w.-]*:)?Schema\b[^>]*\bNamespace\s*=\s*"microsoft\.graph"[^>]*>/;
  const m = re.exec(xml);
  if (!m) return xml;
  const end = /<\/(?:[A-Za-z_][\w.-]*:)?Schema\s*>/g;
  end.lastIndex = m.index + m[0].length;
  const e = end.exec(xml);
  if (!e) return xml;
  return xml.slice(m.index, e.index + e[0].length);
}

/** Parse a CSDL document's main `microsoft.graph` schema. Throws CsdlError if there is none. */
export function parseCsdl(xmlText: string): CsdlModel {
  const xml = xmlText.charCodeAt(0) === 0xfeff ? xmlText.slice(1) : xmlText;
  if (!/<(?:[A-Za-z_][\w.-]*:)?Edmx\b/.test(xml)) {
    throw new CsdlError('not a CSDL document: no <edmx:Edmx> root element');
  }
  let doc: XmlObj;
  try {
    doc = makeParser().parse(mainSchemaText(xml), true) as XmlObj;
  } catch (e) {
    throw new CsdlError(`CSDL is not well-formed XML: ${(e as Error).message}`);
  }
  const schemas = findSchemas(doc);
  const main = schemas.find((s) => s.Namespace === MAIN_NAMESPACE);
  if (!main) throw new CsdlError(`CSDL has no Schema with Namespace="${MAIN_NAMESPACE}"`);
  const alias = str(main.Alias);
  const local = (qualified: string | undefined): string | undefined => {
    if (!qualified) return undefined;
    const r = parseTypeRef(qualified, alias);
    return r.main ? r.name : qualified;
  };
  const structured = (kind: 'entity' | 'complex', o: XmlObj): CsdlStructuredType => ({
    kind,
    name: str(o.Name) ?? '',
    baseType: local(str(o.BaseType)),
    abstract: o.Abstract === 'true',
    openType: o.OpenType === 'true',
    properties: asArray(o.Property).map((p) => ({
      name: str(p.Name) ?? '',
      type: str(p.Type) ?? '',
      nullable: p.Nullable !== 'false',
    })),
    navigation: asArray(o.NavigationProperty).map((n) => ({
      name: str(n.Name) ?? '',
      type: str(n.Type) ?? '',
      containsTarget: n.ContainsTarget === 'true',
    })),
  });
  const entityTypes = new Map<string, CsdlStructuredType>();
  for (const o of asArray(main.EntityType)) {
    const t = structured('entity', o);
    entityTypes.set(t.name, t);
  }
  const complexTypes = new Map<string, CsdlStructuredType>();
  for (const o of asArray(main.ComplexType)) {
    const t = structured('complex', o);
    complexTypes.set(t.name, t);
  }
  const enumTypes = new Map<string, CsdlEnumType>();
  for (const o of asArray(main.EnumType)) {
    const name = str(o.Name) ?? '';
    enumTypes.set(name, {
      name,
      isFlags: o.IsFlags === 'true',
      members: asArray(o.Member).map((m) => str(m.Name) ?? ''),
    });
  }
  return { alias, entityTypes, complexTypes, enumTypes };
}

function findSchemas(doc: XmlObj): XmlObj[] {
  const edmx = doc.Edmx as XmlObj | undefined;
  const ds = edmx?.DataServices as XmlObj | undefined;
  if (ds) return asArray(ds.Schema);
  // The sliced text has the Schema element at the top.
  return asArray(doc.Schema);
}

/** Take a type reference apart, resolving the main namespace and its alias. */
export function parseTypeRef(type: string, alias: string | undefined): TypeRef {
  const m = /^Collection\((.*)\)$/.exec(type.trim());
  const inner = (m ? m[1] : type)?.trim() ?? '';
  if (inner.startsWith('Edm.')) return { collection: !!m, name: inner, primitive: true, main: false };
  for (const prefix of [`${MAIN_NAMESPACE}.`, alias ? `${alias}.` : undefined]) {
    if (prefix && inner.startsWith(prefix)) {
      const rest = inner.slice(prefix.length);
      // `microsoft.graph.termStore.set` is another namespace, not the main one.
      if (!rest.includes('.')) return { collection: !!m, name: rest, primitive: false, main: true };
    }
  }
  return { collection: !!m, name: inner, primitive: false, main: false };
}

/** A structured type's own and inherited properties, base first (the order of a payload). */
export function allProperties(
  model: CsdlModel,
  t: CsdlStructuredType,
): { properties: CsdlProperty[]; navigation: CsdlNavigation[] } {
  const chain: CsdlStructuredType[] = [];
  const seen = new Set<string>();
  for (let cur: CsdlStructuredType | undefined = t; cur && !seen.has(cur.name); ) {
    seen.add(cur.name);
    chain.unshift(cur);
    const base: string | undefined = cur.baseType;
    cur = base
      ? cur.kind === 'entity'
        ? model.entityTypes.get(base)
        : model.complexTypes.get(base)
      : undefined;
  }
  const properties: CsdlProperty[] = [];
  const navigation: CsdlNavigation[] = [];
  const names = new Set<string>();
  for (const c of chain) {
    for (const p of c.properties) if (!names.has(p.name) && names.add(p.name)) properties.push(p);
    for (const n of c.navigation) if (!names.has(n.name) && names.add(n.name)) navigation.push(n);
  }
  return { properties, navigation };
}
