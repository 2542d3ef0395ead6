import type { ObjectTypeName } from '../config/types.js';
import { ENTITY_SETS } from '../config/types.js';
import { ConnectorError } from '../model/ecma.js';

/**
 * The watermark MIM keeps between runs (CustomData): the delta link per object type, the
 * generation of the state file it belongs to, and a fingerprint of each type's object filter.
 *
 *   {"v":1,"sid":"<state file id>","gen":4,"links":{"user":"https://…/users/delta?$deltatoken=…"},
 *    "filters":{"user":"3f2a…"}}
 */
export interface Watermark {
  readonly v: 1;
  /** Identity of the state file whose generation `gen` names (absent when running without one). */
  readonly sid?: string | undefined;
  readonly gen: number;
  readonly links: Readonly<Partial<Record<ObjectTypeName, string>>>;
  /** Fingerprint of the `$filter` in force when the type's link was made (absent: no filter). */
  readonly filters?: Readonly<Partial<Record<ObjectTypeName, string>>> | undefined;
}

const TYPES = new Set(Object.keys(ENTITY_SETS));

export function formatWatermark(w: Watermark): string {
  return JSON.stringify(w);
}

/** Undefined for an empty watermark; a ConnectorError('WarningNoWatermark') for anything unusable. */
export function parseWatermark(text: string | null | undefined): Watermark | undefined {
  if (text === null || text === undefined || text.trim() === '') return undefined;
  const bad = (why: string) =>
    new ConnectorError(
      'WarningNoWatermark',
      `the stored watermark (CustomData) is not usable: ${why}. Run a full import to start delta imports afresh`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw bad(`it is not this connector's JSON watermark (starts with ${JSON.stringify(text.slice(0, 20))})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('it is not a JSON object');
  const o = raw as Record<string, unknown>;
  if (o.v !== 1)
    throw bad(`unknown watermark version ${JSON.stringify(o.v)} (this connector writes version 1)`);
  if (typeof o.gen !== 'number' || !Number.isSafeInteger(o.gen) || o.gen < 0)
    throw bad("'gen' is not a generation number");
  if (o.sid !== undefined && typeof o.sid !== 'string') throw bad("'sid' is not a string");
  const links = stringMap(o.links, 'links', bad, (v) => /^https:\/\//i.test(v));
  const filters = o.filters === undefined ? undefined : stringMap(o.filters, 'filters', bad, () => true);
  for (const k of Object.keys(o)) {
    if (!['v', 'sid', 'gen', 'links', 'filters'].includes(k)) throw bad(`unknown field '${k}'`);
  }
  return { v: 1, sid: o.sid as string | undefined, gen: o.gen, links, filters };
}

function stringMap(
  v: unknown,
  name: string,
  bad: (why: string) => Error,
  ok: (s: string) => boolean,
): Partial<Record<ObjectTypeName, string>> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`'${name}' is not an object`);
  const out: Partial<Record<ObjectTypeName, string>> = {};
  for (const [k, s] of Object.entries(v)) {
    if (!TYPES.has(k)) throw bad(`'${name}' names an unknown object type '${k}'`);
    if (typeof s !== 'string' || !ok(s)) throw bad(`'${name}.${k}' is not valid`);
    out[k as ObjectTypeName] = s;
  }
  return out;
}
