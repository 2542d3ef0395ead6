import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OBJECT_TYPE_PARAM, PARAM } from '../../connector/config/parse.js';
import type { ConfigValues } from '../../connector/model/ecma.js';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { sharedTls } from '../support/tls.js';
import { WorkerProcess } from '../support/worker.js';

/** The real worker process against the emulator: a whole import, heartbeats while Graph throttles, cancellation. */
describe('worker against the emulator', () => {
  let emu: RunningEmulator;
  let w: WorkerProcess;
  let config: ConfigValues;
  const secret = randomBytes(24).toString('base64url');

  beforeAll(async () => {
    const clientId = randomUUID();
    emu = await startEmulator({
      tls: sharedTls(),
      apps: [{ clientId, secrets: [secret], certificates: [], roles: 'all' }],
      generate: { users: 120, groups: 4, seed: 5 },
    });
    const dir = mkdtempSync(join(tmpdir(), 'mimgraph-worker-'));
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, emu.caCertPem);
    config = {
      [PARAM.tenant]: { value: emu.tenantId },
      [PARAM.clientId]: { value: clientId },
      [PARAM.clientSecret]: { value: secret, encrypted: true },
      [PARAM.cloud]: { value: 'custom' },
      [PARAM.loginEndpoint]: { value: emu.baseUrl },
      [PARAM.graphEndpoint]: { value: emu.baseUrl },
      [PARAM.caFile]: { value: caFile },
      [OBJECT_TYPE_PARAM.user]: { value: '1' },
      [OBJECT_TYPE_PARAM.group]: { value: '0' },
    };
    w = new WorkerProcess({ MIMGRAPH_HEARTBEAT_SECONDS: '1', MIMGRAPH_LOG_LEVEL: 'debug' });
    await w.hello(join(dir, 'madata'));
  });

  afterAll(async () => {
    await w?.stop();
    await emu?.close();
    // The secret crossed the channel in memory only: never into the worker's log.
    expect(w.stderr).not.toContain(secret);
  });

  it('runs a full import over stdio', async () => {
    const schema = await w.call('getSchema', { config });
    const open = await w.call('openImport', {
      config,
      schema,
      runStep: { importType: 'Full', pageSize: 50 },
    });
    let n = 0;
    for (;;) {
      const page = await w.call('getImportPage', { session: open.session });
      n += page.entries.length;
      if (!page.moreToImport) break;
    }
    const close = await w.call('closeImport', { session: open.session, runStep: { reason: 'Normal' } });
    expect(n).toBe(120);
    expect(close.customData).toBeTruthy();
  });

  it('sends heartbeats while Graph throttles, and a cancel ends the call', async () => {
    const schema = await w.call('getSchema', { config });
    const open = await w.call('openImport', {
      config,
      schema,
      runStep: { importType: 'Full', pageSize: 50 },
    });
    emu.setFaults({ rate429: 1, retryAfterSeconds: 2 });
    try {
      const before = w.notifications.length;
      const { id, reply } = w.send('getImportPage', { session: open.session });
      await new Promise((r) => setTimeout(r, 2500));
      const beats = w.notifications
        .slice(before)
        .filter((n) => n.method === 'heartbeat' && n.params.id === id);
      expect(beats.some((b) => b.params.reason === 'retry-after' && b.params.ms >= 2000)).toBe(true);
      expect(beats.some((b) => b.params.reason === 'working')).toBe(true);
      w.notify('cancel', { id });
      const r = await reply;
      expect(r.error?.code).toBe(-32800);
      expect(r.error?.data?.mimError).toBe('TerminateRun');
    } finally {
      emu.setFaults({ rate429: 0 });
    }
    const close = await w.send('closeImport', {
      session: open.session,
      runStep: { reason: 'TerminatedByUser' },
    }).reply;
    expect(close.error ?? close.result).toBeDefined();
  });
});
