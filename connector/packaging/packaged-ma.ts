import { XMLBuilder } from 'fast-xml-parser';
import { getCapabilities } from '../capabilities.js';
import type { MACapabilities } from '../model/ecma.js';

/**
 * The packaged MA definition (`MimGraph.PackagedMA.xml`) that makes "Graph (mimgraph)" appear in the
 * Synchronization Service Manager's Create Management Agent list once it sits in
 * `<sync>\UIShell\XMLs\PackagedMAs` and the bridge DLL in `<sync>\Extensions` (ecma2-api.md §17.4).
 * It is what mapackager.exe would write from an exported MA plus a customization file, generated here
 * from the connector's own capabilities so the two cannot drift: the capability bits MIM snapshots
 * into the MA (ecma2-api.md §4.3, §16.3) come from `getCapabilities`, the page sizes from the
 * bridge's, and the schema is a one-class placeholder that MIM replaces on "Refresh schema".
 */

export const COMPANY = 'mimgraph';
export const LIST_NAME = 'Graph';
/** mapackager writes "<name> (<company>)" into the packaged file; the list shows the element as is. */
export const LIST_ENTRY = `${LIST_NAME} (${COMPANY})`;
export const SUBTYPE = `Microsoft Graph (${COMPANY})`;
export const BRIDGE_DLL = 'MimGraph.Bridge.dll';
export const PACKAGED_MA_FILE = 'MimGraph.PackagedMA.xml';
/** Fixed for all versions: the id of the packaged MA type, not of an MA created from it. */
export const PACKAGED_MA_ID = '{CC852443-8C13-41DA-8EAB-2ECB4101F91B}';
/** Page and batch sizes registered for the run profiles: the bridge's (Ecma/PageSizes.cs). */
export const PAGE_SIZES = { importDefault: 100, importMax: 10000, exportDefault: 100, exportMax: 10000 };

/** The bits of MIM's capability bitfield (ecma2-api.md §4.3). */
export const CAPABILITY_BIT = {
  immediateExportConfirmation: 0x1, // mask only, for export-capable MAs
  notSupportImport: 0x4,
  notSupportHierarchy: 0x8,
  nativeDnNames: 0x10, // DN style Generic or Ldap
  hierarchicalDnNames: 0x20, // DN style Generic or Ldap
  ldapStyleDnNames: 0x40, // DN style Ldap
  notSupportExport: 0x80,
  objectRename: 0x200,
  noReferenceValuesInFirstExport: 0x400,
  supportPassword: 0x800,
  deltaImport: 0x1000,
  concurrentOperation: 0x8000,
  deleteAddAsReplace: 0x10000,
  attributeUpdateListOnExport: 0x20000, // always set for ECMA2
  getClassSchema: 0x40000, // always set: the bridge implements GetSchema
  normalizeUppercase: 0x80000,
  normalizeRemoveAccents: 0x100000,
  notSupportPartitions: 0x1000000,
  fullExport: 0x2000000,
  exportPasswordInFirstPass: 0x10000000,
  isDnAsAnchor: 0x40000000,
  caseNormalizeDnForAnchor: 0x80000000, // always set for ECMA2
} as const;

