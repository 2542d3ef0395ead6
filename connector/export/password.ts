import type { ConnectorConfig } from '../config/types.js';
import type { GraphClient } from '../graph/client.js';
import { GraphError, TransportError } from '../graph/errors.js';
import { ConnectorError, type PasswordOptions, type PasswordTarget } from '../model/ecma.js';
import type { RunContext } from '../runtime/context.js';
import { fatal, isPasswordPolicy } from './errors.js';
import { PlaceholderMap } from './placeholders.js';
import { isGuid } from './values.js';

/**
 * MIM's password calls (OpenPasswordConnection … SetPassword/ChangePassword … Close). A reset is a
 * PATCH of the user's passwordProfile. The password is only ever in the request body: never in a log
 * line, an error message or an error's detail.
 */
export class PasswordSession {
  private closed = false;

  private constructor(
    private readonly config: ConnectorConfig,
    private readonly ctx: RunContext,
    private readonly client: GraphClient,
    private readonly placeholders: PlaceholderMap,
  ) {}

  static async open(config: ConnectorConfig, ctx: RunContext): Promise<PasswordSession> {
    const client = ctx.graph(config);
    try {
      await client.tokens.getToken();
    } catch (e) {
      await client.close();
      throw fatal(e, ctx.signal);
    }
    return new PasswordSession(config, ctx, client, PlaceholderMap.load(ctx.stateDir, ctx.log));
  }

  /** Resets the password (an administrator's reset: no old password needed). */
  async setPassword(target: PasswordTarget, password: string, options: PasswordOptions): Promise<void> {
    const id = this.userId(target);
    if (typeof password !== 'string' || password.length === 0) {
      throw new ConnectorError('PasswordIllFormed', `the new password for user ${id} is empty`);
    }
    if (/[\u0000-\u001f\u007f]/.test(password)) {
      throw new ConnectorError(
        'PasswordIllFormed',
        `the new password for user ${id} contains control characters`,
      );
    }
    if (password.length > 256) {
      throw new ConnectorError(
        'PasswordIllFormed',
        `the new password for user ${id} is longer than 256 characters`,
      );
    }
    const force = options.forceChangeAtLogOn || this.config.forceChangePasswordNextSignIn;
    try {
      await this.client.request('PATCH', `/users/${encodeURIComponent(id)}`, {
        body: { passwordProfile: { password, forceChangePasswordNextSignIn: force } },
        signal: this.ctx.signal,
      });
    } catch (e) {
      throw this.mapError(e, id);
    }
    if (options.unlockAccount) {
      // Entra ID has no lockout flag an application can clear: smart lockout ends by itself.
      this.ctx.log.debug(
        'unlock requested with the reset: Entra ID smart lockout cannot be cleared through Graph',
        { user: id },
      );
    }
    this.ctx.log.info('password reset', { user: id, forceChangePasswordNextSignIn: force });
  }

  /**
   * Graph's changePassword works only for the signed-in user (delegated permission, with the old
   * password); an application cannot change another user's password, so this is refused.
   */
  async changePassword(target: PasswordTarget, _oldPassword: string, _newPassword: string): Promise<void> {
    const id = this.userId(target);
    throw new ConnectorError(
      'PasswordExtension',
      `cannot change the password of user ${id}: Microsoft Graph changes a password (with the old one) only for the signed-in user ` +
        'itself, never for an application; use password reset (SetPassword) instead, e.g. by synchronising the new password as a reset',
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }

  private userId(target: PasswordTarget): string {
    if (target.objectType !== 'user') {
      throw new ConnectorError(
        'PasswordExtension',
        `${target.objectType} objects have no password in Entra ID (only users do)`,
      );
    }
    for (const candidate of [target.anchor, target.dn]) {
      if (!candidate) continue;
      const known = this.placeholders.get(candidate);
      if (known) return known.id;
      if (isGuid(candidate)) return candidate.toLowerCase();
    }
    throw new ConnectorError(
      'ObjectNotFound',
      `the user '${target.dn}' has no Graph id yet (its DN is not an id this connector knows); run an import first`,
    );
  }

  /** The Graph failure as MIM's password exception; never with the password. */
  private mapError(e: unknown, id: string): unknown {
    if (this.ctx.signal.aborted) return e;
    if (e instanceof GraphError) {
      const detail = { graphCode: e.code, status: e.status, requestId: e.requestId ?? '' };
      const msg = `password reset of user ${id} failed: ${e.status} ${e.code}: ${e.graphMessage}`;
      if (e.status === 404) return new ConnectorError('ObjectNotFound', msg, detail);
      if (e.status === 403) {
        return new ConnectorError(
          'AccessDenied',
          `${msg}. Resetting passwords needs the User-PasswordProfile.ReadWrite.All (or User.ReadWrite.All) application permission, ` +
            'and the app cannot reset passwords of administrators unless it holds a suitable directory role',
          detail,
        );
      }
      if (isPasswordPolicy(e)) return new ConnectorError('PasswordPolicyViolation', msg, detail);
      if (e.status === 400 && /password/i.test(e.message))
        return new ConnectorError('PasswordIllFormed', msg, detail);
      if (e.status === 401 || e.status >= 500 || e.status === 429) return fatal(e);
      return new ConnectorError('PasswordExtension', msg, detail);
    }
    if (e instanceof TransportError) return fatal(e);
    return fatal(e);
  }
}
