import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorConfig } from '../../connector/config/types.js';
import { resolveCloud } from '../../connector/graph/clouds.js';
import type { Schema } from '../../connector/model/ecma.js';
import {
  readSchemaCache,
  SCHEMA_CACHE_FILE,
  SCHEMA_CACHE_MAX_AGE_MS,
  schemaCacheKey,
  writeSchemaCache,
} from '../../connector/schema/cache.js';
import { buildAttributeMap, listAttributes } from '../../connector/schema/detect.js';
import type { DetectedSchema } from '../../connector/schema/types.js';

const fixture = (file: string) =>
  readFileSync(new URL(`../../../shared/fixtures/graph-metadata/${file}`, import.meta.url), 'utf8');

const config = (patch: Partial<ConnectorConfig> = {}) =>
  ({
    apiVersion: 'v1.0',
    tenantId: 'contoso.onmicrosoft.com',
    clientId: '00000000-0000-0000-0000-000000000001',
    cloud: resolveCloud('global', {}),
    objectTypes: ['user', 'group'],
    ...patch,
  }) as ConnectorConfig;

/** The schema cache in the MA data folder: a run reuses a detection only when it is certainly the same. */
describe('schema cache', () => {
  let detected: DetectedSchema;
  const T0 = Date.UTC(2026, 10, 28, 12);
  const key = schemaCacheKey(config());
  const fresh = () => mkdtempSync(join(tmpdir(), 'mimgraph-schema-cache-'));

  beforeAll(() => {
    detected = buildAttributeMap(fixture('v1.0-cleanMetadata.xml'), {
      apiVersion: 'v1.0',
      objectTypes: ['user', 'group'],
      extensionProperties: [
        {
          name: 'extension_5bfc8fdacfc943a9a6de214ea9d15fdb_badge',
          dataType: 'Integer',
          isMultiValued: false,
          targetObjects: ['User'],
        },
      ],
    });
  });

  it('gives back the same schema, attribute map and warnings it was written with', () => {
    const dir = fresh();
    writeSchemaCache(dir, key, { ...detected, warnings: ['a warning to keep'] }, T0);
    const back = readSchemaCache(dir, key, detected.schema, T0 + 1000)!;
    expect(back.schema).toEqual(detected.schema);
    expect(listAttributes(back)).toEqual(listAttributes(detected));
    expect(back.attributes.get('user', 'extension_5bfc8fdacfc943a9a6de214ea9d15fdb_badge')?.dataType).toBe(
      'Integer',
    );
    expect(back.warnings).toEqual(['a warning to keep']);
    // Written through a temporary file renamed into place: nothing else is left in the folder.
    expect(readdirSync(dir)).toEqual([SCHEMA_CACHE_FILE]);
  });

  it('is not used once older than its age limit, or dated in the future', () => {
    const dir = fresh();
    writeSchemaCache(dir, key, detected, T0);
    expect(readSchemaCache(dir, key, undefined, T0 + SCHEMA_CACHE_MAX_AGE_MS - 1)).toBeDefined();
    expect(readSchemaCache(dir, key, undefined, T0 + SCHEMA_CACHE_MAX_AGE_MS)).toBeUndefined();
    expect(readSchemaCache(dir, key, undefined, T0 - 1)).toBeUndefined();
  });

  it('is not used for another endpoint, tenant, app, API version or object types', () => {
    const dir = fresh();
    writeSchemaCache(dir, key, detected, T0);
    for (const other of [
      config({ cloud: resolveCloud('usgov', {}) }),
      config({ tenantId: 'fabrikam.onmicrosoft.com' }),
      config({ clientId: '00000000-0000-0000-0000-000000000002' }),
      config({ apiVersion: 'beta' }),
      config({ objectTypes: ['user', 'group', 'contact'] }),
    ]) {
      expect(schemaCacheKey(other)).not.toBe(key);
      expect(readSchemaCache(dir, schemaCacheKey(other), undefined, T0)).toBeUndefined();
    }
  });

  it("is not used when MIM's schema names an attribute it lacks (an extension added since)", () => {
    const dir = fresh();
    writeSchemaCache(dir, key, detected, T0);
    const user = detected.schema.types.find((t) => t.name === 'user')!;
    const wider: Schema = {
      types: [
        {
          ...user,
          attributes: [
            ...user.attributes,
            { name: 'extension_5bfc8fdacfc943a9a6de214ea9d15fdb_added', dataType: 'String' } as never,
          ],
        },
      ],
    };
    expect(readSchemaCache(dir, key, { types: [user] }, T0)).toBeDefined();
    expect(readSchemaCache(dir, key, wider, T0)).toBeUndefined();
  });

  it('is ignored when absent, unreadable or not its format, and an unwritable folder costs nothing', () => {
    const dir = fresh();
    expect(readSchemaCache(dir, key, undefined, T0)).toBeUndefined();
    for (const text of [
      '{not json',
      '[]',
      '{"format":2}',
      JSON.stringify({ format: 1, key, detectedAt: T0 }),
    ]) {
      writeFileSync(join(dir, SCHEMA_CACHE_FILE), text);
      expect(readSchemaCache(dir, key, undefined, T0)).toBeUndefined();
    }
    writeFileSync(
      join(dir, SCHEMA_CACHE_FILE),
      JSON.stringify({ format: 1, key, detectedAt: T0, warnings: [], attributes: [{ name: 'x' }] }),
    );
    expect(readSchemaCache(dir, key, undefined, T0)).toBeUndefined();
    // A file where the folder should be: writing fails quietly (the next run detects again).
    const blocked = join(dir, 'blocked');
    writeFileSync(blocked, '');
    expect(() => writeSchemaCache(join(blocked, 'sub'), key, detected, T0)).not.toThrow();
  });
});
