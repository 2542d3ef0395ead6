/**
 * Certificates for the emulator: a throw-away CA plus a loopback server certificate (MSAL insists on https),
 * and self-signed client certificates for app certificate credentials. Keys come from node:crypto (fast,
 * native); node-forge builds, signs and packs the certificates.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

export interface TlsMaterial {
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

export interface TestCertificate {
  certPem: string;
  keyPem: string;
  /** PKCS#12 (3DES, SHA-1 MAC: the combination every Windows/.NET and OpenSSL 3 build reads). */
  pfx: Buffer;
  pfxPassword: string;
  /** Upper-case hex, as the Entra portal shows it. */
  thumbprintSha1Hex: string;
  thumbprintSha256Hex: string;
}

const DEFAULT_HOSTS = ['127.0.0.1', '::1', 'localhost'];
const HOUR_MS = 3_600_000;

interface KeyPair {
  keyPem: string;
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
}

function newKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    keyPem: privateKey,
    privateKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
  };
}

/** A random positive serial (high bit cleared so DER does not read it as negative). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function newCertificate(publicKey: forge.pki.rsa.PublicKey, years: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialNumber();
  const now = Date.now();
  cert.validity.notBefore = new Date(now - HOUR_MS); // tolerate small clock differences
  cert.validity.notAfter = new Date(now);
  cert.validity.notAfter.setFullYear(cert.validity.notAfter.getFullYear() + years);
  return cert;
}

const commonName = (value: string) => [{ name: 'commonName', value }];

function altName(host: string): { type: number; ip?: string; value?: string } {
  return isIP(host) ? { type: 7, ip: host } : { type: 2, value: host };
}

function issueCa(): { cert: forge.pki.Certificate; keys: KeyPair } {
  const keys = newKeyPair();
  const cert = newCertificate(keys.publicKey, 2);
  const subject = [...commonName('mimgraph emulator CA'), { name: 'organizationName', value: 'mimgraph' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert, keys };
}

/** A fresh CA and a server certificate it signs for the given hosts (IP or DNS SANs). */
export function generateTlsMaterial(hosts: string[] = DEFAULT_HOSTS): TlsMaterial {
  const ca = issueCa();
  const keys = newKeyPair();
  const cert = newCertificate(keys.publicKey, 2);
  cert.setSubject(commonName(hosts.find((h) => !isIP(h)) ?? hosts[0] ?? 'localhost'));
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: hosts.map(altName) },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(ca.keys.privateKey, forge.md.sha256.create());
  return {
    caCertPem: forge.pki.certificateToPem(ca.cert),
    certPem: forge.pki.certificateToPem(cert),
    keyPem: keys.keyPem,
  };
}

function thumbprint(cert: forge.pki.Certificate, algorithm: 'sha1' | 'sha256'): string {
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return createHash(algorithm).update(der).digest('hex').toUpperCase();
}

/** Accepts "CN=name" or a bare name. */
function subjectAttributes(subject: string): forge.pki.CertificateField[] {
  return commonName(subject.replace(/^\s*CN\s*=\s*/i, ''));
}

/** A self-signed certificate (plus key and password-protected PFX) for an app's certificate credential. */
export function generateClientCertificate(
  subject: string,
  pfxPassword: string = randomBytes(18).toString('base64url'),
): TestCertificate {
  const keys = newKeyPair();
  const cert = newCertificate(keys.publicKey, 2);
  const attrs = subjectAttributes(subject);
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const p12 = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [cert], pfxPassword, {
    algorithm: '3des',
    generateLocalKeyId: true,
    friendlyName: attrs[0]!.value as string,
  });
  return {
    certPem: forge.pki.certificateToPem(cert),
    keyPem: keys.keyPem,
    pfx: Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary'),
    pfxPassword,
    thumbprintSha1Hex: thumbprint(cert, 'sha1'),
    thumbprintSha256Hex: thumbprint(cert, 'sha256'),
  };
}
