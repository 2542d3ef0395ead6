import { createHash, createPrivateKey, randomUUID } from 'node:crypto';
import { createServer } from 'node:https';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CertificateError } from '../../connector/graph/certificate.js';
import type { GraphClient } from '../../connector/graph/client.js';
import { resolveCloud } from '../../connector/graph/clouds.js';
import { AuthenticationError, type Credential } from '../../connector/graph/tokens.js';
import { generateClientCertificate, generateTlsMaterial } from '../../emulator/auth/tls.js';
import { type GraphTenant, startGraphTenant } from '../support/graph.js';

/**
 * Sign-in end to end over real sockets: the connector's GraphClient (MSAL through undici) against the
 * emulator's token endpoint, then a Graph call with the token.
 */

// Every client assertion the emulator's token endpoint verifies, as it received it.
const seen = vi.hoisted(() => ({ assertions: [] as string[] }));
vi.mock('../../emulator/auth/jwt.js', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../../emulator/auth/jwt.js')>();
  return {
    ...mod,
    verifyClientAssertion: (token: string, opts: Parameters<typeof mod.verifyClientAssertion>[1]) => {
      seen.assertions.push(token);
      return mod.verifyClientAssertion(token, opts);
    },
  };
});

const PFX_PASSWORD = 'pfx pässword!';
const KEY_PASSWORD = 'key-password-42';
const cert = generateClientCertificate('CN=mimgraph-signin', PFX_PASSWORD);
const unregistered = generateClientCertificate('CN=mimgraph-not-registered');

let t: GraphTenant;

beforeAll(async () => {
  t = await startGraphTenant({ certificates: [cert.certPem] });
});

afterAll(async () => {
  await t?.close();
});

function decodePart(jwt: string, i: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[i]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Signs in, reads five users, and checks that a token came from the emulator for it. */
async function signInAndList(c: GraphClient): Promise<void> {
  const issuedBefore = t.emu.context.counters.tokensIssued;
  const res = await c.request<{ value: { id: string }[] }>('GET', '/users?$top=5');
  expect(res.status).toBe(200);
  expect(res.body.value).toHaveLength(5);
  expect(c.counters.tokensAcquired).toBe(1);
  expect(t.emu.context.counters.tokensIssued).toBe(issuedBefore + 1);
}

/** Signs in with a certificate; returns the assertion the emulator saw and the access token it issued. */
async function certificateSignIn(credential: Credential) {
  const before = seen.assertions.length;
  const c = t.client({ credential });
  await signInAndList(c);
  expect(seen.assertions.length).toBe(before + 1);
  const assertion = seen.assertions[before]!;
  return {
    header: decodePart(assertion, 0),
    claims: decodePart(assertion, 1),
    token: decodePart(await c.tokens.getToken(), 1),
  };
}

const sha256x5t = Buffer.from(cert.thumbprintSha256Hex, 'hex').toString('base64url');

function expectPs256(header: Record<string, unknown>, claims: Record<string, unknown>): void {
  // SHA-256 thumbprint derived from the certificate: PS256 + x5t#S256, never the SHA-1 x5t.
  expect(header.alg).toBe('PS256');
  expect(header['x5t#S256']).toBe(sha256x5t);
  expect(header).not.toHaveProperty('x5t');
  expect(claims.iss).toBe(t.clientId);
  expect(claims.sub).toBe(t.clientId);
  expect(String(claims.aud).toLowerCase()).toBe(
    `${t.emu.baseUrl}/${t.tenantId}/oauth2/v2.0/token`.toLowerCase(),
  );
}

describe('client secret', () => {
  it('signs in and reads users', async () => {
    const c = t.client();
    await signInAndList(c);
    const token = decodePart(await c.tokens.getToken(), 1);
    expect(token.appid).toBe(t.clientId);
    expect(token.appidacr).toBe('1');
    // The token is reused: a second call asks the token endpoint nothing.
    await c.request('GET', '/groups?$top=1');
    expect(c.counters.tokensAcquired).toBe(1);
  });

  it('a wrong secret gives AuthenticationError 7000215 with a hint, without the secret', async () => {
    const wrong = `wrong-${randomUUID()}`;
    const c = t.client({ credential: { kind: 'secret', secret: wrong } });
    const graphBefore = t.emu.context.counters.graphRequests;
    const e = await c.request('GET', '/users?$top=5').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AuthenticationError);
    const err = e as AuthenticationError;
    expect(err.aadsts).toBe(7000215);
    expect(err.errorCode).toBe('invalid_client');
    expect(err.message).toMatch(
      /^sign-in to https:\/\/127\.0\.0\.1:\d+ as [0-9a-f-]{36} failed: AADSTS7000215: Invalid client secret/,
    );
    expect(err.message).toMatch(/the client secret is wrong or expired; create a new one/);
    // Only the reason: MSAL's "Error(s): … - Timestamp" wrapper and Entra's trace ids are cut off.
    expect(err.message).not.toMatch(/Error\(s\)|Trace ID|Correlation ID|\r|\n/);
    expect(err.message).not.toContain(wrong);
    expect(err.message).not.toContain(t.secret);
    expect(String(err.stack)).not.toContain(wrong);
    expect(t.emu.context.counters.graphRequests).toBe(graphBefore);
    expect(c.counters.tokensAcquired).toBe(0);
  });

  it('an empty secret is refused before any request', () => {
    expect(() => t.client({ credential: { kind: 'secret', secret: '' } })).toThrow(/client secret is empty/);
  });
});

