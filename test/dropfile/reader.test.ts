import { describe, expect, it } from 'vitest';
import { readMmsmlFile } from '../../connector/dropfile/reader.js';

const doc = (deltas: string, stepType = 'delta-import') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<mmsml xmlns="http://www.microsoft.com/mms/mmsml/v2" step-type="${stepType}"><directory-entries>${deltas}</directory-entries></mmsml>`;

describe('mmsml reader details', () => {
  it('reads newdn as the dn, delete-add as Replace, objectclass as the type, bare booleans and base64', async () => {
    const { entries } = await readMmsmlFile(
      [
        doc(
          '<delta operation="update" dn="CN=old" newdn="CN=new"><primary-objectclass>user</primary-objectclass></delta>' +
            '<delta operation="delete-add" dn="x"><objectclass><oc-value>top</oc-value><oc-value>person</oc-value></objectclass>' +
            '<attr name="b" type="Boolean" multivalued="false"><value>1</value></attr>' +
            '<attr name="bin" type="binary" multivalued="false"><value>AQ\r\n ID</value></attr></delta>' +
            '<delta operation="add" dn="y"/>'.replace(
              '/>',
              '><primary-objectclass>user</primary-objectclass></delta>',
            ),
        ),
      ],
      { identifier: (i) => `n${i}` },
    );
    expect(entries.map((e) => [e.identifier, e.modification, e.dn, e.objectType])).toEqual([
      ['n1', 'Update', 'CN=new', 'user'],
      ['n2', 'Replace', 'x', 'person'],
      ['n3', 'Add', 'y', 'user'],
    ]);
    expect(entries[1]!.attributes.map((a) => a.values[0]!.value)).toEqual([
      { type: 'Boolean', value: true },
      { type: 'Binary', value: 'AQID' },
    ]);
  });

  it('names the problem and where it is', async () => {
    await expect(readMmsmlFile([doc('<delta operation="add" dn="x"></delta>')])).rejects.toThrow(
      /delta 1 at byte \d+: no primary-objectclass \(missing-object-type\)/,
    );
    await expect(
      readMmsmlFile([
        doc('<delta operation="none" dn="x"><primary-objectclass>u</primary-objectclass></delta>'),
      ]),
    ).rejects.toThrow(/delta 1 .*operation 'none'/);
    await expect(
      readMmsmlFile([
        doc('<delta operation="add" dn="x"><primary-objectclass>u</primary-objectclass><attr></delta>'),
      ]),
    ).rejects.toThrow(/delta 1 at byte \d+: malformed XML/);
    await expect(
      readMmsmlFile([
        doc(
          '<delta operation="add" dn="x"><primary-objectclass>u</primary-objectclass></delta>junk<delta operation="add" dn="y"></delta>',
        ),
      ]),
    ).rejects.toThrow(/unexpected content before delta 2 at byte \d+: 'junk'/);
    await expect(
      readMmsmlFile([doc('').replace('xmlns="http://www.microsoft.com/mms/mmsml/v2"', 'xmlns="urn:other"')]),
    ).rejects.toThrow(/namespace 'urn:other'/);
  });

  it('reads the real fixture without a schema: the GUID anchor as Binary', async () => {
    const url = new URL('../../../shared/fixtures/mmsml/Lync-Export-Delete-User.xml', import.meta.url);
    const { entries } = await readMmsmlFile(url);
    expect(entries[0]!.anchors).toEqual([
      {
        name: 'anchor',
        value: {
          type: 'Binary',
          value: Buffer.from('360b36f712276f449b8ddf65a756a9da', 'hex').toString('base64'),
        },
      },
    ]);
  });
});
