import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConfigParameters, validateConfigParameters } from '../../connector/config/parameters.js';
import {
  checkDateTimeFormat,
  DEFAULT_DATETIME_FORMAT,
  FILTER_PARAM,
  formatDateTime,
  OBJECT_TYPE_PARAM,
  OBJECT_TYPES,
  PARAM,
  type ParseOptions,
  parseConfig,
  runStepDropFile,
} from '../../connector/config/parse.js';
import type { ConnectorConfig } from '../../connector/config/types.js';
import { GraphClient } from '../../connector/graph/client.js';
import type { CertificateStore } from '../../connector/graph/store-certificate.js';
import type { ConfigParameterPage, ConfigValues } from '../../connector/model/ecma.js';
import { ConnectorError } from '../../connector/model/ecma.js';
import { generateClientCertificate } from '../../emulator/auth/tls.js';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { startProxy } from '../support/graph.js';

const TENANT = '7b3f9c1e-2d4a-4e8b-9f61-0c5d2a8e4b17';
const CLIENT = '0f5e2a9c-3b1d-4c7e-8a6f-2d9b4e1c7a35';
const SECRET = 'Sup3r~Secret.Value-0123456789';
const CERT_PASSWORD = 'pfx-Pa55word-xyz';
const PROXY_PASSWORD = 'proxy-Pa55word-xyz';

let dir: string;
let pfxFile: string;
let caFile: string;
let notPem: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mimgraph-config-'));
  const cert = generateClientCertificate('CN=mimgraph-test', CERT_PASSWORD);
  pfxFile = join(dir, 'client.pfx');
  writeFileSync(pfxFile, cert.pfx);
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, cert.certPem);
  notPem = join(dir, 'not.pem');
  writeFileSync(notPem, 'no certificate here\n');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const v = (o: Record<string, string>): ConfigValues =>
  Object.fromEntries(Object.entries(o).map(([k, value]) => [k, { value }]));

const minimal = (): Record<string, string> => ({
  [PARAM.tenant]: TENANT,
  [PARAM.clientId]: CLIENT,
  [PARAM.clientSecret]: SECRET,
});

const pageOf = (name: string): ConfigParameterPage => {
  for (const page of ['Connectivity', 'Global', 'RunStep'] as const) {
    if (getConfigParameters(page, {}, 1).some((d) => d.name === name)) return page;
  }
  return 'Schema';
};

const schemaPageNumber = (name: string) => (Object.values(FILTER_PARAM).includes(name) ? 2 : 1);

/** A certificate store as the worker's bridge offers one (never reached by parsing). */
const store: CertificateStore = {
  certificate: () => Promise.reject(new Error('not reached')),
  sign: () => Promise.reject(new Error('not reached')),
};
const withStore: ParseOptions = { certificateStore: store };

