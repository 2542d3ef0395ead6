/** A Graph call as the handlers see it: the same for a top-level request and a $batch item. */
export interface GraphRequest {
  readonly method: string;
  readonly version: 'v1.0' | 'beta';
  /** Path segments after the version root, percent-decoded. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  /** Application roles of the caller's token. */
  readonly roles: ReadonlySet<string>;
  readonly appId: string;
  readonly inBatch: boolean;
}

export interface GraphResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** `ConsistencyLevel: eventual` together with `$count=true`: Graph's advanced query. */
export function isAdvancedQuery(req: GraphRequest): boolean {
  return (
    (req.headers.consistencylevel ?? '').toLowerCase() === 'eventual' &&
    (req.query.get('$count') ?? '').toLowerCase() === 'true'
  );
}
