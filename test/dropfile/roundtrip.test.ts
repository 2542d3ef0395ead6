import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { MmsmlError } from '../../connector/dropfile/codec.js';
import { MmsmlReader, readMmsml, readMmsmlFile } from '../../connector/dropfile/reader.js';
import { MmsmlWriter } from '../../connector/dropfile/writer.js';
import type { AttributeChange, CSEntryChange, Schema, TypedValue } from '../../connector/model/ecma.js';
import { bin, bool, int, ref, str, valueAdd, valueDelete } from '../../connector/model/values.js';

const dir = mkdtempSync(join(tmpdir(), 'mmsml-rt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schema: Schema = {
  types: [
    {
      name: 'user',
      locked: true,
      attributes: [
        { name: 'id', dataType: 'String', multiValued: false, anchor: true, operation: 'ImportOnly' },
      ],
    },
    {
      name: 'group',
      locked: true,
      attributes: [
        { name: 'id', dataType: 'String', multiValued: false, anchor: true, operation: 'ImportOnly' },
      ],
    },
  ],
};

const a = (
  name: string,
  modification: AttributeChange['modification'],
  values: AttributeChange['values'],
  dataType: AttributeChange['dataType'],
  isMultiValued = false,
): AttributeChange => ({ name, modification, values, dataType, isMultiValued });
const adds = (vs: TypedValue[]) => vs.map(valueAdd);

const long = 'x'.repeat(50_000) + 'é😀'.repeat(16_000); // ~100 KB of UTF-16
const tricky = `<tag a="1" b='2'> & &amp; ]]> \r\n line2\n\ttab  trailing  `;

const entries: CSEntryChange[] = [
  {
    identifier: 'e1',
    objectType: 'user',
    modification: 'Add',
    dn: 'CN=Zoë <&> "Quote" \'Apos\' 😀,OU=Ünïcödé\nline,DC=x',
    anchors: [{ name: 'id', value: str('6f1c-😀-ü') }],
    attributes: [
      a('manager', 'Add', adds([ref('CN=Bob & Co <x>,DC=x')]), 'Reference'),
      a('displayName', 'Add', adds([str(tricky)]), 'String'),
      a('astral', 'Add', adds([str('𝄞 music 𠜎 cjk 😀')]), 'String'),
      a('description', 'Add', adds([str(long)]), 'String'),
      a('photo', 'Add', adds([bin(Buffer.from([0, 1, 2, 255, 254, 60, 38]).toString('base64'))]), 'Binary'),
      a('enabled', 'Add', adds([bool(true)]), 'Boolean'),
      a('locked', 'Add', adds([bool(false)]), 'Boolean'),
      a('big', 'Add', adds([int('9223372036854775807')]), 'Integer'),
      a('min', 'Add', adds([int('-9223372036854775808')]), 'Integer'),
      a('neg', 'Add', adds([int(-2147483646)]), 'Integer'),
      a('beyond53', 'Add', adds([int('9007199254740993')]), 'Integer'),
      a('zero', 'Add', adds([int(0)]), 'Integer'),
      a('mail', 'Add', adds([str('a@x'), str('b@x'), str('')]), 'String', true),
      a('empty', 'Add', adds([str('')]), 'String'),
      a('spaces', 'Add', adds([str('  ')]), 'String'),
    ],
  },
  {
    identifier: 'e2',
    objectType: 'group',
    modification: 'Update',
    dn: 'g1',
    anchors: [{ name: 'id', value: str('g1') }],
    attributes: [
      a(
        'member',
        'Update',
        [valueAdd(ref('u1')), valueDelete(ref('u2')), valueAdd(ref('u3'))],
        'Reference',
        true,
      ),
      a('owners', 'Delete', [], 'Reference', true),
      a('manager', 'Replace', [valueAdd(ref('u9'))], 'Reference'),
      a('displayName', 'Update', [valueAdd(str('new')), valueDelete(str('old'))], 'String'),
      a('description', 'Delete', [], 'String'),
      a('count', 'Replace', adds([int(-1)]), 'Integer'),
      a('tags', 'Add', adds([str('t1'), str('t2')]), 'String', true),
      a('flags', 'Update', [valueDelete(int(-1))], 'Integer', true),
    ],
  },
  {
    identifier: 'e3',
    objectType: 'user',
    modification: 'Replace',
    dn: 'u5',
    anchors: [{ name: 'id', value: str('u5') }],
    attributes: [a('displayName', 'Add', adds([str('Replaced')]), 'String')],
  },
  {
    identifier: 'e4',
    objectType: 'user',
    modification: 'Delete',
    dn: 'u7',
    anchors: [{ name: 'id', value: str('u7') }],
    attributes: [],
  },
];

async function writeAll(
  path: string,
  list: CSEntryChange[],
  opts: Partial<Parameters<typeof MmsmlWriter.open>[1]> = {},
) {
  const w = await MmsmlWriter.open(path, { stepType: 'delta-import', ...opts });
  for (const e of list) await w.write(e);
  await w.close();
  return w.stats;
}

const ids = (i: number) => `e${i}`;

describe('mmsml round trip', () => {
  for (const encoding of ['utf16le', 'utf8'] as const) {
    for (const integers of ['hex', 'decimal'] as const) {
      it(`writes and reads back the same changes (${encoding}, ${integers} integers)`, async () => {
        const path = join(dir, `rt-${encoding}-${integers}.xml`);
        const stats = await writeAll(path, entries, { encoding, integers });
        expect(stats.deltas).toBe(entries.length);
        const bytes = readFileSync(path);
        if (encoding === 'utf16le') expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
        else expect(bytes.subarray(0, 5).toString()).toBe('<?xml');
        const { stepType, entries: back } = await readMmsmlFile(path, { schema, identifier: ids });
        expect(stepType).toBe('delta-import');
        expect(back).toEqual(entries);
      });
    }
  }

  it('writes integers as 0x hex of the 64-bit two complement by default', async () => {
    const path = join(dir, 'hex.xml');
    await writeAll(path, [entries[0]!]);
    const text = readFileSync(path).toString('utf16le');
    expect(text).toContain('<value>0xffffffff80000002</value>');
    expect(text).toContain('<value>0x7fffffffffffffff</value>');
    expect(text).toContain('<value>0x8000000000000000</value>');
    expect(text).toContain('<value>0x0</value>');
  });

  it('never writes export_password, and counts what it skipped', async () => {
    const path = join(dir, 'secret.xml');
    const secret = 'S3cr3t-Pa55word!';
    const withSecret: CSEntryChange = {
      ...entries[2]!,
      attributes: [
        a('export_password', 'Add', adds([str(secret)]), 'String'),
        a('displayName', 'Add', adds([str('x')]), 'String'),
        a('EXPORT_PASSWORD', 'Replace', adds([str(secret)]), 'String'),
      ],
    };
    const stats = await writeAll(path, [withSecret]);
    expect(stats.skippedSecrets).toBe(2);
    const bytes = readFileSync(path);
    for (const enc of ['utf16le', 'utf8'] as const) {
      expect(bytes.includes(Buffer.from(secret, enc))).toBe(false);
      expect(bytes.includes(Buffer.from('export_password', enc))).toBe(false);
    }
    const { entries: back } = await readMmsmlFile(path, { schema });
    expect(back[0]!.attributes.map((x) => x.name)).toEqual(['displayName']);
  });

  it('refuses characters XML 1.0 cannot carry, naming the attribute', async () => {
    const w = await MmsmlWriter.open(new PassThrough().resume(), { stepType: 'export' });
    const bad: CSEntryChange = {
      identifier: 'x',
      objectType: 'user',
      modification: 'Add',
      dn: 'u1',
      anchors: [],
      attributes: [a('displayName', 'Add', adds([str('bell\u0007')]), 'String')],
    };
    await expect(w.write(bad)).rejects.toThrow(/attribute 'displayName' of user 'u1'.*U\+0007/);
    const lone = { ...bad, attributes: [a('note', 'Add', adds([str('x\ud800y')]), 'String')] };
    await expect(w.write(lone)).rejects.toThrow(/'note'.*U\+D800/);
    await w.close();
  });

  it('reports a file it cannot write', async () => {
    const w = await MmsmlWriter.open(join(dir, 'no', 'such', 'dir.xml'), { stepType: 'export' });
    await new Promise((r) => setTimeout(r, 50));
    await expect(w.write(entries[3]!)).rejects.toThrow(/ENOENT/);
    await expect(w.close()).rejects.toThrow(/ENOENT/);
  });

  it('respects backpressure on a slow Writable', async () => {
    let drains = 0;
    const chunks: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        setImmediate(cb);
      },
    });
    slow.on('drain', () => drains++);
    const w = await MmsmlWriter.open(slow, { stepType: 'export', encoding: 'utf8' });
    for (let i = 0; i < 50; i++) {
      await w.write({ ...entries[2]!, dn: `u${i}` });
      expect(slow.writableLength).toBeLessThan(4096);
    }
    await w.close();
    expect(drains).toBeGreaterThan(0);
    let n = 0;
    for await (const e of readMmsml([Buffer.concat(chunks)], { schema }))
      n += e.modification === 'Replace' ? 1 : 0;
    expect(n).toBe(50);
  });

  it('reads a file cut into tiny chunks (split BOM, surrogates and tags) the same', async () => {
    const path = join(dir, 'rt-utf16le-hex.xml');
    const bytes = readFileSync(path);
    async function* tiny() {
      for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
    }
    let stepType = '';
    const back: CSEntryChange[] = [];
    for await (const e of readMmsml(tiny(), { schema, identifier: ids, onStepType: (s) => (stepType = s) })) {
      back.push(e);
    }
    expect(stepType).toBe('delta-import');
    expect(back).toEqual(entries);
  });

  it('names the delta and byte offset in errors', async () => {
    const good = readFileSync(join(dir, 'rt-utf8-hex.xml'), 'utf8');
    const broken = good.replace('<value>0x0</value>', '<value>0xZZ</value>');
    const at = Buffer.byteLength(good.slice(0, good.indexOf('<delta')));
    const r = await MmsmlReader.open([broken], { schema });
    await expect(async () => {
      for await (const _ of r) void _;
    }).rejects.toThrow(new RegExp(`delta 1 at byte ${at}: attribute 'zero' value 1: '0xZZ' is not`));

    const truncated = good.slice(0, good.lastIndexOf('</delta>'));
    await expect(readMmsmlFile([truncated])).rejects.toThrow(
      /delta 4 at byte \d+ is not closed: the file is truncated/,
    );
    await expect(readMmsmlFile(['<?xml version="1.0"?><foo/>'])).rejects.toThrow(MmsmlError);
    const badStep = good.replace('step-type="delta-import"', 'step-type="apply-rules"');
    await expect(readMmsmlFile([badStep])).rejects.toThrow(/step-type 'apply-rules'/);
  });

  it('reads an empty drop file', async () => {
    const path = join(dir, 'empty.xml');
    await writeAll(path, [], { stepType: 'full-import' });
    const r = await readMmsmlFile(path);
    expect(r).toEqual({ stepType: 'full-import', entries: [] });
  });

  it('decodes anchors by anchorTypes, schema, or as Binary', async () => {
    const path = join(dir, 'rt-utf16le-hex.xml');
    const raw = await readMmsmlFile(path, { identifier: ids });
    const anchorBytes = Buffer.concat([Buffer.from([18, 0, 0, 0]), Buffer.from('6f1c-😀-ü', 'utf16le')]);
    expect(raw.entries[0]!.anchors).toEqual([
      { name: 'anchor', value: bin(anchorBytes.subarray(4).toString('base64')) },
    ]);
    const typed = await readMmsmlFile(path, { anchorTypes: { user: 'String' } });
    expect(typed.entries[0]!.anchors).toEqual([{ name: 'anchor', value: str('6f1c-😀-ü') }]);
  });
});