describe('parseConfig', () => {
  it('defaults produce a valid configuration once tenant, client id and secret are set', () => {
    const c = parseConfig(v(minimal()));
    expect(c).toEqual<ConnectorConfig>({
      apiVersion: 'v1.0',
      tenantId: TENANT,
      clientId: CLIENT,
      credential: { kind: 'secret', secret: SECRET },
      cloud: {
        name: 'global',
        loginEndpoint: 'https://login.microsoftonline.com',
        graphEndpoint: 'https://graph.microsoft.com',
        builtIn: true,
      },
      proxy: undefined,
      caFile: undefined,
      httpTimeoutMs: 100_000,
      dateTimeFormat: DEFAULT_DATETIME_FORMAT,
      forceChangePasswordNextSignIn: false,
      invitation: { redirectUrl: undefined, sendMessage: false, messageText: undefined },
      exportConcurrency: 4,
      writeBudget: { writes: 3000, seconds: 150 },
      logLevel: 'info',
      objectTypes: ['user', 'group'],
      filters: {},
    });
  });

  it('the page defaults, as MIM stores them, parse to the same configuration', () => {
    const stored: Record<string, string> = {};
    for (const page of ['Connectivity', 'Global', 'Schema', 'RunStep'] as const) {
      for (const d of getConfigParameters(page, {}, 1)) if (d.name) stored[d.name] = d.defaultValue ?? '';
    }
    expect(parseConfig(v({ ...stored, ...minimal() }))).toEqual(parseConfig(v(minimal())));
  });

  it('reads every setting', () => {
    const c = parseConfig(
      v({
        [PARAM.apiVersion]: 'beta',
        [PARAM.tenant]: ' contoso.onmicrosoft.com ',
        [PARAM.clientId]: CLIENT,
        [PARAM.authenticationType]: 'Certificate',
        [PARAM.certificateFile]: pfxFile,
        [PARAM.certificatePassword]: CERT_PASSWORD,
        [PARAM.cloud]: 'custom',
        [PARAM.loginEndpoint]: 'https://login.example.test/',
        [PARAM.graphEndpoint]: 'https://graph.example.test',
        [PARAM.proxyUrl]: 'http://proxy.example:8080',
        [PARAM.proxyUserName]: 'svc',
        [PARAM.proxyPassword]: PROXY_PASSWORD,
        [PARAM.caFile]: caFile,
        [PARAM.httpTimeoutSeconds]: '30',
        [PARAM.dateTimeFormat]: 'o',
        [PARAM.forceChangePasswordNextSignIn]: '1',
        [PARAM.invitationRedirectUrl]: 'https://myapps.microsoft.com',
        [PARAM.invitationSendMessage]: '1',
        [PARAM.invitationMessageText]: 'Welcome',
        [PARAM.exportConcurrency]: '8',
        [PARAM.writeBudget]: 'off',
        [PARAM.logLevel]: 'debug',
        [OBJECT_TYPE_PARAM.contact]: '1',
        [OBJECT_TYPE_PARAM.administrativeUnit]: '1',
        [PARAM.addObjectsFilter]: '1',
        [FILTER_PARAM.user]: "userType eq 'Member'",
        [FILTER_PARAM.group]: '',
        [FILTER_PARAM.servicePrincipal]: "startswith(displayName,'x')", // type not selected: ignored
      }),
    );
    expect(c).toMatchObject({
      apiVersion: 'beta',
      tenantId: 'contoso.onmicrosoft.com',
      credential: { kind: 'certificate', path: pfxFile, password: CERT_PASSWORD },
      cloud: { name: 'custom', loginEndpoint: 'https://login.example.test', builtIn: false },
      proxy: { url: 'http://proxy.example:8080', username: 'svc', password: PROXY_PASSWORD },
      caFile,
      httpTimeoutMs: 30_000,
      dateTimeFormat: 'o',
      forceChangePasswordNextSignIn: true,
      invitation: { redirectUrl: 'https://myapps.microsoft.com', sendMessage: true, messageText: 'Welcome' },
      exportConcurrency: 8,
      writeBudget: false,
      logLevel: 'debug',
      objectTypes: ['user', 'group', 'contact', 'administrativeUnit'],
      filters: { user: "userType eq 'Member'" },
    });
  });

  it('CertificateStore: the thumbprint as Windows shows it, normalised; the store comes from the host', () => {
    // As copied from certlm.msc: an invisible left-to-right mark first, spaces, lower case.
    const shown = '\u200ea9 09 50 2d d8 2a e4 14 33 e6 f8 38 86 b0 0d 42 77 a3 2a 7b';
    const c = parseConfig(
      v({
        ...minimal(),
        [PARAM.authenticationType]: 'CertificateStore',
        [PARAM.certificateThumbprint]: shown,
      }),
      withStore,
    );
    expect(c.credential).toEqual({
      kind: 'store',
      thumbprint: 'A909502DD82AE41433E6F83886B00D4277A32A7B',
      store,
    });
    const colons = parseConfig(
      v({
        ...minimal(),
        [PARAM.authenticationType]: 'certificatestore',
        [PARAM.certificateThumbprint]: 'A9:09:50:2D:D8:2A:E4:14:33:E6:F8:38:86:B0:0D:42:77:A3:2A:7B',
      }),
      withStore,
    );
    expect(colons.credential).toMatchObject({ thumbprint: 'A909502DD82AE41433E6F83886B00D4277A32A7B' });
  });

  it('CertificateStore without a bridge (the CLI) names Authentication type and points to Certificate file', async () => {
    const values = v({
      ...minimal(),
      [PARAM.authenticationType]: 'CertificateStore',
      [PARAM.certificateThumbprint]: 'A909502DD82AE41433E6F83886B00D4277A32A7B',
    });
    let err: unknown;
    try {
      parseConfig(values);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).detail?.parameter).toBe(PARAM.authenticationType);
    expect((err as Error).message).toBe(
      "Parameter 'Authentication type': CertificateStore needs MIM's bridge (the Windows certificate store); " +
        'with the CLI use Certificate file: a PFX or PEM file with the certificate and its private key',
    );
    const r = await validateConfigParameters('Connectivity', values, 1);
    expect(r).toMatchObject({ code: 'Failure', errorParameter: PARAM.authenticationType });
  });

  it("the log file is the bridge's: any path, or empty", () => {
    expect(() =>
      parseConfig(v({ ...minimal(), [PARAM.logFile]: 'C:\\ProgramData\\mimgraph\\bridge.log' })),
    ).not.toThrow();
    expect(() => parseConfig(v({ ...minimal(), [PARAM.logFile]: '' }))).not.toThrow();
  });

  it('filters are ignored while "Add objects filter" is off; write budget takes writes/seconds', () => {
    const c = parseConfig(
      v({ ...minimal(), [FILTER_PARAM.user]: "userType eq 'Guest'", [PARAM.writeBudget]: '1000/60' }),
    );
    expect(c.filters).toEqual({});
    expect(c.writeBudget).toEqual({ writes: 1000, seconds: 60 });
  });

  // Every parameter with a value it must refuse, the page it is on, and a word the fix contains.
  const invalid: [param: string, patch: Record<string, string>, fix: RegExp][] = [
    [PARAM.apiVersion, { [PARAM.apiVersion]: 'v2.0' }, /v1\.0, beta/],
    [PARAM.tenant, { [PARAM.tenant]: '' }, /tenant\) id/],
    [PARAM.tenant, { [PARAM.tenant]: 'not a tenant!' }, /GUID|domain/],
    [PARAM.tenant, { [PARAM.tenant]: 'common' }, /your own tenant/],
    [PARAM.clientId, { [PARAM.clientId]: 'my-app' }, /application \(client\) id/],
    [
      PARAM.authenticationType,
      { [PARAM.authenticationType]: 'Password' },
      /ClientSecret, Certificate, CertificateStore/,
    ],
    [PARAM.certificateThumbprint, { [PARAM.authenticationType]: 'CertificateStore' }, /certlm\.msc/],
    [
      PARAM.certificateThumbprint,
      { [PARAM.authenticationType]: 'CertificateStore', [PARAM.certificateThumbprint]: 'not-a-thumbprint' },
      /40 hexadecimal digits/,
    ],
    [
      PARAM.certificateThumbprint,
      { [PARAM.authenticationType]: 'CertificateStore', [PARAM.certificateThumbprint]: 'AB'.repeat(32) },
      /SHA-1 thumbprint Windows shows/,
    ],
    [PARAM.clientSecret, { [PARAM.clientSecret]: '' }, /Certificates & secrets/],
    [
      PARAM.certificateFile,
      { [PARAM.authenticationType]: 'Certificate', [PARAM.certificateFile]: '' },
      /PFX/,
    ],
    [
      PARAM.certificateFile,
      { [PARAM.authenticationType]: 'Certificate', [PARAM.certificateFile]: '/nonexistent/client.pfx' },
      /full path/,
    ],
    [
      PARAM.certificatePassword,
      {
        [PARAM.authenticationType]: 'Certificate',
        [PARAM.certificateFile]: '<pfx>',
        [PARAM.certificatePassword]: 'wrong-password-123',
      },
      /password/,
    ],
    [PARAM.cloud, { [PARAM.cloud]: 'mars' }, /global, usgov/],
    [
      PARAM.loginEndpoint,
      { [PARAM.cloud]: 'custom', [PARAM.loginEndpoint]: 'http://login.example.test' },
      /https/,
    ],
    [PARAM.graphEndpoint, { [PARAM.cloud]: 'custom', [PARAM.graphEndpoint]: 'graph.example.test' }, /https/],
    [PARAM.proxyUrl, { [PARAM.proxyUrl]: 'proxy:8080:x' }, /http:\/\/proxy/],
    [PARAM.proxyUrl, { [PARAM.proxyUrl]: 'ftp://proxy.example' }, /http:\/\/proxy/],
    [PARAM.proxyUrl, { [PARAM.proxyUrl]: 'http://u:p@proxy.example:8080' }, /Proxy user name/],
    [PARAM.proxyUrl, { [PARAM.proxyUserName]: 'svc' }, /proxy URL/],
    [
      PARAM.proxyUserName,
      { [PARAM.proxyUrl]: 'http://proxy.example:8080', [PARAM.proxyPassword]: PROXY_PASSWORD },
      /user name/,
    ],
    [PARAM.proxyPassword, { [PARAM.proxyPassword]: PROXY_PASSWORD }, /proxy URL/], // named via Proxy URL
    [PARAM.caFile, { [PARAM.caFile]: '<notpem>' }, /PEM/],
    [PARAM.caFile, { [PARAM.caFile]: '/nonexistent/ca.pem' }, /readable/],
    [PARAM.httpTimeoutSeconds, { [PARAM.httpTimeoutSeconds]: '0' }, /1 to 3600/],
    [PARAM.httpTimeoutSeconds, { [PARAM.httpTimeoutSeconds]: '100s' }, /1 to 3600/],
    [PARAM.dateTimeFormat, { [PARAM.dateTimeFormat]: "yyyy-MM-dd 'T" }, /\.NET/],
    [PARAM.dateTimeFormat, { [PARAM.dateTimeFormat]: 'x' }, /\.NET/],
    [PARAM.dateTimeFormat, { [PARAM.dateTimeFormat]: 'fffffffff' }, /\.NET/],
    [PARAM.dateTimeFormat, { [PARAM.dateTimeFormat]: 'abc' }, /\.NET/],
    [PARAM.forceChangePasswordNextSignIn, { [PARAM.forceChangePasswordNextSignIn]: 'yes' }, /1 \(checked\)/],
    [PARAM.invitationRedirectUrl, { [PARAM.invitationRedirectUrl]: 'http://myapps.example' }, /https/],
    [PARAM.invitationRedirectUrl, { [PARAM.invitationSendMessage]: '1' }, /redirect URL/],
    [PARAM.invitationSendMessage, { [PARAM.invitationSendMessage]: '2' }, /1 \(checked\)/],
    [PARAM.exportConcurrency, { [PARAM.exportConcurrency]: '17' }, /1 to 16/],
    [PARAM.exportConcurrency, { [PARAM.exportConcurrency]: '0' }, /1 to 16/],
    [PARAM.writeBudget, { [PARAM.writeBudget]: 'fast' }, /3000\/150/],
    [PARAM.writeBudget, { [PARAM.writeBudget]: '0/150' }, /3000\/150/],
    [PARAM.logLevel, { [PARAM.logLevel]: 'verbose' }, /error, warn, info, debug/],
    [PARAM.logFile, { [PARAM.logFile]: 'C:\\logs\\<bridge>.log' }, /trace log file/],
    [
      OBJECT_TYPE_PARAM.user,
      Object.fromEntries(OBJECT_TYPES.map((t) => [OBJECT_TYPE_PARAM[t], '0'])),
      /at least one/,
    ],
    [OBJECT_TYPE_PARAM.group, { [OBJECT_TYPE_PARAM.group]: 'maybe' }, /1 \(checked\)/],
    [OBJECT_TYPE_PARAM.contact, { [OBJECT_TYPE_PARAM.contact]: '?' }, /1 \(checked\)/],
    [OBJECT_TYPE_PARAM.servicePrincipal, { [OBJECT_TYPE_PARAM.servicePrincipal]: '?' }, /1 \(checked\)/],
    [OBJECT_TYPE_PARAM.administrativeUnit, { [OBJECT_TYPE_PARAM.administrativeUnit]: '1' }, /beta/],
    ['Object type: device', { 'Object type: device': '1' }, /user, group/],
    [PARAM.addObjectsFilter, { [PARAM.addObjectsFilter]: 'on' }, /1 \(checked\)/],
    [FILTER_PARAM.user, { [PARAM.addObjectsFilter]: '1' }, /at least one/],
    [
      FILTER_PARAM.user,
      { [PARAM.addObjectsFilter]: '1', [FILTER_PARAM.user]: "userType eq 'Member" },
      /OData/,
    ],
    [
      FILTER_PARAM.group,
      { [PARAM.addObjectsFilter]: '1', [FILTER_PARAM.group]: "startswith(displayName,'A'" },
      /OData/,
    ],
    [
      FILTER_PARAM.contact,
      {
        [OBJECT_TYPE_PARAM.contact]: '1',
        [PARAM.addObjectsFilter]: '1',
        [FILTER_PARAM.contact]: '$filter=x eq 1',
      },
      /OData/,
    ],
    [
      FILTER_PARAM.servicePrincipal,
      {
        [OBJECT_TYPE_PARAM.servicePrincipal]: '1',
        [PARAM.addObjectsFilter]: '1',
        [FILTER_PARAM.servicePrincipal]: "appId eq 'x')",
      },
      /OData/,
    ],
    [
      FILTER_PARAM.administrativeUnit,
      {
        [PARAM.apiVersion]: 'beta',
        [OBJECT_TYPE_PARAM.administrativeUnit]: '1',
        [PARAM.addObjectsFilter]: '1',
        [FILTER_PARAM.administrativeUnit]: "displayName eq 'x' and",
      },
      /OData/,
    ],
  ];

  const resolve = (patch: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(patch).map(([k, x]) => [k, x === '<pfx>' ? pfxFile : x === '<notpem>' ? notPem : x]),
    );

  it.each(invalid)('refuses a bad %s, naming it and the fix', async (param, patch, fix) => {
    const values = v({ ...minimal(), ...resolve(patch) });
    const named = param === PARAM.proxyPassword ? PARAM.proxyUrl : param;
    let err: unknown;
    try {
      parseConfig(values, withStore);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConnectorError);
    const e = err as ConnectorError;
    expect(e.code).toBe('ExtensibleExtension');
    expect(e.message).toContain(`'${named}'`);
    expect(e.detail?.parameter).toBe(named);
    expect(e.message).toMatch(fix);
    for (const s of [SECRET, CERT_PASSWORD, PROXY_PASSWORD, 'wrong-password-123'])
      expect(e.message).not.toContain(s);

    // The page holding the parameter refuses it too, with the same parameter named.
    const page = param.startsWith('Object type: ') || param.startsWith('Filter: ') ? 'Schema' : pageOf(param);
    const r = await validateConfigParameters(
      page,
      values,
      page === 'Schema' ? schemaPageNumber(param) : 1,
      undefined,
      withStore,
    );
    expect(r).toMatchObject({ code: 'Failure', errorParameter: named });
    expect(r.errorMessage).toMatch(fix);
  });

  it('every parameter on the pages has a refusal case above', () => {
    const covered = new Set(invalid.map(([p]) => p));
    const named = [
      ...getConfigParameters('Connectivity', {}, 1),
      ...getConfigParameters('Global', {}, 1),
      ...getConfigParameters('Schema', {}, 1),
      ...getConfigParameters('Schema', v({ [PARAM.addObjectsFilter]: '1', ...allTypes() }), 2),
    ]
      .map((d) => d.name)
      .filter((n) => n && n !== PARAM.invitationMessageText); // free text: anything goes
    expect(named.filter((n) => !covered.has(n))).toEqual([]);
  });

  it('secrets never appear in messages, even when they are the bad value', async () => {
    const values = v({ ...minimal(), [PARAM.clientSecret]: '   ' });
    const r = await validateConfigParameters('Connectivity', values, 1);
    expect(r.errorParameter).toBe(PARAM.clientSecret);
    const withSecretInUrl = v({ ...minimal(), [PARAM.proxyUrl]: `http://proxy.example/${SECRET}` });
    const r2 = await validateConfigParameters('Connectivity', withSecretInUrl, 1);
    expect(r2.code).toBe('Failure');
    expect(r2.errorParameter).toBe(PARAM.proxyUrl);
    expect(r2.errorMessage).not.toContain(SECRET);
    expect(r2.errorMessage).toContain('***');
  });

  it('other pages are not judged by values they do not hold', async () => {
    const values = v({ [PARAM.logLevel]: 'debug' }); // no tenant yet
    expect(await validateConfigParameters('Global', values, 1)).toEqual({ code: 'Success' });
    expect(await validateConfigParameters('RunStep', v({ [PARAM.runStepDropFile]: 'C:\\x.xml' }), 1)).toEqual(
      {
        code: 'Success',
      },
    );
    expect(runStepDropFile(v({ [PARAM.runStepDropFile]: ' C:\\drop.xml ' }))).toBe('C:\\drop.xml');
    // Schema page 1 with the filter box set is fine before page 2 was filled in.
    expect(await validateConfigParameters('Schema', v({ [PARAM.addObjectsFilter]: '1' }), 1)).toEqual({
      code: 'Success',
    });
  });
});

