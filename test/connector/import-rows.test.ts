import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IdSet, RowSpool, spoolName, sweepStale } from '../../connector/import/rows.js';

describe('IdSet', () => {
  it('tells a repeat from a new id across growth, GUIDs in either case and other ids alike', () => {
    const ids = Array.from({ length: 100_000 }, () => randomUUID());
    const set = new IdSet();
    for (const id of ids) expect(set.add(id)).toBe(true);
    expect(set.size).toBe(100_000);
    for (const id of ids.slice(0, 1000)) expect(set.add(id)).toBe(false);
    expect(set.add(ids[5]!.toUpperCase())).toBe(false);
    expect(set.add('not-a-guid')).toBe(true);
    expect(set.add('not-a-guid')).toBe(false);
    // 36 characters but not hex: kept as a string, not confused with a GUID.
    expect(set.add('zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz')).toBe(true);
    expect(set.add('zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz')).toBe(false);
    expect(set.size).toBe(100_002);
  });
});

describe('RowSpool', () => {
  it('gives back its rows in order, then its file can be discarded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mimgraph-rows-'));
    const spool = new RowSpool(join(dir, spoolName(process.pid, 'ab12')));
    for (let i = 0; i < 50_000; i++) spool.add(`id-${i}`, `AAAAAA${i % 10}`);
    expect(spool.size).toBe(50_000);
    const lines = [...spool.lines()];
    expect(lines).toHaveLength(50_000);
    expect(lines[0]).toBe('id-0 AAAAAA0');
    expect(lines[49_999]).toBe('id-49999 AAAAAA9');
    spool.discard();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('files left by a process that is gone are swept; those of a live one and other files stay', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mimgraph-rows-'));
    const dead = 2 ** 22 + 12_345; // above Linux's pid_max default: no such process
    const names = [
      spoolName(dead, 'aa'),
      `import-state.txt.${dead}.bb.tmp`,
      spoolName(process.pid, 'cc'),
      'import-state.txt',
      'notes.tmp',
    ];
    for (const n of names) writeFileSync(join(dir, n), 'x');
    sweepStale(dir);
    expect(existsSync(join(dir, names[0]!))).toBe(false);
    expect(existsSync(join(dir, names[1]!))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual([names[2]!, 'import-state.txt', 'notes.tmp'].sort());
  });
});
