import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectorConfig, ObjectTypeName } from '../config/types.js';
import type { Schema } from '../model/ecma.js';
import { assembleSchema, listAttributes } from './detect.js';
import type { AttributeInfo, DetectedSchema } from './types.js';

/**
 * The last schema detected from Graph, kept in the MA data folder (`schema-cache.json`) so a run
 * does not fetch and parse Graph's multi-megabyte `$metadata` again: MIM starts a worker for every
 * run, and a delta import every few minutes would otherwise spend most of its time detecting a
 * schema that has not changed. The designer's schema refresh always detects anew and rewrites it.
 *
 * A run uses it only while it is younger than SCHEMA_CACHE_MAX_AGE_MS, was detected for the same
 * Graph endpoint, tenant, app, API version and object types, and holds every attribute of the
 * schema MIM hands the run; otherwise the run detects live. A schema from the shipped snapshot
 * (Graph unreachable) is never cached, so the next run tries Graph again.
 */
export const SCHEMA_CACHE_FILE = 'schema-cache.json';
export const SCHEMA_CACHE_MAX_AGE_MS = 60 * 60 * 1000;

interface CacheFile {
  format: 1;
  key: string;
  detectedAt: number;
  warnings: string[];
  attributes: AttributeInfo[];
}

/** What a detection depends on besides Graph itself. */
export function schemaCacheKey(config: ConnectorConfig): string {
  return JSON.stringify([
    config.cloud.graphEndpoint,
    config.tenantId,
    config.clientId,
    config.apiVersion,
    config.objectTypes,
  ]);
}

/** The cached detection, when it is there, fresh, for `key` and covers `schema`; otherwise undefined. */
export function readSchemaCache(
  dir: string,
  key: string,
  schema: Schema | undefined,
  now = Date.now(),
): DetectedSchema | undefined {
  let file: Partial<CacheFile>;
  try {
    file = JSON.parse(readFileSync(join(dir, SCHEMA_CACHE_FILE), 'utf8')) as Partial<CacheFile>;
  } catch {
    return undefined; // absent or unreadable: detect live (and rewrite it)
  }
  if (
    file.format !== 1 ||
    file.key !== key ||
    typeof file.detectedAt !== 'number' ||
    !(now - file.detectedAt >= 0 && now - file.detectedAt < SCHEMA_CACHE_MAX_AGE_MS) ||
    !Array.isArray(file.attributes) ||
    !Array.isArray(file.warnings)
  ) {
    return undefined;
  }
  const candidates = new Map<ObjectTypeName, AttributeInfo[]>();
  for (const a of file.attributes) {
    if (!a || typeof a.name !== 'string' || typeof a.objectType !== 'string' || !Array.isArray(a.path))
      return undefined;
    const list = candidates.get(a.objectType) ?? [];
    list.push(a);
    candidates.set(a.objectType, list);
  }
  const detected = assembleSchema(candidates, file.warnings);
  return schema && !covers(detected, schema) ? undefined : detected;
}

/** Every attribute MIM's schema names for a type is one the detection knows. */
function covers(detected: DetectedSchema, schema: Schema): boolean {
  return schema.types.every((t) =>
    t.attributes.every((a) => detected.attributes.get(t.name as ObjectTypeName, a.name) !== undefined),
  );
}

/** Keeps a detection from Graph for the runs that follow; a failure to write costs only speed. */
export function writeSchemaCache(dir: string, key: string, detected: DetectedSchema, now = Date.now()): void {
  const file: CacheFile = {
    format: 1,
    key,
    detectedAt: now,
    warnings: [...detected.warnings],
    attributes: listAttributes(detected),
  };
  const path = join(dir, SCHEMA_CACHE_FILE);
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, JSON.stringify(file));
    renameSync(tmp, path);
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the folder itself is unusable: nothing was written
    }
  }
}