const allTypes = () => Object.fromEntries(OBJECT_TYPES.map((t) => [OBJECT_TYPE_PARAM[t], '1']));

describe('parameter pages', () => {
  const all = () => [
    ...getConfigParameters('Connectivity', {}, 1),
    ...getConfigParameters('Global', {}, 1),
    ...getConfigParameters('Schema', {}, 1),
    ...getConfigParameters('Schema', v({ [PARAM.addObjectsFilter]: '1', ...allTypes() }), 2),
    ...getConfigParameters('RunStep', {}, 1),
  ];

  it('names are unique across pages; labels and dividers have no name', () => {
    const defs = all();
    const names = defs.filter((d) => d.type !== 'Label' && d.type !== 'Divider').map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.every((n) => n.length > 0)).toBe(true);
    for (const d of defs.filter((x) => x.type === 'Label' || x.type === 'Divider')) expect(d.name).toBe('');
    for (const d of defs.filter((x) => x.type === 'Label')) expect(d.text).toBeTruthy();
    expect(names).toEqual(
      expect.arrayContaining([
        ...Object.values(PARAM),
        ...Object.values(OBJECT_TYPE_PARAM),
        ...Object.values(FILTER_PARAM),
      ]),
    );
    expect(names).toHaveLength(
      Object.values(PARAM).length +
        Object.values(OBJECT_TYPE_PARAM).length +
        Object.values(FILTER_PARAM).length,
    );
  });

  it('has the types, choices and defaults of the table', () => {
    const byName = new Map(all().map((d) => [d.name, d]));
    expect(byName.get(PARAM.apiVersion)).toMatchObject({
      type: 'DropDown',
      validation: 'v1.0,beta',
      defaultValue: 'v1.0',
    });
    expect(byName.get(PARAM.authenticationType)).toMatchObject({
      type: 'DropDown',
      validation: 'ClientSecret,Certificate,CertificateStore',
      defaultValue: 'ClientSecret',
    });
    expect(byName.get(PARAM.cloud)).toMatchObject({
      type: 'DropDown',
      validation: 'global,usgov,usgovdod,china,custom',
      defaultValue: 'global',
    });
    for (const s of [PARAM.clientSecret, PARAM.certificatePassword, PARAM.proxyPassword]) {
      expect(byName.get(s)?.type).toBe('EncryptedString');
    }
    expect(byName.get(PARAM.httpTimeoutSeconds)?.defaultValue).toBe('100');
    expect(byName.get(PARAM.loginEndpoint)?.defaultValue).toBe('https://login.microsoftonline.com');
    expect(byName.get(PARAM.graphEndpoint)?.defaultValue).toBe('https://graph.microsoft.com');
    expect(byName.get(PARAM.dateTimeFormat)?.defaultValue).toBe(DEFAULT_DATETIME_FORMAT);
    expect(byName.get(PARAM.forceChangePasswordNextSignIn)).toMatchObject({
      type: 'CheckBox',
      defaultValue: '0',
    });
    expect(byName.get(PARAM.invitationMessageText)?.type).toBe('Text');
    expect(byName.get(PARAM.exportConcurrency)?.defaultValue).toBe('4');
    expect(byName.get(PARAM.writeBudget)?.defaultValue).toBe('3000/150');
    expect(byName.get(PARAM.logLevel)).toMatchObject({
      validation: 'error,warn,info,debug',
      defaultValue: 'info',
    });
    expect(byName.get(OBJECT_TYPE_PARAM.user)).toMatchObject({ type: 'CheckBox', defaultValue: '1' });
    expect(byName.get(OBJECT_TYPE_PARAM.administrativeUnit)).toMatchObject({
      type: 'CheckBox',
      defaultValue: '0',
    });
    expect(byName.get(PARAM.addObjectsFilter)).toMatchObject({ type: 'CheckBox', defaultValue: '0' });
    expect(byName.get(PARAM.runStepDropFile)?.type).toBe('String');
    expect(byName.get(PARAM.certificateThumbprint)).toMatchObject({ type: 'String', defaultValue: '' });
    expect(byName.get(PARAM.logFile)).toMatchObject({ type: 'String', defaultValue: '' });
    // Drop-downs are not extensible: the value is always one of the choices.
    for (const d of all().filter((x) => x.type === 'DropDown')) expect(d.dropDownExtensible).toBe(false);
  });

  it('Schema page 2 (the filters) exists only while "Add objects filter" is checked', () => {
    expect(getConfigParameters('Schema', {}, 2)).toEqual([]);
    expect(getConfigParameters('Schema', v({ [PARAM.addObjectsFilter]: '0' }), 2)).toEqual([]);
    const page2 = getConfigParameters('Schema', v({ [PARAM.addObjectsFilter]: '1' }), 2);
    expect(page2.filter((d) => d.name).map((d) => d.name)).toEqual([FILTER_PARAM.user, FILTER_PARAM.group]);
    const withContacts = getConfigParameters(
      'Schema',
      v({ [PARAM.addObjectsFilter]: '1', [OBJECT_TYPE_PARAM.contact]: '1', [OBJECT_TYPE_PARAM.group]: '0' }),
      2,
    );
    expect(withContacts.filter((d) => d.name).map((d) => d.name)).toEqual([
      FILTER_PARAM.user,
      FILTER_PARAM.contact,
    ]);
    expect(getConfigParameters('Schema', v({ [PARAM.addObjectsFilter]: '1' }), 3)).toEqual([]);
    expect(getConfigParameters('Schema', {}, 1).map((d) => d.name)).toContain(PARAM.addObjectsFilter);
  });

  it('other pages have one page only; Partition and Capabilities have none', () => {
    expect(getConfigParameters('Connectivity', {}, 2)).toEqual([]);
    expect(getConfigParameters('Global', {}, 2)).toEqual([]);
    expect(getConfigParameters('Partition', {}, 1)).toEqual([]);
    expect(getConfigParameters('Capabilities', {}, 1)).toEqual([]);
    expect(getConfigParameters('RunStep', {}, 1).map((d) => d.name)).toContain('Run step drop file');
  });
});

