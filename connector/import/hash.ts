import type { TypedValue } from '../model/ecma.js';

/**
 * Value fingerprints for self-healing: each attribute of an imported object is summarised in 36 bits
 * (6 base64url characters). A multivalued attribute is the sum of its values' fingerprints modulo
 * 2^36, so adding or removing one member updates it without the full list. An object's row is its
 * attributes' fingerprints concatenated in the order the state file names, runs of empty ones shortened.
 */
export const HASH_CHARS = 6;
const MOD = 2 ** 36;
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
export const EMPTY_HASH = 'A'.repeat(HASH_CHARS);

/** A different start per value type, so "1" as a String and as an Integer differ. */
const TYPE_SEED: Record<TypedValue['type'], number> = {
  String: 0x811c9dc5,
  Integer: 0x2545f491,
  Reference: 0x6c8e9cf5,
  Binary: 0x1b873593,
  Boolean: 0x7feb352d,
};

/** Murmur3's 32-bit finaliser: every input bit reaches every output bit. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * 36 bits of two independent FNV-style lanes over the value's UTF-16 code units. Not a cryptographic
 * hash (36 bits never resisted a determined collision search anyway): it detects change, and it is
 * an order of magnitude cheaper than SHA-1 per value, which a 100,000-object import hashes millions of.
 */
export function valueHash(v: TypedValue): number {
  const s = typeof v.value === 'string' ? v.value : String(v.value);
  let a = TYPE_SEED[v.type];
  let b = a ^ 0x9e3779b9;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  const hi = mix(a ^ s.length);
  const lo = mix(b ^ hi);
  return hi * 16 + (lo >>> 28);
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

/** Every 12-bit value as its two base64url characters: a fingerprint is three lookups. */
const PAIRS = Array.from({ length: 4096 }, (_, i) => B64[i >> 6]! + B64[i & 63]!);

export function encodeHash(h: number): string {
  if (h < 0) return UNKNOWN_HASH;
  return PAIRS[Math.floor(h / 2 ** 24)]! + PAIRS[Math.floor(h / 4096) % 4096]! + PAIRS[h % 4096]!;
}

export function decodeHash(s: string): number {
  if (s === UNKNOWN_HASH) return -1;
  let n = 0;
  for (const c of s) n = n * 64 + B64.indexOf(c);
  return n;
}

/**
 * A run of 1–64 empty attributes (fingerprint 0) in a row: RUN and one base64url character for the
 * length. Most of a wide selection is empty for most objects, so rows — and the state file that holds
 * one per object — shrink several times over. Rows without runs (written before) read the same.
 */
const RUN = '*';
const MAX_RUN = 64;

/** Splits an object's row into one fingerprint per attribute (missing ones at the end: -1). */
export function rowHashes(row: string, count: number): number[] {
  const out: number[] = [];
  let i = 0;
  while (out.length < count && i < row.length) {
    if (row[i] === RUN) {
      const c = row[i + 1];
      const n = c === undefined ? 0 : B64.indexOf(c) + 1;
      if (n === 0) break; // cut short: the rest is unknown
      for (let k = 0; k < n && out.length < count; k++) out.push(0);
      i += 2;
      continue;
    }
    const part = row.slice(i, i + HASH_CHARS);
    if (part.length < HASH_CHARS) break;
    out.push(decodeHash(part));
    i += HASH_CHARS;
  }
  while (out.length < count) out.push(-1);
  return out;
}

export function encodeRow(hashes: readonly number[]): string {
  let row = '';
  let empty = 0;
  for (const h of hashes) {
    if (h === 0) {
      if (++empty === MAX_RUN) {
        row += RUN + B64[MAX_RUN - 1];
        empty = 0;
      }
      continue;
    }
    if (empty > 0) {
      row += RUN + B64[empty - 1];
      empty = 0;
    }
    row += encodeHash(h);
  }
  return empty > 0 ? row + RUN + B64[empty - 1] : row;
}

/** A row written for attributes `from`, re-ordered for attributes `to` (unknown ones = -1). */
export function remapRow(row: string, from: readonly string[], to: readonly string[]): number[] {
  const old = rowHashes(row, from.length);
  if (from.length === to.length && from.every((a, i) => a === to[i])) return old;
  return to.map((a) => {
    const i = from.indexOf(a);
    return i < 0 ? -1 : (old[i] ?? -1);
  });
}
