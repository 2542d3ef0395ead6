/**
 * Seeded input generation for the fuzz suites: the same seed gives the same inputs, so a failure
 * prints the seed and the input that reproduces it. `MIMGRAPH_FUZZ_RUNS` sets the count (npm test
 * runs the short form; `npm run fuzz` the long one) and `MIMGRAPH_FUZZ_SEED` the seed.
 */
export const RUNS = Number(process.env.MIMGRAPH_FUZZ_RUNS) || 2000;
export const SEED = Number(process.env.MIMGRAPH_FUZZ_SEED) || 20261128;

/** mulberry32: small, fast, good enough to spread inputs. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

const NASTY = [
  '',
  ' ',
  '\u0000',
  '\uffff',
  '\ud800',
  '\u202e',
  '"',
  "'",
  '\\',
  '<',
  '>',
  '&',
  ']]>',
  '%00',
  '${x}',
  '\r\n',
  '-1',
  '0',
  '1e309',
  'NaN',
  '9223372036854775808',
  'é',
  '𝔘',
  'null',
  'true',
  '{}',
  '[]',
];

/** A string mixing ASCII, separators, control characters and astral characters. */
export function randomString(rng: Rng, maxLength = 40): string {
  const length = rng.int(maxLength + 1);
  let s = '';
  while (s.length < length) {
    const r = rng.next();
    if (r < 0.55) s += String.fromCharCode(0x20 + rng.int(0x5f));
    else if (r < 0.75) s += rng.pick(NASTY);
    else if (r < 0.9) s += String.fromCharCode(rng.int(0x20));
    else s += String.fromCodePoint(0x80 + rng.int(0x10ff00));
  }
  return s;
}

/** One mutation of a valid text: a flip, a cut, a duplicate, a deletion or an insertion. */
export function mutate(rng: Rng, text: string): string {
  if (text.length === 0) return randomString(rng);
  const at = rng.int(text.length);
  const span = 1 + rng.int(Math.min(40, text.length - at));
  switch (rng.int(6)) {
    case 0:
      return (
        text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ (1 << rng.int(7))) + text.slice(at + 1)
      );
    case 1:
      return text.slice(0, at);
    case 2:
      return text.slice(0, at) + text.slice(at, at + span) + text.slice(at);
    case 3:
      return text.slice(0, at) + text.slice(at + span);
    case 4:
      return text.slice(0, at) + randomString(rng, 8) + text.slice(at);
    default:
      return text.slice(0, at) + rng.pick(NASTY) + text.slice(at + span);
  }
}

/** Up to `max` stacked mutations. */
export function mutateMany(rng: Rng, text: string, max = 3): string {
  let out = text;
  for (let i = 1 + rng.int(max); i > 0; i--) out = mutate(rng, out);
  return out;
}

/** Inputs that each cost a request to the emulator: fewer in the short form. */
export const HTTP_RUNS = process.env.MIMGRAPH_FUZZ_RUNS ? RUNS : 400;
