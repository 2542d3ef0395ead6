import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ConnectorConfig, ObjectTypeName } from '../../connector/config/types.js';
import { GRAPH_TYPES } from '../../connector/config/types.js';
import { GraphClient } from '../../connector/graph/client.js';
import { resolveCloud } from '../../connector/graph/clouds.js';
import type { AttributeType, Schema, SchemaAttribute } from '../../connector/model/ecma.js';
import type { RunContext } from '../../connector/runtime/context.js';
import { type Logger, silentLogger } from '../../connector/runtime/log.js';
import type { AttributeInfo, AttributeMap } from '../../connector/schema/types.js';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { buildCsdl } from '../../emulator/model/csdl.js';
import { complexType, entityType, model } from '../../emulator/model/entities.js';
import { sharedTls } from './tls.js';

/**
 * An emulator with an all-permission app, plus what a connector session needs against it: a parsed
 * configuration, a RunContext whose Graph client trusts the emulator, the attribute map and a MIM
 * schema selecting every attribute.
 */
export interface ConnectorRig {
  emu: RunningEmulator;
  caFile: string;
  clientId: string;
  secret: string;
  config(patch?: Partial<ConnectorConfig>): ConnectorConfig;
  /** A RunContext; `stateDir: undefined` runs without state. */
  context(opts?: { stateDir?: string | undefined; log?: Logger; signal?: AbortSignal }): RunContext;
  attributes: AttributeMap;
  /** MIM's schema selection: every known attribute of the types (or only `only` of them). */
  schema(
    types?: readonly ObjectTypeName[],
    only?: Partial<Record<ObjectTypeName, readonly string[]>>,
  ): Schema;
  /** A Graph client for test writes (PATCH, $ref, DELETE). */
  graph: GraphClient;
  close(): Promise<void>;
}

