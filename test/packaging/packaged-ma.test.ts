import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { getCapabilities } from '../../connector/capabilities.js';
import type { MACapabilities } from '../../connector/model/ecma.js';
import {
  buildPackagedMaXml,
  CAPABILITY_BIT,
  capabilitiesMask,
  capabilityBits,
  exportTypeValue,
} from '../../connector/packaging/packaged-ma.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed XML is walked by element names
type Xml = any;

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false });

/** MACapabilities as `new MACapabilities()` leaves them (ecma2-api.md §4.1). */
const MIM_DEFAULTS: MACapabilities = {
  distinguishedNameStyle: 'Generic',
  objectRename: true,
  noReferenceValuesInFirstExport: false,
  deltaImport: true,
  concurrentOperation: true,
  deleteAddAsReplace: true,
  exportPasswordInFirstPass: false,
  fullExport: false,
  objectConfirmation: 'Normal',
  exportType: 'ObjectReplace',
  normalizations: 'None',
  isDnAsAnchor: false,
  supportImport: true,
  supportExport: true,
  supportPartitions: true,
  supportPassword: true,
  supportHierarchy: true,
};

describe('packaged MA capability bits (ecma2-api.md §4.3)', () => {
  it("encodes the connector's capabilities as hand-computed", () => {
    // Baseline 0x80000000 | 0x40000 | 0x20000 (every ECMA2 MA)
    // + 0x10000000 ExportPasswordInFirstPass + 0x1000000 no partitions
    // + 0x8000 ConcurrentOperation + 0x1000 DeltaImport + 0x800 SupportPassword
    // + 0x400 NoReferenceValuesInFirstExport + 0x30 DN style Generic + 0x8 no hierarchy.
    // Not set: 0x4/0x80 (import and export supported), 0x200 rename, 0x10000 delete-add-as-replace,
    // 0x80000/0x100000 normalizations, 0x2000000 full export, 0x40000000 DN as anchor.
    const caps = getCapabilities({});
    expect(capabilityBits(caps)).toBe(0x91069c38);
    expect(capabilityBits(caps)).toBe(2433129528);
    expect(capabilitiesMask(caps)).toBe(0x91069c39); // + ImmediateExportConfirmation: export-capable
    expect(exportTypeValue(caps)).toBe(1); // AttributeUpdate
  });

  it("reproduces the engine's value for an import-only probe MA", () => {
    // An import-only, Generic-DN MA without partitions, hierarchy, delta or password, registered by
    // a real engine: capability-bits 2164752568 = 0x810780b8, mask the same (no export).
    const probe: MACapabilities = {
      ...MIM_DEFAULTS,
      objectRename: false,
      deltaImport: false,
      exportType: 'AttributeReplace',
      supportExport: false,
      supportPartitions: false,
      supportPassword: false,
      supportHierarchy: false,
    };
    expect(capabilityBits(probe)).toBe(0x810780b8);
    expect(capabilitiesMask(probe)).toBe(0x810780b8);
    expect(exportTypeValue(probe)).toBe(2);
  });

  it('maps each capability to its own bit', () => {
    const base = capabilityBits(MIM_DEFAULTS);
    const flip = (c: Partial<MACapabilities>) => (capabilityBits({ ...MIM_DEFAULTS, ...c }) ^ base) >>> 0;
    expect(flip({ supportImport: false })).toBe(CAPABILITY_BIT.notSupportImport);
    expect(flip({ supportHierarchy: false })).toBe(0x8);
    expect(flip({ supportExport: false })).toBe(0x80);
    expect(flip({ supportPartitions: false })).toBe(0x1000000);
    expect(flip({ distinguishedNameStyle: 'Ldap' })).toBe(0x40);
    expect(flip({ distinguishedNameStyle: 'None', objectRename: false })).toBe(0x30 | 0x200);
    expect(flip({ distinguishedNameStyle: 'None' })).toBe(0x30 | 0x200); // None forces ObjectRename off
    expect(flip({ objectRename: false })).toBe(0x200);
    expect(flip({ noReferenceValuesInFirstExport: true })).toBe(0x400);
    expect(flip({ supportPassword: false })).toBe(0x800);
    expect(flip({ deltaImport: false })).toBe(0x1000);
    expect(flip({ concurrentOperation: false })).toBe(0x8000);
    expect(flip({ deleteAddAsReplace: false })).toBe(0x10000);
    expect(flip({ normalizations: 'Uppercase' })).toBe(0x80000);
    expect(flip({ normalizations: 'RemoveAccents' })).toBe(0x100000);
    expect(flip({ fullExport: true })).toBe(0x2000000);
    expect(flip({ exportPasswordInFirstPass: true })).toBe(0x10000000);
    expect(flip({ isDnAsAnchor: true })).toBe(0x40000000);
    expect(flip({ objectConfirmation: 'NoAddAndDeleteConfirmation' })).toBe(0); // no visible bit
  });
});

