import { GraphError, TransportError } from '../graph/errors.js';
import { AuthenticationError } from '../graph/tokens.js';
import { ConnectorError, type MimErrorCode } from '../model/ecma.js';

/**
 * Any failure that stops a call, as MIM's exception family: the bridge throws the exception named
 * here, with the message. Failures of single entries never get here (they are entry results).
 */
export function toConnectorError(e: unknown): ConnectorError {
  if (e instanceof ConnectorError) return e;
  if (e instanceof AuthenticationError) {
    const code: MimErrorCode =
      e.errorCode === 'network' || e.errorCode === 'invalid_response' ? 'ServerDown' : 'BadServerCredentials';
    return new ConnectorError(code, e.message, e.aadsts ? { aadsts: e.aadsts } : undefined);
  }
  if (e instanceof TransportError) {
    const code: MimErrorCode =
      e.code === 'INVALID_JSON' || e.code === 'UNEXPECTED_PAYLOAD' ? 'UnexpectedData' : 'ServerDown';
    return new ConnectorError(code, e.message, { transportCode: e.code });
  }
  if (e instanceof GraphError) {
    const detail = {
      status: e.status,
      graphCode: e.code,
      ...(e.requestId ? { requestId: e.requestId } : {}),
    };
    if (e.status === 401) return new ConnectorError('BadServerCredentials', e.message, detail);
    if (e.status === 403) return new ConnectorError('AccessDenied', e.message, detail);
    if (e.status >= 500 || e.status === 429) return new ConnectorError('ServerDown', e.message, detail);
    return new ConnectorError('ExtensibleExtension', e.message, detail);
  }
  const err = e as Error;
  if (err?.name === 'AbortError' || err?.name === 'CancelledError') {
    return new ConnectorError('TerminateRun', 'the call was cancelled');
  }
  return new ConnectorError(
    'ExtensibleExtension',
    `unexpected failure in the connector: ${err?.message ?? String(e)}`,
  );
}
