/** Well-formed requests of the bridge protocol (schemas/bridge-protocol.schema.json), for tests to damage. */
export const PROTOCOL_SAMPLES: readonly { method: string; params: Record<string, unknown> }[] = [
  { method: 'hello', params: { protocolVersion: 1 } },
  {
    method: 'hello',
    params: { protocolVersion: 1, bridgeVersion: '1.0.0', dataFolder: 'C:\\MaData\\Graph' },
  },
  { method: 'getCapabilities', params: { config: {} } },
  { method: 'getConfigParameters', params: { config: {}, page: 'Schema', pageNumber: 2 } },
  {
    method: 'validateConfigParameters',
    params: { config: { Tenant: { value: 'contoso.onmicrosoft.com' } }, page: 'Connectivity' },
  },
  {
    method: 'openImport',
    params: {
      config: {},
      schema: { types: [] },
      runStep: { importType: 'Full', pageSize: 100, customData: null },
    },
  },
  { method: 'getImportPage', params: { session: 'nope' } },
  { method: 'closeImport', params: { session: 's', runStep: { reason: 'Normal', customData: null } } },
  {
    method: 'putExportEntries',
    params: {
      session: 's',
      entries: [
        {
          identifier: '00000000-0000-0000-0000-000000000001',
          objectType: 'user',
          modification: 'Add',
          anchors: [],
          attributes: [
            {
              name: 'displayName',
              modification: 'Add',
              values: [{ modification: 'Add', value: { type: 'String', value: 'x' } }],
            },
          ],
        },
      ],
    },
  },
  { method: 'cancel', params: { id: 4 } },
];
