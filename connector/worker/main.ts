#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemasDir } from '../runtime/assets.js';
import { createLogger, type Level } from '../runtime/log.js';
import { Dispatcher } from './dispatcher.js';
import { StdioServer } from './server.js';

/**
 * `node dist/connector/worker/main.js`: the worker the bridge starts. stdin/stdout carry the
 * protocol and nothing else; logs go to stderr.
 */
// Anything printing to stdout by accident would corrupt the protocol: route console output to stderr.
console.log = console.error;
console.info = console.error;

const level = (process.env.MIMGRAPH_LOG_LEVEL ?? 'info') as Level;
const log = createLogger(['error', 'warn', 'info', 'debug'].includes(level) ? level : 'info');
const version = (
  JSON.parse(readFileSync(join(schemasDir(), '..', 'package.json'), 'utf8')) as { version: string }
).version;

const server = new StdioServer({
  input: process.stdin,
  output: process.stdout,
  log,
  version,
  // The bridge answers the worker's requests (certificates in the Windows store sign there).
  dispatcher: (dataFolder, bridge) =>
    new Dispatcher({ stateDir: dataFolder ?? process.env.MIMGRAPH_STATE_DIR, log, bridge }),
  heartbeatSeconds: Number(process.env.MIMGRAPH_HEARTBEAT_SECONDS) || 10,
});

process.on('SIGTERM', () => process.stdin.destroy());
server.finished().then(
  () => process.exit(0),
  (e: unknown) => {
    log.error('worker failed', { error: (e as Error).message });
    process.exit(1);
  },
);
