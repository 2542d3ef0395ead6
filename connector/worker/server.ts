import type { Readable, Writable } from 'node:stream';
import type { WaitEvent } from '../graph/client.js';
import { ConnectorError, type MimErrorCode } from '../model/ecma.js';
import type { Logger } from '../runtime/log.js';
import { toConnectorError } from './errors.js';
import {
  type BridgeMethod,
  type BridgeRequester,
  type BridgeRequestOptions,
  ErrorCodes,
  type JsonRpcError,
  type MethodTarget,
  PROTOCOL_VERSION,
} from './protocol.js';
import { checkDefinition, checkMessage } from './validate.js';

export interface ServerOptions {
  input: Readable;
  output: Writable;
  log: Logger;
  /** Builds the dispatcher once `hello` names the data folder; `bridge` sends requests to the bridge. */
  dispatcher(dataFolder: string | undefined, bridge: BridgeRequester): MethodTarget;
  version: string;
  /** Seconds between `working` heartbeats while a call runs. */
  heartbeatSeconds?: number;
  /** Longest accepted message line, bytes. */
  maxLineBytes?: number;
  /** Default wait for the bridge's answer to a worker → bridge request, ms (30 s). */
  bridgeTimeoutMs?: number;
}

interface PendingRequest {
  method: BridgeMethod;
  resolve(result: Record<string, unknown>): void;
  reject(e: Error): void;
}

/**
 * JSON-RPC 2.0 over a line-oriented stream: one JSON message per line in and out. `hello` must come
 * first (version handshake); calls may overlap; `cancel` aborts a call; heartbeats tell the bridge a
 * long call (Retry-After, write budget, a slow page) is alive. Nothing but protocol goes to output.
 * The worker may also ask the bridge (`request`, ids `w1`, `w2`, …): a line with an id and a result or
 * an error but no method is the bridge's answer to one of those.
 */
export class StdioServer implements BridgeRequester {
  private dispatcher: MethodTarget | undefined;
  private readonly inFlight = new Map<string, AbortController>();
  private readonly pending = new Map<string, PendingRequest>();
  private nextRequest = 1;
  private buffer = '';
  private closed = false;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(private readonly o: ServerOptions) {
    this.done = new Promise((r) => {
      this.resolveDone = r;
    });
    o.input.setEncoding('utf8');
    o.input.on('data', (chunk: string) => this.onData(chunk));
    o.input.on('end', () => void this.shutdown());
    o.input.on('error', () => void this.shutdown());
  }

