import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CliExit, loadConfigFile } from '../../connector/cli/config-file.js';
import { loadCliConfig } from '../../connector/config/cli-config.js';
import { FILTER_PARAM, OBJECT_TYPE_PARAM, PARAM } from '../../connector/config/parse.js';
import { sharedTls } from '../support/tls.js';

const TENANT = '7b3f9c1e-2d4a-4e8b-9f61-0c5d2a8e4b17';
const CLIENT = randomUUID();
const SECRET = 'file-secret-value';
let dir: string;
let caFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mimgraph-cli-config-'));
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, sharedTls().caCertPem);
});

const minimal = () => ({ tenant: TENANT, clientId: CLIENT });

function load(json: unknown, env: NodeJS.ProcessEnv = { MIMGRAPH_CLIENT_SECRET: SECRET }) {
  const file = join(dir, `${randomUUID()}.json`);
  writeFileSync(file, typeof json === 'string' ? json : JSON.stringify(json));
  return loadConfigFile(file, env);
}

describe('CLI config file (schemas/config.schema.json)', () => {
  it('maps every key 1:1 onto its MIM parameter', () => {
    const { values, attributes, pageSize } = loadCliConfig(
      {
        tenant: TENANT,
        clientId: CLIENT,
        clientSecret: 'in-file',
        cloud: 'custom',
        loginEndpoint: 'https://login.example.test',
        graphEndpoint: 'https://graph.example.test',
        apiVersion: 'beta',
        caFile: 'ca.pem',
        proxy: { url: 'http://proxy.example:8080', username: 'svc', password: 'proxy-pw' },
        httpTimeoutSeconds: 30,
        objectTypes: ['user', 'administrativeUnit'],
        attributes: { user: ['displayName', 'mail'] },
        filters: { user: "userType eq 'Member'" },
        pageSize: 250,
        dateTimeFormat: 'o',
        forceChangePasswordNextSignIn: true,
        invitation: { redirectUrl: 'https://myapps.microsoft.com', sendMessage: true, messageText: 'Hi' },
        export: { concurrency: 2, writesPerWindow: 1000, windowSeconds: 60 },
      },
      { MIMGRAPH_PROXY_PASSWORD: 'env-proxy-pw' },
      dir,
    );
    expect(values).toEqual({
      [PARAM.tenant]: { value: TENANT },
      [PARAM.clientId]: { value: CLIENT },
      [PARAM.authenticationType]: { value: 'ClientSecret' },
      [PARAM.clientSecret]: { value: 'in-file', encrypted: true },
      [PARAM.cloud]: { value: 'custom' },
      [PARAM.loginEndpoint]: { value: 'https://login.example.test' },
      [PARAM.graphEndpoint]: { value: 'https://graph.example.test' },
      [PARAM.apiVersion]: { value: 'beta' },
      [PARAM.caFile]: { value: caFile },
      [PARAM.proxyUrl]: { value: 'http://proxy.example:8080' },
      [PARAM.proxyUserName]: { value: 'svc' },
      [PARAM.proxyPassword]: { value: 'env-proxy-pw', encrypted: true },
      [PARAM.httpTimeoutSeconds]: { value: '30' },
      [PARAM.dateTimeFormat]: { value: 'o' },
      [PARAM.forceChangePasswordNextSignIn]: { value: '1' },
      [PARAM.invitationRedirectUrl]: { value: 'https://myapps.microsoft.com' },
      [PARAM.invitationSendMessage]: { value: '1' },
      [PARAM.invitationMessageText]: { value: 'Hi' },
      [PARAM.exportConcurrency]: { value: '2' },
      [PARAM.writeBudget]: { value: '1000/60' },
      [OBJECT_TYPE_PARAM.user]: { value: '1' },
      [OBJECT_TYPE_PARAM.group]: { value: '0' },
      [OBJECT_TYPE_PARAM.contact]: { value: '0' },
      [OBJECT_TYPE_PARAM.servicePrincipal]: { value: '0' },
      [OBJECT_TYPE_PARAM.administrativeUnit]: { value: '1' },
      [FILTER_PARAM.user]: { value: "userType eq 'Member'" },
      [PARAM.addObjectsFilter]: { value: '1' },
    });
    expect(attributes).toEqual({ user: ['displayName', 'mail'] });
    expect(pageSize).toBe(250);
  });

  it('a certificate sets the authentication type; its password may come from the environment', () => {
    const { values } = loadCliConfig(
      { ...minimal(), certificate: { file: 'client.pfx' } },
      { MIMGRAPH_CERTIFICATE_PASSWORD: 'pfx-pw' },
      dir,
    );
    expect(values[PARAM.authenticationType]).toEqual({ value: 'Certificate' });
    expect(values[PARAM.certificateFile]).toEqual({ value: join(dir, 'client.pfx') });
    expect(values[PARAM.certificatePassword]).toEqual({ value: 'pfx-pw', encrypted: true });
  });

  it('defaults: user and group, page size 100, the secret from MIMGRAPH_CLIENT_SECRET (which wins over the file)', () => {
    const c = load({ ...minimal(), clientSecret: 'from-file' });
    expect(c.pageSize).toBe(100);
    expect(c.config.objectTypes).toEqual(['user', 'group']);
    expect(c.config.credential).toEqual({ kind: 'secret', secret: SECRET });
    expect(c.config.writeBudget).toEqual({ writes: 3000, seconds: 150 });
    expect(c.config.exportConcurrency).toBe(4);
  });

  it.each<[string, unknown, RegExp]>([
    ['unknown top-level key', { ...minimal(), colour: 'blue' }, /configuration file: colour: unknown key/],
    ['old flat key', { ...minimal(), proxyUrl: 'http://p:8080' }, /proxyUrl: unknown key/],
    ['missing tenant', { clientId: CLIENT }, /configuration file: tenant: is required/],
    ['missing clientId', { tenant: TENANT }, /configuration file: clientId: is required/],
    [
      'tenant not a string',
      { ...minimal(), tenant: 5 },
      /configuration file: tenant: must be of type string/,
    ],
    [
      'bad tenant value',
      { ...minimal(), tenant: 'not a tenant!' },
      /configuration file: tenant: .*neither a tenant id/,
    ],
    ['common tenant', { ...minimal(), tenant: 'common' }, /configuration file: tenant: .*cannot be used/],
    ['clientId not a GUID', { ...minimal(), clientId: 'abc' }, /configuration file: clientId: .*not a GUID/],
    [
      'cloud',
      { ...minimal(), cloud: 'mars' },
      /configuration file: cloud: not one of the choices; use one of global/,
    ],
    [
      'apiVersion',
      { ...minimal(), apiVersion: 'v2.0' },
      /configuration file: apiVersion: not one of the choices/,
    ],
    [
      'loginEndpoint without custom',
      { ...minimal(), loginEndpoint: 'https://x.test' },
      /loginEndpoint: is used only with cloud 'custom'/,
    ],
    [
      'graphEndpoint not https',
      { ...minimal(), cloud: 'custom', graphEndpoint: 'http://g.test' },
      /configuration file: graphEndpoint: /,
    ],
    ['caFile missing', { ...minimal(), caFile: 'missing.pem' }, /configuration file: caFile: .*missing\.pem/],
    [
      'proxy without url',
      { ...minimal(), proxy: { username: 'u' } },
      /configuration file: proxy\.url: is required/,
    ],
    [
      'proxy unknown key',
      { ...minimal(), proxy: { url: 'http://p:8080', user: 'u' } },
      /proxy\.user: unknown key/,
    ],
    [
      'proxy url bad',
      { ...minimal(), proxy: { url: 'ftp://p' } },
      /configuration file: proxy\.url: .*not an http/,
    ],
    [
      'proxy password without user',
      { ...minimal(), proxy: { url: 'http://p:8080', password: 'pw' } },
      /configuration file: proxy\.username: /,
    ],
    [
      'certificate without file',
      { ...minimal(), certificate: { password: 'x' } },
      /configuration file: certificate\.file: is required/,
    ],
    [
      'certificate file missing',
      { ...minimal(), certificate: { file: 'nope.pfx' } },
      /configuration file: certificate\.file: .*does not exist/,
    ],
    [
      'secret and certificate',
      { ...minimal(), clientSecret: 's', certificate: { file: 'x.pfx' } },
      /configuration file: certificate: give either/,
    ],
    [
      'httpTimeoutSeconds',
      { ...minimal(), httpTimeoutSeconds: 0 },
      /configuration file: httpTimeoutSeconds: must be >= 1/,
    ],
    [
      'httpTimeoutSeconds fraction',
      { ...minimal(), httpTimeoutSeconds: 1.5 },
      /httpTimeoutSeconds: must be a whole number/,
    ],
    [
      'objectTypes item',
      { ...minimal(), objectTypes: ['user', 'device'] },
      /objectTypes\.1: unknown object type; use one of user/,
    ],
    ['objectTypes empty', { ...minimal(), objectTypes: [] }, /configuration file: objectTypes: /],
    [
      'administrativeUnit on v1.0',
      { ...minimal(), objectTypes: ['administrativeUnit'] },
      /configuration file: objectTypes: .*beta/,
    ],
    [
      'attributes unknown type',
      { ...minimal(), attributes: { device: ['x'] } },
      /attributes\.device: unknown key/,
    ],
    [
      'attributes of unlisted type',
      { ...minimal(), attributes: { contact: ['mail'] } },
      /attributes\.contact: 'contact' is not in objectTypes/,
    ],
    [
      'attributes not a list',
      { ...minimal(), attributes: { user: 'displayName' } },
      /attributes\.user: must be of type array/,
    ],
    ['filters unknown type', { ...minimal(), filters: { device: 'x' } }, /filters\.device: unknown key/],
    [
      'filter of unlisted type',
      { ...minimal(), filters: { contact: "mail eq 'x'" } },
      /filters\.contact: 'contact' is not in objectTypes/,
    ],
    [
      'filter syntax',
      { ...minimal(), filters: { user: "displayName eq 'x" } },
      /configuration file: filters\.user: /,
    ],
    ['pageSize', { ...minimal(), pageSize: 0 }, /configuration file: pageSize: must be >= 1/],
    ['dateTimeFormat', { ...minimal(), dateTimeFormat: 'q' }, /configuration file: dateTimeFormat: /],
    [
      'forceChangePasswordNextSignIn',
      { ...minimal(), forceChangePasswordNextSignIn: 'yes' },
      /forceChangePasswordNextSignIn: must be of type boolean/,
    ],
    [
      'invitation unknown key',
      { ...minimal(), invitation: { redirect: 'x' } },
      /invitation\.redirect: unknown key/,
    ],
    [
      'invitation.redirectUrl http',
      { ...minimal(), invitation: { redirectUrl: 'http://x.test' } },
      /configuration file: invitation\.redirectUrl: .*https/,
    ],
    [
      'invitation.sendMessage without url',
      { ...minimal(), invitation: { sendMessage: true } },
      /configuration file: invitation\.redirectUrl: /,
    ],
    [
      'invitation.sendMessage type',
      { ...minimal(), invitation: { sendMessage: 1 } },
      /invitation\.sendMessage: must be of type boolean/,
    ],
    ['export unknown key', { ...minimal(), export: { batch: 5 } }, /export\.batch: unknown key/],
    [
      'export.concurrency',
      { ...minimal(), export: { concurrency: 99 } },
      /configuration file: export\.concurrency: must be <= 16/,
    ],
    [
      'export.writesPerWindow',
      { ...minimal(), export: { writesPerWindow: 0 } },
      /export\.writesPerWindow: must be >= 1/,
    ],
    [
      'export.windowSeconds',
      { ...minimal(), export: { windowSeconds: -1 } },
      /export\.windowSeconds: must be >= 1/,
    ],
    ['top level not an object', [1, 2], /configuration file: \(top level\): must be of type object/],
  ])('%s: the message names it (exit 64)', (_name, json, message) => {
    let error: unknown;
    try {
      load(json);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliExit);
    expect((error as CliExit).code).toBe(64);
    expect((error as Error).message).toMatch(message);
  });

  it('no secret anywhere names clientSecret and the variable', () => {
    expect(() => load(minimal(), {})).toThrow(/clientSecret: no client secret: set MIMGRAPH_CLIENT_SECRET/);
  });

  it('not JSON names the file', () => {
    expect(() => load('{ nope')).toThrow(/is not JSON/);
  });

  it('never repeats a secret value in a message', () => {
    try {
      load({ ...minimal(), proxy: { url: 'http://p:8080', password: 'very-secret-proxy-pw' } });
    } catch (e) {
      expect((e as Error).message).not.toContain('very-secret-proxy-pw');
      return;
    }
    throw new Error('expected a failure');
  });
});
