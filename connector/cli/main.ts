#!/usr/bin/env node
import { UsageError } from './args.js';
import { CliExit, EXIT } from './config-file.js';
import { emulatorUsage, runEmulatorCommand } from './emulator.js';

const usage = `mimgraph — Microsoft Graph connector for MIM 2016 SP2

Commands:
  mimgraph import --full|--delta --config <file> [--state <file>] [--drop-file <file>] [--json]
                                run an import as a MIM run profile would (mimgraph import --help)
  mimgraph export --changes <mmsml|csexport file> --config <file> [--results <file>] [--drop-file <file>]
                  [--what-if] [--state <file>] [--json]
                                export changes (mimgraph export --help)
  mimgraph doctor --config <file> [--state <file>]
                                check sign-in, permissions, endpoints and the delta link's age
  mimgraph schema --config <file> [--json]
                                the live MIM schema the configuration gives
  mimgraph schema --metadata <csdl file> [--api-version v1.0|beta] [--json]
                                detect the MIM schema offline from a Graph CSDL file
  mimgraph emulator [options]   run the Graph emulator (mimgraph emulator --help)
  mimgraph demo                 start an emulator in-process and walk through a Graph session

The configuration file is described by schemas/config.schema.json. Secrets may come from
MIMGRAPH_CLIENT_SECRET, MIMGRAPH_CERTIFICATE_PASSWORD and MIMGRAPH_PROXY_PASSWORD.
Exit codes of import/export/doctor: 0 success, 1 per-object errors (doctor: a check failed),
2 run failed, 64 usage or configuration error.
`;

/** Commands whose usage errors exit 64 (the older ones keep their exit code 2). */
const RUN_COMMANDS = new Set(['import', 'export', 'doctor']);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'import': {
      const { runImportCommand } = await import('./import.js');
      return runImportCommand(rest);
    }
    case 'export': {
      const { runExportCommand } = await import('./export.js');
      return runExportCommand(rest);
    }
    case 'doctor': {
      const { runDoctorCommand } = await import('./doctor.js');
      return runDoctorCommand(rest);
    }
    case 'emulator':
      if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(`${emulatorUsage}\n`);
        return 0;
      }
      await runEmulatorCommand(rest);
      return 0;
    case 'schema': {
      if (rest.includes('--config')) {
        const { runLiveSchemaCommand } = await import('./doctor.js');
        return runLiveSchemaCommand(rest);
      }
      const { runSchemaCommand, schemaUsage } = await import('./schema.js');
      if (rest.includes('--help')) {
        process.stdout.write(`${schemaUsage}\n`);
        return 0;
      }
      await runSchemaCommand(rest);
      return 0;
    }
    case 'demo': {
      const { runDemo } = await import('./demo.js');
      return runDemo(rest);
    }
    case undefined:
    case '--help':
    case 'help':
      process.stdout.write(usage);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`mimgraph: unknown command '${command}'\n\n${usage}`);
      return 2;
  }
}

const command = process.argv[2];
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof CliExit) {
      process.stderr.write(`mimgraph ${command}: ${e.message}\n`);
      process.exitCode = e.code;
      return;
    }
    // node:util parseArgs errors (unknown option, missing value, stray positional) are usage errors too.
    if (e instanceof UsageError || String((e as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')) {
      process.stderr.write(`mimgraph: ${(e as Error).message}\n`);
      process.exitCode = RUN_COMMANDS.has(command ?? '') ? EXIT.usage : 2;
      return;
    }
    process.stderr.write(`mimgraph: ${(e as Error).message}\n`);
    process.exitCode = RUN_COMMANDS.has(command ?? '') ? EXIT.failed : 1;
  },
);
