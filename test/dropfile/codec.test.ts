import { describe, expect, it } from 'vitest';
import {
  decodeAnchorComponent,
  encodeAnchor,
  escapeAttr,
  escapeText,
  findInvalidXmlChar,
  formatInteger,
  MmsmlError,
  parseInteger,
  splitAnchor,
  unescapeXml,
} from '../../connector/dropfile/codec.js';
import { bin, int, str } from '../../connector/model/values.js';

describe('anchor bytes', () => {
  it('matches the examples in mmsml-format.md §2.5 and §6', () => {
    expect(encodeAnchor([str('UK0057339')])).toBe('EgAAAFUASwAwADAANQA3ADMAMwA5AA==');
    expect(encodeAnchor([str('ada01')])).toBe('CgAAAGEAZABhADAAMQA=');
    expect(encodeAnchor([str('cy01')])).toBe('CAAAAGMAeQAwADEA');
    expect(encodeAnchor([str('grp-staff')])).toBe('EgAAAGcAcgBwAC0AcwB0AGEAZgBmAA==');
    expect(
      encodeAnchor([bin(Buffer.from('360b36f712276f449b8ddf65a756a9da', 'hex').toString('base64'))]),
    ).toBe('EAAAADYLNvcSJ29Em43fZadWqdo=');
  });

  it('concatenates multi-attribute anchors, each with its own prefix, and splits them back', () => {
    const b64 = encodeAnchor([str('a'), bin('AQI='), int(-2)]);
    const bytes = Buffer.from(b64, 'base64');
    expect(bytes.toString('hex')).toBe('020000006100' + '020000000102' + '08000000feffffffffffffff');
    const parts = splitAnchor(b64);
    expect(parts.map((p) => p.toString('hex'))).toEqual(['6100', '0102', 'feffffffffffffff']);
    expect(decodeAnchorComponent(parts[0]!, 'String')).toEqual(str('a'));
    expect(decodeAnchorComponent(parts[2]!, 'Integer')).toEqual(int(-2));
  });

  it('refuses malformed anchors', () => {
    expect(() => splitAnchor(Buffer.from([5, 0, 0, 0, 1]).toString('base64'))).toThrow(
      /claims 5 bytes, only 1 left/,
    );
    expect(() => splitAnchor(Buffer.from([5, 0]).toString('base64'))).toThrow(/cut short/);
    expect(() => encodeAnchor([{ type: 'Boolean', value: true }])).toThrow(MmsmlError);
  });
});

describe('integers', () => {
  it('formats 64-bit two complement hex and decimal', () => {
    expect(formatInteger('-2147483646', 'hex')).toBe('0xffffffff80000002');
    expect(formatInteger('255', 'hex')).toBe('0xff');
    expect(formatInteger('-1', 'decimal')).toBe('-1');
    expect(() => formatInteger('9223372036854775808', 'hex')).toThrow(/does not fit/);
    expect(() => formatInteger('1.5', 'hex')).toThrow(/not an integer/);
  });

  it('reads hex and decimal', () => {
    expect(parseInteger('0xffffffff80000002')).toBe('-2147483646');
    expect(parseInteger('0XFF')).toBe('255');
    expect(parseInteger('-9223372036854775808')).toBe('-9223372036854775808');
    expect(parseInteger('10')).toBe('10');
    expect(parseInteger('10', 'hex')).toBe('16');
    expect(() => parseInteger('0x1', 'decimal')).not.toThrow();
    expect(() => parseInteger('12a')).toThrow(/not a hex/);
    expect(() => parseInteger('0x10000000000000000')).toThrow();
  });
});

describe('XML text', () => {
  it('escapes and unescapes', () => {
    const s = `a<b>&"c'\r\n\td`;
    expect(escapeText(s)).toBe(`a&lt;b&gt;&amp;"c'&#13;\n\td`);
    expect(escapeAttr(s)).toBe('a&lt;b&gt;&amp;&quot;c&apos;&#13;&#10;&#9;d');
    expect(unescapeXml(escapeAttr(s))).toBe(s);
    expect(unescapeXml('&#x1F600;&#233;&amp;lt;')).toBe('😀é&lt;');
  });

  it('finds characters XML 1.0 cannot carry', () => {
    expect(findInvalidXmlChar('ok \t\r\n 😀 \ud83d\ude00')).toBeUndefined();
    expect(findInvalidXmlChar('a\u0000')).toBe('U+0000 at index 1');
    expect(findInvalidXmlChar('ab\udc00')).toBe('U+DC00 at index 2');
    expect(findInvalidXmlChar('\uffff')).toBe('U+FFFF at index 0');
  });
});
