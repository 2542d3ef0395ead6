import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ConnectorConfig, ObjectTypeName } from '../config/types.js';
import type { WaitEvent } from '../graph/client.js';
import type { Schema } from '../model/ecma.js';
import { graphClientFor } from '../runtime/graph.js';
import { type Level, type Logger, redact } from '../runtime/log.js';
import { Dispatcher } from '../worker/dispatcher.js';
import type { CallContext } from '../worker/protocol.js';
import { CliExit, EXIT, type LoadedConfig, usageError } from './config-file.js';
import { formatSummary, type RunSummary, type Tally } from './summary.js';

/** Shared pieces of `mimgraph import` and `mimgraph export`: dispatcher, state file, schema, output. */

const ORDER: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** Plain `level: message key=value` lines on stderr (secrets redacted). */
export function plainLogger(
  level: Level = 'warn',
  write: (s: string) => void = (s) => process.stderr.write(s),
): Logger {
  const log = (l: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[l] > ORDER[level]) return;
    const extra = fields
      ? Object.entries(redact(fields))
          .map(([k, v]) => ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join('')
      : '';
    write(`${l}: ${msg}${extra}\n`);
  };
  return { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug') };
}

/** `--state <file>`: the watermark (MIM's CustomData) kept between runs. */
export interface StateFile {
  version: 1;
  customData: string | null;
  /** When the watermark was written: the age of its delta links. */
  savedAt: string;
  mode: 'full' | 'delta';
}

export function readState(file: string | undefined): StateFile | undefined {
  if (!file || !existsSync(file)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw usageError(
      `--state: ${file} is not a mimgraph state file (${(e as Error).message}); delete it and run --full`,
    );
  }
  const s = json as Partial<StateFile>;
  if (
    s.version !== 1 ||
    (s.customData !== null && typeof s.customData !== 'string') ||
    typeof s.savedAt !== 'string'
  ) {
    throw usageError(`--state: ${file} is not a mimgraph state file; delete it and run --full`);
  }
  return s as StateFile;
}

export function writeState(file: string, state: StateFile): void {
  mkdirSync(dirname(resolve(file)), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, file);
}

/** The connector's own state folder beside `--state`. */
export const stateDirFor = (state: string | undefined) => (state ? `${resolve(state)}.d` : undefined);

export interface RunHost {
  dispatcher: Dispatcher;
  call: CallContext;
  abort: AbortController;
  log: Logger;
  dispose(): Promise<void>;
}

/** A dispatcher whose Graph clients are counted in `tally`; Ctrl+C cancels the run. */
export function startRun(state: string | undefined, tally: Tally): RunHost {
  const log = plainLogger('warn');
  const onWait = (e: WaitEvent) => {
    if (e.ms >= 2000) log.info(`waiting ${(e.ms / 1000).toFixed(1)} s (${e.reason})`, { path: e.path });
  };
  const dispatcher = new Dispatcher({
    stateDir: stateDirFor(state),
    log,
    graph: (config: ConnectorConfig) => {
      const c = graphClientFor(config, onWait);
      tally.clients.push(c);
      return c;
    },
  });
  const abort = new AbortController();
  const onSigint = () => abort.abort(new Error('cancelled (Ctrl+C)'));
  process.once('SIGINT', onSigint);
  return {
    dispatcher,
    call: { signal: abort.signal, onWait },
    abort,
    log,
    async dispose() {
      process.off('SIGINT', onSigint);
      await dispatcher.shutdown();
    },
  };
}

/** The detected schema, cut down to the config's `attributes` (anchors always kept). */
export async function runSchema(host: RunHost, loaded: LoadedConfig): Promise<Schema> {
  const schema = (await host.dispatcher.dispatch(
    'getSchema',
    { config: loaded.values },
    host.call,
  )) as Schema;
  return selectAttributes(schema, loaded.attributes);
}

export function selectAttributes(
  schema: Schema,
  wanted: Readonly<Partial<Record<ObjectTypeName, readonly string[]>>>,
): Schema {
  return {
    types: schema.types.map((t) => {
      const names = wanted[t.name as ObjectTypeName];
      if (!names) return t;
      const known = new Map(t.attributes.map((a) => [a.name.toLowerCase(), a.name]));
      for (const n of names) {
        if (!known.has(n.toLowerCase())) {
          throw usageError(
            `configuration file: attributes.${t.name}: unknown attribute '${n}'; see \`mimgraph schema --config <file> --json\` for the attributes of ${t.name}`,
          );
        }
      }
      const keep = new Set(names.map((n) => n.toLowerCase()));
      return { ...t, attributes: t.attributes.filter((a) => a.anchor || keep.has(a.name.toLowerCase())) };
    }),
  };
}

/** Prints the summary (JSON on stdout with --json, text on stderr otherwise) and returns the exit code. */
export function finish(summary: RunSummary, json: boolean): number {
  if (json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stderr.write(formatSummary(summary));
  return summary.exitCode;
}

/** The message of a failed run (a ConnectorError's, a Graph error's), for stderr and the summary. */
export function failureMessage(e: unknown): string {
  if (e instanceof CliExit) return e.message;
  const err = e as Error & { code?: unknown };
  return err?.message ?? String(e);
}

export { EXIT };
