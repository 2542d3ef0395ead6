import { readFileSync } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCsdl } from '../../emulator/model/csdl.js';
import { model } from '../../emulator/model/entities.js';
import type { EntityTypeDef, Model, NavigationDef, PropertyDef } from '../../emulator/model/types.js';

type XNode = { readonly [key: string]: unknown };
type TypeLookup = (name: string) => XNode | undefined;

// Every element parses to an array, so repeated and single children read the same way.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
});

const parse = (xml: string): XNode => parser.parse(xml) as XNode;
const kids = (node: XNode | undefined, name: string): XNode[] => {
  const value = node?.[name];
  return Array.isArray(value) ? (value as XNode[]) : [];
};
const child = (node: XNode | undefined, name: string): XNode => {
  const [first] = kids(node, name);
  if (!first) throw new Error(`no <${name}>`);
  return first;
};
const attr = (node: XNode | undefined, name: string): string | undefined =>
  node?.[`@_${name}`] as string | undefined;
const named = (nodes: XNode[], name: string): XNode | undefined =>
  nodes.find((n) => attr(n, 'Name') === name);
const texts = (node: XNode, name: string): string[] => {
  const value = node[name];
  return Array.isArray(value) ? value.map(String) : [];
};

/** The CSDL spelling of a model type reference. */
function csdlType(type: string, collection = false): string {
  const base = type.startsWith('Edm.') ? type : `graph.${type}`;
  return collection ? `Collection(${base})` : base;
}

/** A type's properties including those it inherits through BaseType. */
function propertiesOf(lookup: TypeLookup, typeName: string): Map<string, XNode> {
  const out = new Map<string, XNode>();
  for (let t = lookup(typeName); t; ) {
    for (const p of kids(t, 'Property')) {
      const name = attr(p, 'Name') ?? '';
      if (!out.has(name)) out.set(name, p);
    }
    const base = attr(t, 'BaseType');
    t = base ? lookup(base.replace(/^graph\./, '')) : undefined;
  }
  return out;
}

const shape = (p: XNode | undefined) =>
  p ? { type: attr(p, 'Type'), nullable: attr(p, 'Nullable') } : undefined;
const expectedShape = (p: PropertyDef) => ({
  type: csdlType(p.type, p.collection),
  nullable: p.notNull ? 'false' : undefined,
});
const navType = (n: NavigationDef) => csdlType(n.target, n.collection);

/** Each alternate key as its `[Property, String|PropertyPath]` pairs; undefined without the annotation. */
function alternateKeys(t: XNode | undefined): string[][][] | undefined {
  const ak = kids(t, 'Annotation').find((a) => attr(a, 'Term') === 'Org.OData.Core.V1.AlternateKeys');
  if (!ak) return undefined;
  return kids(child(ak, 'Collection'), 'Record').map((key) => {
    expect(attr(key, 'Type')).toBe('Org.OData.Core.V1.AlternateKey');
    const ref = child(child(child(key, 'PropertyValue'), 'Collection'), 'Record');
    expect(attr(ref, 'Type')).toBe('Org.OData.Core.V1.PropertyRef');
    return kids(ref, 'PropertyValue').map((v) => [
      attr(v, 'Property') ?? '',
      attr(v, 'String') ?? attr(v, 'PropertyPath') ?? '',
    ]);
  });
}

/** `element` and `element@attribute` for everything in a parsed document. */
function vocabulary(node: unknown, out = new Set<string>(), element = ''): Set<string> {
  if (Array.isArray(node)) {
    for (const n of node) vocabulary(n, out, element);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith('@_')) out.add(`${element}@${key.slice(2)}`);
      else if (key !== '#text' && key !== '?xml') {
        out.add(key);
        vocabulary(value, out, key);
      }
    }
  }
  return out;
}

