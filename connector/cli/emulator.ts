import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseWriteBudget } from '../../emulator/budget.js';
import { noFaults, validateFaults } from '../../emulator/faults.js';
import { type AppRegistration, type EmulatorOptions, startEmulator } from '../../emulator/index.js';
import { intArg, numberArg, UsageError } from './args.js';

export const emulatorUsage = `mimgraph emulator — a Microsoft Graph emulator standing in for an Entra tenant (HTTPS on 127.0.0.1)

  --port <n>                 port to listen on (default: a free one)
  --ca-out <file>            write the CA certificate (PEM) clients must trust
  --tenant-id <guid>         tenant id (the tenant's domains are accepted too)
  --app <clientId>=<secret>  an app holding every directory permission (repeatable);
                             <clientId>=env:<VAR> reads the secret from an environment variable
  --users <n> --groups <m>   generate a tenant of that size (default 20 users, 5 groups)
  --seed <n>                 seed for the generated tenant and for fault injection
  --tenant <file>            load a tenant JSON file instead (see samples/tenant.json)
  --state <file>             keep the directory across restarts (delta links stay valid)
  --latency-ms <n> --jitter-ms <n>
  --rate-429 <0..1> --rate-503 <0..1> --rate-504 <0..1> --rate-drop <0..1>
  --rate-corrupt <0..1> --rate-truncate <0..1> --retry-after <seconds>
  --write-budget <writes>/<seconds>   e.g. 3000/150, Graph's budget per app and tenant
  --token-lifetime <seconds>  --delta-max-age <seconds>  --delta-expired-status <400|410>
  --delta-page-size <n>

Runs until SIGTERM or SIGINT. Admin endpoints: GET/PATCH <base>/_emulator/config, POST /_emulator/clock,
POST /_emulator/resync, GET /_emulator/counters, GET /_emulator/objects?type=user.`;

