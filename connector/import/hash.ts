import { createHash } from 'node:crypto';
import type { TypedValue } from '../model/ecma.js';

/**
 * Value fingerprints for self-healing: each attribute of an imported object is summarised in 36 bits
 * (6 base64url characters). A multivalued attribute is the sum of its values' fingerprints modulo
 * 2^36, so adding or removing one member updates it without the full list. An object's row is its
 * attributes' fingerprints concatenated in the order the state file names.
 */
export const HASH_CHARS = 6;
const MOD = 2 ** 36;
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
export const EMPTY_HASH = 'A'.repeat(HASH_CHARS);

export function valueHash(v: TypedValue): number {
  const d = createHash('sha1')
    .update(`${v.type}\u0000${String(v.value)}`)
    .digest();
  // 36 bits: 4 bytes + 4 bits.
  return d.readUInt32BE(0) * 16 + (d[4]! >> 4);
}

export function sumHash(values: readonly TypedValue[]): number {
  let h = 0;
  for (const v of values) h = (h + valueHash(v)) % MOD;
  return h;
}

export const addHash = (h: number, d: number) => (h + d) % MOD;
export const subHash = (h: number, d: number) => (((h - d) % MOD) + MOD) % MOD;

/** Fingerprint not known (an attribute selected after the state was written). */
export const UNKNOWN_HASH = '~'.repeat(HASH_CHARS);

export function encodeHash(h: number): string {
  if (h < 0) return UNKNOWN_HASH;
  let s = '';
  let n = h;
  for (let i = 0; i < HASH_CHARS; i++) {
    s = B64[n % 64]! + s;
    n = Math.floor(n / 64);
  }
  return s;
}

export function decodeHash(s: string): number {
  if (s === UNKNOWN_HASH) return -1;
  let n = 0;
  for (const c of s) n = n * 64 + B64.indexOf(c);
  return n;
}

/** Splits an object's row into one fingerprint per attribute. */
export function rowHashes(row: string, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const part = row.slice(i * HASH_CHARS, (i + 1) * HASH_CHARS);
    out.push(part.length === HASH_CHARS ? decodeHash(part) : -1);
  }
  return out;
}

export const encodeRow = (hashes: readonly number[]) => hashes.map(encodeHash).join('');

/** A row written for attributes `from`, re-ordered for attributes `to` (unknown ones = -1). */
export function remapRow(row: string, from: readonly string[], to: readonly string[]): number[] {
  const old = rowHashes(row, from.length);
  if (from.length === to.length && from.every((a, i) => a === to[i])) return old;
  return to.map((a) => {
    const i = from.indexOf(a);
    return i < 0 ? -1 : (old[i] ?? -1);
  });
}
