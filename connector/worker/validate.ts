import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ajv, ValidateFunction } from 'ajv';
import { schemasDir } from '../runtime/assets.js';
import { lazy } from '../runtime/lazy.js';

/**
 * Checks protocol messages against schemas/bridge-protocol.schema.json: params on the way in (a bad
 * message gets an error naming the field), results in tests.
 *
 * MIM starts a worker for every run, and compiling the schema with Ajv costs about a quarter of a
 * second of each start: the build compiles the validators ahead (precompile-validators.ts writes
 * protocol-validators.js beside this module) and a worker uses them when they were made from the
 * schema it reads. Run from source, or beside another schema, it compiles them with Ajv as needed.
 */
const schemaText = readFileSync(join(schemasDir(), 'bridge-protocol.schema.json'), 'utf8');
const protocol = JSON.parse(schemaText) as {
  $id: string;
  definitions: { methods: Record<string, { params?: unknown; result?: unknown }> };
};

/** Fingerprint of the schema text the precompiled validators were made from. */
export const schemaFingerprint = createHash('sha256').update(schemaText).digest('hex');

/** The name a validator is exported under, and the schema reference it checks. */
const methodKey = (method: string, part: 'params' | 'result') => `${method}__${part}`;
const definitionKey = (name: string) => `definition__${name}`;

/** Every validator a worker may need: export name → reference into the protocol schema. */
export function validatorRefs(): Record<string, string> {
  const refs: Record<string, string> = {};
  for (const [method, def] of Object.entries(protocol.definitions.methods)) {
    for (const part of ['params', 'result'] as const) {
      if (def[part]) refs[methodKey(method, part)] = `${protocol.$id}#/definitions/methods/${method}/${part}`;
    }
  }
  refs[definitionKey('error')] = `${protocol.$id}#/definitions/error`;
  return refs;
}

const ajvLib = lazy<typeof import('ajv')>('ajv');

/** An Ajv holding the protocol schema; `source` keeps the generated code (for precompiling). */
export function protocolAjv(source = false): Ajv {
  const ajv = new (ajvLib().Ajv)({ allErrors: false, strict: false, code: { source, esm: true } });
  ajv.addSchema(JSON.parse(schemaText));
  return ajv;
}

export const PRECOMPILED_MODULE = 'protocol-validators.js';

type Precompiled = Record<string, ValidateFunction> & { schemaFingerprint?: string };

const precompiled: Precompiled | undefined = await import(`./${PRECOMPILED_MODULE}`).then(
  (m: Precompiled) => (m.schemaFingerprint === schemaFingerprint ? m : undefined),
  () => undefined,
);

let ajv: Ajv | undefined;
const cache = new Map<string, ValidateFunction | null>();

function compiled(key: string, ref: string | undefined): ValidateFunction | null {
  if (!cache.has(key)) {
    let v: ValidateFunction | null = null;
    if (ref !== undefined) {
      v = precompiled?.[key] ?? null;
      if (!v) {
        ajv ??= protocolAjv();
        v = ajv.getSchema(ref) ?? null;
      }
    }
    cache.set(key, v);
  }
  return cache.get(key) ?? null;
}

function validator(method: string, part: 'params' | 'result'): ValidateFunction | null {
  const def = Object.hasOwn(protocol.definitions.methods, method)
    ? protocol.definitions.methods[method]?.[part]
    : undefined;
  const ref = def ? `${protocol.$id}#/definitions/methods/${method}/${part}` : undefined;
  return compiled(methodKey(method, part), ref);
}

/** Whether the validators in use were compiled ahead (for tests and the worker's startup log). */
export const usesPrecompiledValidators = () => precompiled !== undefined;

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

/** The definition of a named type (the bridge's error data; others in tests). */
export function checkDefinition(name: string, value: unknown): string | undefined {
  const v = compiled(definitionKey(name), `${protocol.$id}#/definitions/${name}`);
  if (!v) throw new Error(`no definition ${name}`);
  if (v(value)) return undefined;
  const e = v.errors?.[0];
  return `${e?.instancePath ?? ''} ${e?.message ?? 'invalid'}`;
}