describe('client certificate', () => {
  it('PEM file with certificate and key', async () => {
    const path = t.file('cert-and-key.pem', cert.certPem + cert.keyPem);
    const { header, claims, token } = await certificateSignIn({ kind: 'certificate', path });
    expectPs256(header, claims);
    expect(token.appidacr).toBe('2');
  });

  it('PEM file with the key first', async () => {
    const path = t.file('key-and-cert.pem', cert.keyPem + cert.certPem);
    const { header, claims } = await certificateSignIn({ kind: 'certificate', path });
    expectPs256(header, claims);
  });

  it('PEM file with an encrypted PKCS#8 key and its password', async () => {
    const encrypted = createPrivateKey(cert.keyPem)
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: KEY_PASSWORD })
      .toString();
    expect(encrypted).toContain('ENCRYPTED PRIVATE KEY');
    const path = t.file('encrypted.pem', cert.certPem + encrypted);
    const { header, claims, token } = await certificateSignIn({
      kind: 'certificate',
      path,
      password: KEY_PASSWORD,
    });
    expectPs256(header, claims);
    expect(token.appidacr).toBe('2');
  });

  it('PEM file with a legacy encrypted RSA key (Proc-Type header) and its password', async () => {
    const encrypted = createPrivateKey(cert.keyPem)
      .export({ type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: KEY_PASSWORD })
      .toString();
    expect(encrypted).toContain('Proc-Type: 4,ENCRYPTED');
    const path = t.file('legacy.pem', encrypted + cert.certPem);
    const { header, claims } = await certificateSignIn({ kind: 'certificate', path, password: KEY_PASSWORD });
    expectPs256(header, claims);
  });

  it('PFX file with its password', async () => {
    const path = t.file('cert.pfx', cert.pfx);
    const { header, claims, token } = await certificateSignIn({
      kind: 'certificate',
      path,
      password: PFX_PASSWORD,
    });
    expectPs256(header, claims);
    expect(token.appidacr).toBe('2');
    // The thumbprint is the certificate's own SHA-256 hash, as the emulator computed it from the PEM.
    const der = Buffer.from(cert.certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    expect(Buffer.from(String(header['x5t#S256']), 'base64url').toString('hex')).toBe(
      createHash('sha256').update(der).digest('hex'),
    );
  });

  it('a certificate not registered on the app: AADSTS700027 with a hint', async () => {
    const path = t.file('unregistered.pem', unregistered.certPem + unregistered.keyPem);
    const c = t.client({ credential: { kind: 'certificate', path } });
    const e = await c.request('GET', '/users?$top=5').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AuthenticationError);
    expect((e as AuthenticationError).aadsts).toBe(700027);
    expect((e as AuthenticationError).message).toMatch(/certificate is not registered on the app/);
    expect((e as AuthenticationError).message).toContain(unregistered.thumbprintSha256Hex);
  });
});

