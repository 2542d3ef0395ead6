import type { ConnectorConfig } from '../config/types.js';
import type { BatchRequest } from '../graph/batch.js';
import type { GraphClient } from '../graph/client.js';
import { generatePassword } from './password-gen.js';
import { fail, type Work } from './work.js';

/** An object created before `since` minus this much is not ours (clock skew between us and Graph). */
const SKEW_MS = 5 * 60_000;

export interface CreateRequest {
  readonly work: Work;
  readonly request: BatchRequest;
}

/** The Graph id in a create's answer (an object, or an invitation naming the invited user). */
export function createdId(body: unknown): string | undefined {
  const b = body as { id?: unknown; invitedUser?: { id?: unknown } } | undefined;
  const id = b?.invitedUser?.id ?? b?.id;
  return typeof id === 'string' ? id.toLowerCase() : undefined;
}

const q = (v: string) => encodeURIComponent(`'${v.replace(/'/g, "''")}'`);

/**
 * Decides how each Add is created and builds its POST; entries missing what Graph requires fail here
 * (ExportErrorMissingProvisioningAttribute naming the attribute). Properties the POST carries are
 * taken off the work; what is left (an invited user's other attributes, references) follows later.
 */
export function buildCreate(
  w: Work,
  config: ConnectorConfig,
  client: GraphClient,
  since: number,
  signal: AbortSignal,
): CreateRequest | undefined {
  const missing = (name: string, why = 'Graph requires it to create the object') =>
    fail(
      w,
      'ExportErrorMissingProvisioningAttribute',
      name,
      `attribute '${name}' is missing on the Add of ${w.type} '${w.entry.dn ?? ''}': ${why}`,
    );
  const has = (p: string) => w.props.get(p) !== undefined && w.props.get(p) !== null && w.props.get(p) !== '';
  const body: Record<string, unknown> = {};
  const take = () => {
    for (const [k, v] of w.props) if (v !== null) body[k] = v;
    for (const [k, members] of w.complex) body[k] = Object.fromEntries(members);
    w.props.clear();
    w.complex.clear();
  };
  const recent = (created: unknown) => typeof created !== 'string' || Date.parse(created) >= since - SKEW_MS;
  const find = async (url: string, accept: (o: Record<string, unknown>) => boolean) => {
    const res = await client.request<{ value?: Record<string, unknown>[] }>('GET', url, { signal });
    return (res.body.value ?? []).find(accept);
  };
  const id = `c${w.entry.identifier}`;

  if (w.type === 'user' && !has('userPrincipalName') && has('mail')) {
    w.create = 'invitation';
    const mail = String(w.props.get('mail'));
    const redirect = config.invitation.redirectUrl;
    if (!redirect) {
      fail(
        w,
        'ExportErrorCustomContinueRun',
        'InvitationRedirectUrlMissing',
        `user '${w.entry.dn ?? ''}' has a mail address but no userPrincipalName, so it would be invited as a guest, ` +
          'but no invitation redirect URL is configured; set the invitation redirect URL in the connector configuration',
      );
      return undefined;
    }
    const displayName = has('displayName') ? String(w.props.get('displayName')) : undefined;
    w.invite = { mail, displayName };
    w.props.delete('mail');
    w.props.delete('displayName');
    if (w.password)
      w.notes.push('an invited guest signs in with its home account: export_password is ignored');
    w.password = undefined;
    const invitation = {
      invitedUserEmailAddress: mail,
      inviteRedirectUrl: redirect,
      sendInvitationMessage: config.invitation.sendMessage,
      ...(displayName ? { invitedUserDisplayName: displayName } : {}),
      ...(config.invitation.messageText
        ? { invitedUserMessageInfo: { customizedMessageBody: config.invitation.messageText } }
        : {}),
    };
    return {
      work: w,
      request: {
        id,
        method: 'POST',
        url: '/invitations',
        body: invitation,
        lookup: async () => {
          const u = await find(
            `/users?$filter=mail eq ${q(mail)}&$select=id,mail,creationType,createdDateTime`,
            (o) => o.creationType === 'Invitation' && recent(o.createdDateTime),
          );
          return u ? { invitedUser: { id: u.id }, recovered: true } : undefined;
        },
      },
    };
  }
  if (w.type === 'user') {
    w.create = 'user';
    for (const p of ['userPrincipalName', 'displayName', 'accountEnabled']) {
      if (!has(p)) {
        missing(
          p,
          p === 'userPrincipalName'
            ? 'Graph requires it to create a user (or give mail alone to invite a guest)'
            : undefined,
        );
        return undefined;
      }
    }
    const upn = String(w.props.get('userPrincipalName'));
    if (!has('mailNickname')) {
      const nick = upn
        .slice(0, upn.lastIndexOf('@'))
        .replace(/[^A-Za-z0-9._-]/g, '')
        .slice(0, 64);
      w.props.set('mailNickname', nick || 'user');
    }
    take();
    const flags = (body.passwordProfile as Record<string, unknown> | undefined) ?? {};
    body.passwordProfile = {
      ...flags,
      password: w.password ?? generatePassword(),
      forceChangePasswordNextSignIn:
        typeof flags.forceChangePasswordNextSignIn === 'boolean'
          ? flags.forceChangePasswordNextSignIn
          : config.forceChangePasswordNextSignIn,
    };
    if (!w.password) w.notes.push('no export_password: the user was given a generated password nobody knows');
    return {
      work: w,
      request: {
        id,
        method: 'POST',
        url: '/users',
        body,
        lookup: () =>
          find(
            `/users?$filter=userPrincipalName eq ${q(upn)}&$select=id,userPrincipalName,createdDateTime`,
            (o) => recent(o.createdDateTime),
          ),
      },
    };
  }
  if (w.type === 'group') {
    w.create = 'group';
    for (const p of ['displayName', 'mailEnabled', 'securityEnabled', 'mailNickname']) {
      if (!has(p)) {
        missing(p);
        return undefined;
      }
    }
    const nick = String(w.props.get('mailNickname'));
    take();
    return {
      work: w,
      request: {
        id,
        method: 'POST',
        url: '/groups',
        body,
        lookup: () =>
          find(`/groups?$filter=mailNickname eq ${q(nick)}&$select=id,mailNickname,createdDateTime`, (o) =>
            recent(o.createdDateTime),
          ),
      },
    };
  }
  w.create = 'generic';
  take();
  return { work: w, request: { id, method: 'POST', url: `/${w.set}`, body } };
}

/** Invitations whose guest already exists fail as ExistingObject instead of silently adopting the guest. */
export function existingGuestChecks(
  creates: readonly CreateRequest[],
): { work: Work; request: BatchRequest }[] {
  return creates
    .filter((c) => c.work.create === 'invitation' && c.work.invite)
    .map((c, i) => ({
      work: c.work,
      request: {
        id: `g${i}`,
        method: 'GET' as const,
        url: `/users?$filter=mail eq ${q(c.work.invite!.mail)}&$select=id,creationType`,
      },
    }));
}
