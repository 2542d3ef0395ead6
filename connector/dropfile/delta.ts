/**
 * One mmsml `delta` element (drop file or csexport) → CSEntryChange. Shared by reader.ts and csexport.ts.
 */
import { randomUUID } from 'node:crypto';
import type { XMLParser } from 'fast-xml-parser';
import type {
  AnchorAttribute,
  AttributeChange,
  AttributeType,
  CSEntryChange,
  ObjectModification,
  Schema,
  TypedValue,
  ValueChange,
} from '../model/ecma.js';
import { lazy } from '../runtime/lazy.js';
import {
  attributeTypeOf,
  decodeAnchorComponent,
  MmsmlError,
  parseInteger,
  splitAnchor,
  unescapeXml,
} from './codec.js';

const fxp = lazy<typeof import('fast-xml-parser')>('fast-xml-parser');

export interface DeltaReadOptions {
  /** Anchor attribute names and types (the `anchor: true` attributes, in schema order); attribute types. */
  readonly schema?: Schema;
  /** How to decode anchors per object type; wins over the schema. Without either: Binary. */
  readonly anchorTypes?: Readonly<Record<string, 'String' | 'Binary'>>;
  /** `auto` (default): `0x…` is hex, anything else decimal. */
  readonly integers?: 'auto' | 'hex' | 'decimal';
  /** The CSEntryChange identifier for the n-th (1-based) delta; default a random UUID. */
  readonly identifier?: (index: number, dn: string) => string;
  /** Check each element is well-formed XML first (default true): better errors, a little slower. */
  readonly validate?: boolean;
}

export type XmlNode = Record<string, unknown>;

let parser: XMLParser | undefined;
const makeParser = () =>
  new (fxp().XMLParser)({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    processEntities: false,
    trimValues: false,
    parseTagValue: false,
    parseAttributeValue: false,
    alwaysCreateTextNode: true,
    removeNSPrefix: true,
    isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
  });

/** Parses one element's XML; throws an MmsmlError naming `where` on malformed XML. */
export function parseElement(xml: string, name: string, where: string, validate = true): XmlNode {
  if (validate) {
    const v = fxp().XMLValidator.validate(xml);
    if (v !== true) {
      throw new MmsmlError(
        `${where}: malformed XML at line ${v.err.line}, column ${v.err.col}: ${v.err.msg}`,
      );
    }
  }
  parser ??= makeParser();
  const root = (parser.parse(xml) as XmlNode)[name];
  const node = Array.isArray(root) ? (root[0] as XmlNode | undefined) : undefined;
  if (node === undefined) throw new MmsmlError(`${where}: no ${name} element`);
  return node;
}

export function children(node: XmlNode, name: string): XmlNode[] {
  const c = node[name];
  return Array.isArray(c) ? (c as XmlNode[]) : [];
}

export function child(node: XmlNode, name: string): XmlNode | undefined {
  return children(node, name)[0];
}

export function text(node: XmlNode | undefined): string {
  const t = node?.['#text'];
  return typeof t === 'string' ? unescapeXml(t) : '';
}

export function attr(node: XmlNode | undefined, name: string): string | undefined {
  const a = node?.[`@_${name}`];
  return typeof a === 'string' ? unescapeXml(a) : undefined;
}

const OBJECT_OPS: Readonly<Record<string, ObjectModification>> = {
  add: 'Add',
  replace: 'Replace',
  update: 'Update',
  delete: 'Delete',
  // ECMA2 has no DeleteAdd change; the engine's own "delete-add as replace" mapping.
  'delete-add': 'Replace',
};
const ATTR_OPS: Readonly<Record<string, AttributeChange['modification']>> = {
  add: 'Add',
  replace: 'Replace',
  update: 'Update',
  delete: 'Delete',
};
const VALUE_OPS: Readonly<Record<string, ValueChange['modification']>> = { add: 'Add', delete: 'Delete' };

export interface DeltaContext {
  /** For messages, e.g. `delta 3 at byte 1234`. */
  readonly where: string;
  readonly index: number;
  /** When the delta carries none (csexport: from the hologram). */
  readonly fallbackAnchor?: string | undefined;
  readonly fallbackObjectType?: string | undefined;
  readonly fallbackDn?: string | undefined;
  readonly identifier?: string | undefined;
}

function anchorsOf(
  base64: string,
  objectType: string,
  options: DeltaReadOptions,
  where: string,
): AnchorAttribute[] {
  let parts: Buffer[];
  try {
    parts = splitAnchor(base64);
  } catch (e) {
    throw new MmsmlError(`${where}: ${(e as Error).message}`);
  }
  const schemaAnchors =
    options.schema?.types.find((t) => t.name === objectType)?.attributes.filter((a) => a.anchor) ?? [];
  const forced = options.anchorTypes?.[objectType];
  return parts.map((bytes, i) => {
    const s = schemaAnchors[i];
    const type: AttributeType = forced ?? s?.dataType ?? 'Binary';
    try {
      return {
        name: s?.name ?? (i === 0 ? 'anchor' : `anchor${i + 1}`),
        value: decodeAnchorComponent(bytes, type),
      };
    } catch (e) {
      throw new MmsmlError(`${where}: anchor: ${(e as Error).message}`);
    }
  });
}

