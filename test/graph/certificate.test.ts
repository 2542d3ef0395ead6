import { rootCertificates } from 'node:tls';
import forge from 'node-forge';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadClientCertificate } from '../../connector/graph/certificate.js';
import { TransportError } from '../../connector/graph/errors.js';
import { readPemBundle, TransportConfigError } from '../../connector/graph/transport.js';
import { generateClientCertificate, generateTlsMaterial } from '../../emulator/auth/tls.js';
import { type GraphTenant, startGraphTenant } from '../support/graph.js';

/**
 * TLS trust of the emulator's server certificate (a private CA, like a TLS-inspecting proxy's), and
 * the thumbprints the connector derives from client certificates.
 */

let t: GraphTenant;
const savedExtraCa = process.env.NODE_EXTRA_CA_CERTS;
const otherCa = generateTlsMaterial().caCertPem;

beforeAll(async () => {
  t = await startGraphTenant();
});

afterAll(async () => {
  await t?.close();
});

afterEach(() => {
  if (savedExtraCa === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
  else process.env.NODE_EXTRA_CA_CERTS = savedExtraCa;
});

const TLS_CODES = [
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
];

describe('trust of the server certificate', () => {
  it('without NODE_EXTRA_CA_CERTS or a CA file, the emulator is not trusted: the error says why and what to set', async () => {
    delete process.env.NODE_EXTRA_CA_CERTS;
    const issued = t.emu.context.counters.tokensIssued;
    const c = t.client({ http: { caFile: undefined } });
    const e = await c.request('GET', '/users?$top=5').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransportError);
    const err = e as TransportError;
    expect(TLS_CODES).toContain(err.code);
    expect(err.message).toContain(`TLS verification of ${new URL(t.emu.baseUrl).host} failed`);
    expect(err.message).toMatch(/Windows certificate store/);
    expect(err.message).toMatch(/Node\.js cannot read that store/);
    expect(err.message).toMatch(/CA file option \(http\.caFile\)/);
    expect(t.emu.context.counters.tokensIssued).toBe(issued);
  });

  it('with http.caFile holding the emulator CA, sign-in and Graph work', async () => {
    delete process.env.NODE_EXTRA_CA_CERTS;
    const c = t.client({ http: { caFile: t.caFile } });
    const res = await c.request<{ value: unknown[] }>('GET', '/users?$top=5');
    expect(res.body.value).toHaveLength(5);
    expect(c.counters.tokensAcquired).toBe(1);
  });

  it('a CA bundle (public roots plus the emulator CA, CRLF line ends) works', async () => {
    delete process.env.NODE_EXTRA_CA_CERTS;
    const bundle = [...rootCertificates.slice(0, 5), otherCa, t.emu.caCertPem]
      .join('\n')
      .replace(/\n/g, '\r\n');
    const caFile = t.file('bundle.pem', bundle);
    expect(readPemBundle(caFile)).toHaveLength(7);
    const c = t.client({ http: { caFile } });
    expect((await c.request('GET', '/users?$top=1')).status).toBe(200);
  });

  it('a CA file with another CA does not make the emulator trusted', async () => {
    delete process.env.NODE_EXTRA_CA_CERTS;
    const caFile = t.file('other-ca.pem', otherCa);
    const c = t.client({ http: { caFile } });
    const e = await c.request('GET', '/users?$top=1').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransportError);
    expect(TLS_CODES).toContain((e as TransportError).code);
  });

  it('with a CA file set, NODE_EXTRA_CA_CERTS is still honoured', async () => {
    // Node reads NODE_EXTRA_CA_CERTS into its default store only; an explicit CA list must add it again.
    process.env.NODE_EXTRA_CA_CERTS = t.caFile;
    const caFile = t.file('other-ca-2.pem', otherCa);
    const c = t.client({ http: { caFile } });
    expect((await c.request('GET', '/users?$top=1')).status).toBe(200);
  });

  it('a CA file without a certificate: TransportConfigError naming the file', () => {
    const caFile = t.file('not-a-ca.pem', generateClientCertificate('CN=x').keyPem);
    let err: unknown;
    try {
      t.client({ http: { caFile } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TransportConfigError);
    expect((err as Error).message).toBe(
      `CA file ${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----); export the CA as Base-64 (PEM)`,
    );
  });

  it('a DER CA file is refused with the PEM hint', () => {
    const der = Buffer.from(t.emu.caCertPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const caFile = t.file('ca.cer', der);
    expect(() => t.client({ http: { caFile } })).toThrow(/holds no PEM certificate.*Base-64 \(PEM\)/);
  });

  it('a missing CA file: TransportConfigError', () => {
    const caFile = `${t.dir}/missing-ca.pem`;
    expect(() => t.client({ http: { caFile } })).toThrow(TransportConfigError);
    expect(() => t.client({ http: { caFile } })).toThrow(`CA file ${caFile} cannot be read`);
  });
});

describe('client certificate files', () => {
  const cert = generateClientCertificate('CN=mimgraph-thumbprints', 'pw');

  it('PEM and PFX give the same key and the certificate thumbprints (upper-case hex)', () => {
    const pem = loadClientCertificate(t.file('tp.pem', cert.certPem + cert.keyPem));
    const pfx = loadClientCertificate(t.file('tp.pfx', cert.pfx), 'pw');
    for (const c of [pem, pfx]) {
      expect(c.thumbprintSha256).toBe(cert.thumbprintSha256Hex);
      expect(c.thumbprintSha1).toBe(cert.thumbprintSha1Hex);
      expect(c.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(c.notAfter.getTime()).toBeGreaterThan(Date.now());
    }
    expect(pfx.privateKeyPem.replace(/\s/g, '')).toBe(pem.privateKeyPem.replace(/\s/g, ''));
    expect(pfx.certificatePem.replace(/\s/g, '')).toBe(pem.certificatePem.replace(/\s/g, ''));
  });

  it('a PFX with AES-256 encryption and a chain (CA certificate first) gives the leaf', () => {
    const other = generateClientCertificate('CN=chain-ca');
    const key = forge.pki.privateKeyFromPem(cert.keyPem);
    const certs = [other.certPem, cert.certPem].map((p) => forge.pki.certificateFromPem(p));
    const p12 = forge.pkcs12.toPkcs12Asn1(key, certs, 'pässwört', { algorithm: 'aes256' });
    const path = t.file('aes-chain.pfx', Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary'));
    expect(loadClientCertificate(path, 'pässwört').thumbprintSha256).toBe(cert.thumbprintSha256Hex);
    expect(() => loadClientCertificate(path, 'passwort')).toThrow(/wrong or missing certificate password/);
  });

  it('a PEM chain: the certificate matching the key is used, not the first one', () => {
    const other = generateClientCertificate('CN=chain-other');
    const c = loadClientCertificate(t.file('chain.pem', other.certPem + cert.certPem + cert.keyPem));
    expect(c.thumbprintSha256).toBe(cert.thumbprintSha256Hex);
  });
});
