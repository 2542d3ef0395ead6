#!/usr/bin/env node
import { UsageError } from './args.js';
import { emulatorUsage, runEmulatorCommand } from './emulator.js';

const usage = `mimgraph — Microsoft Graph connector for MIM 2016 SP2

Commands:
  mimgraph emulator [options]   run the Graph emulator (mimgraph emulator --help)
  mimgraph schema --metadata <csdl file> [--api-version v1.0|beta] [--json]
                                detect the MIM schema offline from a Graph CSDL file
  mimgraph demo                 start an emulator in-process and walk through a Graph session
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'emulator':
      if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(`${emulatorUsage}\n`);
        return 0;
      }
      await runEmulatorCommand(rest);
      return 0;
    case 'schema': {
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
      await runDemo(rest);
      return 0;
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // node:util parseArgs errors (unknown option, missing value, stray positional) are usage errors too.
    if (e instanceof UsageError || String((e as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')) {
      process.stderr.write(`mimgraph: ${(e as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`mimgraph: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