  /** Resolves when the input ended or `shutdown` arrived and every session is closed. */
  finished(): Promise<void> {
    return this.done;
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    const max = this.o.maxLineBytes ?? 256 * 1024 * 1024;
    for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim() !== '') void this.onLine(line);
    }
    if (this.buffer.length > max) {
      this.buffer = '';
      this.send({
        jsonrpc: '2.0',
        id: null,
        error: {
          code: ErrorCodes.InvalidRequest,
          message: `a message longer than ${max} bytes without a line end was dropped`,
        },
      });
    }
  }

  private send(message: object): void {
    if (this.closed && !('id' in message)) return;
    this.o.output.write(`${JSON.stringify(message)}\n`);
  }

  private fail(id: string | number | null, error: JsonRpcError): void {
    this.send({ jsonrpc: '2.0', id, error });
  }

  private async onLine(line: string): Promise<void> {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch (e) {
      this.fail(null, { code: ErrorCodes.ParseError, message: `not JSON: ${(e as Error).message}` });
      return;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      this.fail(null, {
        code: ErrorCodes.InvalidRequest,
        message: 'a message must be a JSON object (batches are not used)',
      });
      return;
    }
    const m = msg as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
    if (m.method === undefined && m.id !== undefined && ('result' in m || 'error' in m)) {
      this.onAnswer(msg as Record<string, unknown>);
      return;
    }
    const id = typeof m.id === 'string' || typeof m.id === 'number' ? m.id : null;
    if (m.jsonrpc !== '2.0' || typeof m.method !== 'string' || (m.id !== undefined && id === null)) {
      this.fail(id, {
        code: ErrorCodes.InvalidRequest,
        message: 'expected {"jsonrpc":"2.0","method":<string>,"id":<number|string>,"params":{...}}',
      });
      return;
    }
    const method = m.method;
    const params = (m.params ?? {}) as Record<string, unknown>;
    if (method === 'cancel') {
      const invalid = checkMessage('cancel', 'params', params);
      if (!invalid) this.inFlight.get(String(params.id))?.abort(new Error('cancelled by the bridge'));
      return;
    }
    if (id === null) return; // other notifications are ignored
    if (method === 'hello') return this.hello(id, params);
    if (method === 'shutdown') {
      this.send({ jsonrpc: '2.0', id, result: {} });
      await this.shutdown();
      return;
    }
    if (!this.dispatcher) {
      this.fail(id, {
        code: ErrorCodes.InvalidRequest,
        message: `send 'hello' with protocolVersion ${PROTOCOL_VERSION} before '${method}'`,
      });
      return;
    }
    if (!this.dispatcher.has(method)) {
      this.fail(id, { code: ErrorCodes.MethodNotFound, message: `unknown method '${method}'` });
      return;
    }
    const invalid = checkMessage(method, 'params', params);
    if (invalid) {
      this.fail(id, {
        code: ErrorCodes.InvalidParams,
        message: invalid,
        data: { field: invalid.split(' ')[0] },
      });
      return;
    }
    await this.call(id, method, params);
  }

  private hello(id: string | number, params: Record<string, unknown>): void {
    const invalid = checkMessage('hello', 'params', params);
    if (invalid) {
      this.fail(id, { code: ErrorCodes.InvalidParams, message: invalid });
      return;
    }
    if (params.protocolVersion !== PROTOCOL_VERSION) {
      this.fail(id, {
        code: ErrorCodes.InvalidRequest,
        message: `protocol version ${String(params.protocolVersion)} is not supported; this worker speaks ${PROTOCOL_VERSION}: install matching bridge and connector versions`,
      });
      return;
    }
    this.dispatcher ??= this.o.dispatcher(params.dataFolder as string | undefined, this);
    this.send({
      jsonrpc: '2.0',
      id,
      result: {
        protocolVersion: PROTOCOL_VERSION,
        connectorVersion: this.o.version,
        methods: this.dispatcher.methods,
        heartbeatSeconds: this.o.heartbeatSeconds ?? 10,
      },
    });
  }

  private async call(id: string | number, method: string, params: Record<string, unknown>): Promise<void> {
    const abort = new AbortController();
    this.inFlight.set(String(id), abort);
    const heartbeat = setInterval(
      () => this.send({ jsonrpc: '2.0', method: 'heartbeat', params: { id, reason: 'working' } }),
      (this.o.heartbeatSeconds ?? 10) * 1000,
    );
    heartbeat.unref();
    const onWait = (e: WaitEvent) =>
      this.send({
        jsonrpc: '2.0',
        method: 'heartbeat',
        params: { id, reason: e.reason, ms: Math.round(e.ms), detail: `${e.method} ${e.path}` },
      });
    const started = performance.now();
    try {
      // A cancelled call is answered at once; whatever it was waiting for is abandoned.
      const cancelled = new Promise<never>((_, reject) => {
        abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true });
      });
      cancelled.catch(() => {});
      const work = this.dispatcher!.dispatch(method, params, { signal: abort.signal, onWait });
      // An abandoned call may still fail later; that is no longer anyone's answer.
      work.catch(() => {});
      const result = await Promise.race([work, cancelled]);
      this.send({ jsonrpc: '2.0', id, result: result ?? {} });
      this.o.log.debug('call done', { method, ms: Math.round(performance.now() - started) });
    } catch (e) {
      const err = abort.signal.aborted
        ? toConnectorError(Object.assign(new Error('cancelled'), { name: 'AbortError' }))
        : toConnectorError(e);
      this.o.log.warn('call failed', { method, mimError: err.code, error: err.message });
      this.fail(id, {
        code: abort.signal.aborted ? ErrorCodes.Cancelled : ErrorCodes.ConnectorFailure,
        message: err.message,
        data: { mimError: err.code, ...(err.detail ? { detail: err.detail } : {}) },
      });
    } finally {
      clearInterval(heartbeat);
      this.inFlight.delete(String(id));
    }
  }

  // ---- worker → bridge requests ----------------------------------------------------------------

  /**
   * Asks the bridge (`certificate`, `sign`): the result once checked against the protocol schema, or a
   * ConnectorError — the bridge's failure with its mimError, a timeout, a cancellation through
   * `options.signal`, a malformed answer (UnexpectedData), or the worker shutting down.
   */
  request(
    method: BridgeMethod,
    params: Record<string, unknown>,
    options: BridgeRequestOptions = {},
  ): Promise<Record<string, unknown>> {
    if (this.closed) {
      return Promise.reject(
        new ConnectorError(
          'TerminateRun',
          `the worker is shutting down; '${method}' was not sent to the bridge`,
          {
            bridgeMethod: method,
          },
        ),
      );
    }
    const invalid = checkMessage(method, 'params', params);
    if (invalid) {
      return Promise.reject(
        new ConnectorError('ExtensibleExtension', `the worker's request '${method}' is invalid: ${invalid}`, {
          bridgeMethod: method,
        }),
      );
    }
    const signal = options.signal;
    if (signal?.aborted) {
      return Promise.reject(
        new ConnectorError('TerminateRun', `the request '${method}' to the bridge was cancelled`, {
          bridgeMethod: method,
        }),
      );
    }
    const id = `w${this.nextRequest++}`;
    const timeoutMs = options.timeoutMs ?? this.o.bridgeTimeoutMs ?? 30_000;
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
      };
      const onAbort = () => {
        done();
        reject(
          new ConnectorError('TerminateRun', `the request '${method}' to the bridge was cancelled`, {
            bridgeMethod: method,
          }),
        );
      };
      const timer = setTimeout(() => {
        done();
        this.o.log.warn('the bridge did not answer in time', { id, method, ms: timeoutMs });
        reject(
          new ConnectorError(
            'ExtensibleExtension',
            `the bridge did not answer '${method}' within ${Math.round(timeoutMs / 100) / 10} s`,
            { bridgeMethod: method },
          ),
        );
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        method,
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      this.o.log.debug('request to the bridge', { id, method });
      this.send({ jsonrpc: '2.0', id, method, params });
    });
  }

  /** The bridge's answer to one of our requests; unknown or late answers are only logged. */
  private onAnswer(m: Record<string, unknown>): void {
    const id = typeof m.id === 'string' ? m.id : undefined;
    const p = id === undefined ? undefined : this.pending.get(id);
    if (!p) {
      this.o.log.warn('an answer from the bridge matches no pending request (late or unknown id)', {
        id: typeof m.id === 'string' || typeof m.id === 'number' ? m.id : String(m.id),
      });
      return;
    }
    const method = p.method;
    const answer = readAnswer(method, m);
    if (answer.ok) p.resolve(answer.result);
    else p.reject(answer.error);
  }

  private async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of [...this.pending.values()]) {
      p.reject(
        new ConnectorError(
          'TerminateRun',
          `the worker is shutting down; the bridge's answer to '${p.method}' is no longer awaited`,
          {
            bridgeMethod: p.method,
          },
        ),
      );
    }
    for (const a of this.inFlight.values()) a.abort(new Error('the worker is shutting down'));
    await this.dispatcher?.shutdown();
    this.resolveDone();
  }
}

