import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../connector/model/ecma.js';
import { createLogger } from '../../connector/runtime/log.js';
import type { BridgeRequester, MethodTarget } from '../../connector/worker/protocol.js';
import { StdioServer } from '../../connector/worker/server.js';
import { checkMessage } from '../../connector/worker/validate.js';

/**
 * Worker → bridge requests through the stdio server, with the test as the bridge: the worker's request
 * goes out with a string id, the bridge's answer (id, result or error, no method) is routed back to it.
 */

const THUMB = 'A909502DD82AE41433E6F83886B00D4277A32A7B';

/** A message on the wire. */
interface Msg {
  jsonrpc?: string;
  id?: string | number | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: unknown;
}

interface Rig {
  server: StdioServer;
  bridge: BridgeRequester;
  /** Messages the worker wrote. */
  out: Msg[];
  /** The next message the worker writes that satisfies `pred`. */
  next(pred: (m: Msg) => boolean): Promise<Msg>;
  /** Writes a line as the bridge. */
  write(m: unknown): void;
  log: string[];
  close(): Promise<void>;
}

function rig(bridgeTimeoutMs = 2000): Rig {
  const input = new PassThrough();
  const output = new PassThrough();
  const out: Msg[] = [];
  const waiters: { pred: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  let buffer = '';
  output.setEncoding('utf8');
  output.on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const m = JSON.parse(buffer.slice(0, nl)) as Msg;
      buffer = buffer.slice(nl + 1);
      out.push(m);
      const w = waiters.findIndex((x) => x.pred(m));
      if (w >= 0) waiters.splice(w, 1)[0]!.resolve(m);
    }
  });
  const log: string[] = [];
  let bridge: BridgeRequester | undefined;
  // A dispatcher with one method that asks the bridge to sign, as the token code does.
  const target = (b: BridgeRequester): MethodTarget => ({
    methods: ['getCapabilities'],
    has: (m) => m === 'getCapabilities',
    dispatch: async () => {
      const r = await b.request('sign', { thumbprint: THUMB, algorithm: 'PS256', data: 'AAEC' });
      return { signed: r.signature };
    },
    shutdown: async () => {},
  });
  const server = new StdioServer({
    input,
    output,
    log: createLogger('debug', (l) => log.push(l)),
    version: 'test',
    bridgeTimeoutMs,
    dispatcher: (_folder, b) => {
      bridge = b;
      return target(b);
    },
  });
  const write = (m: unknown) => input.write(`${typeof m === 'string' ? m : JSON.stringify(m)}\n`);
  write({ jsonrpc: '2.0', id: 1, method: 'hello', params: { protocolVersion: 1 } });
  return {
    server,
    get bridge() {
      if (!bridge) throw new Error('no hello yet');
      return bridge;
    },
    out,
    log,
    write,
    next: (pred) => {
      const seen = out.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    close: async () => {
      input.end();
      await server.finished();
    },
  };
}

let r: Rig;
beforeEach(async () => {
  r = rig();
  await r.next((m) => m.id === 1);
});
afterEach(async () => {
  await r.close();
});

const requestOf = (method: string) => (m: Msg) => m.method === method && m.id !== undefined;

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ConnectorError);
  return e as ConnectorError;
}

