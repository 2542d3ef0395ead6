import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../../emulator/index.js';
import { runBatch } from '../graph/batch.js';
import { GraphClient } from '../graph/client.js';
import { resolveCloud } from '../graph/clouds.js';

/**
 * `mimgraph demo` (`npm start`): an emulated tenant in this process and a Graph session against it —
 * sign-in, a full delta import of users and groups, a batch of changes, and the delta round that
 * reports them. The app secret is generated here and never leaves memory.
 */
export async function runDemo(_argv: string[]): Promise<void> {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const clientId = randomUUID();
  const secret = randomBytes(32).toString('base64url');
  const emu = await startEmulator({
    apps: [{ clientId, secrets: [secret], certificates: [], roles: 'all' }],
    generate: { users: 500, groups: 25, seed: 2026 },
  });
  const dir = mkdtempSync(join(tmpdir(), 'mimgraph-demo-'));
  const caFile = join(dir, 'emulator-ca.pem');
  writeFileSync(caFile, emu.caCertPem);
  const client = new GraphClient({
    cloud: resolveCloud('custom', { loginEndpoint: emu.baseUrl, graphEndpoint: emu.baseUrl }),
    tenantId: emu.tenantId,
    clientId,
    credential: { kind: 'secret', secret },
    http: { caFile },
  });
  try {
    out(`Emulated tenant ${emu.tenantId} at ${emu.baseUrl}`);
    const t0 = performance.now();
    let users = 0;
    let pages = 0;
    let userDelta = '';
    for await (const page of client.delta<{ id: string }>(
      '/users/delta?$select=displayName,userPrincipalName,userType,manager',
    )) {
      users += page.value.length;
      pages++;
      if (page.deltaLink) userDelta = page.deltaLink;
    }
    out(
      `Full import (delta enumeration): ${users} users in ${pages} pages, ${Math.round(performance.now() - t0)} ms`,
    );
    let groups = 0;
    let members = 0;
    let groupId = '';
    for await (const page of client.delta<{ id: string; 'members@delta'?: unknown[] }>(
      '/groups/delta?$select=displayName,members',
    )) {
      for (const g of page.value) {
        groups++;
        members += g['members@delta']?.length ?? 0;
        groupId ||= g.id;
      }
    }
    out(`Groups: ${groups} with ${members} member references`);

    const upn = `demo.guest.${Date.now()}@${'mimgraph.onmicrosoft.com'}`;
    const results = await runBatch(client, [
      {
        id: 'create',
        method: 'POST',
        url: '/users',
        body: {
          accountEnabled: true,
          displayName: 'Demo User',
          mailNickname: 'demo.user',
          userPrincipalName: upn,
          passwordProfile: {
            forceChangePasswordNextSignIn: true,
            password: `Aa1!${randomBytes(12).toString('base64url')}`,
          },
        },
      },
      {
        id: 'invite',
        method: 'POST',
        url: '/invitations',
        body: {
          invitedUserEmailAddress: 'partner.user@fabrikam.com',
          inviteRedirectUrl: 'https://myapps.microsoft.com',
          invitedUserDisplayName: 'Partner User',
        },
      },
    ]);
    const created = results.get('create')?.body as { id?: string } | undefined;
    const invited = (results.get('invite')?.body as { invitedUser?: { id?: string } } | undefined)
      ?.invitedUser?.id;
    out(
      `Batch: created user ${created?.id ?? results.get('create')?.error?.message}, invited guest ${invited ?? results.get('invite')?.error?.message}`,
    );
    if (created?.id && groupId) {
      await runBatch(client, [
        {
          id: 'member',
          method: 'POST',
          url: `/groups/${groupId}/members/$ref`,
          body: { '@odata.id': `${client.root}/directoryObjects/${created.id}` },
        },
        { id: 'title', method: 'PATCH', url: `/users/${created.id}`, body: { jobTitle: 'Demo engineer' } },
      ]);
    }
    const changed: string[] = [];
    for await (const page of client.delta<{ id: string; displayName?: string; '@removed'?: unknown }>(
      userDelta,
    )) {
      for (const u of page.value)
        changed.push(`${u.displayName ?? u.id}${u['@removed'] ? ' (removed)' : ''}`);
    }
    out(`Delta import: ${changed.length} changed users: ${changed.join(', ')}`);
    const c = client.counters;
    out(
      `Requests ${c.requests}, retries ${c.retries}, tokens acquired ${c.tokensAcquired}, ${(c.bytesReceived / 1024).toFixed(0)} KiB received`,
    );
  } finally {
    await client.close();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
