import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readCsExport } from '../dropfile/csexport.js';
import { readMmsmlFile } from '../dropfile/reader.js';
import { MmsmlWriter } from '../dropfile/writer.js';
import type { CSEntryChange, CSEntryChangeResult, Schema } from '../model/ecma.js';
import { CliExit, EXIT, loadConfigFile, usageError } from './config-file.js';
import { failureMessage, finish, runSchema, startRun } from './run.js';
import { Progress, Tally } from './summary.js';

export const exportUsage = `mimgraph export — export changes to Graph, as a MIM export run would

Usage:
  mimgraph export --changes <file> --config <file> [--results <file>] [--drop-file <file>]
                  [--what-if] [--state <file>] [--json]

Options:
  --changes <file>      the changes: an mmsml drop file or a csexport file (also: a JSON array of
                        CSEntryChange objects as in schemas/bridge-protocol.schema.json)
  --config <file>       JSON configuration (schemas/config.schema.json)
  --results <file>      write one JSON result per entry (identifier, dn, objectType, result ...)
  --drop-file <file>    write what was sent to an mmsml drop file
  --what-if             check and plan the changes without writing to Graph
  --state <file>        the connector's state folder is <file>.d/ (shared with import)
  --json                print the summary as JSON on stdout

Exit codes: 0 success, 1 finished with per-object errors, 2 run failed, 64 usage or configuration error.
`;

const BATCH = 100;

export interface EntryResult {
  identifier: string;
  dn: string | undefined;
  objectType: string;
  modification: string;
  result: 'success' | 'error';
  anchor?: string | undefined;
  errorCode?: string | undefined;
  errorName?: string | undefined;
  errorDetail?: string | undefined;
}

export async function runExportCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      changes: { type: 'string' },
      config: { type: 'string' },
      results: { type: 'string' },
      'drop-file': { type: 'string' },
      'what-if': { type: 'boolean' },
      state: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(exportUsage);
    return EXIT.ok;
  }
  if (!values.changes) throw usageError('export: --changes <mmsml or csexport file> is required');
  const loaded = loadConfigFile(values.config);
  const format = changesFormat(values.changes);
  const whatIf = values['what-if'] === true;

  const tally = new Tally();
  const progress = new Progress(process.stderr.isTTY === true && !values.json);
  const host = startRun(values.state, tally);
  const results: EntryResult[] = [];
  let drop: MmsmlWriter | undefined;
  let error: string | undefined;
  let exitCode: number = EXIT.ok;
  try {
    const schema = await runSchema(host, loaded);
    const entries = await readChanges(values.changes, format, schema);
    if (values['drop-file'] && !whatIf) drop = await openDrop(values['drop-file'], 'export', schema);
    const open = (await host.dispatcher.dispatch(
      'openExport',
      { config: loaded.values, schema, runStep: { exportType: 'Delta', batchSize: BATCH }, whatIf },
      host.call,
    )) as { session: string };
    let closed = false;
    try {
      for (let i = 0; i < entries.length; i += BATCH) {
        const batch = entries.slice(i, i + BATCH);
        const put = (await host.dispatcher.dispatch(
          'putExportEntries',
          { session: open.session, entries: batch },
          host.call,
        )) as { results: CSEntryChangeResult[] };
        const byId = new Map(put.results.map((r) => [r.identifier, r]));
        for (const e of batch) {
          const r = byId.get(e.identifier);
          const ok = r?.errorCode === 'Success';
          tally.count(
            e.objectType,
            !ok
              ? 'errors'
              : e.modification === 'Add'
                ? 'adds'
                : e.modification === 'Delete'
                  ? 'deletes'
                  : 'updates',
          );
          const anchor = r?.anchors[0]?.values[0]?.value.value;
          results.push({
            identifier: e.identifier,
            dn: e.dn,
            objectType: e.objectType,
            modification: e.modification,
            ...(ok
              ? { result: 'success' as const, anchor: anchor === undefined ? e.dn : String(anchor) }
              : {
                  result: 'error' as const,
                  errorCode: r?.errorCode ?? 'ExportErrorCustomContinueRun',
                  errorName: r?.errorName ?? (r ? undefined : 'NoResult'),
                  errorDetail:
                    r?.errorDetail ?? (r ? undefined : 'the connector returned no result for this entry'),
                }),
          });
          if (!ok) {
            host.log.warn(
              `${e.objectType} ${e.dn ?? e.identifier}: ${r?.errorName ?? r?.errorCode ?? 'no result'}`,
              {
                detail: r?.errorDetail,
              },
            );
          }
          progress.update(e.objectType, tally.objects(e.objectType), whatIf ? 'what-if' : 'export');
          await drop?.write(e);
        }
      }
      progress.end();
      await host.dispatcher.dispatch(
        'closeExport',
        { session: open.session, runStep: { reason: 'Normal' } },
        host.call,
      );
      closed = true;
    } finally {
      if (!closed) {
        progress.end();
        await host.dispatcher
          .dispatch(
            'closeExport',
            { session: open.session, runStep: { reason: 'TerminatedByUser' } },
            host.call,
          )
          .catch(() => {});
      }
    }
    exitCode = results.some((r) => r.result === 'error') ? EXIT.objectErrors : EXIT.ok;
  } catch (e) {
    if (e instanceof CliExit) throw e;
    error = failureMessage(e);
    exitCode = EXIT.failed;
    process.stderr.write(`mimgraph export: ${error}\n`);
  } finally {
    await drop?.close().catch(() => {});
    await host.dispose();
  }
  if (values.results) writeFileSync(values.results, `${JSON.stringify(results, null, 2)}\n`);
  return finish(
    tally.summary({ command: 'export', mode: 'delta', whatIf, error }, exitCode),
    values.json === true,
  );
}

