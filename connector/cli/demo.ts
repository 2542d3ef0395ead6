import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../../emulator/index.js';
import { readMmsml } from '../dropfile/reader.js';
import { GraphClient } from '../graph/client.js';
import { resolveCloud } from '../graph/clouds.js';
import { runExportCommand } from './export.js';
import { runImportCommand } from './import.js';

/**
 * `mimgraph demo` (`npm start`): the sample tenant in an in-process emulator, then what a MIM
 * administrator would run — a full import to out/full-import.xml, changes made "in Entra", a delta
 * import to out/delta-import.xml, and the export of samples/changes.xml (out/export.xml and
 * out/export-results.json). The app secret travels in this process's memory only.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export async function runDemo(_argv: string[]): Promise<number> {
  const say = (line = '') => process.stdout.write(`${line}\n`);
  const samples = join(root, 'samples');
  const out = resolve('out');
  mkdirSync(out, { recursive: true });
  const tenantFile = join(samples, 'tenant.json');
  const app = (
    JSON.parse(readFileSync(tenantFile, 'utf8')) as { apps: { clientId: string; secrets: string[] }[] }
  ).apps[0]!;
  const emu = await startEmulator({ tenantFile });
  const caFile = join(out, 'emulator-ca.pem');
  writeFileSync(caFile, emu.caCertPem);
  const configFile = join(out, 'demo-config.json');
  writeFileSync(
    configFile,
    `${JSON.stringify(
      {
        tenant: emu.tenantId,
        clientId: app.clientId,
        cloud: 'custom',
        loginEndpoint: emu.baseUrl,
        graphEndpoint: emu.baseUrl,
        caFile,
        objectTypes: ['user', 'group', 'contact'],
        invitation: { redirectUrl: 'https://myapps.microsoft.com', sendMessage: false },
      },
      null,
      2,
    )}\n`,
  );
  const state = join(out, 'demo-state.json');
  rmSync(state, { force: true });
  rmSync(`${state}.d`, { recursive: true, force: true });
  const previous = process.env.MIMGRAPH_CLIENT_SECRET;
  process.env.MIMGRAPH_CLIENT_SECRET = app.secrets[0];
  const codes: number[] = [];
  try {
    say(`Sample tenant ${emu.tenantId} emulated at ${emu.baseUrl} (configuration: ${configFile})`);
    say('\n== Full import → out/full-import.xml');
    codes.push(
      await runImportCommand([
        '--full',
        '--config',
        configFile,
        '--state',
        state,
        '--drop-file',
        join(out, 'full-import.xml'),
      ]),
    );

    say('\n== Changes in Entra: a title, a new group member, a B2B guest');
    const graph = new GraphClient({
      cloud: resolveCloud('custom', { loginEndpoint: emu.baseUrl, graphEndpoint: emu.baseUrl }),
      tenantId: emu.tenantId,
      clientId: app.clientId,
      credential: { kind: 'secret', secret: app.secrets[0]! },
      http: { caFile },
      writeBudget: false,
    });
    try {
      const user = (id: string) => `/users/${encodeURIComponent(id)}`;
      await graph.request('PATCH', user('alex.wilber@contoso-sample.onmicrosoft.com'), {
        body: { jobTitle: 'Marketing Lead' },
      });
      const lee = await graph.request<{ id: string }>('GET', user('lee.gu@contoso-sample.onmicrosoft.com'));
      const marketing = await graph.request<{ value: { id: string }[] }>(
        'GET',
        "/groups?$filter=mailNickname eq 'marketing'",
      );
      await graph.request('POST', `/groups/${marketing.body.value[0]!.id}/members/$ref`, {
        body: { '@odata.id': `${graph.root}/directoryObjects/${lee.body.id}` },
      });
      await graph.request('POST', '/invitations', {
        body: {
          invitedUserEmailAddress: 'robin.vendor@wingtiptoys.example',
          inviteRedirectUrl: 'https://myapps.microsoft.com',
        },
      });
    } finally {
      await graph.close();
    }

    say('\n== Delta import → out/delta-import.xml');
    codes.push(
      await runImportCommand([
        '--delta',
        '--config',
        configFile,
        '--state',
        state,
        '--drop-file',
        join(out, 'delta-import.xml'),
      ]),
    );

    say('\n== Export of samples/changes.xml → out/export.xml, out/export-results.json');
    codes.push(
      await runExportCommand([
        '--changes',
        join(samples, 'changes.xml'),
        '--config',
        configFile,
        '--state',
        state,
        '--drop-file',
        join(out, 'export.xml'),
        '--results',
        join(out, 'export-results.json'),
      ]),
    );

    say('\n== Drop files read back');
    for (const file of ['full-import.xml', 'delta-import.xml', 'export.xml']) {
      let n = 0;
      for await (const _ of readMmsml(join(out, file))) n++;
      say(`out/${file}: ${n} entries`);
    }
  } finally {
    if (previous === undefined) delete process.env.MIMGRAPH_CLIENT_SECRET;
    else process.env.MIMGRAPH_CLIENT_SECRET = previous;
    await emu.close();
  }
  return Math.max(...codes);
}
