import {
  constants,
  createPublicKey,
  sign as cryptoSign,
  randomBytes,
  randomUUID,
  X509Certificate,
} from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import {
  ClientAssertion,
  ConfidentialClientApplication,
  type Configuration,
  CryptoProvider,
  ServerError,
} from '@azure/msal-node';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_ROLES,
  type AppRegistration,
  handleTokenRequest,
  type IdentityConfig,
  matchTenant,
  openIdConfiguration,
  tenantNotFound,
  validateAccessToken,
} from '../../emulator/auth/identity.js';
import {
  base64UrlDecode,
  base64UrlEncode,
  decodeJwt,
  signHs256,
  verifyClientAssertion,
  verifyHs256,
} from '../../emulator/auth/jwt.js';
import { generateClientCertificate, generateTlsMaterial } from '../../emulator/auth/tls.js';

const GRAPH = 'https://graph.microsoft.com';
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const ERROR_KEYS = [
  'correlation_id',
  'error',
  'error_codes',
  'error_description',
  'error_uri',
  'timestamp',
  'trace_id',
];
const SUCCESS_KEYS = ['access_token', 'expires_in', 'ext_expires_in', 'token_type'];

const tlsMaterial = generateTlsMaterial();
const certA = generateClientCertificate('CN=mimgraph-test-a');
const certB = generateClientCertificate('mimgraph-test-b', 'p@ss word');

const cfg: IdentityConfig = {
  tenantId: '11111111-2222-3333-4444-555555555555',
  domains: ['contoso.onmicrosoft.com', 'contoso.com'],
  tokenLifetimeSeconds: 3599,
  signingKey: randomBytes(32),
  graphAudience: GRAPH,
  issuerBase: 'https://127.0.0.1:4443',
};
const SECRET = 'Sup3r~Secret.Value_123';
const secretApp: AppRegistration = {
  clientId: 'aaaaaaaa-0000-0000-0000-000000000001',
  secrets: ['other-secret', SECRET],
  certificates: [],
  roles: 'all',
};
const certApp: AppRegistration = {
  clientId: 'aaaaaaaa-0000-0000-0000-000000000002',
  secrets: [],
  certificates: [certB.certPem, certA.certPem],
  roles: ['User.Read.All'],
};
const apps = new Map([secretApp, certApp].map((a) => [a.clientId, a]));
const tokenUrl = `${cfg.issuerBase}/${cfg.tenantId}/oauth2/v2.0/token`;
const ctx = (now = Date.now(), tokenEndpointUrl = tokenUrl) => ({ cfg, apps, tokenEndpointUrl, now });

const hex = (fingerprint: string) => fingerprint.replaceAll(':', '');
type Body = Record<string, unknown>;
const keysOf = (o: object) => Object.keys(o).sort();

function secretForm(overrides: Record<string, string | null> = {}): URLSearchParams {
  const base: Record<string, string | null> = {
    client_id: secretApp.clientId,
    scope: `${GRAPH}/.default`,
    grant_type: 'client_credentials',
    client_secret: SECRET,
    'client-request-id': 'cccccccc-1111-2222-3333-444444444444',
    ...overrides,
  };
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(base)) if (v !== null) form.set(k, v);
  return form;
}

function expectAadError(res: { status: number; body: object }, status: number, error: string, code: number) {
  const body = res.body as Body;
  expect(res.status).toBe(status);
  expect(keysOf(body)).toEqual(ERROR_KEYS);
  expect(body.error).toBe(error);
  expect(body.error_codes).toEqual([code]);
  expect(body.error_uri).toBe(`https://login.microsoftonline.com/error?code=${code}`);
  expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  expect(body.trace_id).toMatch(GUID);
  const description = body.error_description as string;
  expect(description).toMatch(
    new RegExp(
      `^AADSTS${code}: .+\\r\\nTrace ID: ${body.trace_id}\\r\\nCorrelation ID: ${body.correlation_id}\\r\\nTimestamp: ${body.timestamp}$`,
      's',
    ),
  );
  expect(JSON.stringify(body)).not.toContain(SECRET);
  return description;
}

// ---------------------------------------------------------------------------------------------------------

