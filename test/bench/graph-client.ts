import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import { GraphClient } from '../../connector/graph/client.js';
import { resolveCloud } from '../../connector/graph/clouds.js';
import { spawnEmulator } from './emulator-process.js';

export interface ClientOverhead {
  rawRequestsPerSecond: number;
  clientRequestsPerSecond: number;
  overheadPercent: number;
  /** CPU time of this process per request: the client's own cost, whatever the emulator's speed. */
  rawCpuMicrosPerRequest: number;
  clientCpuMicrosPerRequest: number;
}

/**
 * Requests per second through the connector's GraphClient against plain undici with the same pool,
 * the same token and the same request, emulator at zero latency in another process.
 */
export async function benchGraphClient(quick: boolean): Promise<ClientOverhead> {
  const emu = await spawnEmulator(['--users', '200', '--groups', '2']);
  const client = new GraphClient({
    cloud: resolveCloud('custom', { loginEndpoint: emu.baseUrl, graphEndpoint: emu.baseUrl }),
    tenantId: emu.tenantId,
    clientId: emu.clientId,
    credential: { kind: 'secret', secret: emu.secret },
    http: { caFile: emu.caFile, connections: 8 },
  });
  const agent = new Agent({ connections: 8, connect: { ca: emu.caPem }, keepAliveTimeout: 30_000 });
  try {
    const token = await client.tokens.getToken();
    const url = `${emu.baseUrl}/v1.0/users?$top=5&$select=id,displayName`;
    const n = quick ? 1500 : 5000;
    const concurrency = 8;
    const raw = async () => {
      // The same request the client sends: Graph's client-request-id and the compression offer.
      const res = await request(url, {
        dispatcher: agent,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          'accept-encoding': 'gzip, deflate',
          'client-request-id': randomUUID(),
        },
      });
      JSON.parse(await res.body.text());
    };
    const viaClient = async () => {
      await client.request('GET', '/users?$top=5&$select=id,displayName');
    };
    const run = async (fn: () => Promise<void>) => {
      let i = 0;
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (i++ < n) await fn();
        }),
      );
      const cpu = process.cpuUsage(cpu0);
      return { rps: n / ((performance.now() - t0) / 1000), cpuMicros: (cpu.user + cpu.system) / n };
    };
    // Warm both paths, then alternate to spread any drift of the machine across both.
    await run(raw);
    await run(viaClient);
    const rawRuns: { rps: number; cpuMicros: number }[] = [];
    const clientRuns: { rps: number; cpuMicros: number }[] = [];
    for (let round = 0; round < (quick ? 3 : 7); round++) {
      rawRuns.push(await run(raw));
      clientRuns.push(await run(viaClient));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const rawRps = median(rawRuns.map((r) => r.rps));
    const clientRps = median(clientRuns.map((r) => r.rps));
    return {
      rawRequestsPerSecond: Math.round(rawRps),
      clientRequestsPerSecond: Math.round(clientRps),
      overheadPercent: Math.round((1 - clientRps / rawRps) * 1000) / 10,
      rawCpuMicrosPerRequest: Math.round(median(rawRuns.map((r) => r.cpuMicros))),
      clientCpuMicrosPerRequest: Math.round(median(clientRuns.map((r) => r.cpuMicros))),
    };
  } finally {
    await agent.close();
    await client.close();
    await emu.stop();
  }
}