export function parseEmulatorArgs(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): { options: EmulatorOptions; caOut?: string } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      'ca-out': { type: 'string' },
      'tenant-id': { type: 'string' },
      app: { type: 'string', multiple: true },
      users: { type: 'string' },
      groups: { type: 'string' },
      seed: { type: 'string' },
      tenant: { type: 'string' },
      state: { type: 'string' },
      'latency-ms': { type: 'string' },
      'jitter-ms': { type: 'string' },
      'rate-429': { type: 'string' },
      'rate-503': { type: 'string' },
      'rate-504': { type: 'string' },
      'rate-drop': { type: 'string' },
      'rate-corrupt': { type: 'string' },
      'rate-truncate': { type: 'string' },
      'retry-after': { type: 'string' },
      'write-budget': { type: 'string' },
      'token-lifetime': { type: 'string' },
      'delta-max-age': { type: 'string' },
      'delta-expired-status': { type: 'string' },
      'delta-page-size': { type: 'string' },
    },
  });
  const tenantId = values['tenant-id'];
  if (tenantId !== undefined && !/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(tenantId)) {
    throw new UsageError(
      `--tenant-id must be a GUID like 7b3f9c1e-2d4a-4e8b-9f61-0c5d2a8e4b17; got '${tenantId}'`,
    );
  }
  if (values.tenant !== undefined && (values.users !== undefined || values.groups !== undefined)) {
    throw new UsageError(
      '--users and --groups generate a tenant; they cannot be combined with --tenant <file>',
    );
  }
  const apps: AppRegistration[] = (values.app ?? []).map((spec) => parseApp(spec, env));
  const seed = intArg('--seed', values.seed, 0, 2 ** 32 - 1);
  const deltaExpired = intArg('--delta-expired-status', values['delta-expired-status'], 400, 410);
  if (deltaExpired !== undefined && deltaExpired !== 400 && deltaExpired !== 410) {
    throw new UsageError(`--delta-expired-status must be 400 or 410; got '${deltaExpired}'`);
  }
  const faults = prune({
    latencyMs: numberArg('--latency-ms', values['latency-ms'], 0, 600_000),
    jitterMs: numberArg('--jitter-ms', values['jitter-ms'], 0, 600_000),
    rate429: numberArg('--rate-429', values['rate-429'], 0, 1),
    rate503: numberArg('--rate-503', values['rate-503'], 0, 1),
    rate504: numberArg('--rate-504', values['rate-504'], 0, 1),
    rateDrop: numberArg('--rate-drop', values['rate-drop'], 0, 1),
    rateCorrupt: numberArg('--rate-corrupt', values['rate-corrupt'], 0, 1),
    rateTruncate: numberArg('--rate-truncate', values['rate-truncate'], 0, 1),
    retryAfterSeconds: numberArg('--retry-after', values['retry-after'], 0, 3600),
    seed,
  });
  const behaviour = prune({
    tokenLifetimeSeconds: intArg('--token-lifetime', values['token-lifetime'], 1, 86_400),
    deltaMaxAgeSeconds: intArg('--delta-max-age', values['delta-max-age'], 1, 365 * 86_400),
    deltaExpiredStatus: deltaExpired as 400 | 410 | undefined,
    deltaPageSize: intArg('--delta-page-size', values['delta-page-size'], 1, 5000),
  });
  try {
    validateFaults({ ...noFaults, ...faults });
  } catch (e) {
    throw new UsageError(
      (e as Error).message
        .replace(
          'the rates of dropped connections, 429, 503 and 504',
          '--rate-drop, --rate-429, --rate-503 and --rate-504',
        )
        .replace('the rates of corrupt and truncated bodies', '--rate-corrupt and --rate-truncate'),
    );
  }
  let writeBudget: EmulatorOptions['writeBudget'];
  if (values['write-budget'] !== undefined) {
    try {
      writeBudget = parseWriteBudget(values['write-budget']);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const options: EmulatorOptions = {
    port: intArg('--port', values.port, 0, 65535) ?? 0,
    tenantId,
    apps,
    tenantFile: values.tenant,
    statePath: values.state,
    generate: prune({
      users: intArg('--users', values.users, 0, 10_000_000),
      groups: intArg('--groups', values.groups, 0, 1_000_000),
      seed,
    }),
    faults,
    behaviour,
    writeBudget,
  };
  return { options, caOut: values['ca-out'] };
}

function parseApp(spec: string, env: NodeJS.ProcessEnv): AppRegistration {
  const eq = spec.indexOf('=');
  if (eq <= 0 || eq === spec.length - 1) {
    throw new UsageError(
      `--app must be <clientId>=<secret> or <clientId>=env:<VAR>; got '${spec.slice(0, eq > 0 ? eq : spec.length)}=…'`,
    );
  }
  const clientId = spec.slice(0, eq);
  let secret = spec.slice(eq + 1);
  if (secret.startsWith('env:')) {
    const name = secret.slice(4);
    const v = env[name];
    if (!v)
      throw new UsageError(`--app ${clientId}=env:${name}: the environment variable ${name} is not set`);
    secret = v;
  }
  return { clientId, secrets: [secret], certificates: [], roles: 'all' };
}

function prune<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k as keyof T] = v as T[keyof T];
  return out;
}

export async function runEmulatorCommand(argv: string[]): Promise<void> {
  const { options, caOut } = parseEmulatorArgs(argv);
  // Listen for the signals before the (possibly long) start, so a stop during it still ends cleanly.
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const started = Date.now();
  const emu = await startEmulator(options);
  try {
    if (caOut) writeFileSync(caOut, emu.caCertPem);
  } catch (e) {
    // The server is already listening: close it, or the process would never end.
    await emu.close();
    throw new Error(`--ca-out ${caOut}: cannot write the CA certificate: ${(e as Error).message}`);
  }
  const ctx = emu.context;
  const users = ctx.store.count('user');
  const groups = ctx.store.count('group');
  process.stdout.write(`${emu.baseUrl}\n`);
  process.stderr.write(
    `mimgraph emulator: tenant ${emu.tenantId} (${ctx.store.domains.join(', ')}), ${users} users, ${groups} groups, ` +
      `${ctx.apps.size} app(s), ready in ${Date.now() - started} ms\n` +
      `  login:  ${emu.baseUrl}/${emu.tenantId}/oauth2/v2.0/token\n  graph:  ${emu.baseUrl}/v1.0\n` +
      (caOut
        ? `  CA:     ${caOut} (set NODE_EXTRA_CA_CERTS to it, or the connector's CA file option)\n`
        : ''),
  );
  await stopped;
  process.off('SIGTERM', stop);
  process.off('SIGINT', stop);
  await emu.close();
  process.stderr.write('mimgraph emulator: stopped\n');
}
