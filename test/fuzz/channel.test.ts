import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../connector/runtime/log.js';
import { Dispatcher } from '../../connector/worker/dispatcher.js';
import { StdioServer } from '../../connector/worker/server.js';
import { PROTOCOL_SAMPLES } from '../support/protocol-samples.js';
import { mutateMany, Rng, RUNS, randomString, SEED } from './gen.js';

/** Well-formed messages of the bridge protocol, to mutate from (a cancel is a notification: no id). */
const VALID = PROTOCOL_SAMPLES.map(({ method, params }, i) =>
  JSON.stringify(
    method === 'cancel' ? { jsonrpc: '2.0', method, params } : { jsonrpc: '2.0', id: i + 1, method, params },
  ),
);

function generate(rng: Rng): string {
  const r = rng.next();
  if (r < 0.75) return mutateMany(rng, rng.pick(VALID), 2);
  if (r < 0.9) return randomString(rng, 200);
  return JSON.stringify(
    rng.pick([null, 1, [], [{}], { jsonrpc: '2.0' }, { jsonrpc: '2.0', id: {}, method: 'x' }]),
  );
}

interface Reply {
  jsonrpc?: unknown;
  id?: unknown;
  result?: unknown;
  error?: { code?: unknown; message?: unknown; data?: { field?: unknown } };
}

describe(`bridge channel message fuzz (${RUNS} generated lines, seed ${SEED})`, () => {
  it('answers each damaged line with a JSON-RPC error (the field named for bad params) and keeps serving', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const log = createLogger('error');
    const stateDir = mkdtempSync(join(tmpdir(), 'mimgraph-fuzz-'));
    const server = new StdioServer({
      input,
      output,
      log,
      version: 'fuzz',
      dispatcher: () => new Dispatcher({ stateDir, log }),
    });
    const replies: Reply[] = [];
    let waiting: ((r: Reply) => void) | undefined;
    let buffer = '';
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const msg = JSON.parse(line) as Reply; // the server writes nothing but JSON lines
        if (typeof msg.id === 'string' && msg.id.startsWith('sentinel-')) waiting?.(msg);
        else replies.push(msg);
      }
    });
    const call = (line: string, id: string) =>
      new Promise<Reply>((resolve) => {
        waiting = resolve;
        input.write(`${line}\n`);
        input.write(
          `${JSON.stringify({ jsonrpc: '2.0', id, method: 'getConfigParameters', params: { config: {}, page: 'Global' } })}\n`,
        );
      });

    expect(
      (
        await call(
          JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'hello', params: { protocolVersion: 1 } }),
          'sentinel-hello',
        )
      ).result,
    ).toBeDefined();
    const rng = new Rng(SEED + 6);
    let errors = 0;
    for (let i = 0; i < RUNS; i++) {
      const line = generate(rng).replace(/[\r\n]/g, ' ');
      replies.length = 0;
      const sentinel = await call(line, `sentinel-${i}`);
      const where = `line ${i}: ${line.slice(0, 300)}`;
      // The server is still answering, and correctly.
      expect(sentinel.error, where).toBeUndefined();
      expect(Array.isArray((sentinel.result as { parameters?: unknown }).parameters), where).toBe(true);
      for (const r of replies) {
        expect(r.jsonrpc, where).toBe('2.0');
        if (r.error === undefined) continue; // a mutation that is still a valid call
        errors++;
        expect(typeof r.error.code, where).toBe('number');
        expect(typeof r.error.message, where).toBe('string');
        expect((r.error.message as string).length, where).toBeGreaterThan(5);
        if (r.error.code === -32602) expect(r.error.message as string, where).toMatch(/params(\.|\[|\b)/);
      }
    }
    expect(errors).toBeGreaterThan(RUNS / 4);
    input.end();
    await server.finished();
  }, 300_000);
});
