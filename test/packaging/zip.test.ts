import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32, readZip, withFolders, writeZip } from '../../connector/packaging/zip.js';
import { externalZipTesters } from './zip-tools.js';

describe('zip', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mimgraph-zip-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('computes CRC-32 as ZIP does', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
    const data = Buffer.from('The quick brown fox jumps over the lazy dog '.repeat(1000));
    expect(crc32(data)).toBe(zlib.crc32(data));
    expect(crc32(data.subarray(100), crc32(data.subarray(0, 100)))).toBe(crc32(data));
  });

  it('writes entries that read back byte for byte, deflated or stored', () => {
    const random = Buffer.alloc(5000);
    for (let i = 0; i < random.length; i++) random[i] = (i * 7919 + (i >> 3) * 104729) & 0xff;
    const inputs = [
      { name: 'a/readme.txt', data: Buffer.from('hello\r\n'.repeat(500)) },
      { name: 'a/b/random.bin', data: random },
      { name: 'empty.txt', data: Buffer.alloc(0) },
      { name: 'ünïcode/naïve.txt', data: Buffer.from('é') },
    ];
    const zip = writeZip(inputs, { date: new Date(2026, 0, 2, 3, 4, 6) });
    const back = readZip(zip);
    expect(back.map((e) => e.name)).toEqual(inputs.map((i) => i.name));
    for (const [i, e] of back.entries()) expect(e.data.equals(inputs[i]!.data), e.name).toBe(true);
    expect(back[0]!.method).toBe('deflate');
    expect(back[0]!.compressedSize).toBeLessThan(inputs[0]!.data.length / 10);
    expect(back[2]!.method).toBe('store');

    const file = join(dir, 'round.zip');
    writeFileSync(file, zip);
    for (const tester of externalZipTesters()) {
      const r = tester.test(file);
      expect(r.ok, `${tester.name}: ${r.output}`).toBe(true);
    }
  });

  it('writes folder entries before their contents', () => {
    const inputs = withFolders([
      { name: 'top/a/one.txt', data: Buffer.from('1') },
      { name: 'top/a/b/two.txt', data: Buffer.from('2') },
      { name: 'top/three.txt', data: Buffer.from('3') },
      { name: 'top/empty/', data: Buffer.alloc(0) },
    ]);
    expect(inputs.map((i) => i.name)).toEqual([
      'top/',
      'top/a/',
      'top/a/one.txt',
      'top/a/b/',
      'top/a/b/two.txt',
      'top/three.txt',
      'top/empty/',
    ]);
    const file = join(dir, 'folders.zip');
    writeFileSync(file, writeZip(inputs));
    const back = readZip(readFileSync(file));
    expect(back.filter((e) => e.directory).map((e) => e.name)).toEqual([
      'top/',
      'top/a/',
      'top/a/b/',
      'top/empty/',
    ]);
    expect(back.every((e) => !e.directory || (e.data.length === 0 && e.method === 'store'))).toBe(true);
    for (const tester of externalZipTesters()) {
      const r = tester.test(file);
      expect(r.ok, `${tester.name}: ${r.output}`).toBe(true);
    }
    expect(() => writeZip([{ name: 'x/', data: Buffer.from('no') }])).toThrow(/folder entry 'x\/' with data/);
  });

  it('refuses names that would escape the folder it is expanded into, and duplicates', () => {
    for (const name of ['/abs.txt', '../up.txt', 'a/../b.txt', 'a\\b.txt', '', 'a//b']) {
      expect(() => writeZip([{ name, data: Buffer.alloc(1) }]), name).toThrow(/invalid entry name/);
    }
    expect(() =>
      writeZip([
        { name: 'x', data: Buffer.alloc(1) },
        { name: 'x', data: Buffer.alloc(2) },
      ]),
    ).toThrow(/duplicate/);
  });

  it('detects a corrupted entry', () => {
    const zip = writeZip([{ name: 'a.txt', data: Buffer.from('abcdefghij'.repeat(3)) }]);
    const bad = Buffer.from(zip);
    // Flip a byte of the stored CRC in the central directory and the local header alike.
    bad[14] = bad[14]! ^ 0xff;
    expect(() => readZip(bad)).toThrow(/disagree|CRC/);
    expect(() => readZip(zip.subarray(0, zip.length - 30))).toThrow(/end of central directory|central/);
  });
});