function typedValueOf(
  raw: string,
  type: AttributeType,
  encoding: string | undefined,
  options: DeltaReadOptions,
): TypedValue {
  switch (type) {
    case 'Binary':
      return { type, value: raw.replace(/\s+/g, '') };
    case 'Boolean': {
      const t = raw.trim().toLowerCase();
      if (t === 'true' || t === '1') return { type, value: true };
      if (t === 'false' || t === '0') return { type, value: false };
      throw new MmsmlError(`'${raw}' is not a boolean`);
    }
    case 'Integer':
      return { type, value: parseInteger(raw, options.integers ?? 'auto') };
    default:
      return { type, value: encoding === 'base64' ? Buffer.from(raw, 'base64').toString('utf8') : raw };
  }
}

export function deltaToChange(delta: XmlNode, ctx: DeltaContext, options: DeltaReadOptions): CSEntryChange {
  const where = ctx.where;
  const opText = attr(delta, 'operation');
  if (opText === undefined) throw new MmsmlError(`${where}: no operation`);
  const modification = OBJECT_OPS[opText];
  if (modification === undefined)
    throw new MmsmlError(`${where}: operation '${opText}' cannot be read as a change`);
  const dn = attr(delta, 'newdn') ?? attr(delta, 'dn') ?? ctx.fallbackDn;
  if (dn === undefined) throw new MmsmlError(`${where}: no dn`);
  const ocValues = children(child(delta, 'objectclass') ?? {}, 'oc-value').map(text);
  const objectType = text(child(delta, 'primary-objectclass')) || ocValues.at(-1) || ctx.fallbackObjectType;
  if (!objectType) throw new MmsmlError(`${where}: no primary-objectclass (missing-object-type)`);
  const anchorNode = child(delta, 'anchor');
  const anchorText = anchorNode ? text(anchorNode) : ctx.fallbackAnchor;
  const anchors = anchorText ? anchorsOf(anchorText, objectType, options, where) : [];
  const schemaType = options.schema?.types.find((t) => t.name === objectType);

  const attributes: AttributeChange[] = [];
  const attributeOp = (node: XmlNode, name: string): AttributeChange['modification'] => {
    const op = attr(node, 'operation');
    if (op === undefined) return 'Add';
    const m = ATTR_OPS[op];
    if (m === undefined) throw new MmsmlError(`${where}: attribute '${name}': operation '${op}' is unknown`);
    return m;
  };
  const valueOp = (node: XmlNode, name: string): ValueChange['modification'] => {
    const op = attr(node, 'operation');
    if (op === undefined) return 'Add';
    const m = VALUE_OPS[op];
    if (m === undefined) throw new MmsmlError(`${where}: a value of '${name}': operation '${op}' is unknown`);
    return m;
  };
  for (const node of children(delta, 'dn-attr')) {
    const name = attr(node, 'name');
    if (!name) throw new MmsmlError(`${where}: a dn-attr has no name`);
    const mod = attributeOp(node, name);
    const values: ValueChange[] = children(node, 'dn-value').map((v) => ({
      modification: valueOp(v, name),
      value: { type: 'Reference', value: text(child(v, 'dn')) },
    }));
    attributes.push({
      name,
      modification: mod,
      values: mod === 'Delete' ? [] : values,
      dataType: 'Reference',
      isMultiValued: attr(node, 'multivalued') === 'true',
    });
  }
  for (const node of children(delta, 'attr')) {
    const name = attr(node, 'name');
    if (!name) throw new MmsmlError(`${where}: an attr has no name`);
    const typeText = attr(node, 'type');
    const sa = schemaType?.attributes.find((a) => a.name === name);
    const type: AttributeType | undefined =
      typeText !== undefined
        ? attributeTypeOf(typeText)
        : sa?.dataType === 'Reference'
          ? 'String'
          : sa?.dataType;
    if (type === undefined) {
      throw new MmsmlError(`${where}: attribute '${name}': type '${typeText ?? '(none)'}' is unknown`);
    }
    const mod = attributeOp(node, name);
    const values: ValueChange[] = children(node, 'value').map((v, i) => {
      try {
        return {
          modification: valueOp(v, name),
          value: typedValueOf(text(v), type, attr(v, 'encoding'), options),
        };
      } catch (e) {
        throw new MmsmlError(`${where}: attribute '${name}' value ${i + 1}: ${(e as Error).message}`);
      }
    });
    const mv = attr(node, 'multivalued');
    attributes.push({
      name,
      modification: mod,
      values: mod === 'Delete' ? [] : values,
      dataType: type,
      isMultiValued: mv === undefined ? (sa?.multiValued ?? false) : mv === 'true',
    });
  }
  return {
    identifier: ctx.identifier ?? options.identifier?.(ctx.index, dn) ?? randomUUID(),
    objectType,
    modification,
    dn,
    anchors,
    attributes,
  };
}