describe('certificate expiring while the connector runs', () => {
  it("Entra's 'key used is expired' gets the expiry hint", async () => {
    const path = t.file('soon-expired.pem', cert.certPem + cert.keyPem);
    const c = t.client({ credential: { kind: 'certificate', path } });
    // Three years on at the emulator: the two-year certificate has expired there.
    const offset = 3 * 365 * 24 * 3600;
    t.emu.advanceClock(offset);
    try {
      const e = await c.request('GET', '/users?$top=1').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(AuthenticationError);
      expect((e as AuthenticationError).aadsts).toBe(700027);
      expect((e as Error).message).toMatch(
        /The key used is expired\..*— the certificate has expired; create a new one/,
      );
    } finally {
      t.emu.advanceClock(-offset);
    }
  });
});

describe('certificate files that cannot be used', () => {
  // Each is refused when the client is built, before any network traffic, naming file and problem.
  const refuse = (credential: Credential) => {
    const before = t.emu.context.counters.requests;
    let err: unknown;
    try {
      t.client({ credential });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CertificateError);
    expect(t.emu.context.counters.requests).toBe(before);
    return (err as Error).message;
  };

  it('wrong PFX password', () => {
    const path = t.file('wrong-pw.pfx', cert.pfx);
    const msg = refuse({ kind: 'certificate', path, password: 'not the password' });
    expect(msg).toBe(`the PFX file ${path} cannot be opened: wrong or missing certificate password`);
    expect(msg).not.toContain('not the password');
  });

  it('PFX without a password', () => {
    const path = t.file('no-pw.pfx', cert.pfx);
    expect(refuse({ kind: 'certificate', path })).toMatch(/wrong or missing certificate password/);
  });

  it('PEM without a private key', () => {
    const path = t.file('cert-only.pem', cert.certPem);
    const msg = refuse({ kind: 'certificate', path });
    expect(msg).toContain(path);
    expect(msg).toMatch(/holds no private key/);
  });

  it('PEM without a certificate', () => {
    const path = t.file('key-only.pem', cert.keyPem);
    expect(refuse({ kind: 'certificate', path })).toMatch(/holds no certificate/);
  });

  it('key that does not match the certificate', () => {
    const path = t.file('mismatch.pem', cert.certPem + unregistered.keyPem);
    const msg = refuse({ kind: 'certificate', path });
    expect(msg).toBe(`the private key in ${path} does not belong to its certificate`);
  });

  it('encrypted PEM key with a wrong or no password', () => {
    const encrypted = createPrivateKey(cert.keyPem)
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: KEY_PASSWORD })
      .toString();
    const path = t.file('enc-wrong.pem', cert.certPem + encrypted);
    expect(refuse({ kind: 'certificate', path, password: 'nope' })).toMatch(
      /cannot be opened: wrong or missing certificate password/,
    );
    expect(refuse({ kind: 'certificate', path })).toMatch(
      /cannot be opened: wrong or missing certificate password/,
    );
  });

  it('missing file', () => {
    const path = `${t.dir}/does-not-exist.pfx`;
    const msg = refuse({ kind: 'certificate', path });
    expect(msg).toContain(path);
    expect(msg).toMatch(/cannot be read: ENOENT/);
  });

  it('an expired certificate', () => {
    const keys = forge.pki.rsa.generateKeyPair({ bits: 1024, e: 0x10001 });
    const old = forge.pki.createCertificate();
    old.publicKey = keys.publicKey;
    old.serialNumber = '01';
    old.validity.notBefore = new Date(Date.UTC(2020, 0, 1));
    old.validity.notAfter = new Date(Date.UTC(2021, 0, 1));
    old.setSubject([{ name: 'commonName', value: 'expired' }]);
    old.setIssuer([{ name: 'commonName', value: 'expired' }]);
    old.sign(keys.privateKey, forge.md.sha256.create());
    const path = t.file(
      'expired.pem',
      forge.pki.certificateToPem(old) + forge.pki.privateKeyToPem(keys.privateKey),
    );
    expect(refuse({ kind: 'certificate', path })).toMatch(
      new RegExp(
        `^the certificate in ${path} \\(SHA-256 thumbprint [0-9A-F]{64}\\) expired on 2021-01-01T00:00:00\\.000Z; create a new one`,
      ),
    );
  });

  it('a file that is neither PEM nor PFX', () => {
    const path = t.file('garbage.bin', Buffer.from([0x30, 0x82, 0x01, 0x00, 0xde, 0xad, 0xbe, 0xef]));
    expect(refuse({ kind: 'certificate', path, password: 'x' })).toMatch(
      /neither a PEM file nor a readable PFX/,
    );
  });
});

