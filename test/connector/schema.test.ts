import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSchemaCommand } from '../../connector/cli/schema.js';
import type { ConnectorConfig, ObjectTypeName } from '../../connector/config/types.js';
import type { GraphClient } from '../../connector/graph/client.js';
import type { RunContext } from '../../connector/runtime/context.js';
import { silentLogger } from '../../connector/runtime/log.js';
import { CsdlError, parseCsdl } from '../../connector/schema/csdl.js';
import {
  buildAttributeMap,
  type ExtensionProperty,
  listAttributes,
  validateSchema,
} from '../../connector/schema/detect.js';
import { detectLive, fetchExtensionProperties, loadSnapshot } from '../../connector/schema/index.js';
import { makeSnapshot, readSnapshot } from '../../connector/schema/snapshot.js';
import type { DetectedSchema } from '../../connector/schema/types.js';
import { buildCsdl } from '../../emulator/model/csdl.js';
import { model } from '../../emulator/model/entities.js';
import { type ClientRig, startClientRig } from '../support/client.js';

const fixture = (file: string) =>
  readFileSync(new URL(`../../../shared/fixtures/graph-metadata/${file}`, import.meta.url), 'utf8');

const ALL: readonly ObjectTypeName[] = ['user', 'group', 'contact', 'servicePrincipal', 'administrativeUnit'];
const APP = '5bfc8fdacfc943a9a6de214ea9d15fdb';
const EXTENSIONS: ExtensionProperty[] = [
  {
    name: `extension_${APP}_employeeNumber`,
    dataType: 'String',
    isMultiValued: false,
    targetObjects: ['User'],
  },
  { name: `extension_${APP}_badge`, dataType: 'Integer', isMultiValued: false, targetObjects: ['User'] },
  { name: `extension_${APP}_big`, dataType: 'LargeInteger', isMultiValued: false, targetObjects: ['User'] },
  { name: `extension_${APP}_photoHash`, dataType: 'Binary', isMultiValued: false, targetObjects: ['User'] },
  {
    name: `extension_${APP}_vip`,
    dataType: 'Boolean',
    isMultiValued: false,
    targetObjects: ['User', 'Group'],
  },
  { name: `extension_${APP}_since`, dataType: 'DateTime', isMultiValued: false, targetObjects: ['User'] },
  {
    name: `extension_${APP}_tags`,
    dataType: 'String',
    isMultiValued: true,
    targetObjects: ['User', 'Group'],
  },
  { name: `extension_${APP}_flags`, dataType: 'Boolean', isMultiValued: true, targetObjects: ['User'] },
  { name: `extension_${APP}_device`, dataType: 'String', isMultiValued: false, targetObjects: ['Device'] },
  {
    name: `extension_${APP}_au`,
    dataType: 'String',
    isMultiValued: false,
    targetObjects: ['AdministrativeUnit'],
  },
];

/** The MIM schema attribute and the connector's attribute info, asserting both exist. */
function attr(d: DetectedSchema, type: ObjectTypeName, name: string) {
  const t = d.schema.types.find((x) => x.name === type);
  const a = t?.attributes.find((x) => x.name === name);
  const info = d.attributes.get(type, name);
  if (!a || !info) throw new Error(`${type}.${name} missing`);
  return { ...a, info };
}
const has = (d: DetectedSchema, type: ObjectTypeName, name: string) =>
  d.attributes.get(type, name) !== undefined &&
  d.schema.types.some((t) => t.name === type && t.attributes.some((a) => a.name === name));

/** Rules every detected schema must satisfy, whatever its source. */
function expectValidSchema(d: DetectedSchema): void {
  expect(validateSchema(d.schema)).toEqual([]);
  for (const t of d.schema.types) {
    expect(t.locked).toBe(true);
    const anchors = t.attributes.filter((a) => a.anchor);
    expect(anchors).toEqual([
      { name: 'id', dataType: 'String', multiValued: false, anchor: true, operation: 'ImportOnly' },
    ]);
    const infos = d.attributes.forType(t.name as ObjectTypeName);
    expect(infos.map((i) => i.name)).toEqual(t.attributes.map((a) => a.name));
    for (const a of t.attributes) {
      expect(a.multiValued && a.dataType === 'Boolean').toBe(false);
      const info = d.attributes.get(t.name as ObjectTypeName, a.name);
      expect(info?.dataType).toBe(a.dataType);
      expect(info?.multiValued).toBe(a.multiValued);
      // The per-type operation is never wider than the schema's.
      if (a.operation !== 'ImportExport') expect(info?.operation).toBe(a.operation);
    }
  }
  // Same name → same definition in every type (MIM's Schema.Validate).
  const defs = new Map<string, string>();
  for (const t of d.schema.types) {
    for (const a of t.attributes) {
      const def = `${a.dataType}/${a.multiValued}/${a.operation}/${a.anchor}`;
      expect(defs.get(a.name) ?? def, `${t.name}.${a.name}`).toBe(def);
      defs.set(a.name, def);
    }
  }
}

