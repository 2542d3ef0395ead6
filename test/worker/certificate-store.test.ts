import { constants, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARAM } from '../../connector/config/parse.js';
import type { ConfigValues } from '../../connector/model/ecma.js';
import { checkMessage } from '../../connector/worker/validate.js';
import { generateClientCertificate } from '../../emulator/auth/tls.js';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { sharedTls } from '../support/tls.js';
import { WorkerProcess } from '../support/worker.js';

/**
 * The real worker process with the test as MIM's bridge: for `CertificateStore` the worker asks the
 * bridge (`certificate`, `sign`, string ids) on the same stdio lines, and the test answers as the
 * bridge's certificate store would, signing with node:crypto (RSA-PSS SHA-256, salt length 32).
 */
describe('CertificateStore through the stdio worker', () => {
  const cert = generateClientCertificate('CN=mimgraph-worker-store');
  const thumbprint = cert.thumbprintSha1Hex.toUpperCase();
  const clientId = '6c1e4b7a-2f3d-4e9a-8b5c-1d7f0a3e9b42';
  let emu: RunningEmulator;
  let w: WorkerProcess;
  let dir: string;
  let config: ConfigValues;
  /** What the worker asked the bridge, as it arrived. */
  const asked: { id: unknown; method: string; params: Record<string, unknown> }[] = [];
  let refuse = false;

  beforeAll(async () => {
    emu = await startEmulator({
      tls: sharedTls(),
      apps: [{ clientId, secrets: [], certificates: [cert.certPem], roles: 'all' }],
      generate: { users: 5, groups: 1, seed: 3 },
    });
    dir = mkdtempSync(join(tmpdir(), 'mimgraph-worker-store-'));
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, emu.caCertPem);
    config = {
      [PARAM.tenant]: { value: emu.tenantId },
      [PARAM.clientId]: { value: clientId },
      [PARAM.authenticationType]: { value: 'CertificateStore' },
      [PARAM.certificateThumbprint]: { value: thumbprint.replace(/(..)(?!$)/g, '$1 ') },
      [PARAM.cloud]: { value: 'custom' },
      [PARAM.loginEndpoint]: { value: emu.baseUrl },
      [PARAM.graphEndpoint]: { value: emu.baseUrl },
      [PARAM.caFile]: { value: caFile },
    };
    w = new WorkerProcess({ MIMGRAPH_LOG_LEVEL: 'debug' });
    // The bridge: answer the worker's requests as they come.
    w.child.stdout.on('data', () => {
      for (const n of w.notifications.splice(0)) {
        if (n.id === undefined) continue; // heartbeats
        asked.push({ id: n.id, method: n.method, params: n.params });
        const reply = (body: object) =>
          w.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: n.id, ...body })}\n`);
        if (refuse) {
          reply({
            error: {
              code: -32000,
              message: `no certificate with thumbprint ${n.params.thumbprint} in the LocalMachine\\My certificate store of this server`,
              data: { mimError: 'BadServerCredentials' },
            },
          });
        } else if (n.method === 'certificate') {
          const x509 = new X509Certificate(cert.certPem);
          reply({
            result: { der: x509.raw.toString('base64'), notAfter: new Date(x509.validTo).toISOString() },
          });
        } else if (n.method === 'sign') {
          const data = Buffer.from(n.params.data, 'base64');
          const signature = sign('sha256', data, {
            key: cert.keyPem,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: 32,
          });
          reply({ result: { signature: signature.toString('base64') } });
        }
      }
    });
    await w.hello(join(dir, 'madata'));
  });

  afterAll(async () => {
    await w?.stop();
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
    // Nothing of the key nor of a signed assertion reaches the worker's log.
    expect(w.stderr).not.toContain(cert.keyPem.split('\n')[1]);
    expect(w.stderr).not.toMatch(/eyJhbGciOiJQUzI1Ni/);
  });

  it('the Connectivity page signs in: the worker asks the bridge for the certificate and one signature', async () => {
    const r = await w.call('validateConfigParameters', { config, page: 'Connectivity', pageNumber: 1 });
    expect(r).toEqual({ code: 'Success' });
    expect(asked.map((a) => [a.method, a.id])).toEqual([
      ['certificate', 'w1'],
      ['sign', 'w2'],
    ]);
    expect(asked[0]!.params).toEqual({ thumbprint });
    expect(asked[1]!.params).toMatchObject({ thumbprint, algorithm: 'PS256' });
    for (const a of asked) expect(checkMessage(a.method, 'params', a.params)).toBeUndefined();
    // The bytes signed are the assertion's header and payload.
    const [header] = Buffer.from(String(asked[1]!.params.data), 'base64').toString('ascii').split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString('utf8'))).toMatchObject({
      alg: 'PS256',
      typ: 'JWT',
    });
  });

  it('a schema read signs in the same way', async () => {
    const before = asked.length;
    const schema = await w.call('getSchema', { config: { ...config, 'Object type: group': { value: '0' } } });
    expect(schema.types.map((t: { name: string }) => t.name)).toEqual(['user']);
    expect(asked.slice(before).map((a) => a.method)).toEqual(['certificate', 'sign']);
  });

  it("the bridge's failure names Certificate thumbprint on the page, and stops a run as BadServerCredentials", async () => {
    const schema = await w.call('getSchema', { config });
    refuse = true;
    try {
      const r = await w.call('validateConfigParameters', { config, page: 'Connectivity', pageNumber: 1 });
      expect(r).toMatchObject({ code: 'Failure', errorParameter: PARAM.certificateThumbprint });
      expect(r.errorMessage).toContain(
        `no certificate with thumbprint ${thumbprint} in the LocalMachine\\My`,
      );
      // The import opens without Graph; its first page needs a token.
      const open = await w.call('openImport', {
        config,
        schema,
        runStep: { importType: 'Full', pageSize: 10 },
      });
      const run = await w.send('getImportPage', { session: open.session }).reply;
      expect(run.error?.code).toBe(-32000);
      expect(run.error?.data?.mimError).toBe('BadServerCredentials');
      expect(run.error?.message).toContain(`no certificate with thumbprint ${thumbprint}`);
      await w.send('closeImport', { session: open.session, runStep: { reason: 'TerminatedByUser' } }).reply;
    } finally {
      refuse = false;
    }
  });
});
