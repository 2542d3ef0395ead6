import type { EntityTypeDef, Model, NavigationDef, PropertyDef } from './types.js';

/**
 * The emulator's `$metadata`: OData v4 CSDL XML generated from the same model that drives request
 * handling, written with the element and attribute spelling of Graph's v1.0 CSDL
 * (shared/fixtures/graph-metadata) so clients that read Graph's metadata read ours the same way.
 */

const NAMESPACE = 'microsoft.graph';
const ALIAS = 'graph';
const EDMX_NS = 'http://docs.oasis-open.org/odata/ns/edmx';
const EDM_NS = 'http://docs.oasis-open.org/odata/ns/edm';
const DIRECTORY_OBJECTS = 'directoryObjects';

/** Declared once on the base types; a derived type may not redeclare them. */
const ENTITY_PROPS: readonly PropertyDef[] = [{ name: 'id', type: 'Edm.String', notNull: true }];
const DIRECTORY_OBJECT_PROPS: readonly PropertyDef[] = [
  { name: 'deletedDateTime', type: 'Edm.DateTimeOffset' },
];

interface XmlNode {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string | undefined>>;
  readonly children: readonly XmlNode[];
  readonly text?: string;
}

type Attrs = Readonly<Record<string, string | undefined>>;

const el = (name: string, attrs: Attrs = {}, children: readonly XmlNode[] = []): XmlNode => ({
  name,
  attrs,
  children,
});
const textEl = (name: string, text: string): XmlNode => ({ name, attrs: {}, children: [], text });

const XML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** XML 1.0 cannot carry these even as character references, so refuse rather than emit a broken document. */
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function escapeXml(value: string): string {
  if (XML_INVALID.test(value)) {
    throw new Error(`csdl: character not allowed in XML in ${JSON.stringify(value)}`);
  }
  return value.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}

function render(node: XmlNode, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth);
  const attrs = Object.entries(node.attrs)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
  if (node.text !== undefined) {
    out.push(`${pad}<${node.name}${attrs}>${escapeXml(node.text)}</${node.name}>`);
  } else if (node.children.length === 0) {
    out.push(`${pad}<${node.name}${attrs} />`);
  } else {
    out.push(`${pad}<${node.name}${attrs}>`);
    for (const child of node.children) render(child, depth + 1, out);
    out.push(`${pad}</${node.name}>`);
  }
}

/** What the document needs to know about the model beyond one type at a time. */
interface Context {
  readonly model: Model;
  /** Names a `graph.<name>` reference may point at (complex and entity types in this document). */
  readonly knownTypes: ReadonlySet<string>;
  /** Entity type name → top-level entity set, for types not contained in a parent. */
  readonly entitySets: ReadonlyMap<string, string>;
}

/**
 * A navigation named after its target's entity set holds that set under the parent
 * (`applications/{id}/extensionProperties`), so it is contained rather than a reference.
 */
function isContained(nav: NavigationDef, model: Model): boolean {
  return model.entityTypes.some((t) => t.name === nav.target && t.entitySet === nav.name);
}

function buildContext(model: Model): Context {
  const contained = new Set(
    model.entityTypes.flatMap((t) => t.navigation.filter((n) => isContained(n, model)).map((n) => n.target)),
  );
  const entitySets = new Map<string, string>([['directoryObject', DIRECTORY_OBJECTS]]);
  for (const t of model.entityTypes) if (!contained.has(t.name)) entitySets.set(t.name, t.entitySet);
  const knownTypes = new Set([
    'entity',
    'directoryObject',
    'directory',
    ...model.complexTypes.map((c) => c.name),
    ...model.entityTypes.map((t) => t.name),
  ]);
  return { model, knownTypes, entitySets };
}

function typeRef(type: string, collection: boolean, ctx: Context, where: string): string {
  if (!type.startsWith('Edm.') && !ctx.knownTypes.has(type)) {
    throw new Error(`csdl: ${where} refers to unknown type ${type}`);
  }
  const base = type.startsWith('Edm.') ? type : `${ALIAS}.${type}`;
  return collection ? `Collection(${base})` : base;
}

