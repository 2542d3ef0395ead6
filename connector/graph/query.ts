/**
 * Query strings for Graph list and delta calls. Values are percent-encoded (a `+` or `#` in a filter
 * literal must not turn into a space or a fragment); OData punctuation stays readable.
 */
export interface ListQuery {
  select?: readonly string[] | undefined;
  filter?: string | undefined;
  top?: number | undefined;
  orderby?: string | undefined;
  search?: string | undefined;
  expand?: string | undefined;
}

export interface BuiltQuery {
  /** `?$select=...` or '' */
  query: string;
  /** Graph's advanced query is needed: send `ConsistencyLevel: eventual` (and `$count=true` is in the query). */
  advanced: boolean;
}

const encode = (s: string) => encodeURIComponent(s).replace(/%24/g, '$').replace(/%2C/g, ',');

/** Operators Graph serves only through the advanced-query index. */
export function needsAdvancedQuery(filter: string | undefined): boolean {
  if (!filter) return false;
  // Ignore string literals so a value like 'not me' does not count as the operator.
  const bare = filter.replace(/'(?:[^']|'')*'/g, "''");
  return /\bne\b|\bnot\b|\bendsWith\s*\(|\beq\s+null\b|\/\$count\b/i.test(bare);
}

export function buildQuery(q: ListQuery): BuiltQuery {
  const parts: string[] = [];
  if (q.select?.length) parts.push(`$select=${encode(q.select.join(','))}`);
  if (q.filter) parts.push(`$filter=${encode(q.filter)}`);
  if (q.search) parts.push(`$search=${encode(q.search)}`);
  if (q.orderby) parts.push(`$orderby=${encode(q.orderby)}`);
  if (q.expand) parts.push(`$expand=${encode(q.expand)}`);
  if (q.top !== undefined) {
    if (!Number.isInteger(q.top) || q.top < 1 || q.top > 999)
      throw new Error(`page size must be 1..999; got ${q.top}`);
    parts.push(`$top=${q.top}`);
  }
  const advanced =
    needsAdvancedQuery(q.filter) ||
    q.search !== undefined ||
    (q.orderby !== undefined && q.filter !== undefined);
  if (advanced) parts.push('$count=true');
  return { query: parts.length ? `?${parts.join('&')}` : '', advanced };
}

export const ADVANCED_QUERY_HEADERS: Readonly<Record<string, string>> = { ConsistencyLevel: 'eventual' };