type ChangesFormat = 'json' | 'mmsml' | 'csexport';

/** Which kind of changes file (read errors are usage errors, before anything is sent). */
export function changesFormat(file: string): ChangesFormat {
  let head: string;
  try {
    const buf = readFileSync(file);
    head = (buf[0] === 0xff && buf[1] === 0xfe ? buf.toString('utf16le') : buf.toString('utf8'))
      .slice(0, 4000)
      .replace(/^\uFEFF/, '')
      .trimStart();
  } catch (e) {
    throw usageError(`--changes: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (head.startsWith('[') || head.startsWith('{')) return 'json';
  if (/<(?:[\w.-]+:)?mmsml\b/.test(head)) return 'mmsml';
  if (/<cs-objects\b/.test(head)) return 'csexport';
  throw usageError(`--changes: ${file} is neither an mmsml drop file, a csexport file nor JSON`);
}

/** The changes: mmsml (connector/dropfile), csexport, or a JSON array of CSEntryChange. */
export async function readChanges(
  file: string,
  format: ChangesFormat,
  schema: Schema,
): Promise<CSEntryChange[]> {
  if (format === 'mmsml') {
    try {
      return (await readMmsmlFile(file, { schema })).entries;
    } catch (e) {
      throw usageError(`--changes: ${file}: ${(e as Error).message}`);
    }
  }
  if (format === 'csexport') {
    try {
      const out: CSEntryChange[] = [];
      for await (const e of readCsExport(file, { schema })) out.push(e);
      return out;
    } catch (e) {
      throw usageError(`--changes: ${file}: ${(e as Error).message}`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    throw usageError(`--changes: ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const list = Array.isArray(json) ? json : (json as { entries?: unknown }).entries;
  if (!Array.isArray(list)) throw usageError(`--changes: ${file} holds no array of CSEntryChange objects`);
  list.forEach((e, i) => {
    const c = e as Partial<CSEntryChange>;
    if (
      typeof c.identifier !== 'string' ||
      typeof c.objectType !== 'string' ||
      typeof c.modification !== 'string'
    ) {
      throw usageError(`--changes: entry ${i} of ${file} needs identifier, objectType and modification`);
    }
    if (!Array.isArray(c.anchors) || !Array.isArray(c.attributes)) {
      throw usageError(`--changes: entry ${i} of ${file} needs anchors and attributes arrays`);
    }
  });
  return list as CSEntryChange[];
}

/** An mmsml drop file (UTF-16 as the engine writes it). */
/** A drop file the run cannot write is a usage error (64), found before anything is sent. */
export function checkWritable(file: string): void {
  try {
    closeSync(openSync(file, 'a'));
  } catch (e) {
    throw usageError(`--drop-file: cannot write ${file}: ${(e as Error).message}`);
  }
}

export async function openDrop(
  file: string,
  stepType: 'full-import' | 'delta-import' | 'export',
  schema: Schema,
): Promise<MmsmlWriter> {
  try {
    return await MmsmlWriter.open(file, { stepType, schema });
  } catch (e) {
    throw usageError(`--drop-file: cannot write ${file}: ${(e as Error).message}`);
  }
}
