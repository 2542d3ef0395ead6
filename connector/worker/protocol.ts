import type { WaitEvent } from '../graph/client.js';

/**
 * The bridge protocol: JSON-RPC 2.0, one JSON message per line. Described once in
 * schemas/bridge-protocol.schema.json; both sides are tested against that description.
 */
export const PROTOCOL_VERSION = 1;

/** Methods mirroring MIM's ECMA2 calls, plus `hello` (handshake), `cancel` and `shutdown`. */
export const ECMA_METHODS = [
  'getCapabilities',
  'getConfigParameters',
  'validateConfigParameters',
  'getSchema',
  'openImport',
  'getImportPage',
  'closeImport',
  'openExport',
  'putExportEntries',
  'closeExport',
  'openPassword',
  'setPassword',
  'changePassword',
  'closePassword',
] as const;

export type EcmaMethod = (typeof ECMA_METHODS)[number];

/**
 * Requests the worker sends to the bridge (ids `w1`, `w2`, …): what only the bridge can do. `certificate`
 * and `sign` reach a certificate in the Windows store whose private key never leaves it.
 */
export const BRIDGE_METHODS = ['certificate', 'sign'] as const;

export type BridgeMethod = (typeof BRIDGE_METHODS)[number];

export interface BridgeRequestOptions {
  /** Abandons the request (the answer, if it comes, is ignored). */
  signal?: AbortSignal | undefined;
  /** Longest wait for the answer; the server's default otherwise. */
  timeoutMs?: number | undefined;
}

/**
 * Sends a request to the bridge and resolves with its result, already checked against the protocol
 * schema. Failures are ConnectorErrors: the bridge's own (its mimError), a timeout, a cancellation,
 * or a malformed answer (UnexpectedData). Only the stdio worker has one; the CLI has no bridge.
 */
export interface BridgeRequester {
  request(
    method: BridgeMethod,
    params: Record<string, unknown>,
    options?: BridgeRequestOptions,
  ): Promise<Record<string, unknown>>;
}

/** Per call: cancellation, and where to report waits (heartbeats). */
export interface CallContext {
  signal: AbortSignal;
  onWait: (e: WaitEvent) => void;
}

/** What the server needs of a dispatcher: method names, dispatch, and an orderly end. */
export interface MethodTarget {
  readonly methods: string[];
  has(method: string): boolean;
  dispatch(method: string, params: Record<string, unknown>, call: CallContext): Promise<unknown>;
  shutdown(): Promise<void>;
}

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: number | string;
  method: string;
  params?: unknown;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: unknown;
}

export interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: number | string | null;
  result?: unknown;
  error?: JsonRpcError;
}

/** JSON-RPC's reserved codes, and ours: a connector failure carrying MIM's exception name. */
export const ErrorCodes = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  ConnectorFailure: -32000,
  Cancelled: -32800,
} as const;
