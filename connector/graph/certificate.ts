import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type forge from 'node-forge';
import { lazy } from '../runtime/lazy.js';

const forgeLib = lazy<typeof forge>('node-forge');

/**
 * A client certificate for MSAL: private key (PEM) and the certificate's thumbprints. Reads a PEM
 * file (certificate + key, key possibly encrypted) or a PFX/PKCS#12 file. Node 20 cannot open PFX
 * files itself, so node-forge does that part.
 */
export interface ClientCertificate {
  privateKeyPem: string;
  certificatePem: string;
  thumbprintSha256: string;
  thumbprintSha1: string;
  notAfter: Date;
}

export class CertificateError extends Error {}

export function loadClientCertificate(path: string, password?: string): ClientCertificate {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new CertificateError(`certificate file ${path} cannot be read: ${(e as Error).message}`);
  }
  const text = raw.toString('utf8');
  return text.includes('-----BEGIN') ? fromPem(path, text, password) : fromPfx(path, raw, password);
}

function fromPem(path: string, text: string, password?: string): ClientCertificate {
  const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const cert = certs[0];
  const key = text.match(
    /-----BEGIN (?:ENCRYPTED |RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:ENCRYPTED |RSA )?PRIVATE KEY-----/,
  )?.[0];
  if (!cert)
    throw new CertificateError(`certificate file ${path} holds no certificate (-----BEGIN CERTIFICATE-----)`);
  if (!key)
    throw new CertificateError(
      `certificate file ${path} holds no private key; put the key and the certificate in one PEM file, or use a PFX`,
    );
  let privateKeyPem: string;
  try {
    privateKeyPem = createPrivateKey({ key, passphrase: password })
      .export({ type: 'pkcs8', format: 'pem' })
      .toString();
  } catch {
    throw new CertificateError(
      `the private key in ${path} cannot be opened${key.includes('ENCRYPTED') ? ': wrong or missing certificate password' : ''}`,
    );
  }
  // A PEM exported with its chain (openssl pkcs12 -nodes, fullchain files) may list CA certificates
  // first: use the one that belongs to the key, as for a PFX.
  const own = certs.length > 1 ? certs.find((c) => matchesKey(c, privateKeyPem)) : undefined;
  return describe(path, own ?? cert, privateKeyPem);
}

function matchesKey(certPem: string, privateKeyPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(privateKeyPem));
  } catch {
    return false;
  }
}

function fromPfx(path: string, raw: Buffer, password?: string): ClientCertificate {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forgeLib().asn1.fromDer(forgeLib().util.createBuffer(raw.toString('binary')));
    p12 = forgeLib().pkcs12.pkcs12FromAsn1(asn1, password ?? '');
  } catch (e) {
    const msg = (e as Error).message ?? '';
    throw new CertificateError(
      /mac|password|decrypt/i.test(msg)
        ? `the PFX file ${path} cannot be opened: wrong or missing certificate password`
        : `${path} is neither a PEM file nor a readable PFX/PKCS#12 file`,
    );
  }
  const oids = forgeLib().pki.oids as Record<string, string>;
  const bags = (type: string): forge.pkcs12.Bag[] => p12.getBags({ bagType: type })[type] ?? [];
  const keyBag = bags(oids.pkcs8ShroudedKeyBag!)[0] ?? bags(oids.keyBag!)[0];
  const certBags = bags(oids.certBag!);
  if (!keyBag?.key)
    throw new CertificateError(`the PFX file ${path} holds no private key; export it with the private key`);
  // The certificate whose public key matches the private key (a PFX may carry its chain too).
  const key = keyBag.key as forge.pki.rsa.PrivateKey;
  const certBag = certBags.find((b) => {
    const pub = b.cert?.publicKey as forge.pki.rsa.PublicKey | undefined;
    return pub?.n?.equals(key.n);
  });
  if (!certBag?.cert)
    throw new CertificateError(`the PFX file ${path} holds no certificate matching its private key`);
  const certPem = forgeLib().pki.certificateToPem(certBag.cert);
  const pki = forgeLib().pki;
  const pkcs8 = pki.privateKeyInfoToPem(pki.wrapRsaPrivateKey(pki.privateKeyToAsn1(key)));
  return describe(path, certPem, pkcs8);
}

function describe(path: string, certPem: string, privateKeyPem: string): ClientCertificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certPem);
  } catch {
    throw new CertificateError(`the certificate in ${path} is not a valid X.509 certificate`);
  }
  if (!x509.checkPrivateKey(createPrivateKey(privateKeyPem))) {
    throw new CertificateError(`the private key in ${path} does not belong to its certificate`);
  }
  return {
    privateKeyPem,
    certificatePem: x509.toString(),
    thumbprintSha256: createHash('sha256').update(x509.raw).digest('hex').toUpperCase(),
    thumbprintSha1: createHash('sha1').update(x509.raw).digest('hex').toUpperCase(),
    notAfter: new Date(x509.validTo),
  };
}
