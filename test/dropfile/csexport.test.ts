import { describe, expect, it } from 'vitest';
import { readCsExport, readCsExportObjects } from '../../connector/dropfile/csexport.js';
import type { Schema } from '../../connector/model/ecma.js';

const schema: Schema = {
  types: ['group', 'person'].map((name) => ({
    name,
    locked: true,
    attributes: [
      {
        name: 'id',
        dataType: 'String' as const,
        multiValued: false,
        anchor: true,
        operation: 'ImportOnly' as const,
      },
    ],
  })),
};

// Shaped after mmsml-format.md §3 / §6.4; csexport writes no line breaks.
const xml = [
  '<?xml version="1.0" encoding="UTF-16"?><cs-objects>',
  '<cs-object cs-dn="CN=Staff,OU=Groups,DC=example,DC=org" id="{0D5A1C3E-0000-4000-8000-00000000A001}" object-type="group">',
  '<unapplied-export><delta operation="update" dn="CN=Staff,OU=Groups,DC=example,DC=org">',
  '<dn-attr name="member" multivalued="true" operation="update">',
  '<dn-value operation="add"><dn>CN=Dee Hopper,OU=People,DC=example,DC=org</dn></dn-value>',
  '<dn-value operation="delete"><dn>CN=Bob Babbage,OU=People,DC=example,DC=org</dn></dn-value>',
  '</dn-attr>',
  '<attr name="count" type="integer" multivalued="false" operation="replace"><value>0xffffffff80000002</value></attr>',
  '</delta></unapplied-export>',
  '<synchronized-hologram><entry dn="CN=Staff,OU=Groups,DC=example,DC=org">',
  '<anchor encoding="base64">EgAAAGcAcgBwAC0AcwB0AGEAZgBmAA==</anchor><primary-objectclass>group</primary-objectclass>',
  '<objectclass><oc-value>group</oc-value></objectclass>',
  '<attr name="displayName" type="string" multivalued="false"><value>Everyone</value></attr>',
  '</entry></synchronized-hologram>',
  '<connector>1</connector><export-delta-operation>update</export-delta-operation>',
  '</cs-object>',
  '<cs-object cs-dn="CN=Ada" id="{0D5A1C3E-0000-4000-8000-00000000A002}" object-type="person">',
  '<synchronized-hologram><entry dn="CN=Ada"><anchor encoding="base64">CgAAAGEAZABhADAAMQA=</anchor>',
  '<primary-objectclass>person</primary-objectclass></entry></synchronized-hologram><connector>1</connector>',
  '</cs-object>',
  '<cs-object cs-dn="CN=Dee &amp; Co" id="{0D5A1C3E-0000-4000-8000-00000000A003}" object-type="person">',
  '<unapplied-export><delta operation="add" dn="CN=Dee &amp; Co">',
  '<primary-objectclass>person</primary-objectclass><objectclass><oc-value>person</oc-value></objectclass>',
  '<attr name="accountName" type="string" multivalued="false"><value>dee &lt;01&gt;</value></attr>',
  '<attr name="photo" type="binary" multivalued="false"><value encoding="base64">AQIDBA==</value></attr>',
  '</delta></unapplied-export><export-delta-operation>add</export-delta-operation>',
  '</cs-object>',
  '<cs-object cs-dn="CN=Cy" id="{0D5A1C3E-0000-4000-8000-00000000A004}" object-type="person">',
  '<unapplied-export><delta operation="delete" dn="CN=Cy"><anchor encoding="base64">CAAAAGMAeQAwADEA</anchor>',
  '</delta></unapplied-export><export-delta-operation>delete</export-delta-operation>',
  '</cs-object>',
  '</cs-objects>',
].join('');

describe('csexport reader', () => {
  for (const encoding of ['utf16le', 'utf8'] as const) {
    it(`turns pending exports into CSEntryChanges (${encoding})`, async () => {
      const bytes = Buffer.concat([
        encoding === 'utf16le' ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0),
        Buffer.from(xml, encoding),
      ]);
      const out = [];
      for await (const c of readCsExport([bytes.subarray(0, 101), bytes.subarray(101)], { schema }))
        out.push(c);
      expect(out).toEqual([
        {
          identifier: '0d5a1c3e-0000-4000-8000-00000000a001',
          objectType: 'group',
          modification: 'Update',
          dn: 'CN=Staff,OU=Groups,DC=example,DC=org',
          anchors: [{ name: 'id', value: { type: 'String', value: 'grp-staff' } }],
          attributes: [
            {
              name: 'member',
              modification: 'Update',
              values: [
                {
                  modification: 'Add',
                  value: { type: 'Reference', value: 'CN=Dee Hopper,OU=People,DC=example,DC=org' },
                },
                {
                  modification: 'Delete',
                  value: { type: 'Reference', value: 'CN=Bob Babbage,OU=People,DC=example,DC=org' },
                },
              ],
              dataType: 'Reference',
              isMultiValued: true,
            },
            {
              name: 'count',
              modification: 'Replace',
              values: [{ modification: 'Add', value: { type: 'Integer', value: '-2147483646' } }],
              dataType: 'Integer',
              isMultiValued: false,
            },
          ],
        },
        {
          identifier: '0d5a1c3e-0000-4000-8000-00000000a003',
          objectType: 'person',
          modification: 'Add',
          dn: 'CN=Dee & Co',
          anchors: [],
          attributes: [
            {
              name: 'accountName',
              modification: 'Add',
              values: [{ modification: 'Add', value: { type: 'String', value: 'dee <01>' } }],
              dataType: 'String',
              isMultiValued: false,
            },
            {
              name: 'photo',
              modification: 'Add',
              values: [{ modification: 'Add', value: { type: 'Binary', value: 'AQIDBA==' } }],
              dataType: 'Binary',
              isMultiValued: false,
            },
          ],
        },
        {
          identifier: '0d5a1c3e-0000-4000-8000-00000000a004',
          objectType: 'person',
          modification: 'Delete',
          dn: 'CN=Cy',
          anchors: [{ name: 'id', value: { type: 'String', value: 'cy01' } }],
          attributes: [],
        },
      ]);
    });
  }

  it('lists every cs-object, with or without a pending export', async () => {
    const all = [];
    for await (const o of readCsExportObjects([xml], { schema })) all.push(o);
    expect(
      all.map((o) => [o.id, o.csDn, o.objectType, o.exportDeltaOperation, o.change?.modification]),
    ).toEqual([
      [
        '{0D5A1C3E-0000-4000-8000-00000000A001}',
        'CN=Staff,OU=Groups,DC=example,DC=org',
        'group',
        'update',
        'Update',
      ],
      ['{0D5A1C3E-0000-4000-8000-00000000A002}', 'CN=Ada', 'person', undefined, undefined],
      ['{0D5A1C3E-0000-4000-8000-00000000A003}', 'CN=Dee & Co', 'person', 'add', 'Add'],
      ['{0D5A1C3E-0000-4000-8000-00000000A004}', 'CN=Cy', 'person', 'delete', 'Delete'],
    ]);
  });

  it('reports truncation and foreign files', async () => {
    const drain = async (src: string) => {
      for await (const _ of readCsExport([src])) void _;
    };
    await expect(drain(xml.slice(0, -30))).rejects.toThrow(/cs-object 4 at byte \d+ is not closed/);
    await expect(drain('<mmsml step-type="export"><directory-entries/></mmsml>')).rejects.toThrow(
      /not a csexport/,
    );
    await expect(drain('<cs-objects/>')).resolves.toBeUndefined();
  });
});
