import { constants, createHash, sign, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARAM } from '../../connector/config/parse.js';
import {
  type CertificateStore,
  normaliseThumbprint,
  type SignatureAlgorithm,
} from '../../connector/graph/store-certificate.js';
import { AuthenticationError, type Credential } from '../../connector/graph/tokens.js';
import type { ConfigValues } from '../../connector/model/ecma.js';
import { ConnectorError } from '../../connector/model/ecma.js';
import { silentLogger } from '../../connector/runtime/log.js';
import { Dispatcher } from '../../connector/worker/dispatcher.js';
import { toConnectorError } from '../../connector/worker/errors.js';
import type { BridgeMethod, BridgeRequester } from '../../connector/worker/protocol.js';
import { checkMessage } from '../../connector/worker/validate.js';
import { generateClientCertificate } from '../../emulator/auth/tls.js';
import { type GraphTenant, startGraphTenant } from '../support/graph.js';

/**
 * A certificate whose private key stays in a store (Windows' LocalMachine\My behind MIM's bridge): the
 * connector builds the client assertion and the store signs it — here the test signs with node:crypto
 * as the bridge does (RSA-PSS SHA-256, salt length 32) — against the emulator's token endpoint.
 */

const cert = generateClientCertificate('CN=mimgraph-store');
const unregistered = generateClientCertificate('CN=mimgraph-store-unregistered');

interface TestCert {
  certPem: string;
  keyPem: string;
}

const derOf = (pem: string) => Buffer.from(new X509Certificate(pem).raw);
const sha1Of = (pem: string) => createHash('sha1').update(derOf(pem)).digest('hex').toUpperCase();

/** What the bridge does with a certificate of the store, in node:crypto; records what it was asked. */
class TestStore implements CertificateStore {
  readonly calls: {
    method: 'certificate' | 'sign';
    thumbprint: string;
    algorithm?: string;
    data?: Buffer;
  }[] = [];
  constructor(private readonly certs: TestCert[]) {}

  private find(thumbprint: string): TestCert {
    const c = this.certs.find((x) => sha1Of(x.certPem) === thumbprint);
    if (!c) {
      throw new ConnectorError(
        'BadServerCredentials',
        `no certificate with thumbprint ${thumbprint} in LocalMachine\\My`,
        { bridgeMethod: 'certificate' },
      );
    }
    return c;
  }

  async certificate(thumbprint: string) {
    this.calls.push({ method: 'certificate', thumbprint });
    const c = this.find(thumbprint);
    return { der: derOf(c.certPem), notAfter: new Date(new X509Certificate(c.certPem).validTo) };
  }