/** `<capability-bits>`: what the engine computes from MACapabilities when it registers the DLL. */
export function capabilityBits(c: MACapabilities): number {
  const b = CAPABILITY_BIT;
  let bits = b.attributeUpdateListOnExport | b.getClassSchema | b.caseNormalizeDnForAnchor;
  if (!c.supportImport) bits |= b.notSupportImport;
  if (!c.supportHierarchy) bits |= b.notSupportHierarchy;
  if (!c.supportExport) bits |= b.notSupportExport;
  if (!c.supportPartitions) bits |= b.notSupportPartitions;
  if (c.distinguishedNameStyle !== 'None') bits |= b.nativeDnNames | b.hierarchicalDnNames;
  if (c.distinguishedNameStyle === 'Ldap') bits |= b.ldapStyleDnNames;
  // MIM's setter forces ObjectRename off with DN style None.
  if (c.objectRename && c.distinguishedNameStyle !== 'None') bits |= b.objectRename;
  if (c.noReferenceValuesInFirstExport) bits |= b.noReferenceValuesInFirstExport;
  if (c.supportPassword) bits |= b.supportPassword;
  if (c.deltaImport) bits |= b.deltaImport;
  if (c.concurrentOperation) bits |= b.concurrentOperation;
  if (c.deleteAddAsReplace) bits |= b.deleteAddAsReplace;
  if (c.normalizations === 'Uppercase') bits |= b.normalizeUppercase;
  if (c.normalizations === 'RemoveAccents') bits |= b.normalizeRemoveAccents;
  if (c.fullExport) bits |= b.fullExport;
  if (c.exportPasswordInFirstPass) bits |= b.exportPasswordInFirstPass;
  if (c.isDnAsAnchor) bits |= b.isDnAsAnchor;
  return bits >>> 0;
}

/** `<capabilities-mask>`: the bits plus ImmediateExportConfirmation for an export-capable MA. */
export function capabilitiesMask(c: MACapabilities): number {
  return (capabilityBits(c) | (c.supportExport ? CAPABILITY_BIT.immediateExportConfirmation : 0)) >>> 0;
}

/** `<export-type>`: the raw MAExportType value (ecma2-api.md §4.2). */
export function exportTypeValue(c: MACapabilities): number {
  const values = {
    AttributeUpdate: 1,
    AttributeReplace: 2,
    ObjectReplace: 3,
    MultivaluedReferenceAttributeUpdate: 5,
  };
  return values[c.exportType];
}

export interface PackagedMaOptions {
  /** The npm package version (x.y.z); the bridge's AssemblyVersion is x.y.z.0. */
  readonly version: string;
  /** Defaults to the capabilities `getCapabilities` answers for a new MA (no parameter values). */
  readonly capabilities?: MACapabilities;
}

const HELP_TEXT =
  'Microsoft Graph connector for Microsoft Entra ID (users, groups, contacts, service principals; ' +
  'full and delta import, export, password reset). Runs the mimgraph Node.js connector through ' +
  'MimGraph.Bridge.dll.';

const bit = (on: boolean): string => (on ? '1' : '0');

function placeholderSchema(): object {
  // MIM refuses a packaged MA without a DSML schema; one structural class with its anchor is enough
  // and is replaced by the detected schema when the administrator refreshes the schema.
  return {
    'dsml:dsml': {
      '@_xmlns:ms-dsml': 'http://www.microsoft.com/MMS/DSML',
      '@_xmlns:dsml': 'http://www.dsml.org/DSML',
      'dsml:directory-schema': {
        '@_ms-dsml:no-objectclass-validation': 'true',
        'dsml:class': {
          '@_id': 'user',
          '@_type': 'structural',
          '@_ms-dsml:locked': '1',
          'dsml:name': 'user',
          'dsml:attribute': {
            '@_ref': '#id',
            '@_required': 'true',
            '@_ms-dsml:isAnchor': 'true',
            '@_ms-dsml:allowedOperation': 'ImportOnly',
          },
        },
        'dsml:attribute-type': {
          '@_id': 'id',
          '@_single-value': 'true',
          '@_ms-dsml:immutable': 'true',
          'dsml:name': 'id',
          'dsml:syntax': '1.3.6.1.4.1.1466.115.121.1.15',
        },
      },
    },
  };
}

