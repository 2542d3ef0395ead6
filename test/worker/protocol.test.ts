import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMessage } from '../../connector/worker/validate.js';
import { WorkerProcess } from '../support/worker.js';

/** The stdio worker as the bridge sees it: handshake, framing, malformed input, errors. */
describe('worker protocol', () => {
  let w: WorkerProcess;
  beforeAll(async () => {
    w = new WorkerProcess({ MIMGRAPH_HEARTBEAT_SECONDS: '1' });
  });
  afterAll(async () => {
    expect(await w.stop()).toBe(0);
  });

  it('refuses calls before hello, and a wrong protocol version', async () => {
    const early = await w.send('getCapabilities', { config: {} }).reply;
    expect(early.error?.code).toBe(-32600);
    expect(early.error?.message).toMatch(/send 'hello'/);
    const wrong = await w.send('hello', { protocolVersion: 99 }).reply;
    expect(wrong.error?.message).toMatch(/protocol version 99 is not supported/);
  });

  it('answers hello with its version and methods', async () => {
    const r = await w.hello();
    expect(checkMessage('hello', 'result', r)).toBeUndefined();
    expect(r.protocolVersion).toBe(1);
    expect(r.methods).toEqual(
      expect.arrayContaining(['getCapabilities', 'openImport', 'putExportEntries', 'setPassword']),
    );
  });

  it('returns capabilities valid against the protocol schema', async () => {
    const caps = await w.call('getCapabilities', { config: {} });
    expect(checkMessage('getCapabilities', 'result', caps)).toBeUndefined();
    expect(caps.distinguishedNameStyle).toBe('Generic');
  });

  it('returns parameter pages valid against the protocol schema', async () => {
    for (const page of ['Connectivity', 'Global', 'Schema', 'RunStep']) {
      const r = await w.call('getConfigParameters', { config: {}, page, pageNumber: 1 });
      expect(checkMessage('getConfigParameters', 'result', r)).toBeUndefined();
    }
  });

  it('names the field of invalid params', async () => {
    const r = await w.send('openImport', {
      config: {},
      schema: { types: [] },
      runStep: { importType: 'Sideways', pageSize: 10 },
    }).reply;
    expect(r.error?.code).toBe(-32602);
    expect(r.error?.message).toMatch(
      /params\.runStep\.importType must be equal to one of the allowed values \(one of Full, FullObject, Delta\)/,
    );
    const extra = await w.send('getCapabilities', { config: {}, secret: 'x' }).reply;
    expect(extra.error?.message).toMatch(/'secret' is not a field/);
  });

  it('answers malformed lines without dying', async () => {
    expect((await w.raw('{not json\n')).error?.code).toBe(-32700);
    expect((await w.raw('[1,2]\n')).error?.code).toBe(-32600);
    expect((await w.raw('{"jsonrpc":"1.0","id":7,"method":"x"}\n', 7)).error?.code).toBe(-32600);
    const unknown = await w.send('dropTables', {}).reply;
    expect(unknown.error?.code).toBe(-32601);
    // Still alive.
    expect((await w.call('getCapabilities', { config: {} })).supportImport).toBe(true);
  });

  it('maps a failure that stops the call onto MIM exception names', async () => {
    const r = await w.send('getSchema', { config: {} }).reply;
    expect(r.error?.code).toBe(-32000);
    expect(r.error?.data?.mimError).toBe('ExtensibleExtension');
    expect(r.error?.message.length).toBeGreaterThan(10);
  });

  it('writes nothing but protocol messages to stdout', () => {
    for (const line of w.stdoutLines) expect(JSON.parse(line).jsonrpc).toBe('2.0');
  });
});
