import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Generation, STATE_FILE, StateStore } from '../../connector/import/state.js';
import type { Watermark } from '../../connector/import/watermark.js';
import type { Logger } from '../../connector/runtime/log.js';

function recorder() {
  const warnings: string[] = [];
  const log = {
    warn: (m: string, f?: Record<string, unknown>) => warnings.push(`${m} ${JSON.stringify(f ?? {})}`),
    info: () => {},
    debug: () => {},
    error: () => {},
  } as unknown as Logger;
  return { log, warnings };
}

const dir = () => mkdtempSync(join(tmpdir(), 'mimgraph-state-'));
const mark = (sid: string, gen: number): Watermark => ({ v: 1, sid, gen, links: {} });

function generation(gen: number, users: number, tag = 'A'): Generation {
  const objects = new Map<string, string>();
  for (let i = 0; i < users; i++) objects.set(`u-${i}`, `${tag}AAAAA${'B'.repeat(6)}`);
  return {
    gen,
    types: {
      user: { attrs: ['displayName', 'mail'], filter: null, objects },
      group: { attrs: ['members'], filter: 'f1', objects: new Map([['g-1', 'CCCCCC']]) },
    },
  };
}

describe('import state file', () => {
  it('keeps the committed generation beside the pending one, and reads only the one the watermark names', async () => {
    const d = dir();
    const { log, warnings } = recorder();
    const first = StateStore.open(d, 'tenant', log);
    first.writePending(undefined, generation(1, 3, 'A'));
    const sid = first.sid;

    // MIM committed generation 1; the next run writes 2 beside it.
    const second = StateStore.open(d, 'tenant', log);
    const r1 = await second.resolve(mark(sid, 1), true);
    expect(r1.named).toBe(1);
    expect(r1.current?.types.user?.objects.get('u-2')).toBe('AAAAAABBBBBB');
    expect(r1.current?.types.group).toEqual({
      attrs: ['members'],
      filter: 'f1',
      objects: new Map([['g-1', 'CCCCCC']]),
    });
    second.writePending(1, generation(2, 4, 'Z'));

    // The watermark still names 1 (MIM did not keep 2): 1 is read, untouched by the write.
    const third = StateStore.open(d, 'tenant', log);
    expect((await third.resolve(mark(sid, 1), true)).current?.types.user?.objects.size).toBe(3);
    const r2 = await third.resolve(mark(sid, 2), true);
    expect(r2.current?.types.user?.objects.get('u-3')).toBe('ZAAAAABBBBBB');
    expect(r2.maxGen).toBe(2);
    // Without `load` (a full import) nothing is read into memory.
    expect(await third.resolve(mark(sid, 2), false)).toMatchObject({ named: 2, current: undefined });
    expect(warnings).toEqual([]);
    // No temporary file is left behind.
    expect(readdirSync(d)).toEqual([STATE_FILE]);
  });

  it('refuses a file cut short, a section missing objects, or a stray line, and says which line', async () => {
    const d = dir();
    const { log } = recorder();
    const s = StateStore.open(d, 'tenant', log);
    s.writePending(undefined, generation(1, 5));
    const path = join(d, STATE_FILE);
    const whole = readFileSync(path, 'utf8');
    const lines = whole.trimEnd().split('\n');
    const cases: [string, string, RegExp][] = [
      ['cut short', `${lines.slice(0, -1).join('\n')}\n`, /cut short/],
      [
        'an object line lost',
        `${lines.filter((l) => l !== 'u-3 AAAAAABBBBBB').join('\n')}\n`,
        /announces 5 objects but has 4/,
      ],
      [
        'a stray line',
        whole.replace('u-3 AAAAAABBBBBB\n', 'u-3 AAAAAABBBBBB\nnonsense\n'),
        /line 8: expected an object line/,
      ],
      ['a broken type line', whole.replace('{"type":"user"', '{"type":7'), /line 3: a type line needs/],
    ];
    for (const [what, text, message] of cases) {
      writeFileSync(path, text);
      const { log: l2, warnings } = recorder();
      const loaded = await StateStore.open(d, 'tenant', l2).resolve(mark(s.sid, 1), true);
      expect(loaded.current, what).toBeUndefined();
      expect(warnings.join('\n'), what).toMatch(/cannot be read; working without self-healing/);
      expect(warnings.join('\n'), what).toMatch(message);
    }
  });

  it('a header it cannot read, another tenant, or a version 1 file: self-healing starts afresh with a warning', async () => {
    const d = dir();
    writeFileSync(join(d, STATE_FILE), 'not json\n');
    const bad = recorder();
    expect((await StateStore.open(d, 'tenant', bad.log).resolve(mark('x', 1), true)).current).toBeUndefined();
    expect(bad.warnings.join('\n')).toMatch(
      /cannot be read; self-healing starts afresh.*line 1: the header is not JSON/,
    );

    const d2 = dir();
    const { log } = recorder();
    const s = StateStore.open(d2, 'tenant-a', log);
    s.writePending(undefined, generation(1, 1));
    const other = recorder();
    expect(
      (await StateStore.open(d2, 'tenant-b', other.log).resolve(mark(s.sid, 1), true)).current,
    ).toBeUndefined();
    expect(other.warnings.join('\n')).toMatch(/belongs to another tenant/);

    // Version 1: one JSON document with SHA-1 rows. Left alone, named in a warning, removed at the next write.
    const d3 = dir();
    writeFileSync(join(d3, 'import-state.json'), JSON.stringify({ v: 1, sid: 's', tenant: 't' }));
    const legacy = recorder();
    const s3 = StateStore.open(d3, 't', legacy.log);
    expect((await s3.resolve(mark('s', 1), true)).current).toBeUndefined();
    expect(legacy.warnings.join('\n')).toMatch(
      /earlier mimgraph; self-healing resumes after the next full import/,
    );
    s3.writePending(undefined, generation(1, 1));
    expect(existsSync(join(d3, 'import-state.json'))).toBe(false);
  });

  it('copies the committed generation it read byte for byte, and line by line once the file changed', async () => {
    const { log, warnings } = recorder();
    const d = dir();
    const first = StateStore.open(d, 'tenant', log);
    first.writePending(undefined, generation(1, 500, 'Ä')); // multi-byte text: offsets are bytes
    const sid = first.sid;
    const original = readFileSync(join(d, STATE_FILE));
    // The same file in a second folder: one write copies from the read span, the other line by line.
    const d2 = dir();
    writeFileSync(join(d2, STATE_FILE), original);
    const byBytes = StateStore.open(d, 'tenant', log);
    const read = (await byBytes.resolve(mark(sid, 1), true)).current!;
    expect(read.source).toBeDefined();
    byBytes.writePending(1, generation(2, 3, 'Z'), read);
    const byLines = StateStore.open(d2, 'tenant', log);
    byLines.writePending(1, generation(2, 3, 'Z'));
    expect(readFileSync(join(d, STATE_FILE)).equals(readFileSync(join(d2, STATE_FILE)))).toBe(true);
    const back = await StateStore.open(d, 'tenant', log).resolve(mark(sid, 1), true);
    expect(back.current?.types.user?.objects.get('u-499')).toBe(`ÄAAAAA${'B'.repeat(6)}`);
    expect(back.current?.types.group?.objects.get('g-1')).toBe('CCCCCC');

    // A span read before the file changed is not used: generation 1 now lies elsewhere in it.
    const stale = (await StateStore.open(d, 'tenant', log).resolve(mark(sid, 2), true)).current!;
    const other = StateStore.open(d, 'tenant', log);
    other.writePending(2, generation(3, 7, 'Q')); // committed 2 (3 objects), pending 3
    StateStore.open(d, 'tenant', log).writePending(2, generation(4, 2, 'R'), stale);
    const after = await StateStore.open(d, 'tenant', log).resolve(mark(sid, 2), true);
    expect(after.current?.types.user?.objects.size).toBe(3);
    expect(after.current?.types.user?.objects.get('u-2')).toBe(`ZAAAAA${'B'.repeat(6)}`);
    expect(
      (await StateStore.open(d, 'tenant', log).resolve(mark(sid, 4), true)).current?.types.user?.objects.size,
    ).toBe(2);
    expect(warnings).toEqual([]);
  });

  it('writes and reads 300,000 objects a line at a time', async () => {
    const d = dir();
    const { log, warnings } = recorder();
    const s = StateStore.open(d, 'tenant', log);
    s.writePending(undefined, generation(1, 300_000));
    expect(statSync(join(d, STATE_FILE)).size).toBeGreaterThan(300_000 * 19);
    const again = StateStore.open(d, 'tenant', log);
    const current = (await again.resolve(mark(s.sid, 1), true)).current!;
    expect(current.types.user?.objects.size).toBe(300_000);
    again.writePending(1, { ...current, gen: 2 });
    const both = StateStore.open(d, 'tenant', log);
    expect((await both.resolve(mark(s.sid, 2), true)).current?.types.user?.objects.get('u-299999')).toBe(
      'AAAAAABBBBBB',
    );
    expect(warnings).toEqual([]);
  });
});
