import type { ConnectorConfig } from '../config/types.js';
import type { GraphClient, WaitEvent } from '../graph/client.js';
import type { Logger } from './log.js';

/**
 * What a run needs from its host (the worker for MIM, or the CLI): where state lives, how to log,
 * how to report waiting, when to stop, and how to reach Graph.
 */
export interface RunContext {
  /** Folder for the connector's state file: MIM's MA data folder, or beside the CLI's --state. */
  readonly stateDir: string | undefined;
  readonly log: Logger;
  /** Aborted when MIM closes the run early or the host shuts down. */
  readonly signal: AbortSignal;
  /** Long waits (Retry-After, write budget) are reported here: the worker turns them into heartbeats. */
  readonly onWait?: ((e: WaitEvent) => void) | undefined;
  /** The Graph client for a configuration (one per run; closed by the session that made it). */
  graph(config: ConnectorConfig): GraphClient;
}
