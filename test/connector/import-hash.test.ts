import { describe, expect, it } from 'vitest';
import {
  addHash,
  decodeHash,
  EMPTY_HASH,
  encodeHash,
  encodeRow,
  remapRow,
  rowHashes,
  subHash,
  sumHash,
  UNKNOWN_HASH,
  valueHash,
} from '../../connector/import/hash.js';
import type { TypedValue } from '../../connector/model/ecma.js';

const s = (value: string): TypedValue => ({ type: 'String', value });

describe('value fingerprints', () => {
  it('are 36 bits, and differ by value type and by every character', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 50_000; i++) {
      const h = valueHash(s(`user${i}@contoso.com`));
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThan(2 ** 36);
      seen.add(h);
    }
    // 50,000 values in 2^36: a collision is a one-in-fifty event, more than one means a broken hash.
    expect(seen.size).toBeGreaterThanOrEqual(49_999);
    expect(valueHash(s('1'))).not.toBe(valueHash({ type: 'Integer', value: '1' }));
    expect(valueHash(s('ab'))).not.toBe(valueHash(s('ba')));
    expect(valueHash(s(''))).not.toBe(valueHash({ type: 'Reference', value: '' }));
    expect(valueHash({ type: 'Boolean', value: true })).not.toBe(
      valueHash({ type: 'Boolean', value: false }),
    );
  });

  it('of a multivalued attribute: adding then removing one value gives back the sum of the rest', () => {
    const values = ['a', 'b', 'c'].map(s);
    const all = sumHash(values);
    expect(sumHash([...values].reverse())).toBe(all);
    const d = valueHash(s('d'));
    expect(subHash(addHash(all, d), d)).toBe(all);
    expect(subHash(all, valueHash(s('c')))).toBe(sumHash(values.slice(0, 2)));
  });

  it('encode to six base64url characters and back, rows included', () => {
    for (const h of [0, 1, 63, 64, 4095, 4096, 2 ** 24 - 1, 2 ** 24, 2 ** 32 + 5, 2 ** 36 - 1]) {
      const e = encodeHash(h);
      expect(e).toMatch(/^[A-Za-z0-9_-]{6}$/);
      expect(decodeHash(e)).toBe(h);
    }
    expect(encodeHash(0)).toBe(EMPTY_HASH);
    expect(encodeHash(-1)).toBe(UNKNOWN_HASH);
    expect(decodeHash(UNKNOWN_HASH)).toBe(-1);
    const row = encodeRow([5, -1, 2 ** 36 - 1]);
    expect(rowHashes(row, 3)).toEqual([5, -1, 2 ** 36 - 1]);
    expect(remapRow(row, ['a', 'b', 'c'], ['c', 'x', 'a'])).toEqual([2 ** 36 - 1, -1, 5]);
  });

  it('shorten runs of empty attributes and read back every length, old rows included', () => {
    for (const n of [1, 2, 63, 64, 65, 128, 129, 200]) {
      const hashes = [7, ...Array(n).fill(0), 9, ...Array(n).fill(0)];
      const row = encodeRow(hashes);
      expect(row.length).toBeLessThan(hashes.length * 6);
      expect(rowHashes(row, hashes.length)).toEqual(hashes);
    }
    expect(encodeRow([0, 0, 0])).toBe('*C');
    expect(encodeRow(Array(121).fill(0)).length).toBe(4);
    // Rows written before runs existed: six characters per attribute, empties included.
    expect(rowHashes(`${EMPTY_HASH}${encodeHash(5)}${EMPTY_HASH}`, 3)).toEqual([0, 5, 0]);
    // A row shorter than its attributes (cut short, or attributes added since): the rest is unknown.
    expect(rowHashes(encodeRow([5, 0]), 4)).toEqual([5, 0, -1, -1]);
    expect(rowHashes('*', 2)).toEqual([-1, -1]);
    expect(rowHashes(`${encodeHash(5)}AB`, 2)).toEqual([5, -1]);
  });
});