describe('worker → bridge requests', () => {
  it('sends a request with a string id and resolves with the checked result', async () => {
    const p = r.bridge.request('certificate', { thumbprint: THUMB });
    const req = await r.next(requestOf('certificate'));
    expect(req).toEqual({ jsonrpc: '2.0', id: 'w1', method: 'certificate', params: { thumbprint: THUMB } });
    expect(checkMessage('certificate', 'params', req.params)).toBeUndefined();
    const result = {
      der: Buffer.from('not really DER').toString('base64'),
      notAfter: '2030-01-01T00:00:00Z',
    };
    r.write({ jsonrpc: '2.0', id: req.id, result });
    expect(await p).toEqual(result);
  });

  it('overlapping requests get their own answers, whatever the order', async () => {
    const a = r.bridge.request('sign', { thumbprint: THUMB, algorithm: 'PS256', data: 'AQID' });
    const b = r.bridge.request('sign', { thumbprint: THUMB, algorithm: 'RS256', data: 'BAUG' });
    const [ra, rb] = [await r.next((m) => m.id === 'w1'), await r.next((m) => m.id === 'w2')];
    expect(ra.params?.algorithm).toBe('PS256');
    expect(rb.params?.algorithm).toBe('RS256');
    r.write({ jsonrpc: '2.0', id: 'w2', result: { signature: 'c2lnLWI=' } });
    r.write({ jsonrpc: '2.0', id: 'w1', result: { signature: 'c2lnLWE=' } });
    expect(await a).toEqual({ signature: 'c2lnLWE=' });
    expect(await b).toEqual({ signature: 'c2lnLWI=' });
  });

  it("the bridge's error becomes a ConnectorError with its MIM exception and message", async () => {
    const p = r.bridge.request('certificate', { thumbprint: THUMB });
    const req = await r.next(requestOf('certificate'));
    r.write({
      jsonrpc: '2.0',
      id: req.id,
      error: {
        code: -32000,
        message: `no certificate with thumbprint ${THUMB} in LocalMachine\\My`,
        data: { mimError: 'BadServerCredentials' },
      },
    });
    const e = await failure(p);
    expect(e.code).toBe('BadServerCredentials');
    expect(e.message).toBe(`no certificate with thumbprint ${THUMB} in LocalMachine\\My`);
    expect(e.detail).toEqual({ bridgeMethod: 'certificate' });
  });

  it('an error without data is an ExtensibleExtension failure', async () => {
    const p = r.bridge.request('certificate', { thumbprint: THUMB });
    const req = await r.next(requestOf('certificate'));
    r.write({ jsonrpc: '2.0', id: req.id, error: { code: -32601, message: "unknown method 'certificate'" } });
    const e = await failure(p);
    expect(e.code).toBe('ExtensibleExtension');
    expect(e.message).toBe("unknown method 'certificate'");
  });

  it.each([
    [
      'a result that misses a field',
      { result: { notAfter: '2030-01-01T00:00:00Z' } },
      /result must have required property 'der'/,
    ],
    [
      'a result with a field too many',
      { result: { der: 'AAAA', notAfter: '2030-01-01T00:00:00Z', key: 'x' } },
      /'key' is not a field/,
    ],
    [
      'a result that is not base64',
      { result: { der: 'not base64!', notAfter: '2030-01-01T00:00:00Z' } },
      /result\.der must match pattern/,
    ],
    ['a result that is not an object', { result: 'AAAA' }, /result must be an object/],
    ['both result and error', { result: {}, error: { code: 1, message: 'x' } }, /both result and error/],
    ['an error without a message', { error: { code: -32000 } }, /error must be \{code/],
    [
      'an unknown MIM exception',
      { error: { code: -32000, message: 'x', data: { mimError: 'Oops' } } },
      /error\.data/,
    ],
  ])('%s is refused as UnexpectedData', async (_what, answer, why) => {
    const p = r.bridge.request('certificate', { thumbprint: THUMB });
    const req = await r.next(requestOf('certificate'));
    r.write({ jsonrpc: '2.0', id: req.id, ...answer });
    const e = await failure(p);
    expect(e.code).toBe('UnexpectedData');
    expect(e.message).toMatch(/^the bridge's answer to 'certificate' is malformed: /);
    expect(e.message).toMatch(why);
  });

  it('a malformed answer of sign is refused too (the signature must be base64)', async () => {
    const p = r.bridge.request('sign', { thumbprint: THUMB, algorithm: 'PS256', data: 'AAEC' });
    const req = await r.next(requestOf('sign'));
    r.write({ jsonrpc: '2.0', id: req.id, result: { signature: 42 } });
    expect((await failure(p)).message).toMatch(/result\.signature must be string/);
  });

  it('times out when the bridge does not answer; a late answer is ignored', async () => {
    const p = r.bridge.request('certificate', { thumbprint: THUMB }, { timeoutMs: 150 });
    const req = await r.next(requestOf('certificate'));
    const e = await failure(p);
    expect(e.code).toBe('ExtensibleExtension');
    expect(e.message).toBe("the bridge did not answer 'certificate' within 0.2 s");
    r.write({ jsonrpc: '2.0', id: req.id, result: { der: 'AAAA', notAfter: '2030-01-01T00:00:00Z' } });
    await new Promise((x) => setTimeout(x, 50));
    expect(r.log.some((l) => l.includes('matches no pending request'))).toBe(true);
    // An answer is never answered: nothing but the request went out.
    expect(r.out.filter((m) => m.id === req.id)).toHaveLength(1);
  });

  it('the server default timeout applies without an explicit one', async () => {
    await r.close();
    r = rig(100);
    await r.next((m) => m.id === 1);
    const e = await failure(r.bridge.request('certificate', { thumbprint: THUMB }));
    expect(e.message).toBe("the bridge did not answer 'certificate' within 0.1 s");
  });

  it('is cancelled through its signal', async () => {
    const abort = new AbortController();
    const p = r.bridge.request('certificate', { thumbprint: THUMB }, { signal: abort.signal });
    await r.next(requestOf('certificate'));
    abort.abort();
    const e = await failure(p);
    expect(e.code).toBe('TerminateRun');
    expect(e.message).toMatch(/was cancelled/);
    const already = await failure(
      r.bridge.request('certificate', { thumbprint: THUMB }, { signal: abort.signal }),
    );
    expect(already.code).toBe('TerminateRun');
  });

  it('refuses to send params the protocol does not allow', async () => {
    const e = await failure(
      r.bridge.request('sign', { thumbprint: 'a9 09', algorithm: 'ES256', data: 'AA' }),
    );
    expect(e.message).toMatch(
      /^the worker's request 'sign' is invalid: params\.thumbprint must match pattern/,
    );
    expect(r.out.some((m) => m.method === 'sign')).toBe(false);
  });

  it('pending requests fail when the worker shuts down', async () => {
    const p = r.bridge.request('certificate', { thumbprint: THUMB });
    await r.next(requestOf('certificate'));
    r.write({ jsonrpc: '2.0', id: 9, method: 'shutdown', params: {} });
    const e = await failure(p);
    expect(e.code).toBe('TerminateRun');
    expect(e.message).toMatch(/shutting down/);
    expect((await failure(r.bridge.request('certificate', { thumbprint: THUMB }))).message).toMatch(
      /was not sent to the bridge/,
    );
  });

  it('a call of the bridge waits on its own request to the bridge, interleaved on the same stream', async () => {
    r.write({ jsonrpc: '2.0', id: 5, method: 'getCapabilities', params: { config: {} } });
    const req = await r.next(requestOf('sign'));
    expect(req.id).toBe('w1');
    r.write({ jsonrpc: '2.0', id: req.id, result: { signature: 'c2ln' } });
    const answer = await r.next((m) => m.id === 5);
    expect(answer).toEqual({ jsonrpc: '2.0', id: 5, result: { signed: 'c2ln' } });
  });

  it('an answer whose id matches nothing is logged, not answered', async () => {
    const before = r.out.length;
    r.write({ jsonrpc: '2.0', id: 'w77', result: { signature: 'c2ln' } });
    r.write({ jsonrpc: '2.0', id: 3, error: { code: -32000, message: 'x' } });
    await new Promise((x) => setTimeout(x, 50));
    expect(r.out.length).toBe(before);
    expect(r.log.filter((l) => l.includes('matches no pending request'))).toHaveLength(2);
  });
});