export async function startConnectorRig(emuOpts: EmulatorOptions = {}): Promise<ConnectorRig> {
  const clientId = randomUUID();
  const secret = randomBytes(24).toString('base64url');
  const emu = await startEmulator({
    tls: sharedTls(),
    ...emuOpts,
    apps: [{ clientId, secrets: [secret], certificates: [], roles: 'all' }, ...(emuOpts.apps ?? [])],
  });
  const caFile = join(mkdtempSync(join(tmpdir(), 'mimgraph-import-')), 'ca.pem');
  writeFileSync(caFile, emu.caCertPem);
  const clients: GraphClient[] = [];
  const cloud = resolveCloud('custom', { loginEndpoint: emu.baseUrl, graphEndpoint: emu.baseUrl });
  const config = (patch: Partial<ConnectorConfig> = {}): ConnectorConfig => ({
    apiVersion: 'v1.0',
    tenantId: emu.tenantId,
    clientId,
    credential: { kind: 'secret', secret },
    cloud,
    caFile,
    httpTimeoutMs: 30_000,
    dateTimeFormat: 'o',
    forceChangePasswordNextSignIn: false,
    invitation: { redirectUrl: undefined, sendMessage: false, messageText: undefined },
    exportConcurrency: 4,
    writeBudget: false,
    logLevel: 'info',
    objectTypes: ['user', 'group', 'contact'],
    filters: {},
    ...patch,
  });
  const newClient = (c: ConnectorConfig) => {
    const client = new GraphClient({
      cloud: c.cloud,
      tenantId: c.tenantId,
      clientId: c.clientId,
      credential: c.credential,
      apiVersion: c.apiVersion,
      writeBudget: false,
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
      http: { caFile: c.caFile, timeoutMs: c.httpTimeoutMs },
    });
    clients.push(client);
    return client;
  };
  const graph = newClient(config());
  const ext = await graph.request<{ value: Record<string, unknown>[] }>(
    'POST',
    '/directoryObjects/getAvailableExtensionProperties',
    { body: {}, write: false },
  );
  const attributes = await attributeMapFor(ext.body.value);
  const dirs: string[] = [dirname(caFile)];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'mimgraph-state-'));
    dirs.push(d);
    return d;
  };
  return {
    emu,
    caFile,
    clientId,
    secret,
    config,
    context: (o = {}) => ({
      stateDir: 'stateDir' in o ? o.stateDir : tempDir(),
      log: o.log ?? silentLogger,
      signal: o.signal ?? new AbortController().signal,
      graph: newClient,
    }),
    attributes,
    schema: (types = ['user', 'group', 'contact'], only = {}) => schemaOf(attributes, types, only),
    graph,
    close: async () => {
      await Promise.allSettled(clients.map((c) => c.close()));
      await emu.close();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** The attribute map: schema detection's, when that module is there; else built from the emulator's model. */
async function attributeMapFor(extensions: Record<string, unknown>[]): Promise<AttributeMap> {
  try {
    const spec = '../../connector/schema/detect.js';
    const mod = (await import(spec)) as {
      buildAttributeMap?: (
        xml: string,
        o: { apiVersion: string; objectTypes: readonly ObjectTypeName[]; extensionProperties: unknown[] },
      ) => { attributes: AttributeMap };
    };
    if (mod.buildAttributeMap) {
      return mod.buildAttributeMap(buildCsdl(model), {
        apiVersion: 'v1.0',
        objectTypes: ['user', 'group', 'contact', 'servicePrincipal'],
        extensionProperties: extensions,
      }).attributes;
    }
  } catch {
    // not written yet: fall back
  }
  return modelAttributeMap(extensions);
}

const dataTypeOf = (edm: string): AttributeType =>
  edm === 'Edm.Boolean'
    ? 'Boolean'
    : edm === 'Edm.Int32' || edm === 'Edm.Int64'
      ? 'Integer'
      : edm === 'Edm.Binary'
        ? 'Binary'
        : 'String';

/** AttributeInfo for every property of the emulator's model: dotted names for complex members. */
export function modelAttributeMap(extensions: Record<string, unknown>[] = []): AttributeMap {
  const byType = new Map<ObjectTypeName, AttributeInfo[]>();
  for (const type of ['user', 'group', 'contact', 'servicePrincipal'] as ObjectTypeName[]) {
    const def = entityType(GRAPH_TYPES[type]);
    const list: AttributeInfo[] = [];
    const base = { objectType: type, operation: 'ImportExport' as const };
    for (const p of def.properties) {
      if (p.writeOnly) continue;
      const complex = complexType(p.type);
      if (complex && p.collection) {
        list.push({
          ...base,
          name: p.name,
          path: [p.name],
          edmType: p.type,
          dataType: 'String',
          multiValued: true,
          jsonElements: true,
        });
      } else if (complex) {
        for (const m of complex.properties) {
          if (complexType(m.type)) continue;
          list.push({
            ...base,
            name: `${p.name}.${m.name}`,
            path: [p.name, m.name],
            edmType: m.type,
            dataType: dataTypeOf(m.type),
            multiValued: m.collection === true,
          });
        }
      } else {
        list.push({
          ...base,
          name: p.name,
          path: [p.name],
          edmType: p.type,
          dataType: dataTypeOf(p.type),
          multiValued: p.collection === true,
        });
      }
    }
    for (const n of def.navigation) {
      if (n.name !== 'members' && n.name !== 'owners' && n.name !== 'manager') continue;
      if (type === 'contact') continue;
      list.push({
        ...base,
        name: n.name,
        path: [n.name],
        edmType: 'microsoft.graph.directoryObject',
        dataType: 'Reference',
        multiValued: n.collection,
        relation: n.name,
      });
    }
    for (const e of extensions) {
      const targets = (e.targetObjects as string[]) ?? [];
      if (!def.extensionTarget || !targets.includes(def.extensionTarget)) continue;
      const edm =
        e.dataType === 'Integer'
          ? 'Edm.Int32'
          : e.dataType === 'LargeInteger'
            ? 'Edm.Int64'
            : e.dataType === 'Boolean'
              ? 'Edm.Boolean'
              : 'Edm.String';
      list.push({
        ...base,
        name: String(e.name),
        path: [String(e.name)],
        edmType: edm,
        dataType: dataTypeOf(edm),
        multiValued: e.isMultiValued === true,
        extension: true,
        selectOnly: true,
      });
    }
    byType.set(type, list);
  }
  return {
    get: (t, name) => byType.get(t)?.find((a) => a.name === name),
    forType: (t) => byType.get(t) ?? [],
  };
}

export function schemaOf(
  attributes: AttributeMap,
  types: readonly ObjectTypeName[],
  only: Partial<Record<ObjectTypeName, readonly string[]>> = {},
): Schema {
  return {
    types: types.map((t) => ({
      name: t,
      locked: true,
      attributes: [
        {
          name: 'id',
          dataType: 'String',
          multiValued: false,
          anchor: true,
          operation: 'ImportOnly',
        } as SchemaAttribute,
        ...attributes
          .forType(t)
          .filter((a) => a.name !== 'id' && (!only[t] || only[t].includes(a.name)))
          .map(
            (a): SchemaAttribute => ({
              name: a.name,
              dataType: a.dataType,
              multiValued: a.multiValued,
              anchor: false,
              operation: a.operation,
            }),
          ),
      ],
    })),
  };
}

// ---- driving a run as MIM does ---------------------------------------------------------------

import { ImportSession } from '../../connector/import/session.js';
import type {
  AttributeChange,
  CloseReason,
  CSEntryChange,
  OperationType,
} from '../../connector/model/ecma.js';
import type { DirObject } from '../../emulator/directory/store.js';

export interface ImportRun {
  entries: CSEntryChange[];
  pageSizes: number[];
  /** What MIM would keep: Close's CustomData. */
  customData: string | null;
}

/** open → getPage until moreToImport is false → close, as MIM calls them. */
export async function runImport(
  rig: ConnectorRig,
  o: {
    importType: OperationType;
    customData?: string | null;
    pageSize?: number;
    ctx: RunContext;
    config?: ConnectorConfig;
    schema?: Schema;
    closeReason?: CloseReason;
    /** Stop after this many pages (then close with closeReason). */
    maxPages?: number;
  },
): Promise<ImportRun> {
  const config = o.config ?? rig.config();
  const schema = o.schema ?? rig.schema(config.objectTypes);
  const { session, results } = await ImportSession.open(
    config,
    schema,
    rig.attributes,
    { importType: o.importType, pageSize: o.pageSize ?? 50, customData: o.customData ?? null },
    o.ctx,
  );
  const entries: CSEntryChange[] = [];
  const pageSizes: number[] = [];
  let custom = results.customData;
  for (;;) {
    if (o.maxPages !== undefined && pageSizes.length >= o.maxPages) break;
    const page = await session.getPage({ customData: custom });
    pageSizes.push(page.entries.length);
    entries.push(...page.entries);
    custom = page.customData ?? custom;
    if (!page.moreToImport) break;
  }
  const closed = await session.close({ reason: o.closeReason ?? 'Normal', customData: custom });
  return { entries, pageSizes, customData: closed.customData };
}

// ---- a connector space, to apply import entries to ---------------------------------------------

export type CsObject = Map<string, string[]>;

/**
 * The objects MIM would hold from this connector: full imports replace it, delta entries apply
 * with MIM's rules (Add of a present object, Update/Delete of an absent one are errors).
 */
export class ConnectorSpace {
  readonly objects = new Map<string, { type: string; attrs: CsObject }>();

  applyFull(entries: readonly CSEntryChange[]): void {
    this.objects.clear();
    for (const e of entries) {
      if (e.errorCodeImport && e.errorCodeImport !== 'Success') continue;
      if (e.modification !== 'Add') throw new Error(`full import entry ${e.dn} is ${e.modification}`);
      this.apply(e);
    }
  }

  apply(e: CSEntryChange): void {
    const id = e.dn!;
    if (e.anchors[0]?.value.value !== id) throw new Error(`entry ${id}: anchor differs from DN`);
    const cur = this.objects.get(id);
    switch (e.modification) {
      case 'Add':
      case 'Replace': {
        if (e.modification === 'Add' && cur) throw new Error(`Add of ${id}, which is already there`);
        const attrs: CsObject = new Map();
        for (const a of e.attributes) {
          if (a.modification !== 'Add')
            throw new Error(`${e.modification} of ${id} carries ${a.modification} ${a.name}`);
          if (attrs.has(a.name)) throw new Error(`duplicate attribute ${a.name} on ${id}`);
          attrs.set(
            a.name,
            a.values.map((v) => norm(v.value)),
          );
        }
        this.objects.set(id, { type: e.objectType, attrs });
        return;
      }
      case 'Update':
        if (!cur) throw new Error(`Update of ${id}, which is not there`);
        for (const a of e.attributes) applyAttribute(cur.attrs, a);
        return;
      case 'Delete':
        if (!cur) throw new Error(`Delete of ${id}, which is not there`);
        if (e.attributes.length) throw new Error(`Delete of ${id} carries attributes`);
        this.objects.delete(id);
        return;
    }
  }
}

const norm = (v: { type: string; value: string | boolean }) => `${v.type}:${String(v.value)}`;

function applyAttribute(attrs: CsObject, a: AttributeChange): void {
  const values = attrs.get(a.name) ?? [];
  switch (a.modification) {
    case 'Add':
      attrs.set(a.name, [...values, ...a.values.map((v) => norm(v.value))]);
      break;
    case 'Replace':
      attrs.set(
        a.name,
        a.values.map((v) => norm(v.value)),
      );
      break;
    case 'Delete':
      attrs.delete(a.name);
      break;
    case 'Update': {
      const set = [...values];
      for (const v of a.values) {
        const n = norm(v.value);
        if (v.modification === 'Add') {
          if (!set.includes(n)) set.push(n);
        } else {
          const i = set.indexOf(n);
          if (i < 0) throw new Error(`value delete of ${n} from ${a.name}, which does not hold it`);
          set.splice(i, 1);
        }
      }
      attrs.set(a.name, set);
      break;
    }
  }
  if ((attrs.get(a.name) ?? []).length === 0) attrs.delete(a.name);
}

// ---- what the emulator holds, in the same shape --------------------------------------------------

const STORE_TYPE: Record<string, ObjectTypeName> = { user: 'user', group: 'group', orgContact: 'contact' };

/** The connector-space view of the emulator's objects of the given types. */
export function expectedSpace(
  rig: ConnectorRig,
  types: readonly ObjectTypeName[],
  include: (type: ObjectTypeName, o: DirObject) => boolean = () => true,
  schema?: Schema,
): Map<string, { type: string; attrs: CsObject }> {
  const sch = schema ?? rig.schema(types);
  const imported = new Set(types);
  const out = new Map<string, { type: string; attrs: CsObject }>();
  for (const t of types) {
    const selected = new Set(sch.types.find((s) => s.name === t)?.attributes.map((a) => a.name));
    for (const o of rig.emu.context.store.all(GRAPH_TYPES[t] as DirObject['type'])) {
      if (!include(t, o)) continue;
      const attrs: CsObject = new Map();
      for (const info of rig.attributes.forType(t)) {
        if (info.name === 'id' || !selected.has(info.name) || info.operation === 'ExportOnly') continue;
        const values = expectedValues(info, o, imported, rig);
        if (values.length) attrs.set(info.name, values);
      }
      out.set(o.id, { type: t, attrs });
    }
  }
  return out;
}

function expectedValues(
  info: AttributeInfo,
  o: DirObject,
  imported: ReadonlySet<ObjectTypeName>,
  rig: ConnectorRig,
): string[] {
  const refOk = (id: string) => {
    const target = rig.emu.context.store.get(id);
    const t = target && STORE_TYPE[target.type];
    return t !== undefined && imported.has(t);
  };
  if (info.relation === 'manager') return o.manager && refOk(o.manager) ? [`Reference:${o.manager}`] : [];
  if (info.relation) return [...(o[info.relation] ?? [])].filter(refOk).map((id) => `Reference:${id}`);
  let v: unknown = o.props;
  for (const k of info.path)
    v = v === null || v === undefined ? undefined : (v as Record<string, unknown>)[k];
  if (v === null || v === undefined || v === '') return [];
  const list = info.multiValued || info.jsonElements ? (v as unknown[]) : [v];
  return list.map((x) => {
    if (info.jsonElements) return `String:${JSON.stringify(x)}`;
    if (info.edmType === 'Edm.DateTimeOffset') return `String:@${Date.parse(String(x))}`;
    return `${info.dataType}:${info.dataType === 'Integer' ? BigInt(x as number).toString() : String(x)}`;
  });
}

/** Connector-space values with dates as instants, to compare with expectedSpace. */
export function comparable(
  rig: ConnectorRig,
  space: ConnectorSpace,
): Map<string, { type: string; attrs: CsObject }> {
  const out = new Map<string, { type: string; attrs: CsObject }>();
  for (const [id, o] of space.objects) {
    const attrs: CsObject = new Map();
    for (const [name, values] of o.attrs) {
      const info = rig.attributes.get(o.type as ObjectTypeName, name);
      attrs.set(
        name,
        info?.edmType === 'Edm.DateTimeOffset'
          ? values.map((v) => `String:@${Date.parse(v.slice(7))}`)
          : values,
      );
    }
    out.set(id, { type: o.type, attrs });
  }
  return out;
}

/** Sorted plain objects, for toEqual with readable diffs. */
export function plainSpace(m: Map<string, { type: string; attrs: CsObject }>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const id of [...m.keys()].sort()) {
    const o = m.get(id)!;
    const attrs: Record<string, string[]> = {};
    for (const k of [...o.attrs.keys()].sort()) attrs[k] = [...o.attrs.get(k)!].sort();
    out[id] = { type: o.type, ...attrs };
  }
  return out;
}
