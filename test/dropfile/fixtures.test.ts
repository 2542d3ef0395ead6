import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { readMmsmlFile } from '../../connector/dropfile/reader.js';
import { MmsmlWriter } from '../../connector/dropfile/writer.js';
import type { CSEntryChange, Schema } from '../../connector/model/ecma.js';

const fixture = (name: string) => new URL(`../../../shared/fixtures/mmsml/${name}`, import.meta.url);

// The Lync connector's User anchor is a GUID (binary).
const schema: Schema = {
  types: [
    {
      name: 'User',
      locked: true,
      attributes: [
        { name: 'Identity', dataType: 'Binary', multiValued: false, anchor: true, operation: 'ImportOnly' },
      ],
    },
  ],
};
const guidAnchor = Buffer.from('EAAAADYLNvcSJ29Em43fZadWqdo=', 'base64').subarray(4).toString('base64');
const dn = 'CN=tuser7,OU=Users,OU=HQ,DC=contoso,DC=com';

const expected: Record<string, Omit<CSEntryChange, 'identifier'>> = {
  'Lync-Export-Add-User.xml': {
    objectType: 'User',
    modification: 'Add',
    dn,
    anchors: [],
    attributes: [
      {
        name: 'DisplayName',
        modification: 'Add',
        values: [{ modification: 'Add', value: { type: 'String', value: 'Test User7' } }],
        dataType: 'String',
        isMultiValued: false,
      },
      {
        name: 'Enabled',
        modification: 'Add',
        values: [{ modification: 'Add', value: { type: 'Boolean', value: true } }],
        dataType: 'Boolean',
        isMultiValued: false,
      },
      {
        name: 'RegistrarPool',
        modification: 'Add',
        values: [{ modification: 'Add', value: { type: 'String', value: 'contoso-s4b01.contoso.com' } }],
        dataType: 'String',
        isMultiValued: false,
      },
    ],
  },
  'Lync-Export-Update-User.xml': {
    objectType: 'User',
    modification: 'Update',
    dn,
    anchors: [{ name: 'Identity', value: { type: 'Binary', value: guidAnchor } }],
    attributes: [
      {
        name: 'AudioVideoDisabled',
        modification: 'Update',
        values: [
          { modification: 'Add', value: { type: 'Boolean', value: true } },
          { modification: 'Delete', value: { type: 'Boolean', value: false } },
        ],
        dataType: 'Boolean',
        isMultiValued: false,
      },
    ],
  },
  'Lync-Export-Delete-User.xml': {
    objectType: 'User',
    modification: 'Delete',
    dn,
    anchors: [{ name: 'Identity', value: { type: 'Binary', value: guidAnchor } }],
    attributes: [],
  },
};

const tree = (xml: string) =>
  new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    trimValues: true,
    parseTagValue: false,
    parseAttributeValue: false,
    ignoreDeclaration: false,
  }).parse(xml);

async function writeToBuffer(entries: readonly CSEntryChange[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const w = await MmsmlWriter.open(out, { stepType: 'export' });
  for (const e of entries) await w.write(e);
  await w.close();
  return Buffer.concat(chunks);
}

describe('real MIM drop files (microsoft/MIMPowerShellConnectors Lync test data)', () => {
  it('the GUID anchor is a 4-byte LE length 16 followed by the .NET GUID bytes', () => {
    const bytes = Buffer.from('EAAAADYLNvcSJ29Em43fZadWqdo=', 'base64');
    expect(bytes.readUInt32LE(0)).toBe(16);
    expect(bytes.length).toBe(20);
    // {f7360b36-2712-446f-9b8d-df65a756a9da} in .NET (mixed-endian) byte order
    expect(bytes.subarray(4).toString('hex')).toBe('360b36f712276f449b8ddf65a756a9da');
  });

  for (const [file, want] of Object.entries(expected)) {
    it(`reads ${file}`, async () => {
      const { stepType, entries } = await readMmsmlFile(fixture(file), { schema });
      expect(stepType).toBe('export');
      expect(entries).toHaveLength(1);
      const { identifier, ...rest } = entries[0]!;
      expect(identifier).toMatch(/^[0-9a-f-]{36}$/);
      expect(rest).toEqual(want);
    });

    it(`writes ${file} equivalently, element by element, attribute by attribute`, async () => {
      const original = readFileSync(fixture(file));
      const { entries } = await readMmsmlFile(fixture(file), { schema });
      const written = await writeToBuffer(entries);
      // Both UTF-16 LE with BOM.
      expect([...written.subarray(0, 2)]).toEqual([...original.subarray(0, 2)]);
      const a = tree(original.subarray(2).toString('utf16le'));
      const b = tree(written.subarray(2).toString('utf16le'));
      expect(JSON.stringify(a)).toContain('directory-entries');
      expect(b).toEqual(a);
      // The layout matches too (CRLF, 2-space indentation, attribute order): byte for byte.
      expect(written.equals(original)).toBe(true);
    });
  }
});
