import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The package's `schemas/` folder, found from this module's own location so it works both from
 * source (connector/schema/*.ts → ../../schemas) and from the build (dist/connector/schema/*.js →
 * ../../../schemas; `schemas` ships beside `dist` in the package).
 */
let cached: string | undefined;

export function schemasDir(): string {
  if (cached) return cached;
  const candidates = [
    new URL('../../schemas/', import.meta.url),
    new URL('../../../schemas/', import.meta.url),
  ];
  for (const c of candidates) {
    const dir = fileURLToPath(c);
    if (existsSync(`${dir}graph-attributes.json`)) {
      cached = dir;
      return dir;
    }
  }
  throw new Error(
    `schema: cannot find the schemas folder (looked in ${candidates.map((c) => fileURLToPath(c)).join(' and ')})`,
  );
}

export function readSchemasFile(name: string): string {
  return readFileSync(`${schemasDir()}${name}`, 'utf8');
}