describe('formatDateTime', () => {
  const value = '2024-03-05T07:08:09Z';

  it('the default is ISO 8601 in UTC, exactly as Graph writes it', () => {
    expect(formatDateTime(value, DEFAULT_DATETIME_FORMAT)).toBe('2024-03-05T07:08:09Z');
    expect(formatDateTime('2024-03-05T09:08:09+02:00', DEFAULT_DATETIME_FORMAT)).toBe('2024-03-05T07:08:09Z');
    expect(formatDateTime('2024-03-05', DEFAULT_DATETIME_FORMAT)).toBe('2024-03-05T00:00:00Z');
  });

  it("Microsoft's default yyyy-MM-dd HH:MM:ss gives the month where the minutes should be, as .NET does", () => {
    expect(formatDateTime(value, 'yyyy-MM-dd HH:MM:ss')).toBe('2024-03-05 07:03:09');
    expect(formatDateTime(value, 'yyyy-MM-dd HH:mm:ss')).toBe('2024-03-05 07:08:09');
  });

  it('standard formats o, O, s, u', () => {
    expect(formatDateTime('2024-03-05T07:08:09.1234567Z', 'o')).toBe('2024-03-05T07:08:09.1234567Z');
    expect(formatDateTime(value, 'O')).toBe('2024-03-05T07:08:09.0000000Z');
    expect(formatDateTime(value, 's')).toBe('2024-03-05T07:08:09');
    expect(formatDateTime(value, 'u')).toBe('2024-03-05 07:08:09Z');
  });

  it.each([
    ['yy/M/d', '24/3/5'],
    ['y', '2024 March'], // one letter: the standard format y (year month)
    ['%y', '24'],
    ['h:m:s tt', '7:8:9 AM'],
    ['hh t', '07 A'],
    ['HH:mm:ss.fff', '07:08:09.123'],
    ['HH:mm:ss.f', '07:08:09.1'],
    ['ss.fffffff', '09.1234560'],
    ['ss.FFFFFFF', '09.123456'],
    ['yyyy-MM-ddTHH:mm:ssK', '2024-03-05T07:08:09Z'],
    ['yyyy-MM-ddTHH:mm:sszzz', '2024-03-05T07:08:09+00:00'],
    ["yyyy'y' \\d\\d dd", '2024y dd 05'],
    ['"at" HH', 'at 07'],
    ['ddd, dd MMM yyyy', 'Tue, 05 Mar 2024'],
    ['dddd MMMM', 'Tuesday March'],
  ])('custom format %s', (format, expected) => {
    expect(formatDateTime('2024-03-05T07:08:09.123456Z', format)).toBe(expected);
  });

  it('F specifiers drop the decimal point when the fraction is zero (as .NET does)', () => {
    expect(formatDateTime(value, 'HH:mm:ss.FFF')).toBe('07:08:09');
    expect(formatDateTime('2024-03-05T13:00:00.5Z', 'h:mm:ss.FFF tt')).toBe('1:00:00.5 PM');
  });

  it('refuses bad values and formats', () => {
    expect(() => formatDateTime('yesterday', 'o')).toThrow(RangeError);
    expect(() => formatDateTime('2024-02-30T00:00:00Z', 'o')).toThrow(RangeError);
    expect(() => formatDateTime(value, "yyyy 'open")).toThrow(/not closed/);
    expect(checkDateTimeFormat('q')).toMatch(/standard/);
    expect(checkDateTimeFormat('yyyy\\')).toMatch(/backslash/);
    expect(checkDateTimeFormat(DEFAULT_DATETIME_FORMAT)).toBeUndefined();
    expect(checkDateTimeFormat('yyyy-MM-dd HH:MM:ss')).toBeUndefined();
  });
});

