import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { schemasDir } from '../runtime/assets.js';

/**
 * Checks protocol messages against schemas/bridge-protocol.schema.json: params on the way in (a bad
 * message gets an error naming the field), results in tests.
 */
const protocol = JSON.parse(readFileSync(join(schemasDir(), 'bridge-protocol.schema.json'), 'utf8')) as {
  $id: string;
  definitions: { methods: Record<string, { params?: unknown; result?: unknown }> };
};

const ajv = new Ajv({ allErrors: false, strict: false });
ajv.addSchema(protocol);

const cache = new Map<string, ValidateFunction | null>();

function validator(method: string, part: 'params' | 'result'): ValidateFunction | null {
  const key = `${method}/${part}`;
  if (!cache.has(key)) {
    const def = protocol.definitions.methods[method]?.[part];
    cache.set(
      key,
      def ? ajv.compile({ $ref: `${protocol.$id}#/definitions/methods/${method}/${part}` }) : null,
    );
  }
  return cache.get(key) ?? null;
}

export const knownMethod = (method: string) => Object.hasOwn(protocol.definitions.methods, method);

/** undefined when valid; otherwise a message naming the field and what is wrong with it. */
export function checkMessage(method: string, part: 'params' | 'result', value: unknown): string | undefined {
  const v = validator(method, part);
  if (!v) return undefined;
  if (v(value ?? {})) return undefined;
  const e = v.errors?.[0];
  if (!e) return `${part} of ${method} are invalid`;
  const where = `${part}${e.instancePath.replace(/\//g, '.')}`;
  const extra =
    e.keyword === 'additionalProperties'
      ? ` ('${(e.params as { additionalProperty: string }).additionalProperty}' is not a field of this message)`
      : e.keyword === 'enum'
        ? ` (one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})`
        : '';
  return `${where} ${e.message}${extra}`;
}

/** The definition of a named type (for tests). */
export function checkDefinition(name: string, value: unknown): string | undefined {
  const v = ajv.getSchema(`${protocol.$id}#/definitions/${name}`);
  if (!v) throw new Error(`no definition ${name}`);
  if (v(value)) return undefined;
  const e = v.errors?.[0];
  return `${e?.instancePath ?? ''} ${e?.message ?? 'invalid'}`;
}