  async sign(thumbprint: string, algorithm: SignatureAlgorithm, data: Buffer) {
    this.calls.push({ method: 'sign', thumbprint, algorithm, data });
    const c = this.find(thumbprint);
    return algorithm === 'PS256'
      ? sign('sha256', data, { key: c.keyPem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
      : sign('sha256', data, c.keyPem);
  }

  signingInputs(): string[] {
    return this.calls.filter((c) => c.method === 'sign').map((c) => c.data!.toString('ascii'));
  }
}

function expiredCertificate(): TestCert {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 1024, e: 0x10001 });
  const old = forge.pki.createCertificate();
  old.publicKey = keys.publicKey;
  old.serialNumber = '01';
  old.validity.notBefore = new Date(Date.UTC(2020, 0, 1));
  old.validity.notAfter = new Date(Date.UTC(2021, 0, 1));
  old.setSubject([{ name: 'commonName', value: 'expired' }]);
  old.setIssuer([{ name: 'commonName', value: 'expired' }]);
  old.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(old), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

const expired = expiredCertificate();
let t: GraphTenant;

beforeAll(async () => {
  t = await startGraphTenant({ certificates: [cert.certPem, expired.certPem] });
});

afterAll(async () => {
  await t?.close();
});

const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

const storeCredential = (store: CertificateStore, pem = cert.certPem): Credential => ({
  kind: 'store',
  thumbprint: sha1Of(pem),
  store,
});

describe('client assertion signed by the store', () => {
  it('signs in, reads users; the assertion is the one msal-node builds for a PEM certificate', async () => {
    const store = new TestStore([cert]);
    const c = t.client({ credential: storeCredential(store) });
    const res = await c.request<{ value: unknown[] }>('GET', '/users?$top=5');
    expect(res.status).toBe(200);
    expect(res.body.value).toHaveLength(5);
    expect(c.counters.tokensAcquired).toBe(1);

    const [input] = store.signingInputs();
    const [h, p] = input!.split('.');
    expect(decode(h!)).toEqual({
      alg: 'PS256',
      typ: 'JWT',
      'x5t#S256': Buffer.from(cert.thumbprintSha256Hex, 'hex').toString('base64url'),
    });
    const claims = decode(p!);
    expect(claims.iss).toBe(t.clientId);
    expect(claims.sub).toBe(t.clientId);
    expect(String(claims.aud).toLowerCase()).toBe(
      `${t.emu.baseUrl}/${t.tenantId}/oauth2/v2.0/token`.toLowerCase(),
    );
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.exp - claims.nbf).toBe(600);
    expect(claims.iat).toBe(claims.nbf);
    expect(Math.abs(claims.nbf - Date.now() / 1000)).toBeLessThan(30);
    expect(store.calls.filter((x) => x.method === 'sign').map((x) => x.algorithm)).toEqual(['PS256']);

    // The token is a certificate app token of this app.
    const token = decode((await c.tokens.getToken()).split('.')[1]!);
    expect(token.appid).toBe(t.clientId);
    expect(token.appidacr).toBe('2');
  });

  it('fetches the certificate once per client; every new token is a new signature', async () => {
    const store = new TestStore([cert]);
    const c = t.client({ credential: storeCredential(store) });
    const first = await c.tokens.getToken();
    await c.tokens.renewAfter401(first);
    expect(store.calls.filter((x) => x.method === 'certificate')).toHaveLength(1);
    const inputs = store.signingInputs();
    expect(inputs).toHaveLength(2);
    expect(decode(inputs[0]!.split('.')[1]!).jti).not.toBe(decode(inputs[1]!.split('.')[1]!).jti);
  });

  it('a certificate not registered on the app: AADSTS700027', async () => {
    const store = new TestStore([unregistered]);
    const c = t.client({ credential: storeCredential(store, unregistered.certPem) });
    const e = await c.request('GET', '/users?$top=1').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AuthenticationError);
    expect((e as AuthenticationError).aadsts).toBe(700027);
    expect((e as Error).message).toMatch(/certificate is not registered on the app/);
  });

  it('an expired certificate is refused before anything is signed, naming Certificate thumbprint', async () => {
    const store = new TestStore([expired]);
    const before = t.emu.context.counters.requests;
    const c = t.client({ credential: storeCredential(store, expired.certPem) });
    const e = await c.request('GET', '/users?$top=1').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AuthenticationError);
    expect((e as AuthenticationError).errorCode).toBe('certificate_expired');
    expect((e as Error).message).toBe(
      `Certificate thumbprint ${sha1Of(expired.certPem)}: the certificate in the Windows certificate store expired on ` +
        '2021-01-01T00:00:00.000Z; create a new one, register it on the app and enter its thumbprint',
    );
    const mim = toConnectorError(e);
    expect(mim.code).toBe('BadServerCredentials');
    expect(mim.message).toContain(PARAM.certificateThumbprint);
    expect(store.calls.map((x) => x.method)).toEqual(['certificate']);
    expect(t.emu.context.counters.requests).toBe(before);
  });

  it("the store's own failure passes unchanged (not found: BadServerCredentials with the store's words)", async () => {
    const store = new TestStore([]);
    const c = t.client({ credential: storeCredential(store) });
    const e = await c.request('GET', '/users?$top=1').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectorError);
    expect((e as ConnectorError).code).toBe('BadServerCredentials');
    expect((e as Error).message).toBe(
      `no certificate with thumbprint ${sha1Of(cert.certPem)} in LocalMachine\\My`,
    );
    // Not kept: once the certificate is there, the same client signs in.
    (store as unknown as { certs: TestCert[] }).certs.push(cert);
    expect((await c.request('GET', '/users?$top=1')).status).toBe(200);
  });

  it('a store answering with another certificate than asked for is refused', async () => {
    const liar: CertificateStore = {
      certificate: async () => ({
        der: derOf(unregistered.certPem),
        notAfter: new Date(Date.UTC(2099, 0, 1)),
      }),
      sign: () => Promise.reject(new Error('not reached')),
    };
    const c = t.client({ credential: storeCredential(liar) });
    const e = await c.request('GET', '/users?$top=1').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AuthenticationError);
    expect((e as Error).message).toBe(
      `the certificate store answered for thumbprint ${sha1Of(cert.certPem)} with the certificate ${sha1Of(unregistered.certPem)}`,
    );
  });

  it('thumbprints are normalised as Windows shows them', () => {
    expect(normaliseThumbprint('\u200ea9 09:50-2d\tD8')).toBe('A909502DD8');
  });
});

