import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphClient, type GraphClientOptions } from '../../connector/graph/client.js';
import { resolveCloud } from '../../connector/graph/clouds.js';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { sharedTls } from './tls.js';

/** An emulator plus a connector GraphClient signed in with a secret, trusting the emulator's CA file. */
export interface ClientRig {
  emu: RunningEmulator;
  client: GraphClient;
  caFile: string;
  clientId: string;
  secret: string;
  newClient(extra?: Partial<GraphClientOptions>): GraphClient;
  close(): Promise<void>;
}

export async function startClientRig(
  emuOpts: EmulatorOptions = {},
  clientOpts: Partial<GraphClientOptions> = {},
): Promise<ClientRig> {
  const clientId = randomUUID();
  const secret = randomBytes(24).toString('base64url');
  const emu = await startEmulator({
    tls: sharedTls(),
    ...emuOpts,
    apps: [{ clientId, secrets: [secret], certificates: [], roles: 'all' }, ...(emuOpts.apps ?? [])],
  });
  const caFile = join(mkdtempSync(join(tmpdir(), 'mimgraph-test-')), 'ca.pem');
  writeFileSync(caFile, emu.caCertPem);
  const clients: GraphClient[] = [];
  const newClient = (extra: Partial<GraphClientOptions> = {}) => {
    const c = new GraphClient({
      cloud: resolveCloud('custom', { loginEndpoint: emu.baseUrl, graphEndpoint: emu.baseUrl }),
      tenantId: emu.tenantId,
      clientId,
      credential: { kind: 'secret', secret },
      // A budget of our own per client so tests do not share the process-wide governor.
      writeBudget: { writes: 100_000 + clients.length, seconds: 1 },
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
      ...clientOpts,
      ...extra,
      http: { caFile, ...clientOpts.http, ...extra.http },
    });
    clients.push(c);
    return c;
  };
  const client = newClient();
  return {
    emu,
    client,
    caFile,
    clientId,
    secret,
    newClient,
    close: async () => {
      await Promise.all(clients.map((c) => c.close()));
      await emu.close();
    },
  };
}
