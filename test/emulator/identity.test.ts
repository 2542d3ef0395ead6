/**
 * msal-node's ConfidentialClientApplication against the running emulator over HTTPS (its own OpenID
 * discovery, token endpoint and Graph), with a networkClient on undici that trusts only the emulator's CA.
 */
import { randomUUID } from 'node:crypto';
import {
  ConfidentialClientApplication,
  type Configuration,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
  ServerError,
} from '@azure/msal-node';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClientCertificate } from '../../emulator/auth/tls.js';
import { startTestTenant, type TestTenant } from '../support/emulator.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DOMAIN = 'mimgraph.onmicrosoft.com';

/** A parsed JSON answer, read field by field in assertions (the shape is what is under test). */
type Json = ReturnType<typeof JSON.parse>;

/** msal-node's INetworkModule on undici; records every URL it is asked for. */
function undiciNetworkClient(agent: Agent, seen: string[]): INetworkModule {
  const send = async <T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> => {
    seen.push(`${method} ${url}`);
    const res = await request(url, {
      method,
      dispatcher: agent,
      headers: options?.headers,
      body: options?.body,
    });
    const text = await res.body.text();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) {
      if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    }
    return { headers, body: (text ? JSON.parse(text) : {}) as T, status: res.statusCode };
  };
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('GET', url, options),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('POST', url, options),
  };
}

const certSha256 = generateClientCertificate('CN=mimgraph-identity-sha256');
const certSha1 = generateClientCertificate('CN=mimgraph-identity-sha1');
const limitedAppId = randomUUID();