describe('schema detection on Graph v1.0 CSDL (cleanMetadata)', () => {
  let d: DetectedSchema;
  beforeAll(() => {
    d = buildAttributeMap(fixture('v1.0-cleanMetadata.xml'), {
      apiVersion: 'v1.0',
      objectTypes: ALL,
      extensionProperties: EXTENSIONS,
    });
  });

  it('offers user, group, contact and servicePrincipal; administrativeUnit only on beta', () => {
    expect(d.schema.types.map((t) => t.name)).toEqual(['user', 'group', 'contact', 'servicePrincipal']);
    expect(d.warnings.some((w) => /administrativeUnit.*beta/.test(w))).toBe(true);
  });

  it('satisfies MIM schema rules', () => expectValidSchema(d));

  it('maps user properties', () => {
    expect(attr(d, 'user', 'accountEnabled')).toMatchObject({ dataType: 'Boolean', multiValued: false });
    expect(attr(d, 'user', 'businessPhones')).toMatchObject({ dataType: 'String', multiValued: true });
    expect(attr(d, 'user', 'businessPhones').info.selectOnly).toBeUndefined();
    const created = attr(d, 'user', 'createdDateTime');
    expect(created).toMatchObject({ dataType: 'String', multiValued: false, operation: 'ImportOnly' });
    expect(created.info).toMatchObject({ edmType: 'Edm.DateTimeOffset', selectOnly: true });
    expect(attr(d, 'user', 'onPremisesExtensionAttributes.extensionAttribute1')).toMatchObject({
      dataType: 'String',
      multiValued: false,
      operation: 'ImportExport',
      info: { path: ['onPremisesExtensionAttributes', 'extensionAttribute1'] },
    });
    expect(has(d, 'user', 'onPremisesExtensionAttributes.extensionAttribute15')).toBe(true);
    expect(attr(d, 'user', 'employeeOrgData.costCenter')).toMatchObject({
      dataType: 'String',
      info: { path: ['employeeOrgData', 'costCenter'] },
    });
    expect(has(d, 'user', 'employeeOrgData.division')).toBe(true);
    expect(attr(d, 'user', 'manager')).toMatchObject({
      dataType: 'Reference',
      multiValued: false,
      operation: 'ImportExport',
      info: { relation: 'manager' },
    });
    expect(attr(d, 'user', 'identities')).toMatchObject({
      dataType: 'String',
      multiValued: true,
      info: { jsonElements: true, edmType: 'objectIdentity' },
    });
    expect(attr(d, 'user', 'assignedLicenses')).toMatchObject({
      multiValued: true,
      info: { jsonElements: true },
    });
    expect(attr(d, 'user', 'proxyAddresses')).toMatchObject({ dataType: 'String', multiValued: true });
    expect(attr(d, 'user', 'proxyAddresses').info.operation).toBe('ImportOnly');
    expect(attr(d, 'user', 'userType')).toMatchObject({ dataType: 'String', operation: 'ImportExport' });
    expect(attr(d, 'user', 'mail')).toMatchObject({ dataType: 'String', operation: 'ImportExport' });
    expect(attr(d, 'user', 'userPrincipalName').info.selectOnly).toBeUndefined();
    expect(attr(d, 'user', 'otherMails')).toMatchObject({ multiValued: true });
  });

  it('flattens passwordProfile into ExportOnly flags and leaves the password to MIM', () => {
    expect(attr(d, 'user', 'passwordProfile.forceChangePasswordNextSignIn')).toMatchObject({
      dataType: 'Boolean',
      operation: 'ExportOnly',
      info: { path: ['passwordProfile', 'forceChangePasswordNextSignIn'] },
    });
    expect(attr(d, 'user', 'passwordProfile.forceChangePasswordNextSignInWithMfa').operation).toBe(
      'ExportOnly',
    );
    expect(has(d, 'user', 'passwordProfile.password')).toBe(false);
    expect(has(d, 'user', 'passwordProfile')).toBe(false);
  });

  it('leaves out what delta or lists cannot return and computed relations', () => {
    for (const name of [
      'skills',
      'aboutMe',
      'birthday',
      'hireDate',
      'mySite',
      'mailboxSettings',
      'signInActivity',
    ]) {
      expect(has(d, 'user', name), name).toBe(false);
    }
    expect(d.attributes.forType('user').some((a) => a.name.startsWith('signInActivity'))).toBe(false);
    expect(d.attributes.forType('user').some((a) => a.name.startsWith('mailboxSettings'))).toBe(false);
    for (const name of ['memberOf', 'directReports', 'transitiveMemberOf', 'ownedObjects', 'photo']) {
      expect(has(d, 'user', name), name).toBe(false);
    }
    expect(has(d, 'group', 'memberOf')).toBe(false);
    expect(has(d, 'group', 'transitiveMembers')).toBe(false);
    expect(has(d, 'group', 'allowExternalSenders')).toBe(false);
    expect(has(d, 'group', 'unseenCount')).toBe(false);
    expect(has(d, 'contact', 'manager')).toBe(false);
  });

  it('maps group properties', () => {
    expect(attr(d, 'group', 'members')).toMatchObject({
      dataType: 'Reference',
      multiValued: true,
      operation: 'ImportExport',
      info: { relation: 'members' },
    });
    expect(attr(d, 'group', 'owners')).toMatchObject({ dataType: 'Reference', multiValued: true });
    expect(attr(d, 'group', 'groupTypes')).toMatchObject({ dataType: 'String', multiValued: true });
    expect(attr(d, 'group', 'mailEnabled')).toMatchObject({ dataType: 'Boolean', multiValued: false });
    expect(attr(d, 'group', 'securityEnabled')).toMatchObject({ dataType: 'Boolean', multiValued: false });
    // Read-only on groups, writable on users: the schema carries the union, the map the truth.
    expect(attr(d, 'group', 'mail')).toMatchObject({
      operation: 'ImportExport',
      info: { operation: 'ImportOnly' },
    });
    expect(attr(d, 'group', 'securityIdentifier').operation).toBe('ImportOnly');
    expect(attr(d, 'group', 'assignedLicenses').info.selectOnly).toBe(true);
    expect(attr(d, 'group', 'displayName').info.selectOnly).toBeUndefined();
  });

  it('maps orgContact as contact, all import-only', () => {
    expect(attr(d, 'contact', 'proxyAddresses')).toMatchObject({ dataType: 'String', multiValued: true });
    expect(attr(d, 'contact', 'mail')).toMatchObject({ dataType: 'String' });
    expect(attr(d, 'contact', 'addresses').info.jsonElements).toBe(true);
    for (const info of d.attributes.forType('contact')) expect(info.operation, info.name).toBe('ImportOnly');
  });

  it('maps servicePrincipal', () => {
    expect(attr(d, 'servicePrincipal', 'appId')).toMatchObject({ dataType: 'String', multiValued: false });
    expect(attr(d, 'servicePrincipal', 'servicePrincipalNames')).toMatchObject({ multiValued: true });
    expect(attr(d, 'servicePrincipal', 'owners')).toMatchObject({ dataType: 'Reference', multiValued: true });
    expect(attr(d, 'servicePrincipal', 'tags')).toMatchObject({ dataType: 'String', multiValued: true });
    expect(attr(d, 'servicePrincipal', 'appOwnerOrganizationId')).toMatchObject({
      dataType: 'String',
      operation: 'ImportOnly',
      info: { edmType: 'Edm.Guid' },
    });
    expect(has(d, 'servicePrincipal', 'customSecurityAttributes')).toBe(false);
  });

  it('adds directory extension properties with their types to the types they target', () => {
    const e = (n: string) => `extension_${APP}_${n}`;
    expect(attr(d, 'user', e('employeeNumber'))).toMatchObject({
      dataType: 'String',
      multiValued: false,
      operation: 'ImportExport',
      info: { extension: true, selectOnly: true },
    });
    expect(attr(d, 'user', e('badge'))).toMatchObject({
      dataType: 'Integer',
      info: { edmType: 'Edm.Int32' },
    });
    expect(attr(d, 'user', e('big'))).toMatchObject({ dataType: 'Integer', info: { edmType: 'Edm.Int64' } });
    expect(attr(d, 'user', e('photoHash')).dataType).toBe('Binary');
    expect(attr(d, 'user', e('vip')).dataType).toBe('Boolean');
    expect(attr(d, 'group', e('vip')).dataType).toBe('Boolean');
    expect(attr(d, 'user', e('since'))).toMatchObject({
      dataType: 'String',
      info: { edmType: 'Edm.DateTimeOffset' },
    });
    expect(attr(d, 'group', e('tags'))).toMatchObject({ dataType: 'String', multiValued: true });
    expect(has(d, 'user', e('flags'))).toBe(false);
    expect(d.warnings.some((w) => w.includes(e('flags')) && /multivalued Boolean/.test(w))).toBe(true);
    expect(has(d, 'user', e('device'))).toBe(false);
    expect(has(d, 'contact', e('employeeNumber'))).toBe(false);
    expect(has(d, 'servicePrincipal', e('employeeNumber'))).toBe(false);
  });
});

