/** A request what-if mode would have sent, for the CLI to print (secrets redacted). */
export interface PlannedRequest {
  /** The CSEntryChange it belongs to. */
  readonly identifier: string;
  readonly dn: string | undefined;
  readonly objectType: string;
  readonly method: string;
  /** Relative to the version root; `{new:<dn>}` stands for the id a create would assign. */
  readonly url: string;
  readonly body?: unknown;
}

const SECRET = /password|secret/i;

/** A copy of a request body with every password-like value replaced by '[redacted]'. */
export function redactBody(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(redactBody);
  if (body === null || typeof body !== 'object') return body;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    out[k] = SECRET.test(k) && (typeof v === 'string' || v === null) ? '[redacted]' : redactBody(v);
  }
  return out;
}

/** One line per request: `POST /users {"displayName":…}` */
export function formatPlanned(p: PlannedRequest): string {
  return `${p.method} ${p.url}${p.body === undefined ? '' : ` ${JSON.stringify(p.body)}`}`;
}

export const placeholderId = (dn: string | undefined, identifier: string) => `{new:${dn ?? identifier}}`;
