import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MmsmlError } from '../../connector/dropfile/codec.js';
import { readMmsmlFile } from '../../connector/dropfile/reader.js';
import { mutateMany, Rng, RUNS, SEED } from './gen.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = join(root, '../shared/fixtures/mmsml');

/** Real drop files to mutate from: ours (samples/, UTF-8) and Microsoft's test files (UTF-16LE with a BOM). */
function load(path: string): { text: string; utf16: boolean } {
  const b = readFileSync(path);
  const utf16 = b[0] === 0xff && b[1] === 0xfe;
  return { text: utf16 ? b.subarray(2).toString('utf16le') : b.toString('utf8'), utf16 };
}
const BASES = [
  load(join(root, 'samples/changes.xml')),
  ...(existsSync(fixtures)
    ? readdirSync(fixtures)
        .filter((f) => f.endsWith('.xml'))
        .map((f) => load(join(fixtures, f)))
    : []),
];

/** Text mutations in the file's own encoding, and now and then byte-level damage (a bad or cut character). */
function generate(rng: Rng): Buffer {
  const base = rng.pick(BASES);
  const text = rng.chance(0.1) ? base.text : mutateMany(rng, base.text, 2);
  const bytes = base.utf16
    ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])
    : Buffer.from(text, 'utf8');
  if (rng.chance(0.15) && bytes.length > 0) bytes[rng.int(bytes.length)] = 0x80 + rng.int(0x80);
  return rng.chance(0.05) ? bytes.subarray(0, bytes.length - 1) : bytes;
}

/** Chunks of random size, as a stream delivers them. */
function* chunks(rng: Rng, bytes: Buffer): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; ) {
    const n = 1 + rng.int(256);
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

describe(`drop file fuzz (${RUNS} damaged mmsml files, seed ${SEED})`, () => {
  it('reads each file or stops with an MmsmlError saying where and what, never another error or a hang', async () => {
    expect(BASES.length).toBeGreaterThanOrEqual(2);
    const rng = new Rng(SEED + 3);
    let read = 0;
    let refused = 0;
    for (let i = 0; i < RUNS; i++) {
      const bytes = generate(rng);
      const where = `input ${i}: ${JSON.stringify(bytes.toString('utf8').slice(0, 400))}`;
      try {
        const { entries } = await readMmsmlFile(chunks(rng, bytes));
        for (const e of entries) {
          expect(typeof e.objectType, where).toBe('string');
          expect(['Add', 'Replace', 'Update', 'Delete'], where).toContain(e.modification);
        }
        read++;
      } catch (e) {
        refused++;
        expect(e, `${where}\n${(e as Error).stack}`).toBeInstanceOf(MmsmlError);
        const message = (e as Error).message;
        expect(message.length, where).toBeGreaterThan(10);
        // Where: the delta's number / byte offset, or which part of the document (root, step-type, encoding).
        expect(message, where).toMatch(
          /delta|offset|byte|root|mmsml|step-type|encoding|UTF-8|element|end|XML|line/i,
        );
      }
    }
    expect(read).toBeGreaterThan(RUNS / 50);
    expect(refused).toBeGreaterThan(RUNS / 10);
  });

  it('a UTF-16 file cut in the middle of a character is refused with the offset, not a decoder TypeError', async () => {
    const utf16 = BASES.find((b) => b.utf16) ?? { text: BASES[0]?.text ?? '' };
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(utf16.text, 'utf16le')]);
    const cut = bytes.subarray(0, bytes.length - 1);
    await expect(readMmsmlFile([cut])).rejects.toThrow(/not valid utf-16le in the bytes from offset \d+/);
    await expect(readMmsmlFile([cut])).rejects.toBeInstanceOf(MmsmlError);
  });
});
