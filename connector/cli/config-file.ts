import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type CliConfig, CliConfigError, cliKeyForParam, loadCliConfig } from '../config/cli-config.js';
import { parseConfig } from '../config/parse.js';
import type { ConnectorConfig } from '../config/types.js';
import { ConnectorError } from '../model/ecma.js';

/** Exit codes of the run commands. */
export const EXIT = { ok: 0, objectErrors: 1, failed: 2, usage: 64 } as const;

/** Ends a command with an exit code and a message for stderr. */
export class CliExit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliExit(EXIT.usage, message);

export interface LoadedConfig extends CliConfig {
  readonly file: string;
  readonly config: ConnectorConfig;
}

/**
 * Reads and checks `--config <file>`: JSON against schemas/config.schema.json, then the values as MIM
 * would (parseConfig). Every problem is a CliExit(64) naming the config key.
 */
export function loadConfigFile(file: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  if (!file) throw usageError('--config <file> is required');
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw usageError(`--config: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw usageError(`--config: ${path} is not JSON: ${(e as Error).message}`);
  }
  let cli: CliConfig;
  try {
    cli = loadCliConfig(json, env, dirname(path));
  } catch (e) {
    if (e instanceof CliConfigError) throw usageError(e.message);
    throw e;
  }
  try {
    return { ...cli, file: path, config: parseConfig(cli.values) };
  } catch (e) {
    if (e instanceof ConnectorError && e.code === 'ExtensibleExtension') {
      const param = String(e.detail?.parameter ?? '');
      const key = cliKeyForParam(param, env) ?? param;
      const text = e.message.replace(/^Parameter '[^']*': /, '');
      throw usageError(`configuration file: ${key}: ${text}`);
    }
    throw e;
  }
}
