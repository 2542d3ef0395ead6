import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's schemas/ folder, found from this module both when it runs from source
 * (connector/runtime) and when it runs compiled (dist/connector/runtime).
 */
export function schemasDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '../../schemas'), join(here, '../../../schemas')]) {
    if (existsSync(join(candidate, 'bridge-protocol.schema.json'))) return candidate;
  }
  throw new Error(`schemas/ not found next to ${here}; the installation is incomplete`);
}
