/**
 * The connector's log: one JSON object per line on stderr (the worker's stdout carries only
 * protocol messages). Fields whose names suggest secrets are replaced before anything is written.
 */
export type Level = 'error' | 'warn' | 'info' | 'debug';

export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3 };
const SECRET_KEY = /secret|password|token|assertion|privatekey|authorization/i;

export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_KEY.test(k)) out[k] = '[redacted]';
    else if (v && typeof v === 'object' && !Array.isArray(v)) out[k] = redact(v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}

export function createLogger(
  level: Level = 'info',
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const log = (l: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[l] > ORDER[level]) return;
    write(
      `${JSON.stringify({ time: new Date().toISOString(), level: l, msg, ...(fields ? redact(fields) : {}) })}\n`,
    );
  };
  return { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug') };
}

export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
