/** Opaque $skiptoken / $deltatoken values: base64url JSON, which clients must treat as opaque. */
export function encodeToken(state: object): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

export function decodeToken<T>(token: string, isValid: (v: unknown) => v is T): T | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    return isValid(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Query string as Graph writes it in its links: OData punctuation left readable (`$`, `,`, `(`,
 * `)`, `'`, `:`), everything else percent-encoded, spaces as %20.
 */
export function odataQueryString(params: Iterable<[string, string]>): string {
  const parts: string[] = [];
  for (const [k, v] of params) parts.push(`${encodeOData(k)}=${encodeOData(v)}`);
  return parts.join('&');
}

function encodeOData(s: string): string {
  return encodeURIComponent(s).replace(/%24/g, '$').replace(/%2C/g, ',').replace(/%3A/g, ':');
}

/** The request's query options without the paging ones, to carry into a nextLink. */
export function carriedQuery(query: URLSearchParams, drop: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of query) if (!drop.includes(k.toLowerCase())) out.push([k, v]);
  return out;
}
