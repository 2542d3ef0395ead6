import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as fromSource from '../../connector/worker/validate.js';
import { mutateMany, Rng } from '../fuzz/gen.js';
import { PROTOCOL_SAMPLES } from '../support/protocol-samples.js';

/**
 * The worker's protocol validators are compiled at build time (precompile-validators.ts) so a worker
 * starts without Ajv. Run from source they are compiled by Ajv as needed: both must give the same
 * answer, word for word, for any message.
 */
const DIST = new URL('../../dist/connector/worker/validate.js', import.meta.url);

/** Runs the built validators in a plain Node process, as the worker does: [method, part, message][] → answers. */
function builtAnswers(checks: unknown[]): { precompiled: boolean; fingerprint: string; answers: unknown[] } {
  const script = `
    const v = await import(${JSON.stringify(DIST.href)});
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const answers = JSON.parse(input).map(([kind, a, b, c]) =>
      kind === 'definition' ? v.checkDefinition(a, b) ?? null : v.checkMessage(a, b, c) ?? null);
    process.stdout.write(JSON.stringify({
      precompiled: v.usesPrecompiledValidators(), fingerprint: v.schemaFingerprint, answers }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    input: JSON.stringify(checks),
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out.toString('utf8'));
}

const MESSAGES: [string, 'params' | 'result', unknown][] = [
  ...PROTOCOL_SAMPLES.map(({ method, params }) => [method, 'params', params] as [string, 'params', unknown]),
  ['getCapabilities', 'result', { distinguishedNameStyle: 'Generic' }],
];

describe('protocol validators compiled at build time', () => {
  it('are what the built worker uses, and answer exactly as Ajv does for 4,000 valid and damaged messages', () => {
    expect(existsSync(DIST), 'run npm run build first').toBe(true);
    const rng = new Rng(20261128);
    const checks: unknown[] = [];
    for (let i = 0; i < 4000; i++) {
      const [method, part, value] = rng.pick(MESSAGES);
      let message: unknown = value;
      if (i % 5 !== 0) {
        try {
          message = JSON.parse(mutateMany(rng, JSON.stringify(value), 2));
        } catch {
          continue; // not JSON: the server answers before any validator sees it
        }
      }
      checks.push(['message', method, part, message]);
    }
    for (const data of [{ code: 1 }, { mimError: 'ExtensibleExtension', requestId: 'r' }, null])
      checks.push(['definition', 'error', data]);
    const built = builtAnswers(checks);
    // The built worker loads no Ajv: its validators were compiled from the schema it reads.
    expect(built.precompiled).toBe(true);
    expect(built.fingerprint).toBe(fromSource.schemaFingerprint);
    // From source there is no precompiled module: Ajv compiles them.
    expect(fromSource.usesPrecompiledValidators()).toBe(false);
    const want = checks.map((c) => {
      const [kind, a, b, d] = c as [string, string, 'params' | 'result', unknown];
      return (
        (kind === 'definition' ? fromSource.checkDefinition(a, b) : fromSource.checkMessage(a, b, d)) ?? null
      );
    });
    expect(checks.length).toBeGreaterThan(1000);
    expect(want.filter((w) => w !== null).length).toBeGreaterThan(200);
    expect(built.answers).toEqual(want);
  });
});
