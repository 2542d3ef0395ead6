import { badRequest } from '../http/errors.js';

/**
 * Splits `users/{id}/members?$top=5` into decoded segments and query. Key syntax
 * `servicePrincipals(appId='...')` or `users('id')` becomes two segments.
 */
export function splitPath(pathAndQuery: string): { segments: string[]; query: URLSearchParams } {
  const q = pathAndQuery.indexOf('?');
  const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : pathAndQuery.slice(q + 1));
  const segments: string[] = [];
  for (const raw of path.split('/')) {
    if (raw === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      throw badRequest(`Invalid percent-encoding in the URL segment '${raw}'.`);
    }
    const key = /^([A-Za-z]+)\((.+)\)$/.exec(seg);
    if (key && key[1] !== 'delta') {
      segments.push(key[1]!);
      const inner = key[2]!;
      segments.push(/^'.*'$/.test(inner) ? inner.slice(1, -1).replace(/''/g, "'") : inner);
    } else {
      segments.push(seg);
    }
  }
  return { segments, query };
}