function propertyNode(p: PropertyDef, ctx: Context, owner: string): XmlNode {
  return el('Property', {
    Name: p.name,
    Type: typeRef(p.type, p.collection === true, ctx, `${owner}.${p.name}`),
    Nullable: p.notNull ? 'false' : undefined,
  });
}

function derivedTypeConstraint(types: readonly string[]): XmlNode {
  // Graph writes this annotation with its own (redundant) edm namespace declaration.
  return el('Annotation', { Term: 'Org.OData.Validation.V1.DerivedTypeConstraint', 'xmlns:edm': EDM_NS }, [
    el(
      'Collection',
      {},
      types.map((t) => textEl('String', `${NAMESPACE}.${t}`)),
    ),
  ]);
}

const REFERENCEABLE = el('Annotation', { Term: 'Org.OData.Capabilities.V1.NavigationRestrictions' }, [
  el('Record', {}, [el('PropertyValue', { Property: 'Referenceable', Bool: 'true' })]),
]);

function navigationNode(n: NavigationDef, ctx: Context, owner: string): XmlNode {
  const annotations: XmlNode[] = [];
  if (n.derivedTypes?.length) annotations.push(derivedTypeConstraint(n.derivedTypes));
  if (n.referenceable) annotations.push(REFERENCEABLE);
  return el(
    'NavigationProperty',
    {
      Name: n.name,
      Type: typeRef(n.target, n.collection, ctx, `${owner}.${n.name}`),
      ContainsTarget: isContained(n, ctx.model) ? 'true' : undefined,
    },
    annotations,
  );
}

function alternateKeys(keys: readonly string[]): XmlNode {
  const keyRecord = (key: string) =>
    el('Record', { Type: 'Org.OData.Core.V1.AlternateKey' }, [
      el('PropertyValue', { Property: 'Key' }, [
        el('Collection', {}, [
          el('Record', { Type: 'Org.OData.Core.V1.PropertyRef' }, [
            el('PropertyValue', { Property: 'Alias', String: key }),
            el('PropertyValue', { Property: 'Name', PropertyPath: key }),
          ]),
        ]),
      ]),
    ]);
  return el('Annotation', { Term: 'Org.OData.Core.V1.AlternateKeys' }, [
    el('Collection', {}, keys.map(keyRecord)),
  ]);
}

function inheritedNames(baseType: EntityTypeDef['baseType']): ReadonlySet<string> {
  const props = baseType === 'directoryObject' ? [...ENTITY_PROPS, ...DIRECTORY_OBJECT_PROPS] : ENTITY_PROPS;
  return new Set(props.map((p) => p.name));
}

function entityTypeNode(t: EntityTypeDef, ctx: Context): XmlNode {
  const inherited = inheritedNames(t.baseType);
  return el(
    'EntityType',
    {
      Name: t.name,
      BaseType: `${ALIAS}.${t.baseType}`,
      // Directory objects are open so `extension_{appId}_{name}` properties can appear on them.
      OpenType: t.baseType === 'directoryObject' ? 'true' : undefined,
    },
    [
      ...t.properties.filter((p) => !inherited.has(p.name)).map((p) => propertyNode(p, ctx, t.name)),
      ...t.navigation.map((n) => navigationNode(n, ctx, t.name)),
      ...(t.alternateKeys?.length ? [alternateKeys(t.alternateKeys)] : []),
    ],
  );
}

function baseEntityTypes(ctx: Context): XmlNode[] {
  return [
    el('EntityType', { Name: 'entity', Abstract: 'true' }, [
      el('Key', {}, [el('PropertyRef', { Name: 'id' })]),
      ...ENTITY_PROPS.map((p) => propertyNode(p, ctx, 'entity')),
    ]),
    el(
      'EntityType',
      { Name: 'directoryObject', BaseType: `${ALIAS}.entity`, OpenType: 'true' },
      DIRECTORY_OBJECT_PROPS.map((p) => propertyNode(p, ctx, 'directoryObject')),
    ),
  ];
}