describe('msal-node against the running emulator', () => {
  let t: TestTenant;
  let agent: Agent;
  let host: string;
  let scope: string;
  const seen: string[] = [];

  beforeAll(async () => {
    t = await startTestTenant({
      generate: { users: 25, groups: 3, seed: 11 },
      domains: [DOMAIN, 'mimgraph.example'],
      apps: [
        {
          clientId: limitedAppId,
          displayName: 'reader with certificates',
          secrets: [],
          certificates: [certSha256.certPem, certSha1.certPem],
          roles: ['User.Read.All'],
        },
      ],
    });
    agent = new Agent({ connect: { ca: t.emu.caCertPem } });
    host = new URL(t.emu.baseUrl).host;
    scope = `${t.emu.baseUrl}/.default`;
  });
  afterAll(async () => {
    await agent?.close();
    await t?.close();
  });

  function cca(auth: Partial<Configuration['auth']>, tenant = t.emu.tenantId) {
    return new ConfidentialClientApplication({
      auth: {
        clientId: t.clientId,
        authority: `${t.emu.baseUrl}/${tenant}`,
        knownAuthorities: [host],
        ...auth,
      },
      system: { networkClient: undiciNetworkClient(agent, seen) },
    });
  }

  async function acquire(app: ConfidentialClientApplication, s = scope) {
    const r = await app.acquireTokenByClientCredential({ scopes: [s], skipCache: true });
    if (!r?.accessToken) throw new Error('no access token');
    return r;
  }

  const claimsOf = (token: string) =>
    JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, Json>;

  it('serves an OpenID configuration consistent with its base URL, for the id and any domain spelling', async () => {
    for (const tenant of [t.emu.tenantId, DOMAIN, 'MimGraph.OnMicrosoft.COM', t.emu.tenantId.toUpperCase()]) {
      const res = await request(`${t.emu.baseUrl}/${tenant}/v2.0/.well-known/openid-configuration`, {
        dispatcher: agent,
      });
      expect(res.statusCode, tenant).toBe(200);
      const doc = (await res.body.json()) as Record<string, Json>;
      const root = `${t.emu.baseUrl}/${t.emu.tenantId}`;
      expect(doc.issuer).toBe(`${root}/v2.0`);
      expect(doc.token_endpoint).toBe(`${root}/oauth2/v2.0/token`);
      expect(doc.authorization_endpoint).toBe(`${root}/oauth2/v2.0/authorize`);
      expect(doc.jwks_uri).toBe(`${root}/discovery/v2.0/keys`);
      expect(new URL(doc.issuer).host).toBe(host);
      expect(doc.token_endpoint_auth_methods_supported).toEqual(
        expect.arrayContaining(['client_secret_post', 'private_key_jwt']),
      );
    }
    const jwks = await request(`${t.emu.baseUrl}/${t.emu.tenantId}/discovery/v2.0/keys`, {
      dispatcher: agent,
    });
    expect(jwks.statusCode).toBe(200);
    expect(await jwks.body.json()).toEqual({ keys: [] });
    const unknown = await request(`${t.emu.baseUrl}/contoso.com/v2.0/.well-known/openid-configuration`, {
      dispatcher: agent,
    });
    expect(unknown.statusCode).toBe(400);
    const body = (await unknown.body.json()) as Record<string, Json>;
    expect(body.error).toBe('invalid_request');
    expect(body.error_codes).toEqual([90002]);
  });

  it('client secret: a token that Graph accepts; MSAL discovers the endpoints from the emulator only', async () => {
    const before = t.emu.context.counters.tokensIssued;
    seen.length = 0;
    const r = await acquire(cca({ clientSecret: t.secret }));
    expect(r.tokenType).toBe('Bearer');
    expect(r.expiresOn!.getTime() - Date.now()).toBeGreaterThan(3_500_000);
    const claims = claimsOf(r.accessToken);
    expect(claims).toMatchObject({
      appid: t.clientId,
      appidacr: '1',
      tid: t.emu.tenantId,
      aud: t.emu.baseUrl,
    });
    expect(claims.roles).toContain('User.ReadWrite.All');
    // Every call went to the emulator: the OpenID document, then the token endpoint.
    expect(seen.every((s) => s.includes(`//${host}/`))).toBe(true);
    expect(seen).toContain(`GET ${t.emu.baseUrl}/${t.emu.tenantId}/v2.0/.well-known/openid-configuration`);
    // MSAL appends ?client-request-id=<guid> to the token endpoint.
    const post = seen.find((s) => s.startsWith('POST '));
    expect(post?.split('?')[0]).toBe(`POST ${t.emu.baseUrl}/${t.emu.tenantId}/oauth2/v2.0/token`);
    expect(t.emu.context.counters.tokensIssued).toBe(before + 1);

    const users = await t.graph('GET', '/users', { token: r.accessToken });
    expect(users.status).toBe(200);
    expect(users.body.value.length).toBeGreaterThan(0);
    // Graph's own app id is as valid a resource as the URL.
    const byAppId = await acquire(
      cca({ clientSecret: t.secret }),
      '00000003-0000-0000-c000-000000000000/.default',
    );
    expect((await t.graph('GET', '/users', { token: byAppId.accessToken })).status).toBe(200);
  });

  it('certificate with thumbprintSha256 (PS256) and with the SHA-1 thumbprint (RS256)', async () => {
    const ps = await acquire(
      cca({
        clientId: limitedAppId,
        clientCertificate: {
          thumbprintSha256: certSha256.thumbprintSha256Hex,
          privateKey: certSha256.keyPem,
        },
      }),
    );
    const rs = await acquire(
      cca({
        clientId: limitedAppId,
        clientCertificate: { thumbprint: certSha1.thumbprintSha1Hex, privateKey: certSha1.keyPem },
      }),
    );
    for (const r of [ps, rs]) {
      expect(claimsOf(r.accessToken)).toMatchObject({
        appid: limitedAppId,
        appidacr: '2',
        roles: ['User.Read.All'],
      });
      const users = await t.graph('GET', '/users?$top=5', { token: r.accessToken });
      expect(users.status).toBe(200);
      expect(users.body.value).toHaveLength(5);
    }
  });

  it('the tenant given as a domain name in mixed case', async () => {
    const before = t.emu.context.counters.tokensIssued;
    seen.length = 0;
    const viaSecret = await acquire(cca({ clientSecret: t.secret }, 'MimGraph.OnMicrosoft.com'));
    const viaCert = await acquire(
      cca(
        {
          clientId: limitedAppId,
          clientCertificate: {
            thumbprintSha256: certSha256.thumbprintSha256Hex,
            privateKey: certSha256.keyPem,
          },
        },
        'MIMGRAPH.onmicrosoft.com',
      ),
    );
    // MSAL lower-cases the authority for discovery.
    expect(seen).toContain(`GET ${t.emu.baseUrl}/${DOMAIN}/v2.0/.well-known/openid-configuration`);
    expect(t.emu.context.counters.tokensIssued).toBe(before + 2);
    for (const r of [viaSecret, viaCert]) {
      expect(claimsOf(r.accessToken).tid).toBe(t.emu.tenantId);
      expect((await t.graph('GET', '/users', { token: r.accessToken })).status).toBe(200);
    }
    // Posting straight to a mixed-case domain path works too.
    const raw = await request(`${t.emu.baseUrl}/MimGraph.Example/oauth2/v2.0/token`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: t.clientId.toUpperCase(),
        client_secret: t.secret,
        grant_type: 'client_credentials',
        scope,
      }).toString(),
    });
    expect(raw.statusCode).toBe(200);
    expect(((await raw.body.json()) as Record<string, unknown>).access_token).toBeTruthy();
  });

  it('a wrong secret: MSAL ServerError invalid_client with AADSTS7000215; nothing counted as issued', async () => {
    const before = t.emu.context.counters.tokensIssued;
    const err = await acquire(cca({ clientSecret: `${t.secret}x` })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).errorCode).toBe('invalid_client');
    expect((err as ServerError).errorMessage).toContain('AADSTS7000215');
    expect((err as ServerError).errorMessage).not.toContain(t.secret);
    // An unregistered certificate is refused as well.
    const stranger = generateClientCertificate('CN=stranger');
    const err2 = await acquire(
      cca({
        clientId: limitedAppId,
        clientCertificate: { thumbprintSha256: stranger.thumbprintSha256Hex, privateKey: stranger.keyPem },
      }),
    ).catch((e: unknown) => e);
    expect((err2 as ServerError).errorCode).toBe('invalid_client');
    expect((err2 as ServerError).errorMessage).toContain('AADSTS700027');
    // An unknown tenant.
    const err3 = await acquire(cca({ clientSecret: t.secret }, 'contoso.onmicrosoft.com')).catch(
      (e: unknown) => e,
    );
    // The emulator answers the discovery of an unknown tenant with AADSTS90002; MSAL reports it so.
    expect((err3 as { errorCode?: string }).errorCode).toBe('endpoints_resolution_error');
    expect(t.emu.context.counters.tokensIssued).toBe(before);
  });

  it('Graph without a token: 401 InvalidAuthenticationToken in the envelope, with WWW-Authenticate', async () => {
    const res = await request(`${t.emu.baseUrl}/v1.0/users`, {
      dispatcher: agent,
      headers: { 'client-request-id': 'cid-1' },
    });
    expect(res.statusCode).toBe(401);
    expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer /);
    expect(String(res.headers['www-authenticate'])).toContain('authorization_uri=');
    const body = (await res.body.json()) as Record<string, Json>;
    expect(body.error.code).toBe('InvalidAuthenticationToken');
    expect(body.error.message).toBe('Access token is empty.');
    expect(body.error.innerError['request-id']).toMatch(GUID);
    expect(body.error.innerError['client-request-id']).toBe('cid-1');
    expect(body.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);

    // Garbage and a forged signature.
    const garbage = await t.graph('GET', '/users', { token: 'not-a-jwt' });
    expect(garbage.status).toBe(401);
    expect(garbage.body.error.message).toBe('CompactToken parsing failed with error code: 80049217');
    const good = await t.token();
    const [h, p] = good.split('.');
    const forged = `${h}.${p}.${Buffer.from('x'.repeat(32)).toString('base64url')}`;
    const bad = await t.graph('GET', '/users', { token: forged });
    expect(bad.status).toBe(401);
    expect(bad.body.error.message).toBe('Access token validation failure.');
    // A token for another audience (claims changed, signature no longer matches).
    const other = Buffer.from(
      JSON.stringify({ ...claimsOf(good), aud: 'https://graph.microsoft.com' }),
    ).toString('base64url');
    expect((await t.graph('GET', '/users', { token: `${h}.${other}.${good.split('.')[2]}` })).status).toBe(
      401,
    );
    // Graph answers the same on /beta.
    const beta = await request(`${t.emu.baseUrl}/beta/users`, { dispatcher: agent });
    expect(beta.statusCode).toBe(401);
    await beta.body.dump();
  });

  it('limited roles: reads pass, writes get 403 Authorization_RequestDenied', async () => {
    const r = await acquire(
      cca({
        clientId: limitedAppId,
        clientCertificate: { thumbprint: certSha1.thumbprintSha1Hex, privateKey: certSha1.keyPem },
      }),
    );
    const users = await t.graph('GET', '/users?$top=1', { token: r.accessToken });
    expect(users.status).toBe(200);
    const id = users.body.value[0].id as string;
    const patch = await t.graph('PATCH', `/users/${id}`, {
      token: r.accessToken,
      body: { jobTitle: 'Nope' },
    });
    expect(patch.status).toBe(403);
    expect(patch.body.error.code).toBe('Authorization_RequestDenied');
    expect(patch.body.error.message).toBe('Insufficient privileges to complete the operation.');
    const create = await t.graph('POST', '/groups', {
      token: r.accessToken,
      body: { displayName: 'x', mailEnabled: false, mailNickname: 'x', securityEnabled: true },
    });
    expect(create.status).toBe(403);
    expect(create.body.error.code).toBe('Authorization_RequestDenied');
    // Groups need a group permission to read.
    expect((await t.graph('GET', '/groups', { token: r.accessToken })).status).toBe(403);
    // The all-permission app may write.
    expect((await t.graph('PATCH', `/users/${id}`, { body: { jobTitle: 'Yes' } })).status).toBe(204);
  });

  it('an expired token: 401 "Access token has expired or is not yet valid."', async () => {
    t.emu.setBehaviour({ tokenLifetimeSeconds: 2 });
    try {
      const r = await acquire(cca({ clientSecret: t.secret }));
      expect(claimsOf(r.accessToken).exp - claimsOf(r.accessToken).iat).toBe(2);
      expect((await t.graph('GET', '/users', { token: r.accessToken })).status).toBe(200);
      t.emu.advanceClock(5);
      const res = await t.graph('GET', '/users', { token: r.accessToken });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('InvalidAuthenticationToken');
      expect(res.body.error.message).toBe('Access token has expired or is not yet valid.');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
      // A new token (issued on the emulator's clock) works again.
      const fresh = await acquire(cca({ clientSecret: t.secret }));
      expect((await t.graph('GET', '/users', { token: fresh.accessToken })).status).toBe(200);
    } finally {
      t.emu.advanceClock(-5);
      t.emu.setBehaviour({ tokenLifetimeSeconds: 3599 });
    }
  });

  it('the counters endpoint reports the tokens issued', async () => {
    const res = await request(`${t.emu.baseUrl}/_emulator/counters`, { dispatcher: agent });
    const counters = (await res.body.json()) as Record<string, Json>;
    expect(counters.tokensIssued).toBe(t.emu.context.counters.tokensIssued);
    // 1 + 1 (secret, Graph app id) + 2 (certificates) + 2 (domain) + 1 raw + 1 (limited) + 2 (expiry) + the helper's own
    expect(counters.tokensIssued).toBeGreaterThanOrEqual(10);
    const before = counters.tokensIssued as number;
    await t.token();
    const again = (await (
      await request(`${t.emu.baseUrl}/_emulator/counters`, { dispatcher: agent })
    ).body.json()) as Record<string, Json>;
    expect(again.tokensIssued).toBe(before + 1);
  });
});