describe('schema detection on Graph beta CSDL and the raw v1.0 production CSDL', () => {
  it('beta: administrativeUnit with members, and the user/group basics', () => {
    const d = buildAttributeMap(fixture('beta-cleanMetadata.xml'), {
      apiVersion: 'beta',
      objectTypes: ALL,
      extensionProperties: EXTENSIONS,
    });
    expectValidSchema(d);
    expect(d.schema.types.map((t) => t.name)).toEqual(ALL);
    expect(attr(d, 'administrativeUnit', 'members')).toMatchObject({
      dataType: 'Reference',
      multiValued: true,
    });
    expect(attr(d, 'administrativeUnit', 'displayName').operation).toBe('ImportExport');
    expect(attr(d, 'administrativeUnit', `extension_${APP}_au`).dataType).toBe('String');
    expect(attr(d, 'user', 'manager')).toMatchObject({ dataType: 'Reference', multiValued: false });
    expect(attr(d, 'user', 'employeeOrgData.costCenter').dataType).toBe('String');
    expect(attr(d, 'group', 'members').multiValued).toBe(true);
    expect(attr(d, 'contact', 'mail').info.operation).toBe('ImportOnly');
    for (const name of ['skills', 'signInActivity', 'memberOf', 'mailboxSettings']) {
      expect(has(d, 'user', name), name).toBe(false);
    }
  });

  it('v1.0-Prod.csdl (unsorted, with XML declaration) detects the same attribute names as the clean file', () => {
    const opts = { apiVersion: 'v1.0' as const, objectTypes: ALL, extensionProperties: [] };
    const prod = buildAttributeMap(fixture('v1.0-Prod.csdl'), opts);
    expectValidSchema(prod);
    const clean = buildAttributeMap(fixture('v1.0-cleanMetadata.xml'), opts);
    for (const t of ['user', 'group', 'contact', 'servicePrincipal'] as const) {
      const names = (x: DetectedSchema) => x.attributes.forType(t).map((a) => a.name);
      expect(names(prod), t).toEqual(names(clean));
    }
  });

  it('parses a 3–4 MB CSDL quickly', () => {
    const xml = fixture('v1.0-cleanMetadata.xml');
    const t0 = performance.now();
    const m = parseCsdl(xml);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(m.alias).toBe('graph');
    expect(m.entityTypes.get('user')?.baseType).toBe('directoryObject');
    expect(m.complexTypes.get('passwordProfile')?.properties.map((p) => p.name)).toContain('password');
  });

  it('rejects what is not CSDL', () => {
    expect(() => parseCsdl('{"value": []}')).toThrow(CsdlError);
    expect(() => parseCsdl('<edmx:Edmx xmlns:edmx="x"><edmx:DataServices/></edmx:Edmx>')).toThrow(
      /microsoft.graph/,
    );
  });
});