describe('tenant and app', () => {
  it('an unknown tenant: AADSTS90002 naming the tenant', async () => {
    const c = t.client({ tenantId: 'no-such-tenant.example' });
    const e = await c.request('GET', '/users?$top=5').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AuthenticationError);
    expect((e as AuthenticationError).aadsts).toBe(90002);
    expect((e as AuthenticationError).message).toMatch(
      /tenant no-such-tenant\.example not found in the custom cloud/,
    );
  });

  it('an unknown client id: AADSTS700016 naming it', async () => {
    const clientId = randomUUID();
    const c = t.client({ clientId });
    const e = await c.request('GET', '/users?$top=5').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AuthenticationError);
    expect((e as AuthenticationError).aadsts).toBe(700016);
    expect((e as AuthenticationError).message).toContain(`no app with client id ${clientId}`);
  });

  it.each(['common', 'Organizations', 'consumers', ''])(
    "tenant '%s' is refused before any request",
    (tenantId) => {
      const before = t.emu.context.counters.requests;
      let err: unknown;
      try {
        t.client({ tenantId });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AuthenticationError);
      expect((err as AuthenticationError).errorCode).toBe('configuration');
      expect((err as Error).message).toMatch(/tenant must be your tenant id \(GUID\) or a verified domain/);
      expect(t.emu.context.counters.requests).toBe(before);
    },
  );

  it('a tenant that is neither GUID nor domain is refused', () => {
    expect(() => t.client({ tenantId: 'a/b' })).toThrow(/neither a GUID nor a domain name/);
  });

  it('a verified domain works as tenant', async () => {
    const c = t.client({ tenantId: 'mimgraph.onmicrosoft.com' });
    await signInAndList(c);
  });
});

describe('a token endpoint that is not Entra', () => {
  it('an HTML error page (a gateway between us and the login host) gives a readable AuthenticationError', async () => {
    const tls = generateTlsMaterial();
    const server = createServer({ key: tls.keyPem, cert: tls.certPem }, (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad Gateway</body></html>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const origin = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const c = t.client({
        cloud: resolveCloud('custom', { loginEndpoint: origin, graphEndpoint: t.emu.baseUrl }),
        http: { caFile: t.file('gateway-ca.pem', tls.caCertPem) },
      });
      const e = await c.request('GET', '/users?$top=1').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(AuthenticationError);
      const host = new URL(origin).host;
      expect((e as Error).message).toBe(
        `sign-in to ${origin} as ${t.clientId} failed: HTTP 502 from ${host} is not JSON`,
      );
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