type Answer = { ok: true; result: Record<string, unknown> } | { ok: false; error: ConnectorError };

/** The bridge's answer to `method`, checked: its result, its failure, or why the answer is malformed. */
function readAnswer(method: BridgeMethod, m: Record<string, unknown>): Answer {
  const detail = { bridgeMethod: method };
  const malformed = (why: string): Answer => ({
    ok: false,
    error: new ConnectorError(
      'UnexpectedData',
      `the bridge's answer to '${method}' is malformed: ${why}`,
      detail,
    ),
  });
  if (m.jsonrpc !== '2.0') return malformed('jsonrpc must be "2.0"');
  if ('result' in m && 'error' in m) return malformed('it has both result and error');
  if ('error' in m) {
    const e = m.error as { code?: unknown; message?: unknown; data?: unknown } | null;
    if (typeof e !== 'object' || e === null || typeof e.code !== 'number' || typeof e.message !== 'string') {
      return malformed('error must be {code: <number>, message: <string>, data?}');
    }
    let mimError: MimErrorCode = 'ExtensibleExtension';
    if (e.data !== undefined) {
      const bad = checkDefinition('error', e.data)?.trim();
      if (bad !== undefined) return malformed(`error.data${bad ? ` ${bad}` : ' is invalid'}`);
      mimError = (e.data as { mimError: MimErrorCode }).mimError;
    }
    return { ok: false, error: new ConnectorError(mimError, e.message, detail) };
  }
  if (typeof m.result !== 'object' || m.result === null || Array.isArray(m.result)) {
    return malformed('result must be an object');
  }
  const invalid = checkMessage(method, 'result', m.result);
  if (invalid) return malformed(invalid);
  return { ok: true, result: m.result as Record<string, unknown> };
}