describe('schema detection on the emulator', () => {
  it("detects the emulator's own $metadata cleanly", () => {
    const d = buildAttributeMap(buildCsdl(model), {
      apiVersion: 'v1.0',
      objectTypes: ['user', 'group', 'contact', 'servicePrincipal'],
      extensionProperties: [],
    });
    expectValidSchema(d);
    expect(d.warnings).toEqual([]);
    expect(attr(d, 'user', 'manager')).toMatchObject({ dataType: 'Reference', multiValued: false });
    expect(attr(d, 'group', 'members')).toMatchObject({ dataType: 'Reference', multiValued: true });
    expect(attr(d, 'group', 'owners').multiValued).toBe(true);
    expect(attr(d, 'servicePrincipal', 'owners').multiValued).toBe(true);
    expect(attr(d, 'user', 'onPremisesExtensionAttributes.extensionAttribute7').dataType).toBe('String');
    expect(attr(d, 'user', 'passwordProfile.forceChangePasswordNextSignIn').operation).toBe('ExportOnly');
    expect(attr(d, 'user', 'identities').info.jsonElements).toBe(true);
    expect(attr(d, 'contact', 'proxyAddresses').info.operation).toBe('ImportOnly');
    // Every attribute the emulator offers for users is one Graph v1.0 offers, with the same definition.
    const graph = buildAttributeMap(fixture('v1.0-cleanMetadata.xml'), {
      apiVersion: 'v1.0',
      objectTypes: ['user', 'group', 'contact', 'servicePrincipal'],
      extensionProperties: [],
    });
    for (const t of ['user', 'group', 'contact', 'servicePrincipal'] as const) {
      for (const a of d.attributes.forType(t)) {
        const g = graph.attributes.get(t, a.name);
        expect(g, `${t}.${a.name}`).toBeDefined();
        expect([g?.dataType, g?.multiValued], `${t}.${a.name}`).toEqual([a.dataType, a.multiValued]);
      }
    }
  });

  it('gives one definition per name when object types disagree', () => {
    const csdl = `<?xml version="1.0"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
<Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
  <EnumType Name="colour"><Member Name="red" Value="0"/></EnumType>
  <ComplexType Name="box"><Property Name="size" Type="Edm.Int64"/><Property Name="inner" Type="graph.box"/>
    <Property Name="flags" Type="Collection(Edm.Boolean)"/></ComplexType>
  <EntityType Name="entity" Abstract="true"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.String" Nullable="false"/></EntityType>
  <EntityType Name="directoryObject" BaseType="graph.entity" OpenType="true"><Property Name="deletedDateTime" Type="Edm.DateTimeOffset"/></EntityType>
  <EntityType Name="user" BaseType="graph.directoryObject"><Property Name="displayName" Type="Edm.String"/>
    <Property Name="colour" Type="graph.colour"/><Property Name="box" Type="graph.box"/>
    <Property Name="bits" Type="Collection(Edm.Boolean)"/><Property Name="stream" Type="Edm.Stream"/>
    <Property Name="count" Type="Edm.Int32"/>
    <NavigationProperty Name="manager" Type="graph.directoryObject"/></EntityType>
  <EntityType Name="group" BaseType="graph.directoryObject"><Property Name="displayName" Type="Edm.String"/>
    <Property Name="count" Type="Collection(Edm.String)"/>
    <NavigationProperty Name="members" Type="Collection(graph.directoryObject)"/></EntityType>
  <EntityType Name="orgContact" BaseType="graph.directoryObject"><Property Name="displayName" Type="Edm.String"/>
    <Property Name="count" Type="Edm.Int32"/></EntityType>
</Schema></edmx:DataServices></edmx:Edmx>`;
    const d = buildAttributeMap(csdl, {
      apiVersion: 'v1.0',
      objectTypes: ['user', 'group', 'contact'],
      extensionProperties: [],
    });
    expectValidSchema(d);
    expect(attr(d, 'user', 'count').dataType).toBe('Integer');
    expect(has(d, 'group', 'count')).toBe(false);
    expect(d.warnings.some((w) => /count of group/.test(w))).toBe(true);
    // Same definition as user's: kept on contact, import-only there.
    expect(attr(d, 'contact', 'count')).toMatchObject({ dataType: 'Integer', operation: 'ImportExport' });
    expect(attr(d, 'contact', 'count').info.operation).toBe('ImportOnly');
    expect(attr(d, 'user', 'colour')).toMatchObject({ dataType: 'String', info: { edmType: 'colour' } });
    expect(attr(d, 'user', 'box.size').dataType).toBe('Integer');
    expect(has(d, 'user', 'box.inner')).toBe(false);
    expect(has(d, 'user', 'box.flags')).toBe(false);
    expect(has(d, 'user', 'bits')).toBe(false);
    expect(has(d, 'user', 'stream')).toBe(false);
    expect(attr(d, 'user', 'deletedDateTime').operation).toBe('ImportOnly');
  });
});

