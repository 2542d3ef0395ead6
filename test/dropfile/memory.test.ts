import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMmsml } from '../../connector/dropfile/reader.js';
import { MmsmlWriter } from '../../connector/dropfile/writer.js';
import type { CSEntryChange } from '../../connector/model/ecma.js';
import { attributeAdd, bool, int, ref, str } from '../../connector/model/values.js';

const dir = mkdtempSync(join(tmpdir(), 'mmsml-mem-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 100_000;
const MB = 1024 * 1024;

function user(i: number): CSEntryChange {
  const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
  return {
    identifier: id,
    objectType: 'user',
    modification: 'Add',
    dn: id,
    anchors: [{ name: 'id', value: str(id) }],
    attributes: [
      attributeAdd('displayName', [str(`User ${i} <${i % 7}> & co`)]),
      attributeAdd('userPrincipalName', [str(`user${i}@contoso.onmicrosoft.com`)]),
      attributeAdd('accountEnabled', [bool(i % 2 === 0)]),
      attributeAdd('employeeNumber', [int(i)]),
      attributeAdd('manager', [ref(`00000000-0000-4000-8000-${(i >> 1).toString(16).padStart(12, '0')}`)]),
      attributeAdd('proxyAddresses', [str(`SMTP:user${i}@contoso.com`), str(`smtp:u${i}@contoso.com`)]),
    ],
  };
}

describe('drop file memory', () => {
  it(`writes ${N} users in constant memory and reads them back`, async () => {
    const path = join(dir, 'big.xml');
    const base = process.memoryUsage().rss;
    let peak = base;
    const w = await MmsmlWriter.open(path, { stepType: 'full-import' });
    for (let i = 0; i < N; i++) {
      await w.write(user(i));
      if (i % 1000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    await w.close();
    peak = Math.max(peak, process.memoryUsage().rss);
    const size = statSync(path).size;
    console.log(
      `mmsml write: ${N} users, file ${(size / MB).toFixed(1)} MB, RSS ${(base / MB).toFixed(1)} MB → peak ` +
        `${(peak / MB).toFixed(1)} MB (growth ${((peak - base) / MB).toFixed(1)} MB)`,
    );
    expect(w.stats.deltas).toBe(N);
    expect(size).toBeGreaterThan(100 * MB);
    expect(peak - base).toBeLessThan(64 * MB);

    const rbase = process.memoryUsage().rss;
    let rpeak = rbase;
    let n = 0;
    let refs = 0;
    for await (const e of readMmsml(path, { anchorTypes: { user: 'String' } })) {
      n++;
      if (e.attributes.some((a) => a.dataType === 'Reference')) refs++;
      if (n % 1000 === 0) rpeak = Math.max(rpeak, process.memoryUsage().rss);
    }
    console.log(
      `mmsml read: ${n} entries, RSS ${(rbase / MB).toFixed(1)} MB → peak ${(rpeak / MB).toFixed(1)} MB ` +
        `(growth ${((rpeak - rbase) / MB).toFixed(1)} MB)`,
    );
    expect(n).toBe(N);
    expect(refs).toBe(N);
    expect(rpeak - rbase).toBeLessThan(64 * MB);
  }, 600_000);
});
