import type { ObjectTypeName } from '../config/types.js';
import { ConnectorError } from '../model/ecma.js';
import { evaluateFilter, type FilterExpr, filterProperties, parseFilter } from '../odata/filter.js';
import { fingerprint } from './plan.js';

/** An object filter compiled for client-side use (delta import with filters). */
export interface Scope {
  readonly text: string;
  /** Fingerprint kept in the watermark and the state file: a changed filter needs a full import. */
  readonly fingerprint: string;
  /** Top-level Graph properties the filter reads. */
  readonly properties: readonly string[];
  /** True when the Graph object (with at least `properties`) is in scope. */
  matches(graphObject: Record<string, unknown>): boolean;
}

export function compileScope(text: string, type: ObjectTypeName): Scope {
  let expr: FilterExpr;
  try {
    expr = parseFilter(text);
  } catch (e) {
    throw new ConnectorError(
      'ExtensibleExtension',
      `the object filter of ${type} cannot be parsed: ${(e as Error).message}`,
    );
  }
  const properties = [...new Set(filterProperties(expr).map((p) => p.split('.')[0]!))].filter(
    (p) => p !== '',
  );
  return {
    text,
    fingerprint: fingerprint(text),
    properties,
    matches: (o) => evaluateFilter(expr, o),
  };
}
