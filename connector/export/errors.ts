import { GraphError, TLS_CODES, TransportError } from '../graph/errors.js';
import { AuthenticationError } from '../graph/tokens.js';
import { ConnectorError, type MAExportError } from '../model/ecma.js';

/** What one failed request means for its entry. */
export interface EntryFailure {
  readonly errorCode: MAExportError;
  /** Short: Graph's code, or ours. */
  readonly errorName: string;
  /** One line: Graph's message, code, request-id and a hint. */
  readonly errorDetail: string;
}

/** What the request was doing, which changes what some answers mean. */
export type RequestKind = 'create' | 'update' | 'reference' | 'delete' | 'read';

export const failure = (errorCode: MAExportError, errorName: string, errorDetail: string): EntryFailure => ({
  errorCode,
  errorName,
  errorDetail: oneLine(errorDetail),
});

export const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

export const isConflict = (e: GraphError) =>
  e.status === 400 &&
  (e.details?.some((d) => d.code === 'ObjectConflict') === true || /already exists?\b/i.test(e.message));

export const isPasswordPolicy = (e: GraphError) =>
  e.status === 400 &&
  /password.*(complexity|policy|requirements)|(complexity|policy).*password/i.test(e.message);

/** "One or more added object references already exist …" */
export const isAlreadyReferenced = (e: GraphError) =>
  e.status === 400 && /added object references already exist/i.test(e.message);

/** "One or more removed object references do not exist …" (404 or 400) */
export const isNotReferenced = (e: GraphError) =>
  (e.status === 400 || e.status === 404) && /references do not exist/i.test(e.message);

/** Maps one Graph failure to the entry's MAExportError (see ecma2-api.md §8.7). */
export function mapEntryError(err: unknown, kind: RequestKind): EntryFailure {
  if (err instanceof GraphError) {
    const detail = graphDetail(err);
    if (err.status === 404) {
      return failure(
        kind === 'reference'
          ? 'ExportErrorReferenceAttributeFailure'
          : 'ExportErrorConnectedDirectoryMissingObject',
        err.code,
        detail,
      );
    }
    if (err.status === 403) return failure('ExportErrorPermissionIssue', err.code, detail);
    if (isPasswordPolicy(err)) return failure('ExportErrorPasswordPolicyViolation', err.code, detail);
    if (kind === 'create' && isConflict(err))
      return failure('ExportErrorConnectedDirectoryExistingObject', err.code, detail);
    if (kind === 'reference' && err.status === 400)
      return failure('ExportErrorReferenceAttributeFailure', err.code, detail);
    if (
      err.status === 400 &&
      (/invalid value|is invalid|invalid .*(property|value)/i.test(err.message) ||
        err.details?.some((d) => d.code === 'InvalidValue') === true)
    ) {
      return failure('ExportErrorInvalidAttributeValue', err.code, detail);
    }
    if (isConflict(err)) return failure('ExportErrorConstraintViolation', err.code, detail);
    return failure('ExportErrorCustomContinueRun', err.code, detail);
  }
  if (err instanceof TransportError) return failure('ExportErrorCustomContinueRun', err.code, err.message);
  return failure(
    'ExportErrorCustomContinueRun',
    'ConnectorError',
    err instanceof Error ? err.message : String(err),
  );
}

function graphDetail(e: GraphError): string {
  return oneLine(
    `${e.method} ${e.path} → ${e.status} ${e.code}: ${e.graphMessage.replace(/ \(request-id [^)]*\).*$/, '')}` +
      ` (request-id ${e.requestId ?? 'none'})` +
      (e.hint ? `; hint: ${e.hint}` : ''),
  );
}

const UNREACHABLE: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'PROXY_AUTH',
  ...TLS_CODES,
]);

/** Whether a per-item failure says Graph cannot be reached at all (the run stops rather than failing entries). */
export const isUnreachable = (err: unknown) => err instanceof TransportError && UNREACHABLE.has(err.code);

/**
 * Failures that stop the run: bad credentials, Graph unreachable. Anything else escaping a phase
 * becomes ExtensibleExtension with its message. Aborts pass through unchanged.
 */
export function fatal(err: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted) return err;
  if (err instanceof ConnectorError) return err;
  if (err instanceof AuthenticationError) {
    return err.errorCode === 'network'
      ? new ConnectorError('ServerDown', err.message, { code: err.errorCode })
      : new ConnectorError('BadServerCredentials', err.message, {
          code: err.errorCode,
          ...(err.aadsts !== undefined ? { aadsts: err.aadsts } : {}),
        });
  }
  if (err instanceof GraphError) {
    const detail = { graphCode: err.code, status: err.status, requestId: err.requestId ?? '' };
    if (err.status === 401) return new ConnectorError('BadServerCredentials', err.message, detail);
    if (err.status >= 500 || err.status === 429) return new ConnectorError('ServerDown', err.message, detail);
    return new ConnectorError('ExtensibleExtension', err.message, detail);
  }
  if (err instanceof TransportError) return new ConnectorError('ServerDown', err.message, { code: err.code });
  return new ConnectorError('ExtensibleExtension', err instanceof Error ? err.message : String(err));
}