describe('TLS material', () => {
  const ca = new X509Certificate(tlsMaterial.caCertPem);
  const server = new X509Certificate(tlsMaterial.certPem);

  it('has a CA that issued the server certificate for the loopback names', () => {
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(server.subjectAltName).toMatch(/IP Address:(0:0:0:0:0:0:0:1|::1)/);
    expect(server.subjectAltName).toContain('DNS:localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
    expect(createPublicKey(tlsMaterial.keyPem).export({ format: 'jwk' }).n).toBe(
      server.publicKey.export({ format: 'jwk' }).n,
    );
    expect(createPublicKey(tlsMaterial.keyPem).asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('is valid from an hour ago for two years', () => {
    const from = Date.parse(server.validFrom);
    const to = Date.parse(server.validTo);
    expect(Math.abs(Date.now() - 3_600_000 - from)).toBeLessThan(120_000);
    expect((to - Date.now()) / 86_400_000).toBeGreaterThan(729);
    expect((to - Date.now()) / 86_400_000).toBeLessThan(732);
  });

  it('serves https on 127.0.0.1 that a client trusting only the CA accepts', async () => {
    const srv = https.createServer({ cert: tlsMaterial.certPem, key: tlsMaterial.keyPem }, (_req, res) => {
      res.end('hello');
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const { port } = srv.address() as AddressInfo;
    const get = (ca?: string) =>
      new Promise<string>((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port, path: '/', ca, agent: false }, (res) => {
            let text = '';
            res.on('data', (c) => {
              text += c;
            });
            res.on('end', () => resolve(text));
          })
          .on('error', reject);
      });
    try {
      expect(await get(tlsMaterial.caCertPem)).toBe('hello');
      await expect(get(undefined)).rejects.toThrow(/self[- ]signed|unable to (get|verify)/i);
      // A different CA must not be trusted.
      await expect(get(generateTlsMaterial().caCertPem)).rejects.toThrow();
    } finally {
      await new Promise((resolve) => srv.close(resolve));
    }
  });

  it('honours custom host lists', () => {
    const custom = new X509Certificate(generateTlsMaterial(['emulator.test', '10.0.0.5']).certPem);
    expect(custom.subjectAltName).toBe('DNS:emulator.test, IP Address:10.0.0.5');
  });
});

describe('client certificates', () => {
  it('reports correct thumbprints', () => {
    const x = new X509Certificate(certA.certPem);
    expect(certA.thumbprintSha1Hex).toBe(hex(x.fingerprint));
    expect(certA.thumbprintSha256Hex).toBe(hex(x.fingerprint256));
    expect(x.subject).toBe('CN=mimgraph-test-a');
    expect(x.issuer).toBe(x.subject);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(new X509Certificate(certB.certPem).subject).toBe('CN=mimgraph-test-b');
  });

  it('packs a PFX that forge reads back with the password', () => {
    for (const c of [certA, certB]) {
      const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(c.pfx.toString('binary')), c.pfxPassword);
      const certBag = p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!]![0]!;
      const keyBag = p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[
        forge.pki.oids.pkcs8ShroudedKeyBag!
      ]![0]!;
      expect(forge.pki.certificateToPem(certBag.cert!)).toBe(c.certPem);
      const key = keyBag.key as forge.pki.rsa.PrivateKey;
      expect(key.n.toString(16)).toBe((certBag.cert!.publicKey as forge.pki.rsa.PublicKey).n.toString(16));
      expect(certBag.attributes.localKeyId).toBeDefined();
      expect(() =>
        forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(c.pfx.toString('binary')), 'wrong password'),
      ).toThrow();
    }
    expect(certB.pfxPassword).toBe('p@ss word');
    expect(certA.pfxPassword.length).toBeGreaterThanOrEqual(20);
  });

  it('packs a PFX that Node/OpenSSL reads back', () => {
    expect(() => tls.createSecureContext({ pfx: certA.pfx, passphrase: certA.pfxPassword })).not.toThrow();
    expect(() => tls.createSecureContext({ pfx: certA.pfx, passphrase: 'nope' })).toThrow();
  });
});

describe('jwt helpers', () => {
  it('round-trips base64url and rejects foreign characters', () => {
    const data = randomBytes(50);
    expect(base64UrlDecode(base64UrlEncode(data))).toEqual(data);
    expect(base64UrlEncode(Buffer.from([0xfb, 0xff]))).toBe('-_8');
    expect(base64UrlDecode('ab+/')).toBeNull();
    expect(base64UrlDecode('YQ==')?.toString()).toBe('a');
  });

  it('signs and verifies HS256 and tells malformed from bad signature', () => {
    const key = randomBytes(32);
    const token = signHs256({ a: 1 }, key);
    expect(decodeJwt(token)?.header).toEqual({ typ: 'JWT', alg: 'HS256' });
    expect(verifyHs256(token, key)).toEqual({
      ok: true,
      header: { typ: 'JWT', alg: 'HS256' },
      payload: { a: 1 },
    });
    expect(verifyHs256(token, randomBytes(32))).toEqual({ ok: false, reason: 'signature' });
    expect(verifyHs256(`${token.slice(0, -2)}AA`, key)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyHs256(`${token}x.y`, key)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyHs256('not-a-token', key)).toEqual({ ok: false, reason: 'malformed' });
    const none = `${base64UrlEncode('{"alg":"none"}')}.${base64UrlEncode('{"a":1}')}.`;
    expect(verifyHs256(none, key)).toEqual({ ok: false, reason: 'signature' });
  });
});

describe('tenant and discovery', () => {
  it('matches the tenant id and domains case-insensitively', () => {
    expect(matchTenant(cfg.tenantId.toUpperCase(), cfg)).toBe(true);
    expect(matchTenant('Contoso.COM', cfg)).toBe(true);
    expect(matchTenant('common', cfg)).toBe(false);
    expect(matchTenant('fabrikam.com', cfg)).toBe(false);
  });

  it('describes the endpoints MSAL requires', () => {
    const doc = openIdConfiguration('https://127.0.0.1:4443/', cfg.tenantId) as Body;
    const t = `https://127.0.0.1:4443/${cfg.tenantId}`;
    expect(doc).toMatchObject({
      issuer: `${t}/v2.0`,
      token_endpoint: `${t}/oauth2/v2.0/token`,
      authorization_endpoint: `${t}/oauth2/v2.0/authorize`,
      jwks_uri: `${t}/discovery/v2.0/keys`,
      end_session_endpoint: `${t}/oauth2/v2.0/logout`,
    });
    expect(doc.response_types_supported).toContain('code');
    expect(doc.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
  });

  it('answers an unknown tenant in the ESTS shape', () => {
    const res = tenantNotFound('fabrikam.com', { now: Date.now(), correlationId: 'x-corr' });
    expect(expectAadError(res, 400, 'invalid_request', 90002)).toContain("Tenant 'fabrikam.com' not found.");
    expect((res.body as Body).correlation_id).toBe('x-corr');
  });
});

describe('token endpoint: client secret', () => {
  it('issues a Graph access token', () => {
    const now = Date.UTC(2024, 0, 2, 3, 4, 5);
    const res = handleTokenRequest(secretForm(), ctx(now));
    const body = res.body as Body;
    expect(res.status).toBe(200);
    expect(keysOf(body)).toEqual(SUCCESS_KEYS);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    const v = validateAccessToken(`Bearer ${body.access_token}`, { cfg, now: now + 1000 });
    if (!v.ok) throw new Error(v.message);
    expect(v.claims).toMatchObject({
      aud: GRAPH,
      iss: `https://127.0.0.1:4443/${cfg.tenantId}/`,
      tid: cfg.tenantId,
      appid: secretApp.clientId,
      appidacr: '1',
      iat: now / 1000,
      nbf: now / 1000,
      exp: now / 1000 + 3599,
      ver: '1.0',
    });
    expect(v.claims.roles).toEqual([...ALL_ROLES]);
    expect(v.claims.roles).toHaveLength(13);
    expect(v.claims.oid).toMatch(GUID);
    expect(v.claims.uti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // Same app, same service principal object id.
    const again = handleTokenRequest(secretForm(), ctx(now)).body as Body;
    const v2 = validateAccessToken(`Bearer ${again.access_token}`, { cfg, now });
    expect(v2.ok && v2.claims.oid).toBe(v.claims.oid);
    expect(v2.ok && v2.claims.uti).not.toBe(v.claims.uti);
  });

  it('accepts the Graph app id scope, any registered secret and a differently-cased client id', () => {
    const scope = '00000003-0000-0000-c000-000000000000/.default';
    expect(handleTokenRequest(secretForm({ scope }), ctx()).status).toBe(200);
    expect(handleTokenRequest(secretForm({ client_secret: 'other-secret' }), ctx()).status).toBe(200);
    const upper = secretForm({ client_id: secretApp.clientId.toUpperCase() });
    expect(handleTokenRequest(upper, ctx()).status).toBe(200);
  });

  it('formats the error body like ESTS with the client request id as correlation id', () => {
    const now = Date.UTC(2023, 4, 6, 6, 3, 0, 456);
    const res = handleTokenRequest(secretForm({ client_secret: 'wrong' }), ctx(now));
    const description = expectAadError(res, 401, 'invalid_client', 7000215);
    const body = res.body as Body;
    expect(body.timestamp).toBe('2023-05-06 06:03:00Z');
    expect(body.correlation_id).toBe('cccccccc-1111-2222-3333-444444444444');
    expect(description).toContain(
      'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client ' +
        `secret value, not the client secret ID, for a secret added to app '${secretApp.clientId}'.\r\n`,
    );
    const noCorrelation = handleTokenRequest(
      secretForm({ client_secret: 'x', 'client-request-id': null }),
      ctx(),
    );
    expect((noCorrelation.body as Body).correlation_id).toMatch(GUID);
  });

  const failures: [string, Record<string, string | null>, number, string, number, RegExp][] = [
    ['missing grant_type', { grant_type: null }, 400, 'invalid_request', 900144, /parameter: 'grant_type'/],
    ['unsupported grant', { grant_type: 'password' }, 400, 'unsupported_grant_type', 70003, /'password'/],
    ['missing client_id', { client_id: null }, 400, 'invalid_request', 900144, /'client_id'/],
    ['missing scope', { scope: null }, 400, 'invalid_request', 900144, /'scope'/],
    [
      'scope without /.default',
      { scope: `${GRAPH}/User.Read.All` },
      400,
      'invalid_scope',
      1002012,
      /\/\.default suffixed/,
    ],
    [
      'two resources',
      { scope: `${GRAPH}/.default https://x.test/.default` },
      400,
      'invalid_scope',
      700022,
      /more than one/,
    ],
    [
      'other resource',
      { scope: 'https://management.azure.com/.default' },
      400,
      'invalid_resource',
      500011,
      /management\.azure\.com was not found/,
    ],
    [
      'unknown client',
      { client_id: randomUUID() },
      400,
      'unauthorized_client',
      700016,
      /was not found in the directory 'contoso\.onmicrosoft\.com'/,
    ],
    [
      'no credential',
      { client_secret: null },
      401,
      'invalid_client',
      7000218,
      /'client_assertion' or 'client_secret'/,
    ],
    [
      'wrong secret',
      { client_secret: `${SECRET}x` },
      401,
      'invalid_client',
      7000215,
      /Invalid client secret provided/,
    ],
    ['secret and assertion', { client_assertion: 'a.b.c' }, 400, 'invalid_request', 90023, /more than one/],
  ];
  for (const [name, overrides, status, error, code, message] of failures) {
    it(`rejects ${name} with AADSTS${code}`, () => {
      expect(expectAadError(handleTokenRequest(secretForm(overrides), ctx()), status, error, code)).toMatch(
        message,
      );
    });
  }

  it('rejects a secret for an app that has only certificates', () => {
    const res = handleTokenRequest(secretForm({ client_id: certApp.clientId }), ctx());
    expectAadError(res, 401, 'invalid_client', 7000215);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Certificate assertions, built and sent by msal-node itself against a real local HTTPS token endpoint.
// ---------------------------------------------------------------------------------------------------------

interface Recorded {
  path: string;
  form: URLSearchParams;
}

/** msal-node's INetworkModule over node:https, trusting only the emulator CA. */
function networkClient(ca: string) {
  const send = <T>(
    method: string,
    url: string,
    options?: { headers?: Record<string, string>; body?: string },
  ) =>
    new Promise<{ headers: Record<string, string>; body: T; status: number }>((resolve, reject) => {
      const req = https.request(url, { method, headers: options?.headers, ca, agent: false }, (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = String(v);
          resolve({ headers, body: JSON.parse(text) as T, status: res.statusCode ?? 0 });
        });
      });
      req.on('error', reject);
      req.end(options?.body);
    });
  return {
    sendGetRequestAsync: <T>(url: string, options?: { headers?: Record<string, string> }) =>
      send<T>('GET', url, options),
    sendPostRequestAsync: <T>(url: string, options?: { headers?: Record<string, string>; body?: string }) =>
      send<T>('POST', url, options),
  };
}

describe('token endpoint: certificate assertion from msal-node', () => {
  let srv: https.Server;
  let base: string;
  const recorded: Recorded[] = [];

  beforeAll(async () => {
    srv = https.createServer({ cert: tlsMaterial.certPem, key: tlsMaterial.keyPem }, (req, res) => {
      let raw = '';
      req.on('data', (c) => {
        raw += c;
      });
      req.on('end', () => {
        const url = new URL(req.url ?? '/', base);
        const [, tenant, ...rest] = url.pathname.split('/');
        const route = rest.join('/');
        const reply = (status: number, body: object) => {
          res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify(body));
        };
        if (!tenant || !matchTenant(tenant, cfg))
          return reply(400, tenantNotFound(tenant ?? '', { now: Date.now() }).body);
        if (req.method === 'GET' && route === 'v2.0/.well-known/openid-configuration') {
          return reply(200, openIdConfiguration(base, cfg.tenantId));
        }
        if (req.method === 'POST' && route === 'oauth2/v2.0/token') {
          const form = new URLSearchParams(raw);
          recorded.push({ path: url.pathname, form });
          const r = handleTokenRequest(form, ctx(Date.now(), `${base}${url.pathname}`));
          return reply(r.status, r.body);
        }
        reply(404, { error: 'not_found' });
      });
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => srv.close(resolve));
  });

  function cca(auth: Partial<Configuration['auth']>, tenant = cfg.tenantId) {
    return new ConfidentialClientApplication({
      auth: {
        clientId: certApp.clientId,
        authority: `${base}/${tenant}`,
        knownAuthorities: [new URL(base).host],
        ...auth,
      },
      system: { networkClient: networkClient(tlsMaterial.caCertPem) },
    });
  }

  const acquire = (app: ConfidentialClientApplication) =>
    app.acquireTokenByClientCredential({ scopes: [`${GRAPH}/.default`], skipCache: true });

  function lastAssertion() {
    const last = recorded.at(-1)!;
    const jwt = decodeJwt(last.form.get('client_assertion')!);
    if (!jwt) throw new Error('no assertion captured');
    return { last, jwt };
  }

  it('accepts PS256 with x5t#S256 (thumbprintSha256)', async () => {
    const result = await acquire(
      cca({ clientCertificate: { thumbprintSha256: certA.thumbprintSha256Hex, privateKey: certA.keyPem } }),
    );
    expect(result?.tokenType).toBe('Bearer');
    const v = validateAccessToken(`Bearer ${result?.accessToken}`, { cfg, now: Date.now() });
    expect(v.ok && v.claims).toMatchObject({
      appid: certApp.clientId,
      appidacr: '2',
      roles: ['User.Read.All'],
    });

    const { last, jwt } = lastAssertion();
    expect(last.form.get('client_assertion_type')).toBe(
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    );
    expect(last.form.get('client_id')).toBe(certApp.clientId);
    expect(last.form.get('scope')).toBe(`${GRAPH}/.default`);
    expect(last.form.get('grant_type')).toBe('client_credentials');
    expect(last.form.has('client_secret')).toBe(false);
    // Exactly what msal-node 7 puts into the assertion.
    expect(jwt.header).toEqual({
      alg: 'PS256',
      typ: 'JWT',
      'x5t#S256': Buffer.from(certA.thumbprintSha256Hex, 'hex').toString('base64url'),
    });
    expect(keysOf(jwt.payload)).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'sub']);
    expect(jwt.payload).toMatchObject({
      aud: `${base}/${cfg.tenantId}/oauth2/v2.0/token`,
      iss: certApp.clientId,
      sub: certApp.clientId,
    });
    expect((jwt.payload.exp as number) - (jwt.payload.nbf as number)).toBe(600);
    expect(jwt.payload.jti).toMatch(GUID);
  });

  it('accepts RS256 with x5t (deprecated SHA-1 thumbprint)', async () => {
    const result = await acquire(
      cca({ clientCertificate: { thumbprint: certB.thumbprintSha1Hex, privateKey: certB.keyPem } }),
    );
    expect(result?.accessToken).toBeTruthy();
    const { jwt } = lastAssertion();
    expect(jwt.header).toEqual({
      alg: 'RS256',
      typ: 'JWT',
      x5t: Buffer.from(certB.thumbprintSha1Hex, 'hex').toString('base64url'),
    });
  });

  it('accepts x5c in the header and a mixed-case domain authority (MSAL lower-cases it)', async () => {
    const app = cca(
      {
        clientCertificate: {
          thumbprintSha256: certA.thumbprintSha256Hex,
          privateKey: certA.keyPem,
          x5c: certA.certPem,
        },
      },
      'Contoso.onmicrosoft.COM',
    );
    expect((await acquire(app))?.accessToken).toBeTruthy();
    const { last, jwt } = lastAssertion();
    expect(last.path).toBe('/contoso.onmicrosoft.com/oauth2/v2.0/token');
    expect(jwt.payload.aud).toBe(`${base}/contoso.onmicrosoft.com/oauth2/v2.0/token`);
    expect(Array.isArray(jwt.header.x5c)).toBe(true);
  });

  it('works for client secrets through msal-node and surfaces ESTS errors as ServerError', async () => {
    const ok = await acquire(cca({ clientId: secretApp.clientId, clientSecret: SECRET }));
    expect(ok?.accessToken).toBeTruthy();
    const err = await acquire(cca({ clientId: secretApp.clientId, clientSecret: 'wrong' })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).errorCode).toBe('invalid_client');
    expect((err as ServerError).errorMessage).toContain('AADSTS7000215');
  });

  it('rejects a certificate that is not registered (AADSTS700027, key not found)', async () => {
    const stranger = generateClientCertificate('CN=stranger');
    const err = await acquire(
      cca({
        clientCertificate: { thumbprintSha256: stranger.thumbprintSha256Hex, privateKey: stranger.keyPem },
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).errorCode).toBe('invalid_client');
    expect((err as ServerError).errorMessage).toContain('AADSTS700027');
    expect((err as ServerError).errorMessage).toContain('The key was not found.');
    expect((err as ServerError).errorMessage).toContain(stranger.thumbprintSha256Hex);
  });

  it('rejects a registered thumbprint signed with another key (AADSTS700027, signature)', async () => {
    const stranger = generateClientCertificate('CN=stranger');
    const err = await acquire(
      cca({
        clientCertificate: { thumbprintSha256: certA.thumbprintSha256Hex, privateKey: stranger.keyPem },
      }),
    ).catch((e: unknown) => e);
    expect((err as ServerError).errorMessage).toContain('AADSTS700027');
    expect((err as ServerError).errorMessage).toContain('did not match the expected signature value');
  });

  /** Replays the form MSAL last sent, under another clock or endpoint. */
  function replay(now: number, endpoint?: string) {
    const { last } = lastAssertion();
    return handleTokenRequest(last.form, ctx(now, endpoint ?? `${base}${last.path}`));
  }

  it('replays of the captured assertion: accepted now, expired later, not yet valid earlier, wrong audience', async () => {
    await acquire(
      cca({ clientCertificate: { thumbprintSha256: certA.thumbprintSha256Hex, privateKey: certA.keyPem } }),
    );
    const { jwt } = lastAssertion();
    const nbf = (jwt.payload.nbf as number) * 1000;
    const exp = (jwt.payload.exp as number) * 1000;
    expect(replay(Date.now()).status).toBe(200);
    // 5 minutes of clock skew are tolerated either side.
    expect(replay(exp + 299_000).status).toBe(200);
    expect(replay(nbf - 299_000).status).toBe(200);
    const expired = expectAadError(replay(exp + 301_000), 401, 'invalid_client', 700024);
    expect(expired).toMatch(
      /Client assertion is not within its valid time range\. Current time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z, assertion valid from .+Z, expiry time of assertion .+Z\./,
    );
    expectAadError(replay(nbf - 301_000), 401, 'invalid_client', 700024);
    const aud = expectAadError(
      replay(Date.now(), `${base}/${randomUUID()}/oauth2/v2.0/token`),
      401,
      'invalid_client',
      700023,
    );
    expect(aud).toContain('Client assertion audience claim does not match Realm issuer.');
    // The same endpoint spelled with another alias of the tenant is the same realm.
    expect(replay(Date.now(), `${base}/contoso.com/oauth2/v2.0/token`).status).toBe(200);
    // A certificate removed from the registration no longer authenticates.
    const appWithoutA = { ...certApp, certificates: [certB.certPem] };
    const { last } = lastAssertion();
    const res = handleTokenRequest(last.form, { ...ctx(), apps: new Map([[certApp.clientId, appWithoutA]]) });
    expectAadError(res, 401, 'invalid_client', 700027);
  });

  it('checks assertions built by msal-node ClientAssertion directly (issuer, audience, type)', () => {
    const crypto = new CryptoProvider();
    const build = (issuer: string, aud: string, sha256 = true) =>
      (sha256
        ? ClientAssertion.fromCertificateWithSha256Thumbprint(certA.thumbprintSha256Hex, certA.keyPem)
        : ClientAssertion.fromCertificate(certA.thumbprintSha1Hex, certA.keyPem)
      ).getJwt(crypto, issuer, aud);
    const form = (assertion: string, type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') =>
      secretForm({
        client_id: certApp.clientId,
        client_secret: null,
        client_assertion: assertion,
        client_assertion_type: type,
      });

    expect(handleTokenRequest(form(build(certApp.clientId, tokenUrl)), ctx()).status).toBe(200);
    expect(
      handleTokenRequest(form(build(certApp.clientId, tokenUrl.toUpperCase(), false)), ctx()).status,
    ).toBe(200);
    expectAadError(
      handleTokenRequest(
        form(build(certApp.clientId, 'https://login.microsoftonline.com/x/oauth2/v2.0/token')),
        ctx(),
      ),
      401,
      'invalid_client',
      700023,
    );
    expectAadError(
      handleTokenRequest(form(build(secretApp.clientId, tokenUrl)), ctx()),
      401,
      'invalid_client',
      700021,
    );
    expectAadError(
      handleTokenRequest(form(build(certApp.clientId, tokenUrl), 'urn:other'), ctx()),
      400,
      'invalid_request',
      90011,
    );
    const missingType = secretForm({
      client_id: certApp.clientId,
      client_secret: null,
      client_assertion: build(certApp.clientId, tokenUrl),
    });
    expectAadError(handleTokenRequest(missingType, ctx()), 400, 'invalid_request', 900144);
    expectAadError(handleTokenRequest(form('garbage'), ctx()), 400, 'invalid_request', 50027);
  });
});

describe('verifyClientAssertion edge cases', () => {
  const now = Date.now();
  const opts = { clientId: certApp.clientId, certificates: certApp.certificates, audience: tokenUrl, now };
  /** Hand-made variants, signed the way jwa (msal-node's signer) does: PSS salt = digest length. */
  const sign = (header: Record<string, unknown>, payload: object) => {
    const input = `${base64UrlEncode(JSON.stringify({ typ: 'JWT', ...header }))}.${base64UrlEncode(JSON.stringify(payload))}`;
    const key =
      header.alg === 'PS256'
        ? {
            key: certA.keyPem,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
          }
        : certA.keyPem;
    return `${input}.${base64UrlEncode(cryptoSign('sha256', Buffer.from(input), key))}`;
  };
  const claims = (extra: object = {}) => ({
    aud: tokenUrl,
    iss: certApp.clientId,
    sub: certApp.clientId,
    jti: randomUUID(),
    nbf: Math.floor(now / 1000),
    exp: Math.floor(now / 1000) + 600,
    ...extra,
  });
  const x5t256 = Buffer.from(certA.thumbprintSha256Hex, 'hex').toString('base64url');

  it('needs the thumbprint header that matches the algorithm', () => {
    const ps = sign(
      { alg: 'PS256', x5t: Buffer.from(certA.thumbprintSha1Hex, 'hex').toString('base64url') },
      claims(),
    );
    expect(verifyClientAssertion(ps, opts)).toMatchObject({ ok: false, aadsts: 700027 });
    const ok = sign({ alg: 'PS256', 'x5t#S256': x5t256 }, claims());
    expect(verifyClientAssertion(ok, opts)).toEqual({ ok: true, thumbprintSha1Hex: certA.thumbprintSha1Hex });
  });

  it('rejects other algorithms, sub != iss, missing jti and a lapsed certificate', () => {
    const hs = signHs256({ ...claims() }, 'k');
    expect(verifyClientAssertion(hs, opts)).toMatchObject({
      ok: false,
      aadsts: 5002738,
      error: 'invalid_request',
    });
    const sub = sign({ alg: 'PS256', 'x5t#S256': x5t256 }, claims({ sub: 'someone' }));
    expect(verifyClientAssertion(sub, opts)).toMatchObject({ ok: false, aadsts: 50048 });
    const { jti: _jti, ...noJti } = claims();
    const nj = sign({ alg: 'PS256', 'x5t#S256': x5t256 }, noJti);
    expect(verifyClientAssertion(nj, opts)).toMatchObject({ ok: false, aadsts: 50027 });
    const later = now + 3 * 365 * 86_400_000;
    const old = sign(
      { alg: 'PS256', 'x5t#S256': x5t256 },
      claims({ nbf: later / 1000, exp: later / 1000 + 600 }),
    );
    expect(verifyClientAssertion(old, { ...opts, now: later })).toMatchObject({ ok: false, aadsts: 700027 });
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('access token validation', () => {
  const now = Date.UTC(2024, 5, 1, 12, 0, 0);
  const token = (handleTokenRequest(secretForm(), ctx(now)).body as Body).access_token as string;
  const check = (header: string | undefined, at = now) => validateAccessToken(header, { cfg, now: at });
  const failure = (message: string) => ({
    ok: false,
    status: 401,
    code: 'InvalidAuthenticationToken',
    message,
  });

  it('accepts a fresh token (scheme case-insensitive)', () => {
    expect(check(`Bearer ${token}`).ok).toBe(true);
    expect(check(`bearer ${token}`).ok).toBe(true);
  });

  it('reports an empty token', () => {
    for (const h of [undefined, '', 'Bearer', 'Bearer  ', 'Bearertoken', `Basic ${token}`]) {
      expect(check(h)).toEqual(failure('Access token is empty.'));
    }
  });

  it('reports unparsable tokens', () => {
    for (const t of [
      'abc',
      'a b',
      'a.b',
      'a.b.c',
      `${token}.x`,
      `${base64UrlEncode('[]')}.${base64UrlEncode('{}')}.`,
    ]) {
      expect(check(`Bearer ${t}`)).toEqual(failure('CompactToken parsing failed with error code: 80049217'));
    }
  });

  it('reports validation failures for signature, algorithm, audience, issuer and tenant', () => {
    const claims = decodeJwt(token)!.payload;
    const forged = [
      signHs256(claims, randomBytes(32)),
      `${base64UrlEncode('{"alg":"none","typ":"JWT"}')}.${token.split('.')[1]}.`,
      signHs256({ ...claims, aud: 'https://graph.microsoft.us' }, cfg.signingKey),
      signHs256({ ...claims, iss: 'https://sts.windows.net/x/' }, cfg.signingKey),
      signHs256({ ...claims, tid: randomUUID() }, cfg.signingKey),
      signHs256({ ...claims, roles: 'all' }, cfg.signingKey),
    ];
    for (const t of forged) expect(check(`Bearer ${t}`)).toEqual(failure('Access token validation failure.'));
  });

  it('reports expiry and not-yet-valid using now', () => {
    const expired = failure('Access token has expired or is not yet valid.');
    expect(check(`Bearer ${token}`, now + 3599_000 - 1).ok).toBe(true);
    expect(check(`Bearer ${token}`, now + 3599_000)).toEqual(expired);
    expect(check(`Bearer ${token}`, now - 1000)).toEqual(expired);
  });
});
