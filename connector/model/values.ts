import type { AttributeChange, AttributeType, TypedValue, ValueChange } from './ecma.js';

/** Builders for typed values and attribute changes, so call sites read like MIM's factories. */
export const str = (value: string): TypedValue => ({ type: 'String', value });
export const ref = (value: string): TypedValue => ({ type: 'Reference', value });
export const bool = (value: boolean): TypedValue => ({ type: 'Boolean', value });
export const bin = (base64: string): TypedValue => ({ type: 'Binary', value: base64 });
/** Int64 as a decimal string: numbers beyond 2^53 survive. */
export const int = (value: bigint | number | string): TypedValue => ({
  type: 'Integer',
  value: BigInt(value).toString(),
});

export const valueAdd = (value: TypedValue): ValueChange => ({ modification: 'Add', value });
export const valueDelete = (value: TypedValue): ValueChange => ({ modification: 'Delete', value });

export const attributeAdd = (name: string, values: readonly TypedValue[]): AttributeChange => ({
  name,
  modification: 'Add',
  values: values.map(valueAdd),
});

export const attributeReplace = (name: string, values: readonly TypedValue[]): AttributeChange => ({
  name,
  modification: 'Replace',
  values: values.map(valueAdd),
});

export const attributeUpdate = (name: string, changes: readonly ValueChange[]): AttributeChange => ({
  name,
  modification: 'Update',
  values: changes,
});

export const attributeDelete = (name: string): AttributeChange => ({
  name,
  modification: 'Delete',
  values: [],
});

/** The JS value of a typed value (Integer → bigint), for comparisons and Graph payloads. */
export function plain(v: TypedValue): string | boolean | bigint {
  return v.type === 'Integer' ? BigInt(v.value) : v.value;
}

export function typedValue(type: AttributeType, value: string | boolean | number | bigint): TypedValue {
  switch (type) {
    case 'Boolean':
      return bool(Boolean(value));
    case 'Integer':
      return int(typeof value === 'boolean' ? Number(value) : value);
    case 'Reference':
      return ref(String(value));
    case 'Binary':
      return bin(String(value));
    default:
      return str(String(value));
  }
}