/** The test as MIM's bridge: answers the worker's `certificate` and `sign` requests from a TestStore. */
class TestBridge implements BridgeRequester {
  readonly requests: { method: BridgeMethod; params: Record<string, unknown> }[] = [];
  constructor(private readonly store: TestStore) {}

  async request(method: BridgeMethod, params: Record<string, unknown>) {
    expect(checkMessage(method, 'params', params)).toBeUndefined();
    this.requests.push({ method, params });
    let result: Record<string, unknown>;
    if (method === 'certificate') {
      const c = await this.store.certificate(params.thumbprint as string);
      result = { der: c.der.toString('base64'), notAfter: c.notAfter.toISOString() };
    } else {
      const data = Buffer.from(params.data as string, 'base64');
      const s = await this.store.sign(
        params.thumbprint as string,
        params.algorithm as SignatureAlgorithm,
        data,
      );
      result = { signature: s.toString('base64') };
    }
    expect(checkMessage(method, 'result', result)).toBeUndefined();
    return result;
  }
}

describe('the Connectivity page through the dispatcher, with the bridge signing', () => {
  const values = (thumbprint: string): ConfigValues => ({
    [PARAM.tenant]: { value: t.tenantId },
    [PARAM.clientId]: { value: t.clientId },
    [PARAM.authenticationType]: { value: 'CertificateStore' },
    // As copied from certlm.msc: lower case with spaces.
    [PARAM.certificateThumbprint]: { value: thumbprint.toLowerCase().replace(/(..)/g, '$1 ').trim() },
    [PARAM.cloud]: { value: 'custom' },
    [PARAM.loginEndpoint]: { value: t.emu.baseUrl },
    [PARAM.graphEndpoint]: { value: t.emu.baseUrl },
    [PARAM.caFile]: { value: t.caFile },
  });
  const validate = (d: Dispatcher, config: ConfigValues) =>
    d.dispatch(
      'validateConfigParameters',
      { config, page: 'Connectivity' },
      { signal: new AbortController().signal, onWait: () => {} },
    );

  it('validateConfigParameters: Success, with the certificate fetched and the assertion signed by the bridge', async () => {
    const bridge = new TestBridge(new TestStore([cert]));
    const d = new Dispatcher({ stateDir: undefined, log: silentLogger, bridge });
    expect(await validate(d, values(cert.thumbprintSha1Hex))).toEqual({ code: 'Success' });
    expect(bridge.requests.map((r) => r.method)).toEqual(['certificate', 'sign']);
    expect(bridge.requests[0]!.params).toEqual({ thumbprint: cert.thumbprintSha1Hex.toUpperCase() });
    expect(bridge.requests[1]!.params.algorithm).toBe('PS256');
  });

  it('a certificate missing from the store names Certificate thumbprint, with the bridge message', async () => {
    const d = new Dispatcher({
      stateDir: undefined,
      log: silentLogger,
      bridge: new TestBridge(new TestStore([])),
    });
    const r = await validate(d, values(cert.thumbprintSha1Hex));
    expect(r).toEqual({
      code: 'Failure',
      errorParameter: PARAM.certificateThumbprint,
      errorMessage: `Parameter 'Certificate thumbprint': no certificate with thumbprint ${cert.thumbprintSha1Hex.toUpperCase()} in LocalMachine\\My`,
    });
  });

  it('an expired or unregistered certificate names Certificate thumbprint', async () => {
    const d = new Dispatcher({
      stateDir: undefined,
      log: silentLogger,
      bridge: new TestBridge(new TestStore([expired, unregistered])),
    });
    const old = await validate(d, values(sha1Of(expired.certPem)));
    expect(old).toMatchObject({ code: 'Failure', errorParameter: PARAM.certificateThumbprint });
    expect((old as { errorMessage: string }).errorMessage).toMatch(/expired on 2021-01-01/);
    const unknown = await validate(d, values(sha1Of(unregistered.certPem)));
    expect(unknown).toMatchObject({ code: 'Failure', errorParameter: PARAM.certificateThumbprint });
    expect((unknown as { errorMessage: string }).errorMessage).toMatch(/AADSTS700027/);
  });

  it('without a bridge (the CLI), CertificateStore names Authentication type', async () => {
    const d = new Dispatcher({ stateDir: undefined, log: silentLogger });
    const r = await validate(d, values(cert.thumbprintSha1Hex));
    expect(r).toMatchObject({ code: 'Failure', errorParameter: PARAM.authenticationType });
    expect((r as { errorMessage: string }).errorMessage).toMatch(
      /CertificateStore needs MIM's bridge \(the Windows certificate store\); with the CLI use Certificate file/,
    );
  });
});
