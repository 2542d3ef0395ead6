import { createHash, randomUUID, X509Certificate } from 'node:crypto';

/**
 * Client assertions signed by a certificate whose private key stays where it is kept (the Windows
 * certificate store, reached through MIM's bridge): the connector builds the JWT, the store signs its
 * bytes. The JWT is the one msal-node builds for a PEM certificate — PS256 with the certificate's
 * SHA-256 thumbprint in `x5t#S256`, claims aud/iss/sub/jti/nbf/iat/exp (10 minutes).
 */

export type SignatureAlgorithm = 'PS256' | 'RS256';

/** What a certificate store offers: the certificate (public part) and signatures with its key. */
export interface CertificateStore {
  /** The certificate with this SHA-1 thumbprint (upper-case hex): DER, and its end of validity. */
  certificate(thumbprint: string): Promise<{ der: Buffer; notAfter: Date }>;
  /** The signature of `data` with the certificate's private key (RSA-PSS SHA-256 salt 32, or PKCS#1 v1.5). */
  sign(thumbprint: string, algorithm: SignatureAlgorithm, data: Buffer): Promise<Buffer>;
}

/** A certificate of the store that cannot be used (expired, not RSA, not the one asked for). */
export class StoreCertificateError extends Error {
  constructor(
    message: string,
    /** `certificate_expired`, `certificate_unusable` */
    readonly reason: 'certificate_expired' | 'certificate_unusable',
  ) {
    super(message);
    this.name = 'StoreCertificateError';
  }
}

/**
 * Normalises a thumbprint as Windows shows it (`a9 09 50 …`, with colons, or with the invisible
 * left-to-right mark the certificate dialog puts in front when copied): upper-case hex, nothing else.
 */
export function normaliseThumbprint(text: string): string {
  return text.replace(/[\s:\-\u200e\u200f\u202a-\u202e\ufeff]/g, '').toUpperCase();
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

interface StoreCertificate {
  sha256: Buffer;
  notAfter: Date;
}

/** Builds and signs client assertions for one client; fetches the certificate once. */
export class StoreAssertion {
  private cert: Promise<StoreCertificate> | undefined;

  constructor(
    private readonly store: CertificateStore,
    private readonly thumbprint: string,
    private readonly clientId: string,
    private readonly now: () => number = Date.now,
  ) {}

  private certificate(): Promise<StoreCertificate> {
    if (!this.cert) {
      const fetched = this.fetch();
      // A failure (the bridge could not find it, a timeout) is not kept: the next sign-in asks again.
      fetched.catch(() => {
        if (this.cert === fetched) this.cert = undefined;
      });
      this.cert = fetched;
    }
    return this.cert;
  }

  private async fetch(): Promise<StoreCertificate> {
    const { der, notAfter } = await this.store.certificate(this.thumbprint);
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(der);
    } catch {
      throw new StoreCertificateError(
        `the certificate store answered for thumbprint ${this.thumbprint} with something that is not an X.509 certificate`,
        'certificate_unusable',
      );
    }
    const sha1 = createHash('sha1').update(x509.raw).digest('hex').toUpperCase();
    if (sha1 !== this.thumbprint) {
      throw new StoreCertificateError(
        `the certificate store answered for thumbprint ${this.thumbprint} with the certificate ${sha1}`,
        'certificate_unusable',
      );
    }
    if (x509.publicKey.asymmetricKeyType !== 'rsa') {
      throw new StoreCertificateError(
        `certificate thumbprint ${this.thumbprint}: its key is ${String(x509.publicKey.asymmetricKeyType).toUpperCase()}, ` +
          'but Entra ID signs in apps with RSA certificates only; create an RSA certificate (2048 bits or more)',
        'certificate_unusable',
      );
    }
    // The certificate's own validity wins over what the store said about it.
    const validTo = new Date(x509.validTo);
    return {
      sha256: createHash('sha256').update(x509.raw).digest(),
      notAfter: Number.isNaN(validTo.getTime()) ? notAfter : validTo,
    };
  }

  /** A signed client assertion for the token endpoint `audience` (MSAL's `clientAssertion` callback). */
  async create(audience: string): Promise<string> {
    const cert = await this.certificate();
    const nowMs = this.now();
    if (cert.notAfter.getTime() <= nowMs) {
      // Entra refuses assertions signed with an expired key (AADSTS700027 "The key used is expired").
      throw new StoreCertificateError(
        `Certificate thumbprint ${this.thumbprint}: the certificate in the Windows certificate store expired on ` +
          `${cert.notAfter.toISOString()}; create a new one, register it on the app and enter its thumbprint`,
        'certificate_expired',
      );
    }
    const now = Math.floor(nowMs / 1000);
    const header = { alg: 'PS256', typ: 'JWT', 'x5t#S256': b64url(cert.sha256) };
    const payload = {
      aud: audience,
      iss: this.clientId,
      sub: this.clientId,
      jti: randomUUID(),
      nbf: now,
      iat: now,
      exp: now + 600,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const signature = await this.store.sign(this.thumbprint, 'PS256', Buffer.from(signingInput, 'ascii'));
    return `${signingInput}.${b64url(signature)}`;
  }
}
