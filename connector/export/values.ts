import type { TypedValue } from '../model/ecma.js';
import type { AttributeInfo } from '../schema/types.js';

/** A value MIM sent that Graph cannot take for the property. */
export class ValueError extends Error {
  constructor(
    readonly attribute: string,
    message: string,
  ) {
    super(`attribute '${attribute}': ${message}`);
    this.name = 'ValueError';
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isGuid = (s: string) => GUID.test(s);

/** One MIM value as Graph JSON for the property's Edm type. */
export function toGraphValue(info: AttributeInfo, v: TypedValue): unknown {
  const bad = (why: string) => new ValueError(info.name, why);
  if (info.jsonElements) {
    if (v.type !== 'String') throw bad('expected a JSON text value');
    try {
      return JSON.parse(v.value);
    } catch {
      throw bad('the value is not valid JSON');
    }
  }
  switch (info.edmType) {
    case 'Edm.Boolean':
      if (v.type === 'Boolean') return v.value;
      if (v.type === 'String' && /^(true|false)$/i.test(v.value)) return v.value.toLowerCase() === 'true';
      throw bad(`'${String(v.value)}' is not a Boolean`);
    case 'Edm.Int16':
    case 'Edm.Int32':
    case 'Edm.Byte': {
      const n = Number(v.value);
      if (!Number.isInteger(n)) throw bad(`'${String(v.value)}' is not an integer`);
      return n;
    }
    case 'Edm.Int64': {
      if (typeof v.value === 'boolean' || !/^-?\d+$/.test(v.value))
        throw bad(`'${String(v.value)}' is not an integer`);
      const n = BigInt(v.value);
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(n)
        : v.value;
    }
    case 'Edm.Double':
    case 'Edm.Single': {
      const n = Number(v.value);
      if (Number.isNaN(n)) throw bad(`'${String(v.value)}' is not a number`);
      return n;
    }
    case 'Edm.DateTimeOffset': {
      const s = String(v.value);
      if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s)) return s;
      const t = Date.parse(s);
      if (Number.isNaN(t)) throw bad(`'${s}' is not a date and time`);
      return new Date(t).toISOString().replace(/\.000Z$/, 'Z');
    }
    case 'Edm.Date': {
      const s = String(v.value);
      if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
      const t = Date.parse(s);
      if (Number.isNaN(t)) throw bad(`'${s}' is not a date`);
      return new Date(t).toISOString().slice(0, 10);
    }
    case 'Edm.Guid':
      if (!isGuid(String(v.value))) throw bad(`'${String(v.value)}' is not a GUID`);
      return String(v.value).toLowerCase();
    case 'Edm.Binary':
      return String(v.value);
    default:
      return typeof v.value === 'boolean' ? v.value : String(v.value);
  }
}

/** Case-sensitive for strings, as Graph's collections keep what was written. */
export const sameGraphValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