const xml = buildCsdl(model);
const doc = parse(xml);
const schema = child(child(child(doc, 'edmx:Edmx'), 'edmx:DataServices'), 'Schema');
const entityTypes = kids(schema, 'EntityType');
const ours: TypeLookup = (name) => named(entityTypes, name);
const container = child(schema, 'EntityContainer');

describe('buildCsdl: document', () => {
  it('is well-formed XML with the declaration first', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>\n')).toBe(true);
    expect(XMLValidator.validate(xml)).toBe(true);
  });

  it('has the Edmx root, DataServices and the microsoft.graph schema as Graph writes them', () => {
    const root = child(doc, 'edmx:Edmx');
    expect(attr(root, 'Version')).toBe('4.0');
    expect(attr(root, 'xmlns:edmx')).toBe('http://docs.oasis-open.org/odata/ns/edmx');
    expect(kids(child(root, 'edmx:DataServices'), 'Schema')).toHaveLength(1);
    expect(attr(schema, 'Namespace')).toBe('microsoft.graph');
    expect(attr(schema, 'Alias')).toBe('graph');
    expect(attr(schema, 'xmlns')).toBe('http://docs.oasis-open.org/odata/ns/edm');
  });

  it('is deterministic', () => {
    expect(buildCsdl(model)).toBe(xml);
    expect(buildCsdl(structuredClone(model) as Model, { serviceRoot: 'https://x/v1.0' })).toBe(xml);
  });

  it('declares every type name once', () => {
    const names = [...entityTypes, ...kids(schema, 'ComplexType')].map((t) => attr(t, 'Name'));
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('buildCsdl: types', () => {
  it('declares the abstract entity base with key id', () => {
    const entity = ours('entity');
    expect(attr(entity, 'Abstract')).toBe('true');
    expect(attr(child(child(entity, 'Key'), 'PropertyRef'), 'Name')).toBe('id');
    expect(shape(named(kids(entity, 'Property'), 'id'))).toEqual({ type: 'Edm.String', nullable: 'false' });
  });

  it('declares directoryObject as an open type on entity with deletedDateTime', () => {
    const dirObj = ours('directoryObject');
    expect(attr(dirObj, 'BaseType')).toBe('graph.entity');
    expect(attr(dirObj, 'OpenType')).toBe('true');
    expect(kids(dirObj, 'Property').map((p) => [attr(p, 'Name'), shape(p)])).toEqual([
      ['deletedDateTime', { type: 'Edm.DateTimeOffset', nullable: undefined }],
    ]);
  });

  it.each(model.entityTypes.map((t) => [t.name, t] as const))(
    'declares %s with all model properties',
    (_, t) => {
      const et = ours(t.name);
      expect(et).toBeDefined();
      expect(attr(et, 'BaseType')).toBe(`graph.${t.baseType}`);
      expect(attr(et, 'OpenType')).toBe(t.baseType === 'directoryObject' ? 'true' : undefined);
      const props = propertiesOf(ours, t.name);
      for (const p of t.properties) {
        expect(shape(props.get(p.name)), `${t.name}.${p.name}`).toEqual(expectedShape(p));
      }
      // Nothing beyond the model, and inherited properties are not redeclared.
      const modelNames = new Set(t.properties.map((p) => p.name));
      const own = kids(et, 'Property').map((p) => attr(p, 'Name') ?? '');
      expect(own.filter((n) => !modelNames.has(n))).toEqual([]);
      expect(own).not.toContain('id');
    },
  );

  it('includes the write-only passwordProfile', () => {
    expect(shape(propertiesOf(ours, 'user').get('passwordProfile'))).toEqual({
      type: 'graph.passwordProfile',
      nullable: undefined,
    });
  });

  it.each(model.complexTypes.map((c) => [c.name, c] as const))('declares complex type %s', (_, c) => {
    const ct = named(kids(schema, 'ComplexType'), c.name);
    expect(kids(ct, 'Property').map(shape)).toEqual(c.properties.map(expectedShape));
  });

  it.each(model.entityTypes.map((t) => [t.name, t] as const))('declares navigation of %s', (_, t) => {
    const navs = kids(ours(t.name), 'NavigationProperty');
    expect(navs.map((n) => attr(n, 'Name'))).toEqual(t.navigation.map((n) => n.name));
    for (const n of t.navigation) {
      const np = named(navs, n.name);
      expect(attr(np, 'Type')).toBe(navType(n));
      const annotations = kids(np, 'Annotation');
      const dtc = annotations.find(
        (a) => attr(a, 'Term') === 'Org.OData.Validation.V1.DerivedTypeConstraint',
      );
      const restrictions = annotations.find(
        (a) => attr(a, 'Term') === 'Org.OData.Capabilities.V1.NavigationRestrictions',
      );
      const allowed = dtc ? texts(child(dtc, 'Collection'), 'String') : undefined;
      expect(allowed, `${t.name}.${n.name}`).toEqual(n.derivedTypes?.map((d) => `microsoft.graph.${d}`));
      const referenceable = restrictions && child(child(restrictions, 'Record'), 'PropertyValue');
      expect(
        referenceable ? [attr(referenceable, 'Property'), attr(referenceable, 'Bool')] : undefined,
      ).toEqual(n.referenceable ? ['Referenceable', 'true'] : undefined);
    }
  });

  it('marks extensionProperties as contained in application', () => {
    const np = named(kids(ours('application'), 'NavigationProperty'), 'extensionProperties');
    expect(attr(np, 'ContainsTarget')).toBe('true');
    const others = entityTypes.flatMap((t) => kids(t, 'NavigationProperty')).filter((n) => n !== np);
    expect(others.filter((n) => attr(n, 'ContainsTarget')).map((n) => attr(n, 'Name'))).toEqual([
      'deletedItems',
    ]);
  });

  it.each(model.entityTypes.map((t) => [t.name, t] as const))('annotates alternate keys of %s', (_, t) => {
    const keys = alternateKeys(ours(t.name));
    expect(keys).toEqual(
      t.alternateKeys?.map((k) => [
        ['Alias', k],
        ['Name', k],
      ]),
    );
  });

  it('declares the directory singleton type with contained deletedItems', () => {
    const dir = ours('directory');
    expect(attr(dir, 'BaseType')).toBe('graph.entity');
    const np = named(kids(dir, 'NavigationProperty'), 'deletedItems');
    expect([attr(np, 'Type'), attr(np, 'ContainsTarget')]).toEqual([
      'Collection(graph.directoryObject)',
      'true',
    ]);
  });
});

describe('buildCsdl: operations', () => {
  const signature = (op: XNode) => ({
    name: attr(op, 'Name'),
    bound: attr(op, 'IsBound'),
    entitySetPath: attr(op, 'EntitySetPath'),
    params: kids(op, 'Parameter').map((p) => [attr(p, 'Name'), attr(p, 'Type'), attr(p, 'Nullable')]),
    returns: shape(child(op, 'ReturnType')),
  });

  it('binds delta to exactly the delta-capable types', () => {
    const deltas = kids(schema, 'Function').filter((f) => attr(f, 'Name') === 'delta');
    const capable = model.entityTypes.filter((t) => t.delta).map((t) => t.name);
    expect(capable.length).toBeGreaterThan(0);
    expect(deltas.map(signature)).toEqual(
      capable.map((name) => ({
        name: 'delta',
        bound: 'true',
        entitySetPath: undefined,
        params: [['bindingParameter', `Collection(graph.${name})`, undefined]],
        returns: { type: `Collection(graph.${name})`, nullable: undefined },
      })),
    );
  });

  it('declares getAvailableExtensionProperties and restore', () => {
    expect(kids(schema, 'Action').map(signature)).toEqual([
      {
        name: 'getAvailableExtensionProperties',
        bound: 'true',
        entitySetPath: 'bindingParameter',
        params: [
          ['bindingParameter', 'Collection(graph.directoryObject)', 'false'],
          ['isSyncedFromOnPremises', 'Edm.Boolean', undefined],
        ],
        returns: { type: 'Collection(graph.extensionProperty)', nullable: 'false' },
      },
      {
        name: 'restore',
        bound: 'true',
        entitySetPath: undefined,
        params: [['bindingParameter', 'graph.directoryObject', 'false']],
        returns: { type: 'graph.directoryObject', nullable: undefined },
      },
    ]);
  });
});

describe('buildCsdl: container', () => {
  const sets = kids(container, 'EntitySet');

  it('is GraphService with an entity set per top-level set, directoryObjects and the directory singleton', () => {
    expect(attr(container, 'Name')).toBe('GraphService');
    expect(sets.map((s) => [attr(s, 'Name'), attr(s, 'EntityType')])).toEqual([
      ['users', 'microsoft.graph.user'],
      ['groups', 'microsoft.graph.group'],
      ['contacts', 'microsoft.graph.orgContact'],
      ['servicePrincipals', 'microsoft.graph.servicePrincipal'],
      ['applications', 'microsoft.graph.application'],
      ['invitations', 'microsoft.graph.invitation'],
      ['directoryObjects', 'microsoft.graph.directoryObject'],
    ]);
    const singletons = kids(container, 'Singleton');
    expect(singletons.map((s) => [attr(s, 'Name'), attr(s, 'Type')])).toEqual([
      ['directory', 'microsoft.graph.directory'],
    ]);
  });

  it('binds directoryObject navigations to directoryObjects and invitedUser to users', () => {
    const withSet = model.entityTypes.filter((t) => named(sets, t.entitySet));
    for (const t of withSet) {
      const bindings = kids(named(sets, t.entitySet), 'NavigationPropertyBinding');
      const expected = t.navigation
        .filter((n) => n.target === 'directoryObject' || n.target === 'user')
        .map((n) => [n.name, n.target === 'user' ? 'users' : 'directoryObjects']);
      expect(
        bindings.map((b) => [attr(b, 'Path'), attr(b, 'Target')]),
        t.entitySet,
      ).toEqual(expected);
    }
  });
});

describe('buildCsdl: escaping and validation', () => {
  const odd = `a&b<c>"d'e`;
  const tiny = (overrides: Partial<EntityTypeDef>): Model => ({
    complexTypes: [{ name: 'odd', properties: [{ name: odd, type: 'Edm.String' }] }],
    entityTypes: [
      {
        name: 'user',
        entitySet: 'people&co',
        baseType: 'directoryObject',
        properties: [],
        navigation: [],
        writable: true,
        delta: false,
        ...overrides,
      },
    ],
  });

  it('escapes names in attributes', () => {
    const out = buildCsdl(tiny({ alternateKeys: [odd] }));
    expect(XMLValidator.validate(out)).toBe(true);
    const s = child(child(child(parse(out), 'edmx:Edmx'), 'edmx:DataServices'), 'Schema');
    expect(attr(child(child(s, 'ComplexType'), 'Property'), 'Name')).toBe(odd);
    expect(attr(child(child(s, 'EntityContainer'), 'EntitySet'), 'Name')).toBe('people&co');
    expect(out).toContain('String="a&amp;b&lt;c&gt;&quot;d&apos;e"');
  });

  it('leaves out getAvailableExtensionProperties when the model has no extensionProperty', () => {
    const s = child(child(child(parse(buildCsdl(tiny({}))), 'edmx:Edmx'), 'edmx:DataServices'), 'Schema');
    expect(kids(s, 'Action').map((a) => attr(a, 'Name'))).toEqual(['restore']);
  });

  it('rejects references to types the document does not declare', () => {
    expect(() => buildCsdl(tiny({ properties: [{ name: 'x', type: 'nope' }] }))).toThrow(/user\.x .*nope/);
  });

  it('rejects characters XML cannot carry', () => {
    expect(() => buildCsdl(tiny({ properties: [{ name: 'a\u0001', type: 'Edm.String' }] }))).toThrow(
      /not allowed/,
    );
  });
});

describe('buildCsdl against the real Graph v1.0 CSDL', () => {
  const FIXTURE = new URL('../../../shared/fixtures/graph-metadata/v1.0-cleanMetadata.xml', import.meta.url);
  let graphSchema = '';
  const fixtureVocabulary = new Set<string>();
  const cache = new Map<string, XNode | undefined>();

  /** Regex extraction keeps the 3.5 MB file out of the XML parser; these elements never nest. */
  const block = (kind: string, name: string): XNode | undefined => {
    const key = `${kind}/${name}`;
    if (!cache.has(key)) {
      const m = new RegExp(`<${kind} Name="${name}"[ >][\\s\\S]*?</${kind}>`).exec(graphSchema);
      cache.set(key, m ? child(parse(m[0]), kind) : undefined);
    }
    return cache.get(key);
  };
  const theirs: TypeLookup = (name) => block('EntityType', name);

  beforeAll(() => {
    const text = readFileSync(FIXTURE, 'utf8').replace(/^\uFEFF/, '');
    // Only the microsoft.graph schema: other namespaces reuse type names (security.user, ...).
    graphSchema = text.slice(0, text.indexOf('</Schema>'));
    for (const m of text.matchAll(/<([A-Za-z][\w.:-]*)((?:\s+[\w.:-]+="[^"]*")*)\s*\/?>/g)) {
      const element = m[1] ?? '';
      fixtureVocabulary.add(element);
      for (const a of (m[2] ?? '').matchAll(/([\w.:-]+)="/g)) fixtureVocabulary.add(`${element}@${a[1]}`);
    }
  });

  it('uses only elements and attributes (per element) that Graph uses', () => {
    const used = vocabulary(doc);
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((v) => !fixtureVocabulary.has(v))).toEqual([]);
  });

  const compared = [
    'user',
    'group',
    'orgContact',
    'servicePrincipal',
    'application',
    'extensionProperty',
    'invitation',
  ];

  it.each(compared)('declares %s properties with Graph’s Type and Nullable', (name) => {
    const t = model.entityTypes.find((e) => e.name === name);
    expect(t).toBeDefined();
    const graphProps = propertiesOf(theirs, name);
    const mismatches = (t?.properties ?? []).flatMap((p) => {
      const [mine, graph] = [JSON.stringify(expectedShape(p)), JSON.stringify(shape(graphProps.get(p.name)))];
      return mine === graph ? [] : [`${p.name}: ours ${mine}, Graph ${graph}`];
    });
    expect(mismatches).toEqual([]);
    // What the model states must also be what our document states.
    const ourProps = propertiesOf(ours, name);
    for (const [pName, p] of ourProps) {
      expect(shape(p), `${name}.${pName}`).toEqual(shape(graphProps.get(pName)));
    }
  });

  it.each(compared)('declares %s navigation with Graph’s Type and containment', (name) => {
    const graphNavs = kids(theirs(name), 'NavigationProperty');
    for (const np of kids(ours(name), 'NavigationProperty')) {
      const g = named(graphNavs, attr(np, 'Name') ?? '');
      expect(g, `${name}.${attr(np, 'Name')}`).toBeDefined();
      expect([attr(np, 'Type'), attr(np, 'ContainsTarget')]).toEqual([
        attr(g, 'Type'),
        attr(g, 'ContainsTarget'),
      ]);
    }
  });

  it.each(compared)('declares %s alternate keys that Graph has', (name) => {
    const graphKeys = (alternateKeys(theirs(name)) ?? []).map((k) => JSON.stringify(k));
    for (const key of alternateKeys(ours(name)) ?? []) expect(graphKeys).toContain(JSON.stringify(key));
  });

  it('declares the base types as Graph does', () => {
    for (const name of ['entity', 'directoryObject']) {
      expect(kids(ours(name), 'Property').map(shape)).toEqual(kids(theirs(name), 'Property').map(shape));
      expect([
        attr(ours(name), 'BaseType'),
        attr(ours(name), 'OpenType'),
        attr(ours(name), 'Abstract'),
      ]).toEqual([
        attr(theirs(name), 'BaseType'),
        attr(theirs(name), 'OpenType'),
        attr(theirs(name), 'Abstract'),
      ]);
    }
    const deleted = named(kids(theirs('directory'), 'NavigationProperty'), 'deletedItems');
    expect(attr(deleted, 'Type')).toBe('Collection(graph.directoryObject)');
  });

  it('declares complex types as Graph does, except the known deviations', () => {
    const deviations: string[] = [];
    for (const c of model.complexTypes) {
      const graphProps = new Map(
        kids(block('ComplexType', c.name), 'Property').map((p) => [attr(p, 'Name'), p]),
      );
      for (const p of c.properties) {
        const g = shape(graphProps.get(p.name));
        if (JSON.stringify(g) !== JSON.stringify(expectedShape(p))) {
          deviations.push(`${c.name}.${p.name}: ours ${expectedShape(p).type}, Graph ${g?.type}`);
        }
      }
    }
    // Graph types phone.type as the enum graph.phoneType; the model has no enum types.
    expect(deviations).toEqual(['phone.type: ours Edm.String, Graph graph.phoneType']);
  });

  it('declares operations Graph also declares, with the same signature', () => {
    const ops = [...kids(schema, 'Function'), ...kids(schema, 'Action')];
    for (const op of ops) {
      const kind = kids(schema, 'Function').includes(op) ? 'Function' : 'Action';
      const binding = attr(child(op, 'Parameter'), 'Type');
      const candidates = [
        ...graphSchema.matchAll(new RegExp(`<${kind} Name="${attr(op, 'Name')}"[\\s\\S]*?</${kind}>`, 'g')),
      ]
        .map((m) => child(parse(m[0]), kind))
        .filter((g) => attr(child(g, 'Parameter'), 'Type') === binding);
      expect(candidates, `${attr(op, 'Name')}(${binding})`).toHaveLength(1);
      const g = candidates[0];
      const params = (o: XNode | undefined) =>
        kids(o, 'Parameter').map((p) => [attr(p, 'Name'), attr(p, 'Type'), attr(p, 'Nullable')]);
      expect(params(op)).toEqual(params(g));
      expect(shape(child(op, 'ReturnType'))).toEqual(shape(child(g, 'ReturnType')));
      expect([attr(op, 'IsBound'), attr(op, 'EntitySetPath')]).toEqual([
        attr(g, 'IsBound'),
        attr(g, 'EntitySetPath'),
      ]);
    }
  });

  it('declares entity sets, bindings and the singleton as Graph does', () => {
    const graphContainer = /<EntityContainer Name="GraphService">[\s\S]*?<\/EntityContainer>/.exec(
      graphSchema,
    );
    expect(graphContainer).not.toBeNull();
    const gc = child(parse(graphContainer?.[0] ?? ''), 'EntityContainer');
    for (const set of kids(container, 'EntitySet')) {
      const g = named(kids(gc, 'EntitySet'), attr(set, 'Name') ?? '');
      expect(attr(g, 'EntityType'), attr(set, 'Name')).toBe(attr(set, 'EntityType'));
      const graphBindings = kids(g, 'NavigationPropertyBinding').map(
        (b) => `${attr(b, 'Path')}->${attr(b, 'Target')}`,
      );
      for (const b of kids(set, 'NavigationPropertyBinding')) {
        expect(graphBindings).toContain(`${attr(b, 'Path')}->${attr(b, 'Target')}`);
      }
    }
    const dir = named(kids(gc, 'Singleton'), 'directory');
    expect(attr(dir, 'Type')).toBe('microsoft.graph.directory');
  });
});
