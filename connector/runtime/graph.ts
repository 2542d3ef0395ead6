import type { ConnectorConfig } from '../config/types.js';
import { GraphClient, type WaitEvent } from '../graph/client.js';

/** The Graph client a configuration describes: one per session, closed by whoever made it. */
export function graphClientFor(config: ConnectorConfig, onWait?: (e: WaitEvent) => void): GraphClient {
  return new GraphClient({
    cloud: config.cloud,
    tenantId: config.tenantId,
    clientId: config.clientId,
    credential: config.credential,
    apiVersion: config.apiVersion,
    http: { timeoutMs: config.httpTimeoutMs, proxy: config.proxy, caFile: config.caFile },
    writeBudget: config.writeBudget,
    onWait,
  });
}