/** Type of the `directory` singleton; only `deletedItems` is served. */
function directoryTypeNode(): XmlNode {
  return el('EntityType', { Name: 'directory', BaseType: `${ALIAS}.entity` }, [
    el('NavigationProperty', {
      Name: 'deletedItems',
      Type: `Collection(${ALIAS}.directoryObject)`,
      ContainsTarget: 'true',
    }),
  ]);
}

const param = (name: string, type: string, notNull = false): XmlNode =>
  el('Parameter', { Name: name, Type: type, Nullable: notNull ? 'false' : undefined });

function actions(ctx: Context): XmlNode[] {
  const out: XmlNode[] = [];
  // Its return type only exists when the model serves extension properties.
  if (ctx.knownTypes.has('extensionProperty')) {
    out.push(
      el(
        'Action',
        { Name: 'getAvailableExtensionProperties', EntitySetPath: 'bindingParameter', IsBound: 'true' },
        [
          param('bindingParameter', `Collection(${ALIAS}.directoryObject)`, true),
          param('isSyncedFromOnPremises', 'Edm.Boolean'),
          el('ReturnType', { Type: `Collection(${ALIAS}.extensionProperty)`, Nullable: 'false' }),
        ],
      ),
    );
  }
  out.push(
    el('Action', { Name: 'restore', IsBound: 'true' }, [
      param('bindingParameter', `${ALIAS}.directoryObject`, true),
      el('ReturnType', { Type: `${ALIAS}.directoryObject` }),
    ]),
  );
  return out;
}

function deltaFunctions(model: Model): XmlNode[] {
  return model.entityTypes
    .filter((t) => t.delta)
    .map((t) =>
      el('Function', { Name: 'delta', IsBound: 'true' }, [
        param('bindingParameter', `Collection(${ALIAS}.${t.name})`),
        el('ReturnType', { Type: `Collection(${ALIAS}.${t.name})` }),
      ]),
    );
}

/** Bind every navigation that points into a top-level set; contained ones live under their parent. */
function entitySetNode(t: EntityTypeDef, set: string, ctx: Context): XmlNode {
  const bindings = t.navigation
    .filter((n) => !isContained(n, ctx.model))
    .flatMap((n) => {
      const target = ctx.entitySets.get(n.target);
      return target ? [el('NavigationPropertyBinding', { Path: n.name, Target: target })] : [];
    });
  return el('EntitySet', { Name: set, EntityType: `${NAMESPACE}.${t.name}` }, bindings);
}

function containerNode(ctx: Context): XmlNode {
  const sets = ctx.model.entityTypes.flatMap((t) => {
    const set = ctx.entitySets.get(t.name);
    return set ? [entitySetNode(t, set, ctx)] : [];
  });
  return el('EntityContainer', { Name: 'GraphService' }, [
    ...sets,
    el('EntitySet', { Name: DIRECTORY_OBJECTS, EntityType: `${NAMESPACE}.directoryObject` }),
    el('Singleton', { Name: 'directory', Type: `${NAMESPACE}.directory` }),
  ]);
}

/**
 * Render the model as the `$metadata` document. `serviceRoot` is accepted for callers that know it,
 * but CSDL XML has no place for it (payloads point at `{serviceRoot}/$metadata` via
 * `@odata.context`), so it does not change the output.
 */
export function buildCsdl(model: Model, _options: { serviceRoot?: string } = {}): string {
  const ctx = buildContext(model);
  const schema = el('Schema', { Namespace: NAMESPACE, Alias: ALIAS, xmlns: EDM_NS }, [
    ...model.complexTypes.map((c) =>
      el(
        'ComplexType',
        { Name: c.name },
        c.properties.map((p) => propertyNode(p, ctx, c.name)),
      ),
    ),
    ...baseEntityTypes(ctx),
    ...model.entityTypes.map((t) => entityTypeNode(t, ctx)),
    directoryTypeNode(),
    ...actions(ctx),
    ...deltaFunctions(model),
    containerNode(ctx),
  ]);
  const root = el('edmx:Edmx', { Version: '4.0', 'xmlns:edmx': EDMX_NS }, [
    el('edmx:DataServices', {}, [schema]),
  ]);
  const lines = ['<?xml version="1.0" encoding="utf-8"?>'];
  render(root, 0, lines);
  return lines.join('\n');
}