describe('live check on the Connectivity page (emulator)', () => {
  let emu: RunningEmulator;
  let emuCa: string;
  const clientId = randomUUID();
  const secret = randomBytes(24).toString('base64url');
  const liveCheck = async (config: ConnectorConfig) => {
    const client = new GraphClient({
      cloud: config.cloud,
      tenantId: config.tenantId,
      clientId: config.clientId,
      credential: config.credential,
      apiVersion: config.apiVersion,
      http: { timeoutMs: config.httpTimeoutMs, proxy: config.proxy, caFile: config.caFile },
      writeBudget: false,
      retry: { maxAttempts: 1 },
    });
    try {
      await client.tokens.getToken();
    } finally {
      await client.close();
    }
  };

  beforeAll(async () => {
    emu = await startEmulator({
      generate: { users: 2, groups: 1, seed: 3 },
      apps: [{ clientId, secrets: [secret], certificates: [], roles: 'all' }],
    });
    emuCa = join(dir, 'emulator-ca.pem');
    writeFileSync(emuCa, emu.caCertPem);
  });

  afterAll(async () => {
    await emu?.close();
  });

  const connectivity = (over: Record<string, string> = {}) =>
    v({
      [PARAM.tenant]: emu.tenantId,
      [PARAM.clientId]: clientId,
      [PARAM.clientSecret]: secret,
      [PARAM.cloud]: 'custom',
      [PARAM.loginEndpoint]: emu.baseUrl,
      [PARAM.graphEndpoint]: emu.baseUrl,
      [PARAM.caFile]: emuCa,
      [PARAM.httpTimeoutSeconds]: '10',
      ...over,
    });

  it('succeeds with the right values, with one token request', async () => {
    const before = emu.context.counters.tokensIssued;
    expect(await validateConfigParameters('Connectivity', connectivity(), 1, liveCheck)).toEqual({
      code: 'Success',
    });
    expect(emu.context.counters.tokensIssued).toBe(before + 1);
  });

  it('a wrong secret names the client secret parameter, without the secret', async () => {
    const wrong = 'Wrong~Secret.abcdefghijklmnop';
    const r = await validateConfigParameters(
      'Connectivity',
      connectivity({ [PARAM.clientSecret]: wrong }),
      1,
      liveCheck,
    );
    expect(r.code).toBe('Failure');
    expect(r.errorParameter).toBe(PARAM.clientSecret);
    expect(r.errorMessage).toMatch(/7000215/);
    expect(r.errorMessage).not.toContain(wrong);
    expect(r.errorMessage).not.toContain(secret);
  });

  it('an unknown app names the client id; an unknown tenant names the tenant', async () => {
    const app = await validateConfigParameters(
      'Connectivity',
      connectivity({ [PARAM.clientId]: randomUUID() }),
      1,
      liveCheck,
    );
    expect(app).toMatchObject({ code: 'Failure', errorParameter: PARAM.clientId });
    expect(app.errorMessage).toMatch(/700016/);
    const tenant = await validateConfigParameters(
      'Connectivity',
      connectivity({ [PARAM.tenant]: randomUUID() }),
      1,
      liveCheck,
    );
    expect(tenant).toMatchObject({ code: 'Failure', errorParameter: PARAM.tenant });
    expect(tenant.errorMessage).toMatch(/90002/);
  });

  it('an untrusted server certificate names the CA file', async () => {
    const saved = process.env.NODE_EXTRA_CA_CERTS;
    delete process.env.NODE_EXTRA_CA_CERTS;
    try {
      const r = await validateConfigParameters(
        'Connectivity',
        connectivity({ [PARAM.caFile]: caFile }),
        1,
        liveCheck,
      );
      expect(r).toMatchObject({ code: 'Failure', errorParameter: PARAM.caFile });
      expect(r.errorMessage).toMatch(/TLS verification/);
    } finally {
      if (saved !== undefined) process.env.NODE_EXTRA_CA_CERTS = saved;
    }
  });

  it('a proxy refusing the credentials (407) names the proxy password', async () => {
    const proxy = await startProxy('svc', PROXY_PASSWORD);
    try {
      const wrong = 'not-the-proxy-password';
      const r = await validateConfigParameters(
        'Connectivity',
        connectivity({
          [PARAM.proxyUrl]: proxy.url,
          [PARAM.proxyUserName]: 'svc',
          [PARAM.proxyPassword]: wrong,
        }),
        1,
        liveCheck,
      );
      expect(r).toMatchObject({ code: 'Failure', errorParameter: PARAM.proxyPassword });
      expect(r.errorMessage).not.toContain(wrong);
      const ok = await validateConfigParameters(
        'Connectivity',
        connectivity({
          [PARAM.proxyUrl]: proxy.url,
          [PARAM.proxyUserName]: 'svc',
          [PARAM.proxyPassword]: PROXY_PASSWORD,
        }),
        1,
        liveCheck,
      );
      expect(ok).toEqual({ code: 'Success' });
    } finally {
      await proxy.close();
    }
  });

  it('the live check is not made while the values do not parse', async () => {
    let called = 0;
    const r = await validateConfigParameters(
      'Connectivity',
      connectivity({ [PARAM.clientId]: 'x' }),
      1,
      async () => {
        called++;
      },
    );
    expect(r.errorParameter).toBe(PARAM.clientId);
    expect(called).toBe(0);
  });
});
