import { GraphError, TransportError } from '../graph/errors.js';
import { AuthenticationError } from '../graph/tokens.js';
import { ConnectorError } from '../model/ecma.js';

/** A failure that stops the import, as the ExtensionException MIM should see. */
export function toConnectorError(e: unknown, what: string): ConnectorError {
  if (e instanceof ConnectorError) return e;
  const detail = (extra: Record<string, string | number | boolean>) => extra;
  if (e instanceof AuthenticationError) {
    return new ConnectorError(
      e.errorCode === 'network' ? 'ServerDown' : 'BadServerCredentials',
      `${what}: ${e.message}`,
      detail({ errorCode: e.errorCode }),
    );
  }
  if (e instanceof GraphError) {
    const d = detail({
      status: e.status,
      graphCode: e.code,
      ...(e.requestId ? { requestId: e.requestId } : {}),
    });
    if (e.status === 401) return new ConnectorError('BadServerCredentials', `${what}: ${e.message}`, d);
    if (e.status === 403) return new ConnectorError('AccessDenied', `${what}: ${e.message}`, d);
    if (e.status >= 500 || e.status === 429)
      return new ConnectorError('ServerDown', `${what}: ${e.message}`, d);
    return new ConnectorError('ExtensibleExtension', `${what}: ${e.message}`, d);
  }
  if (e instanceof TransportError) {
    const unexpected = e.code === 'UNEXPECTED_PAYLOAD' || e.code === 'INVALID_JSON';
    return new ConnectorError(unexpected ? 'UnexpectedData' : 'ServerDown', `${what}: ${e.message}`, {
      code: e.code,
    });
  }
  if (e instanceof UnexpectedDataError) return new ConnectorError('UnexpectedData', `${what}: ${e.message}`);
  if (e instanceof Error && e.name === 'AbortError')
    return new ConnectorError('TerminateRun', `${what}: the run was cancelled`);
  return new ConnectorError('ExtensibleExtension', `${what}: ${e instanceof Error ? e.message : String(e)}`);
}

/** Graph sent something this connector cannot read (a page, not a single object). */
export class UnexpectedDataError extends Error {
  override readonly name = 'UnexpectedDataError';
}