describe('packaged MA XML (ecma2-api.md §16.3, §17.4)', () => {
  const xml = buildPackagedMaXml({ version: '1.2.3' });
  const doc = parser.parse(xml) as Xml;
  const ma = doc['export-ma']['ma-data'];
  const ext = ma['private-configuration'].MAConfig['extension-config'];

  it('is a packaged Extensible2 MA listed as "Graph (mimgraph)"', () => {
    expect(xml.startsWith('<export-ma>')).toBe(true);
    expect(ma['@_format']).toBe('Packaged');
    expect(ma['format-version']).toBe('1');
    expect(ma['ma-companyname']).toBe('mimgraph');
    expect(ma['ma-listname']).toBe('Graph (mimgraph)');
    expect(ma.subtype).toMatch(/\(mimgraph\)$/);
    expect(ma.id).toMatch(/^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$/);
    expect(ma.category).toBe('Extensible2');
    expect(ma['private-configuration'].MAConfig['file-type']).toBe('Extensible2');
    expect(ma['controller-configuration']['application-architecture']).toBe('process');
    expect(doc['export-ma']['mv-data']).toBeDefined();
  });

  it('carries a one-class placeholder DSML schema with the id anchor', () => {
    const schema = ma.schema['dsml:dsml'];
    expect(schema['@_xmlns:dsml']).toBe('http://www.dsml.org/DSML');
    expect(schema['@_xmlns:ms-dsml']).toBe('http://www.microsoft.com/MMS/DSML');
    const cls = schema['dsml:directory-schema']['dsml:class'];
    expect(Array.isArray(cls)).toBe(false);
    expect(cls['@_type']).toBe('structural');
    expect(cls['dsml:attribute']['@_ref']).toBe('#id');
    expect(cls['dsml:attribute']['@_ms-dsml:isAnchor']).toBe('true');
    expect(cls['dsml:attribute']['@_required']).toBe('true');
    expect(schema['dsml:directory-schema']['dsml:attribute-type']['dsml:name']).toBe('id');
  });

  it('registers the bridge DLL with the capabilities of getCapabilities', () => {
    const caps = getCapabilities({});
    expect(ext.filename['#text']).toBe('MimGraph.Bridge.dll');
    expect(ext.filename['@_data-owner']).toBe('ISV');
    expect(ext['import-mode']).toBe('call-based');
    expect(ext['export-mode']['#text']).toBe('call-based');
    expect(ext['import-enabled']['#text']).toBe('1');
    expect(ext['export-enabled']['#text']).toBe('1');
    expect(ext['discovery-schema']).toBe('extensibility');
    expect(ext['password-management-enabled']).toBe('1');
    expect(ext['supports-parameters-ex']).toBe('1');
    expect(ext['assembly-version']).toBe('1.2.3.0');
    expect(Number(ext['import-default-page-size'])).toBeGreaterThan(0);
    expect(Number(ext['import-max-page-size'])).toBeGreaterThanOrEqual(
      Number(ext['import-default-page-size']),
    );
    expect(Number(ext['export-default-page-size'])).toBeGreaterThan(0);
    expect(Number(ext['export-max-page-size'])).toBeGreaterThanOrEqual(
      Number(ext['export-default-page-size']),
    );
    expect(ext['export-type']).toBe('1');
    expect(ma['export-type']).toBe('1');
    expect(ext['capability-bits']).toBe('2433129528');
    expect(ext['capability-bits']).toBe(String(capabilityBits(caps)));
    expect(ma['capabilities-mask']).toBe('91069c39');
  });

  it("registers the bridge's page and batch sizes (Ecma/PageSizes.cs)", () => {
    const cs = readFileSync(join(root, 'host-bridge/src/MimGraph.Bridge/Ecma/PageSizes.cs'), 'utf8');
    const constant = (name: string) => cs.match(new RegExp(`const int ${name} = (\\d+);`))?.[1];
    expect(ext['import-default-page-size']).toBe(constant('ImportDefault'));
    expect(ext['import-max-page-size']).toBe(constant('ImportMax'));
    expect(ext['export-default-page-size']).toBe(constant('ExportDefault'));
    expect(ext['export-max-page-size']).toBe(constant('ExportMax'));
  });

  it('follows other capabilities when given', () => {
    const importOnly = { ...getCapabilities({}), supportExport: false, supportPassword: false };
    const other = parser.parse(buildPackagedMaXml({ version: '1.2.3', capabilities: importOnly })) as Xml;
    const e = other['export-ma']['ma-data']['private-configuration'].MAConfig['extension-config'];
    expect(e['export-enabled']['#text']).toBe('0');
    expect(e['export-mode']['#text'] ?? '').toBe('');
    expect(e['password-management-enabled']).toBe('');
    expect(other['export-ma']['ma-data']['capabilities-mask']).toBe(capabilityBits(importOnly).toString(16));
  });

  it('refuses a version that is not x.y.z', () => {
    expect(() => buildPackagedMaXml({ version: '1.2' })).toThrow(/not x\.y\.z/);
  });
});