/** The packaged MA XML text (UTF-8, no declaration, as mapackager writes it). */
export function buildPackagedMaXml(options: PackagedMaOptions): string {
  if (!/^\d+\.\d+\.\d+$/.test(options.version)) {
    throw new Error(`packaged MA: version '${options.version}' is not x.y.z`);
  }
  const c = options.capabilities ?? getCapabilities({});
  const exportType = String(exportTypeValue(c));
  const document = {
    'export-ma': {
      '#comment': ` ${LIST_ENTRY} ${options.version}: generated by npm run package; do not edit `,
      'ma-data': {
        '@_format': 'Packaged',
        'format-version': '1',
        'internal-version': '1',
        'ma-companyname': COMPANY,
        subtype: SUBTYPE,
        'ma-listname': LIST_ENTRY,
        id: PACKAGED_MA_ID,
        category: 'Extensible2',
        'password-sync-allowed': '0',
        schema: placeholderSchema(),
        'attribute-inclusion': '',
        'stay-disconnector': '',
        join: '',
        projection: '',
        'export-attribute-flow': '',
        extension: '',
        'controller-configuration': {
          'application-protection': 'low',
          'application-architecture': 'process',
        },
        'ma-ui-settings': {
          'account-joiner-queries': { attributes: '', filters: { '@_max_mv_search_results': '' } },
        },
        'private-configuration': {
          MAConfig: {
            'ui-data': {
              xmlwizard: {
                properties: { sample_file: '', code_page_description: '' },
                partitions: '',
                primary_class_mappings: '',
                object_classes: '',
                attributes: '',
              },
              'ma-help-text': HELP_TEXT,
            },
            importing: '',
            exporting: '',
            'ldap-dn': bit(c.distinguishedNameStyle === 'Ldap'),
            change_type_attribute: '',
            add_change_type_value: 'Add',
            modify_change_type_value: 'Modify',
            delete_change_type_value: 'Delete',
            primary_class_mappings: '',
            'enable-unapplied-merge': '0',
            'file-type': 'Extensible2',
            'extension-config': {
              filename: { '@_data-owner': 'ISV', '#text': BRIDGE_DLL },
              'import-default-page-size': String(PAGE_SIZES.importDefault),
              'import-max-page-size': String(PAGE_SIZES.importMax),
              'export-default-page-size': String(PAGE_SIZES.exportDefault),
              'export-max-page-size': String(PAGE_SIZES.exportMax),
              'export-mode': { '@_data-owner': 'ISV', '#text': c.supportExport ? 'call-based' : '' },
              'import-mode': 'call-based',
              'export-enabled': { '@_data-owner': 'ISV', '#text': bit(c.supportExport) },
              'import-enabled': { '@_data-owner': 'ISV', '#text': bit(c.supportImport) },
              'discovery-partition': '',
              'discovery-schema': 'extensibility',
              'discovery-hierarchy': '',
              'password-management-enabled': c.supportPassword ? '1' : '',
              'assembly-version': `${options.version}.0`,
              'supports-parameters-ex': '1',
              'export-type': exportType,
              'capability-bits': String(capabilityBits(c)),
            },
            // Left empty: the designer asks the bridge for the parameter pages (GetConfigParametersEx).
            'parameter-definitions': '',
            'parameter-values': '',
            default_visible_attributes: { attribute: ['id', 'displayName'] },
            'password-extension-config': {
              'password-extension-enabled': '0',
              dll: { '@_data-owner': 'ISV', '#text': '' },
              'password-set-enabled': '',
              'password-change-enabled': '',
              'connection-info': { 'connect-to': '', user: '' },
              timeout: '',
            },
            case_normalize_dn_for_anchor: '1',
          },
        },
        'SyncConfig-refresh-schema': '0',
        'ma-partition-data': '',
        'ma-run-data': '',
        'capabilities-mask': capabilitiesMask(c).toString(16),
        'export-type': exportType,
        'dn-construction': '',
        'password-sync': { 'maximum-retry-count': '10', 'retry-interval': '60', 'allow-low-security': '0' },
        component_mappings: '',
      },
      'mv-data': { 'import-attribute-flow': '' },
    },
  };
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    textNodeName: '#text',
    commentPropName: '#comment',
    format: true,
    indentBy: '  ',
    suppressEmptyNode: false,
    // `required="true"` must stay an attribute with a value, not a bare HTML-style name.
    suppressBooleanAttributes: false,
  });
  return builder.build(document) as string;
}