describe('snapshots and live detection', () => {
  const config = (apiVersion: 'v1.0' | 'beta', objectTypes: readonly ObjectTypeName[]) =>
    ({ apiVersion, objectTypes, httpTimeoutMs: 10_000 }) as unknown as ConnectorConfig;
  const ctxWith = (graph: () => GraphClient): RunContext => {
    const warnings: string[] = [];
    return {
      stateDir: undefined,
      log: { ...silentLogger, warn: (m: string) => warnings.push(m) },
      signal: new AbortController().signal,
      graph,
    };
  };
  const noGraph = () => {
    throw new Error('no Graph in this test');
  };

  it('loads the committed snapshots, which match the fixtures', () => {
    for (const [v, file] of [
      ['v1.0', 'v1.0-cleanMetadata.xml'],
      ['beta', 'beta-cleanMetadata.xml'],
    ] as const) {
      const d = loadSnapshot(v);
      expectValidSchema(d);
      expect(has(d, 'user', 'manager')).toBe(true);
      const fresh = makeSnapshot(fixture(file), v, 'test');
      expect(JSON.parse(JSON.stringify(fresh.objectTypes))).toEqual(readSnapshot(v).objectTypes);
    }
    expect(loadSnapshot('v1.0').schema.types.map((t) => t.name)).toEqual([
      'user',
      'group',
      'contact',
      'servicePrincipal',
    ]);
    expect(loadSnapshot('beta', ['group', 'administrativeUnit']).schema.types.map((t) => t.name)).toEqual([
      'group',
      'administrativeUnit',
    ]);
  });

  it('falls back to the snapshot with a warning when $metadata cannot be read', async () => {
    let askedExtensions = false;
    const d = await detectLive(
      config('v1.0', ['user', 'group']),
      ctxWith(noGraph),
      async () => {
        throw new Error('connect ECONNREFUSED 10.0.0.1:443');
      },
      async () => {
        askedExtensions = true;
        return EXTENSIONS;
      },
    );
    expectValidSchema(d);
    expect(askedExtensions).toBe(false);
    expect(d.schema.types.map((t) => t.name)).toEqual(['user', 'group']);
    expect(d.warnings).toHaveLength(1);
    expect(d.warnings[0]).toMatch(
      /\$metadata.*ECONNREFUSED.*schema-snapshot-v1\.0\.json.*without directory extension/,
    );
    expect(d.attributes.forType('user').some((a) => a.extension)).toBe(false);
  });

  it('falls back when $metadata is not CSDL', async () => {
    const d = await detectLive(
      config('beta', ['administrativeUnit']),
      ctxWith(noGraph),
      async () => '<html/>',
    );
    expect(d.schema.types.map((t) => t.name)).toEqual(['administrativeUnit']);
    expect(d.warnings[0]).toMatch(/could not be used.*schema-snapshot-beta\.json/);
  });

  it('keeps live metadata but warns when extension properties cannot be listed', async () => {
    const d = await detectLive(
      config('v1.0', ['user']),
      ctxWith(noGraph),
      async () => buildCsdl(model),
      async () => {
        throw new Error('403 Authorization_RequestDenied');
      },
    );
    expectValidSchema(d);
    expect(d.warnings).toHaveLength(1);
    expect(d.warnings[0]).toMatch(/getAvailableExtensionProperties.*403.*Application\.Read\.All/);
  });

  describe('against the emulator', () => {
    let rig: ClientRig;
    let agent: Agent;
    beforeAll(async () => {
      rig = await startClientRig();
      agent = new Agent({ connect: { ca: readFileSync(rig.caFile) } });
    });
    afterAll(async () => {
      await agent?.close();
      await rig?.close();
    });

    it("reads the emulator's $metadata and extension properties", async () => {
      // Each run gets its own client (detection closes the one it used).
      const ctx = ctxWith(() => rig.newClient());
      const metadata = async () => {
        const res = await request(rig.client.url('/$metadata'), {
          dispatcher: agent,
          headers: { authorization: `Bearer ${await rig.client.tokens.getToken()}` },
        });
        expect(res.statusCode).toBe(200);
        return res.body.text();
      };
      const cfg = config('v1.0', ['user', 'group', 'contact', 'servicePrincipal']);
      const exts = await fetchExtensionProperties(cfg, ctx);
      expect(exts.map((e) => e.name)).toContain(`extension_${APP}_employeeNumber`);
      const d = await detectLive(cfg, ctx, metadata);
      expectValidSchema(d);
      expect(d.warnings).toEqual([]);
      expect(attr(d, 'user', `extension_${APP}_badgeCode`).dataType).toBe('Integer');
      expect(attr(d, 'user', `extension_${APP}_skills`).multiValued).toBe(true);
      expect(attr(d, 'group', `extension_${APP}_costCenter`).info.extension).toBe(true);
      // And through the client's own text request, as the worker does it.
      const live = await detectLive(cfg, ctx);
      expect(live.warnings).toEqual([]);
      expect(live.attributes.get('user', 'displayName')?.dataType).toBe('String');
    });
  });
});

