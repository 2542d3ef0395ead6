import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PasswordSession } from '../../connector/export/password.js';
import { ConnectorError, type PasswordOptions } from '../../connector/model/ecma.js';
import type { DirObject } from '../../emulator/directory/store.js';
import { type ExportRig, startExportRig } from '../support/export-rig.js';

let rig: ExportRig;
let session: PasswordSession;
const NONE: PasswordOptions = { forceChangeAtLogOn: false, unlockAccount: false, validatePassword: false };
const GOOD = 'Tr0ub4dor&3-Horse';

beforeAll(async () => {
  rig = await startExportRig();
  session = await PasswordSession.open(rig.config, rig.ctx);
}, 30_000);
afterAll(async () => {
  await session?.close();
  await rig?.close();
});

const users = () =>
  [...rig.emu.context.store.all('user')].filter((u) => u.state === 'active' && u.props.userType !== 'Guest');
const target = (u: DirObject) => ({ dn: u.id, objectType: 'user', anchor: u.id });

async function codeOf(p: Promise<unknown>): Promise<ConnectorError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ConnectorError);
  const err = e as ConnectorError;
  expect(err.message).not.toContain(GOOD);
  expect(JSON.stringify(err.detail ?? {})).not.toContain(GOOD);
  return err;
}

describe('setPassword', () => {
  it('resets the password: the flags change, the emulator never stores the password, logs never show it', async () => {
    const u = users()[0]!;
    const writes = rig.emu.context.counters.writes;
    await session.setPassword(target(u), GOOD, { ...NONE, forceChangeAtLogOn: true });
    expect(rig.emu.context.counters.writes).toBe(writes + 1);
    expect(u.props.passwordProfile).toEqual({ forceChangePasswordNextSignIn: true });
    await session.setPassword(target(u), `${GOOD}x`, NONE);
    expect(u.props.passwordProfile).toEqual({ forceChangePasswordNextSignIn: false });
    expect(JSON.stringify(u.props)).not.toContain(GOOD);
    expect(rig.logLines.join('\n')).not.toContain(GOOD);
  });

  it('the configured forceChangePasswordNextSignIn applies when MIM does not ask for it', async () => {
    const u = users()[1]!;
    const s = await PasswordSession.open(rig.configFor({ forceChangePasswordNextSignIn: true }), rig.ctx);
    await s.setPassword(target(u), GOOD, NONE);
    await s.close();
    expect(u.props.passwordProfile).toEqual({ forceChangePasswordNextSignIn: true });
  });

  it('maps each failure to its code', async () => {
    const u = users()[2]!;
    expect((await codeOf(session.setPassword(target(u), 'abc', NONE))).code).toBe('PasswordPolicyViolation');
    expect((await codeOf(session.setPassword(target(u), '', NONE))).code).toBe('PasswordIllFormed');
    const gone = randomUUID();
    expect(
      (await codeOf(session.setPassword({ dn: gone, objectType: 'user', anchor: gone }, GOOD, NONE))).code,
    ).toBe('ObjectNotFound');
    expect(
      (await codeOf(session.setPassword({ dn: 'CN=unknown', objectType: 'user' }, GOOD, NONE))).code,
    ).toBe('ObjectNotFound');
    const clientId = randomUUID();
    rig.emu.registerApp({ clientId, secrets: ['pw-read-only'], certificates: [], roles: ['User.Read.All'] });
    const readOnly = await PasswordSession.open(rig.configFor({ clientId, secret: 'pw-read-only' }), rig.ctx);
    const denied = await codeOf(readOnly.setPassword(target(u), GOOD, NONE));
    await readOnly.close();
    expect(denied.code).toBe('AccessDenied');
    expect(denied.message).toMatch(/permission/);
  });

  it('changePassword is refused: Graph changes a password only for the signed-in user', async () => {
    const u = users()[3]!;
    const err = await codeOf(session.changePassword(target(u), 'Old-Passw0rd!', GOOD));
    expect(err.code).toBe('PasswordExtension');
    expect(err.message).toMatch(/signed-in user/);
    expect(err.message).not.toContain('Old-Passw0rd!');
  });

  it('bad credentials stop at open', async () => {
    const err = await PasswordSession.open(rig.configFor({ secret: 'nope' }), rig.ctx).catch(
      (e: unknown) => e,
    );
    expect((err as ConnectorError).code).toBe('BadServerCredentials');
  });
});
