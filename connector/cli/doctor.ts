import { lookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { rootCertificates, connect as tlsConnect } from 'node:tls';
import { parseArgs } from 'node:util';
import type { ConnectorConfig, ObjectTypeName } from '../config/types.js';
import { readPemBundle } from '../graph/transport.js';
import type { Schema } from '../model/ecma.js';
import { graphClientFor } from '../runtime/graph.js';
import { CliExit, EXIT, loadConfigFile, usageError } from './config-file.js';
import { failureMessage, readState, runSchema, startRun } from './run.js';
import { schemaToJson } from './schema.js';
import { Tally } from './summary.js';

export const doctorUsage = `mimgraph doctor — check that a configuration can run

Usage:
  mimgraph doctor --config <file> [--state <file>] [--json]

Checks DNS, TLS and proxy reachability of the login and Graph endpoints, token acquisition, the
application permissions (roles) granted against the configured object types, Graph's $metadata and,
with --state, the age of the delta links (they expire after 7 days).
Exit codes: 0 no check failed, 1 a check failed, 64 usage or configuration error.
`;

export type Status = 'OK' | 'WARN' | 'FAIL';
export interface Check {
  name: string;
  status: Status;
  detail: string;
  fix?: string | undefined;
}

/** Application permissions that allow reading / writing each object type (least privileged first). */
const READ_ROLES: Record<ObjectTypeName, string[]> = {
  user: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  group: [
    'Group.Read.All',
    'Group.ReadWrite.All',
    'GroupMember.Read.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  contact: ['OrgContact.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  servicePrincipal: [
    'Application.Read.All',
    'Application.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  administrativeUnit: [
    'AdministrativeUnit.Read.All',
    'AdministrativeUnit.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
};
const WRITE_ROLES: Record<ObjectTypeName, string[]> = {
  user: ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  group: ['Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  contact: ['OrgContact.ReadWrite.All', 'Directory.ReadWrite.All'],
  servicePrincipal: ['Application.ReadWrite.All', 'Directory.ReadWrite.All'],
  administrativeUnit: ['AdministrativeUnit.ReadWrite.All', 'Directory.ReadWrite.All'],
};

const DELTA_LINK_DAYS = 7;

export async function runDoctorCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      state: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(doctorUsage);
    return EXIT.ok;
  }
  const loaded = loadConfigFile(values.config);
  const state = readState(values.state);
  const checks: Check[] = [];
  const report = (c: Check) => {
    checks.push(c);
    if (!values.json) {
      process.stdout.write(
        `${c.status.padEnd(4)} ${c.name}: ${c.detail}\n${c.fix ? `     fix: ${c.fix}\n` : ''}`,
      );
    }
  };
  report({ name: 'configuration', status: 'OK', detail: `${loaded.file} is valid` });
  const config = loaded.config;

  for (const [name, endpoint] of [
    ['login endpoint', config.cloud.loginEndpoint],
    ['Graph endpoint', config.cloud.graphEndpoint],
  ] as const) {
    report(await reachability(name, endpoint, config));
  }

  const client = graphClientFor(config);
  try {
    let token: string | undefined;
    try {
      token = await client.tokens.getToken();
      report({
        name: 'token',
        status: 'OK',
        detail: `signed in as app ${config.clientId} in ${config.tenantId}`,
      });
    } catch (e) {
      report({ name: 'token', status: 'FAIL', detail: failureMessage(e), fix: tokenFix(e) });
    }
    if (token) {
      for (const c of roleChecks(token, config)) report(c);
      try {
        const res = await client.requestText('/$metadata');
        report({
          name: '$metadata',
          status: 'OK',
          detail: `${client.root}/$metadata (${res.body.length} characters)`,
        });
      } catch (e) {
        report({
          name: '$metadata',
          status: 'FAIL',
          detail: failureMessage(e),
          fix: 'the schema is detected from $metadata: check the Graph endpoint, apiVersion and the proxy',
        });
      }
    }
  } finally {
    await client.close();
  }

  if (values.state) report(deltaAgeCheck(state));

  const failed = checks.some((c) => c.status === 'FAIL');
  if (values.json) process.stdout.write(`${JSON.stringify({ ok: !failed, checks }, null, 2)}\n`);
  return failed ? EXIT.objectErrors : EXIT.ok;
}

function tokenFix(e: unknown): string {
  const m = failureMessage(e);
  if (/7000215|invalid.*secret|secret/i.test(m)) {
    return 'the client secret is wrong or expired: create a new one and set MIMGRAPH_CLIENT_SECRET (or clientSecret)';
  }
  if (/700016|application.*not found/i.test(m))
    return 'check clientId: the app registration is not in this tenant';
  if (/90002|tenant/i.test(m)) return 'check tenant: use the directory (tenant) id or a verified domain';
  if (/certificate|700027|700024/i.test(m))
    return 'check certificate.file: the certificate must be registered on the app';
  return 'check tenant, clientId and the credential, and the login endpoint reachability above';
}

/** The token's `roles` claim (payload only; the token itself is never printed). */
export function tokenRoles(token: string): string[] {
  const payload = token.split('.')[1];
  if (!payload) return [];
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { roles?: unknown };
    return Array.isArray(claims.roles) ? claims.roles.map(String) : [];
  } catch {
    return [];
  }
}

function roleChecks(token: string, config: ConnectorConfig): Check[] {
  const roles = new Set(tokenRoles(token));
  const out: Check[] = [];
  if (roles.size === 0) {
    return [
      {
        name: 'permissions',
        status: 'FAIL',
        detail: 'the access token carries no application permissions (roles)',
        fix: 'grant Microsoft Graph application permissions (e.g. User.ReadWrite.All, Group.ReadWrite.All) to the app and grant admin consent',
      },
    ];
  }
  for (const t of config.objectTypes) {
    const read = READ_ROLES[t].find((r) => roles.has(r));
    const write = WRITE_ROLES[t].find((r) => roles.has(r));
    if (!read) {
      out.push({
        name: `permissions ${t}`,
        status: 'FAIL',
        detail: `no permission to read ${t} objects (import)`,
        fix: `grant one of ${READ_ROLES[t].join(', ')} (application) and admin consent`,
      });
    } else if (!write) {
      out.push({
        name: `permissions ${t}`,
        status: 'WARN',
        detail: `import only: ${read} granted, no permission to write ${t} objects (export)`,
        fix: `for export grant one of ${WRITE_ROLES[t].join(', ')} (application) and admin consent`,
      });
    } else {
      out.push({ name: `permissions ${t}`, status: 'OK', detail: `import (${read}) and export (${write})` });
    }
  }
  const extensions = [
    'Application.Read.All',
    'Application.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ];
  if (!extensions.some((r) => roles.has(r))) {
    out.push({
      name: 'permissions extensions',
      status: 'WARN',
      detail:
        'directory extension attributes (extension_*) cannot be listed: they are left out of the schema',
      fix: 'grant Application.Read.All (or Directory.Read.All) (application) and admin consent',
    });
  }
  if (config.objectTypes.includes('user') && config.invitation.redirectUrl) {
    const invite = ['User.Invite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'].find((r) =>
      roles.has(r),
    );
    out.push(
      invite
        ? { name: 'permissions invitations', status: 'OK', detail: `guest invitations (${invite})` }
        : {
            name: 'permissions invitations',
            status: 'WARN',
            detail: 'invitation.redirectUrl is set but guests cannot be invited',
            fix: 'grant User.Invite.All (application) and admin consent',
          },
    );
  }
  return out;
}

export function deltaAgeCheck(
  state: { customData: string | null; savedAt: string } | undefined,
  now = Date.now(),
): Check {
  const name = 'delta link age';
  if (!state?.customData) {
    return {
      name,
      status: 'WARN',
      detail: 'the state file holds no watermark yet',
      fix: 'run mimgraph import --full --state <file>',
    };
  }
  const age = (now - Date.parse(state.savedAt)) / 86_400_000;
  const detail = `the watermark is ${age.toFixed(1)} days old (saved ${state.savedAt}); Graph's delta links expire after ${DELTA_LINK_DAYS} days`;
  if (!Number.isFinite(age))
    return { name, status: 'WARN', detail: 'the state file has no valid savedAt', fix: 'run an import' };
  if (age >= DELTA_LINK_DAYS) {
    return {
      name,
      status: 'FAIL',
      detail,
      fix: 'the delta links have expired: the next delta import falls back to a full resync; run import --full',
    };
  }
  if (age >= DELTA_LINK_DAYS - 1) {
    return {
      name,
      status: 'WARN',
      detail,
      fix: 'run a delta import within the next day to keep the delta links alive',
    };
  }
  return { name, status: 'OK', detail };
}

function caList(config: ConnectorConfig): string[] | undefined {
  if (!config.caFile) return undefined;
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  let env: string[] = [];
  try {
    env = extra ? readPemBundle(extra) : [];
  } catch {
    env = [];
  }
  return [...rootCertificates, ...readPemBundle(config.caFile), ...env];
}

/** DNS, TCP (or proxy CONNECT) and a TLS handshake to the endpoint, with the configured trust. */
async function reachability(name: string, endpoint: string, config: ConnectorConfig): Promise<Check> {
  const url = new URL(endpoint);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  const timeout = Math.min(config.httpTimeoutMs, 15_000);
  const via = config.proxy ? ` via proxy ${config.proxy.url}` : '';
  try {
    const dnsHost = config.proxy ? new URL(config.proxy.url).hostname : host;
    if (!isIP(dnsHost)) {
      try {
        await lookup(dnsHost);
      } catch (e) {
        return {
          name,
          status: 'FAIL',
          detail: `DNS: ${dnsHost} does not resolve (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
          fix: config.proxy
            ? 'check proxy.url'
            : `check the DNS server, or the ${config.cloud.name === 'custom' ? 'endpoint' : 'cloud'} setting`,
        };
      }
    }
    const socket = config.proxy ? await proxyConnect(config, host, port, timeout) : undefined;
    const cert = await tlsHandshake(host, port, socket, caList(config), timeout);
    return { name, status: 'OK', detail: `${url.host}${via}: DNS, TLS ok (certificate ${cert})` };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const msg = err.message ?? String(e);
    let fix = config.proxy
      ? 'check proxy.url, proxy.username and MIMGRAPH_PROXY_PASSWORD, and that the proxy allows CONNECT to this host'
      : 'check the firewall (outbound 443) or set proxy.url';
    if (/certificate|self.signed|unable to verify|UNABLE_TO|CERT_/i.test(`${err.code ?? ''} ${msg}`)) {
      fix = 'the server certificate is not trusted: put the CA (PEM) into caFile or NODE_EXTRA_CA_CERTS';
    }
    if (/407/.test(msg))
      fix = 'the proxy refused the credentials: check proxy.username and MIMGRAPH_PROXY_PASSWORD';
    return {
      name,
      status: 'FAIL',
      detail: `${url.host}${via}: ${err.code ? `${err.code}: ` : ''}${msg}`,
      fix,
    };
  }
}

function tlsHandshake(
  host: string,
  port: number,
  socket: Socket | undefined,
  ca: string[] | undefined,
  timeout: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({
      host,
      port,
      ...(socket ? { socket } : {}),
      ...(ca ? { ca } : {}),
      ...(isIP(host) ? {} : { servername: host }),
      timeout,
    });
    s.once('secureConnect', () => {
      const c = s.getPeerCertificate();
      s.end();
      resolve(`${c.subject?.CN ?? '?'}, valid to ${c.valid_to ?? '?'}`);
    });
    s.once('timeout', () => {
      s.destroy();
      reject(Object.assign(new Error(`no TLS handshake within ${timeout} ms`), { code: 'ETIMEDOUT' }));
    });
    s.once('error', reject);
  });
}

function proxyConnect(config: ConnectorConfig, host: string, port: number, timeout: number): Promise<Socket> {
  const proxy = new URL(config.proxy!.url);
  const headers: Record<string, string> = { host: `${host}:${port}` };
  if (config.proxy?.username) {
    headers['proxy-authorization'] =
      `Basic ${Buffer.from(`${config.proxy.username}:${config.proxy.password ?? ''}`).toString('base64')}`;
  }
  const request = proxy.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request({
      host: proxy.hostname,
      port: Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80)),
      method: 'CONNECT',
      path: `${host}:${port}`,
      headers,
      timeout,
      ...(proxy.protocol === 'https:' && caList(config) ? { ca: caList(config) } : {}),
    });
    req.once('connect', (res, socket) => {
      if (res.statusCode === 200) resolve(socket);
      else {
        socket.destroy();
        reject(new Error(`the proxy answered CONNECT with ${res.statusCode}`));
      }
    });
    req.once('timeout', () => req.destroy(new Error(`the proxy did not answer within ${timeout} ms`)));
    req.once('error', reject);
    req.end();
  });
}

/** `mimgraph schema --config <file> [--json]`: the live schema, cut to the configured attributes. */
export async function runLiveSchemaCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
    allowPositionals: false,
  });
  if (!values.config) throw usageError('schema: --config <file> is required');
  const loaded = loadConfigFile(values.config);
  const host = startRun(undefined, new Tally());
  let schema: Schema;
  try {
    schema = await runSchema(host, loaded);
  } catch (e) {
    if (e instanceof CliExit) throw e;
    process.stderr.write(`mimgraph schema: ${failureMessage(e)}\n`);
    return EXIT.failed;
  } finally {
    await host.dispose();
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(schemaToJson(schema), null, 2)}\n`);
    return EXIT.ok;
  }
  const lines: string[] = [];
  for (const t of schema.types) {
    lines.push(`${t.name} (${t.attributes.length} attributes)`);
    for (const a of t.attributes) {
      lines.push(
        `  ${a.name.padEnd(40)} ${a.dataType.padEnd(9)} ${a.multiValued ? 'multi' : '     '} ${a.operation}${a.anchor ? ' anchor' : ''}`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
