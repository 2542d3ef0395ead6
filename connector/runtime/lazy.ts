import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A package loaded on first use instead of at start. MIM starts a worker for every run, and most
 * runs never parse XML (Graph's $metadata, drop files) or open a PFX file: not loading those
 * packages up front takes their share off every run's start.
 */
export function lazy<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(id) as T;
    return loaded;
  };
}
