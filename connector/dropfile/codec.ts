/**
 * Value codecs shared by the mmsml writer and readers: XML escaping, the engine's anchor byte
 * layout and the integer forms. Format notes: ../../../shared/docs/mmsml-format.md (§2.5, §2.7).
 */
import type { AttributeType, TypedValue } from '../model/ecma.js';

export const MMSML_NAMESPACE = 'http://www.microsoft.com/mms/mmsml/v2';
export type StepType = 'full-import' | 'delta-import' | 'export';
export const STEP_TYPES: readonly StepType[] = ['full-import', 'delta-import', 'export'];

/** An mmsml problem; `position` says where (delta number, byte offset) when reading. */
export class MmsmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MmsmlError';
  }
}

// ---- XML text ------------------------------------------------------------------------------

/**
 * Characters XML 1.0 cannot carry at all, not even as character references: C0 controls other
 * than TAB/LF/CR, lone surrogates, U+FFFE and U+FFFF.
 */
/** The first character XML 1.0 cannot represent, as `U+XXXX at index n`, or undefined. */
export function findInvalidXmlChar(s: string): string | undefined {
  // Without the u flag so lone surrogates are seen as code units.
  const re =
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  const m = re.exec(s);
  if (!m) return undefined;
  return `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at index ${m.index}`;
}

/** Escapes element text. CR is written as a character reference so XML line-end normalisation keeps it. */
export function escapeText(s: string): string {
  return s.replace(/[&<>\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;',
  );
}

/** Escapes attribute values; TAB/LF/CR as references so attribute-value normalisation keeps them. */
export function escapeAttr(s: string): string {
  return s.replace(/[&<>"'\t\n\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        return `&#${c.charCodeAt(0)};`;
    }
  });
}

/** Decodes the five predefined entities and numeric character references. */
export function unescapeXml(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_m, e: string) => {
    switch (e) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return String.fromCodePoint(
          e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10),
        );
    }
  });
}

// ---- attribute types -----------------------------------------------------------------------

export const MMSML_TYPE: Readonly<Record<Exclude<AttributeType, 'Reference'>, string>> = {
  String: 'string',
  Integer: 'integer',
  Binary: 'binary',
  Boolean: 'boolean',
};

export function attributeTypeOf(mmsmlType: string): Exclude<AttributeType, 'Reference'> | undefined {
  switch (mmsmlType.toLowerCase()) {
    case 'string':
      return 'String';
    case 'integer':
    case 'number':
      return 'Integer';
    case 'binary':
      return 'Binary';
    case 'boolean':
      return 'Boolean';
    default:
      return undefined;
  }
}

// ---- integers ------------------------------------------------------------------------------

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Int64 decimal string → `0x` + hex of the 64-bit two's complement (engine XML form), or decimal. */
export function formatInteger(decimal: string, form: 'hex' | 'decimal'): string {
  let v: bigint;
  try {
    v = BigInt(decimal);
  } catch {
    throw new MmsmlError(`'${decimal}' is not an integer`);
  }
  if (v < INT64_MIN || v > INT64_MAX) throw new MmsmlError(`${decimal} does not fit a 64-bit integer`);
  return form === 'decimal' ? v.toString() : `0x${BigInt.asUintN(64, v).toString(16)}`;
}

/** Reads `0x…` (64-bit two's complement) or decimal; returns the decimal string. */
export function parseInteger(text: string, form: 'auto' | 'hex' | 'decimal' = 'auto'): string {
  const t = text.trim();
  let v: bigint;
  if (/^0x[0-9a-f]{1,16}$/i.test(t) || (form === 'hex' && /^[0-9a-f]{1,16}$/i.test(t))) {
    v = BigInt.asIntN(64, BigInt(t.startsWith('0x') || t.startsWith('0X') ? t : `0x${t}`));
  } else if (form !== 'hex' && /^[+-]?[0-9]+$/.test(t)) {
    v = BigInt(t);
    if (v < INT64_MIN || v > INT64_MAX) throw new MmsmlError(`integer ${t} does not fit 64 bits`);
  } else {
    throw new MmsmlError(`'${text}' is not a ${form === 'auto' ? 'hex (0x…) or decimal' : form} integer`);
  }
  return v.toString();
}

// ---- anchors -------------------------------------------------------------------------------

/**
 * The engine's anchor bytes: per component a 4-byte little-endian byte count, then the bytes —
 * strings (and references) as UTF-16 LE, binaries raw, integers as 8-byte little-endian Int64
 * (integer anchors are UNCONFIRMED). Returned as base64.
 */
export function encodeAnchor(values: readonly TypedValue[]): string {
  const parts: Buffer[] = [];
  for (const v of values) {
    let bytes: Buffer;
    switch (v.type) {
      case 'String':
      case 'Reference':
        bytes = Buffer.from(v.value, 'utf16le');
        break;
      case 'Binary':
        bytes = Buffer.from(v.value, 'base64');
        break;
      case 'Integer': {
        bytes = Buffer.alloc(8);
        bytes.writeBigInt64LE(BigInt(formatInteger(v.value, 'decimal')));
        break;
      }
      default:
        throw new MmsmlError(`a ${v.type} value cannot be an anchor`);
    }
    const len = Buffer.alloc(4);
    len.writeUInt32LE(bytes.length);
    parts.push(len, bytes);
  }
  return Buffer.concat(parts).toString('base64');
}

/** Splits anchor bytes into their length-prefixed components. */
export function splitAnchor(base64: string): Buffer[] {
  const bytes = Buffer.from(base64.replace(/\s+/g, ''), 'base64');
  const parts: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length)
      throw new MmsmlError(`anchor is cut short at byte ${at} (no room for a length)`);
    const len = bytes.readUInt32LE(at);
    if (at + 4 + len > bytes.length) {
      throw new MmsmlError(
        `anchor component at byte ${at} claims ${len} bytes, only ${bytes.length - at - 4} left`,
      );
    }
    parts.push(bytes.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return parts;
}

export function decodeAnchorComponent(bytes: Buffer, type: AttributeType): TypedValue {
  switch (type) {
    case 'String':
      return { type: 'String', value: bytes.toString('utf16le') };
    case 'Reference':
      return { type: 'Reference', value: bytes.toString('utf16le') };
    case 'Integer':
      if (bytes.length !== 8) throw new MmsmlError(`integer anchor has ${bytes.length} bytes, expected 8`);
      return { type: 'Integer', value: bytes.readBigInt64LE().toString() };
    default:
      return { type: 'Binary', value: bytes.toString('base64') };
  }
}
