import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PARAM } from '../config/parse.js';
import type { CSEntryChange } from '../model/ecma.js';
import { CliExit, EXIT, loadConfigFile, usageError } from './config-file.js';
import { checkWritable } from './export.js';
import { failureMessage, finish, readState, runSchema, startRun, writeState } from './run.js';
import { Progress, Tally } from './summary.js';

export const importUsage = `mimgraph import — run a full or delta import, as a MIM run profile would

Usage:
  mimgraph import --full|--delta --config <file> [--state <file>] [--drop-file <file>] [--json]

Options:
  --full | --delta      the import type (--delta needs --state from an earlier run)
  --config <file>       JSON configuration (schemas/config.schema.json)
  --state <file>        keeps the watermark between runs (the connector's state goes to <file>.d/)
  --drop-file <file>    write every imported entry to an mmsml drop file
  --json                print the summary as JSON on stdout

Exit codes: 0 success, 1 finished with per-object errors, 2 run failed, 64 usage or configuration error.
`;

export async function runImportCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      full: { type: 'boolean' },
      delta: { type: 'boolean' },
      config: { type: 'string' },
      state: { type: 'string' },
      'drop-file': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(importUsage);
    return EXIT.ok;
  }
  if (values.full === values.delta) throw usageError('import: give exactly one of --full or --delta');
  const mode = values.full ? 'full' : 'delta';
  if (mode === 'delta' && !values.state) {
    throw usageError('import --delta needs --state <file> (the watermark of an earlier --full run)');
  }
  const loaded = loadConfigFile(values.config);
  const state = readState(values.state);
  if (mode === 'delta' && !state?.customData) {
    throw usageError(
      `import --delta: ${values.state} holds no watermark yet; run import --full --state first`,
    );
  }

  const tally = new Tally();
  const progress = new Progress(process.stderr.isTTY === true && !values.json);
  const host = startRun(values.state, tally);
  let error: string | undefined;
  let exitCode: number = EXIT.ok;
  // The drop file goes through the run-step parameter the bridge uses, so both write it alike.
  const config = values['drop-file']
    ? { ...loaded.values, [PARAM.runStepDropFile]: { value: resolve(values['drop-file']) } }
    : loaded.values;
  if (values['drop-file']) checkWritable(values['drop-file']);
  try {
    const schema = await runSchema(host, loaded);
    const open = (await host.dispatcher.dispatch(
      'openImport',
      {
        config,
        schema,
        runStep: {
          importType: mode === 'full' ? 'Full' : 'Delta',
          pageSize: loaded.pageSize,
          customData: state?.customData ?? null,
        },
      },
      host.call,
    )) as { session: string; customData: string | null };
    let last = open.customData;
    let closed = false;
    try {
      let page: { entries: CSEntryChange[]; moreToImport: boolean; customData?: string | null };
      do {
        page = (await host.dispatcher.dispatch(
          'getImportPage',
          { session: open.session, runStep: { customData: last } },
          host.call,
        )) as typeof page;
        for (const e of page.entries) {
          const failed = e.errorCodeImport !== undefined && e.errorCodeImport !== 'Success';
          tally.count(
            e.objectType,
            failed
              ? 'errors'
              : e.modification === 'Add'
                ? 'adds'
                : e.modification === 'Delete'
                  ? 'deletes'
                  : 'updates',
          );
          if (failed)
            host.log.warn(`${e.objectType} ${e.dn ?? e.identifier}: ${e.errorName ?? e.errorCodeImport}`, {
              detail: e.errorDetail,
            });
          progress.update(e.objectType, tally.objects(e.objectType), 'import');
        }
        last = page.customData ?? last;
      } while (page.moreToImport);
      progress.end();
      const close = (await host.dispatcher.dispatch(
        'closeImport',
        { session: open.session, runStep: { reason: 'Normal', customData: last } },
        host.call,
      )) as { customData: string | null };
      closed = true;
      if (values.state) {
        writeState(values.state, {
          version: 1,
          customData: close.customData,
          savedAt: new Date().toISOString(),
          mode,
        });
      }
    } finally {
      if (!closed) {
        progress.end();
        await host.dispatcher
          .dispatch(
            'closeImport',
            { session: open.session, runStep: { reason: 'TerminatedByUser', customData: last } },
            host.call,
          )
          .catch(() => {});
      }
    }
    exitCode = [...tally.types.values()].some((t) => t.errors > 0) ? EXIT.objectErrors : EXIT.ok;
  } catch (e) {
    if (e instanceof CliExit) throw e;
    error = failureMessage(e);
    exitCode = EXIT.failed;
    process.stderr.write(`mimgraph import: ${error}\n`);
  } finally {
    await host.dispose();
  }
  return finish(tally.summary({ command: 'import', mode, error }, exitCode), values.json === true);
}