describe('mimgraph schema', () => {
  const path = (file: string) =>
    new URL(`../../../shared/fixtures/graph-metadata/${file}`, import.meta.url).pathname;

  it('prints a table for a fixture', async () => {
    let out = '';
    await runSchemaCommand(
      ['--metadata', path('v1.0-cleanMetadata.xml'), '--object-types', 'user,group'],
      (t) => {
        out += t;
      },
    );
    expect(out).toMatch(/^user \(\d+ attributes\)/);
    expect(out).toMatch(/\n {2}id +String +ImportOnly +anchor/);
    expect(out).toMatch(/\n {2}manager +Reference +ImportExport +reference/);
    expect(out).toMatch(/\n {2}members +Reference +yes +ImportExport/);
    expect(out).toMatch(/\n {2}mail +String +ImportExport +Graph: ImportOnly/);
    expect(out).not.toMatch(/servicePrincipal \(/);
  });

  it('prints JSON with extensions and writes snapshots', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mimgraph-schema-'));
    const extFile = join(dir, 'ext.json');
    writeFileSync(extFile, JSON.stringify({ value: EXTENSIONS }));
    let out = '';
    await runSchemaCommand(
      [
        '--metadata',
        path('beta-cleanMetadata.xml'),
        '--api-version',
        'beta',
        '--extensions',
        extFile,
        '--json',
      ],
      (t) => {
        out += t;
      },
    );
    // The shape scripts rely on: {"types":[{"name","anchor":[..],"attributes":[{name,type,multivalued,operation}]}]}
    const json = JSON.parse(out) as {
      types: { name: string; anchor: string[]; attributes: Record<string, unknown>[] }[];
    };
    expect(json.types.map((t) => t.name)).toEqual(ALL);
    const user = json.types.find((t) => t.name === 'user')!;
    expect(user.anchor).toEqual(['id']);
    expect(user.attributes.find((a) => a.name === 'accountEnabled')).toEqual({
      name: 'accountEnabled',
      type: 'Boolean',
      multivalued: false,
      operation: 'ImportExport',
    });
    expect(JSON.stringify(json.types)).toContain(`extension_${APP}_vip`);
    await expect(
      runSchemaCommand(['--metadata', path('beta-cleanMetadata.xml'), '--api-version', '2']),
    ).rejects.toThrow(/v1.0 or beta/);
    await expect(runSchemaCommand(['--api-version', 'beta'])).rejects.toThrow(/--metadata/);
    expect(listAttributes(loadSnapshot('beta')).length).toBeGreaterThan(100);
    const snapFile = join(dir, 'snap.json');
    await runSchemaCommand(
      ['--metadata', path('beta-cleanMetadata.xml'), '--api-version', 'beta', '--write-snapshot', snapFile],
      () => {},
    );
    const snap = JSON.parse(readFileSync(snapFile, 'utf8')) as { apiVersion: string; objectTypes: object };
    expect(snap.apiVersion).toBe('beta');
    expect(JSON.parse(JSON.stringify(snap.objectTypes))).toEqual(readSnapshot('beta').objectTypes);
  });
});
