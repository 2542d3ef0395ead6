import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemasDir } from '../runtime/assets.js';
import { createLogger, type Level, type Logger } from '../runtime/log.js';
import { Dispatcher } from './dispatcher.js';
import { toConnectorError } from './errors.js';
import { ErrorCodes, type JsonRpcError, type MethodTarget, PROTOCOL_VERSION } from './protocol.js';
import { checkMessage } from './validate.js';

/**
 * The connector's entry for channel (b): Edge.js, the connector running in MIM's own process.
 *
 * The bridge calls one function with a JSON string and gets a JSON string back (Edge.js's
 * `(payload, callback)` shape, a `Func<object, Task<object>>` on the .NET side):
 *
 *   in:  {"id":"e1","method":"openImport","params":{...},"dataFolder":"..."}
 *   out: {"result":{...}}  or  {"error":{"code":-32000,"message":"...","data":{"mimError":"...","detail":{...}}}}
 *
 * The methods, params and results are those of the stdio worker (schemas/bridge-protocol.schema.json):
 * `hello` first, then the ECMA methods, `cancel` ({id}) and `shutdown`. There are no heartbeats: the
 * call is in-process, nothing watches it. Node starts once per process, so one function serves every MA
 * in miiserver: `dataFolder` (the one the bridge sent in `hello`) picks the dispatcher of that MA.
 */

export type EdgeCallback = (err: unknown, result?: string) => void;
export type EdgeDispatch = (payload: string, callback: EdgeCallback) => void;

export interface EdgeDispatcherOptions {
  log?: Logger;
  /** The version announced in `hello`; by default package.json's. */
  version?: string;
  /** Builds the dispatcher of one data folder (tests); by default the connector's Dispatcher. */
  dispatcher?: (dataFolder: string | undefined, log: Logger) => MethodTarget;
}

interface Envelope {
  id?: unknown;
  method?: unknown;
  params?: unknown;
  dataFolder?: unknown;
}

interface Target {
  dispatcher: MethodTarget;
  /** Channels that said hello with this data folder and did not shut down yet. */
  users: number;
}

export function connectorVersion(): string {
  return (JSON.parse(readFileSync(join(schemasDir(), '..', 'package.json'), 'utf8')) as { version: string })
    .version;
}

export function createEdgeDispatcher(options: EdgeDispatcherOptions = {}): EdgeDispatch {
  const log = options.log ?? createLogger(logLevel());
  const version = options.version ?? connectorVersion();
  const build = options.dispatcher ?? ((dataFolder, l) => new Dispatcher({ stateDir: dataFolder, log: l }));
  const targets = new Map<string, Target>();
  const inFlight = new Map<string, AbortController>();

  const fail = (code: number, message: string, data?: unknown): string =>
    JSON.stringify({
      error: { code, message, ...(data === undefined ? {} : { data }) } satisfies JsonRpcError,
    });
  const ok = (result: unknown): string => JSON.stringify({ result: result ?? {} });

  async function handle(payload: unknown): Promise<string> {
    let msg: Envelope;
    try {
      msg = typeof payload === 'string' ? (JSON.parse(payload) as Envelope) : (payload as Envelope);
    } catch (e) {
      return fail(ErrorCodes.ParseError, `not JSON: ${(e as Error).message}`);
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg) || typeof msg.method !== 'string') {
      return fail(ErrorCodes.InvalidRequest, 'expected {"method":<string>,"params":{...}}');
    }
    const method = msg.method;
    const params = (msg.params ?? {}) as Record<string, unknown>;
    const folderKey = typeof msg.dataFolder === 'string' ? msg.dataFolder : '';

    if (method === 'hello') {
      const invalid = checkMessage('hello', 'params', params);
      if (invalid) return fail(ErrorCodes.InvalidParams, invalid);
      if (params.protocolVersion !== PROTOCOL_VERSION) {
        return fail(
          ErrorCodes.InvalidRequest,
          `protocol version ${String(params.protocolVersion)} is not supported; this connector speaks ${PROTOCOL_VERSION}: install matching bridge and connector versions`,
        );
      }
      const dataFolder = params.dataFolder as string | undefined;
      const key = dataFolder ?? '';
      let target = targets.get(key);
      if (!target) {
        target = { dispatcher: build(dataFolder, log), users: 0 };
        targets.set(key, target);
      }
      target.users++;
      return ok({
        protocolVersion: PROTOCOL_VERSION,
        connectorVersion: version,
        methods: target.dispatcher.methods,
      });
    }
    if (method === 'cancel') {
      if (!checkMessage('cancel', 'params', params))
        inFlight.get(String(params.id))?.abort(new Error('cancelled by the bridge'));
      return ok({});
    }
    const target = targets.get(folderKey);
    if (method === 'shutdown') {
      // One dispatcher per data folder, shared by the channels of that MA. When the last one leaves, the
      // sessions left open are closed; the dispatcher stays, so its schema cache spares the next run step
      // the $metadata detection (the worker loses it with its process).
      if (target && --target.users <= 0) {
        target.users = 0;
        await target.dispatcher.shutdown();
      }
      return ok({});
    }
    if (!target) {
      return fail(
        ErrorCodes.InvalidRequest,
        `send 'hello' with protocolVersion ${PROTOCOL_VERSION} before '${method}'`,
      );
    }
    if (!target.dispatcher.has(method)) return fail(ErrorCodes.MethodNotFound, `unknown method '${method}'`);
    const invalid = checkMessage(method, 'params', params);
    if (invalid) return fail(ErrorCodes.InvalidParams, invalid, { field: invalid.split(' ')[0] });

    const abort = new AbortController();
    const id = msg.id === undefined || msg.id === null ? undefined : String(msg.id);
    if (id !== undefined) inFlight.set(id, abort);
    const started = performance.now();
    try {
      const result = await target.dispatcher.dispatch(method, params, {
        signal: abort.signal,
        onWait: () => {},
      });
      log.debug('call done', { method, ms: Math.round(performance.now() - started) });
      return ok(result);
    } catch (e) {
      const err = abort.signal.aborted
        ? toConnectorError(Object.assign(new Error('cancelled'), { name: 'AbortError' }))
        : toConnectorError(e);
      log.warn('call failed', { method, mimError: err.code, error: err.message });
      return fail(abort.signal.aborted ? ErrorCodes.Cancelled : ErrorCodes.ConnectorFailure, err.message, {
        mimError: err.code,
        ...(err.detail ? { detail: err.detail } : {}),
      });
    } finally {
      if (id !== undefined) inFlight.delete(id);
    }
  }

  return (payload, callback) => {
    handle(payload).then(
      (answer) => callback(null, answer),
      // handle() answers failures itself; this is a bug, and Edge.js turns it into an exception in .NET.
      (e: unknown) => callback(e instanceof Error ? e : new Error(String(e))),
    );
  };
}

function logLevel(): Level {
  const level = process.env.MIMGRAPH_LOG_LEVEL;
  return level === 'error' || level === 'warn' || level === 'info' || level === 'debug' ? level : 'info';
}

let shared: EdgeDispatch | undefined;

/**
 * The Windows entry: EdgeJs's `Edge.Func` code (see the bridge's EdgeChannel.cs) imports this module
 * and calls this for every message. One per process, as Node is.
 */
export default function dispatch(payload: string): Promise<string> {
  shared ??= createEdgeDispatcher();
  const d = shared;
  return new Promise((resolve, reject) =>
    d(payload, (err, result) => (err ? reject(err) : resolve(result ?? ''))),
  );
}
