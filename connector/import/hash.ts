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
