import type { EmulatorContext } from '../context.js';
import { contextUrl, parseSelect, project } from '../directory/representation.js';
import { badRequest, notFound } from '../http/errors.js';
import type { GraphRequest, GraphResponse } from '../http/types.js';
import { entityType } from '../model/entities.js';
import type { EntityTypeName } from '../model/types.js';
import { validateWrite } from './bodies.js';
import { nowIso, pageSize } from './collections.js';
import { carriedQuery, decodeToken, encodeToken, odataQueryString } from './paging.js';
import { requireAnyRole, requireRole } from './permissions.js';
import { odataType } from './relations.js';

/** Applications' directory extension properties, deleted items, invitations, directoryObjects. */

const EXTENSION_READ = [
  'Directory.Read.All',
  'Directory.ReadWrite.All',
  'Application.Read.All',
  'Application.ReadWrite.All',
];
const DATA_TYPES = ['Binary', 'Boolean', 'DateTime', 'Integer', 'LargeInteger', 'String'];
const TARGETS = ['User', 'Group', 'AdministrativeUnit', 'Application', 'Device', 'Organization'];

function extensionJson(
  ctx: EmulatorContext,
  ext: { props: Record<string, unknown> },
): Record<string, unknown> {
  const sel = parseSelect(null, entityType('extensionProperty'), ctx.store, false);
  return { '@odata.type': '#microsoft.graph.extensionProperty', ...project(ext as never, sel) };
}

/** POST /directoryObjects/getAvailableExtensionProperties {isSyncedFromOnPremises?} */
export function availableExtensionProperties(ctx: EmulatorContext, req: GraphRequest): GraphResponse {
  requireAnyRole(req, EXTENSION_READ);
  const body = (req.body ?? {}) as Record<string, unknown>;
  const synced = body.isSyncedFromOnPremises;
  if (synced !== undefined && typeof synced !== 'boolean') {
    throw badRequest(
      "Invalid value specified for parameter 'isSyncedFromOnPremises': expected true or false.",
    );
  }
  const value = ctx.store
    .extensionProperties()
    .filter((e) => synced === undefined || (e.props.isSyncedFromOnPremises === true) === synced)
    .map((e) => extensionJson(ctx, e));
  return {
    status: 200,
    body: {
      '@odata.context': `${ctx.root(req.version)}/$metadata#Collection(microsoft.graph.extensionProperty)`,
      value,
    },
  };
}

/** GET /applications/{id}/extensionProperties */
export function listExtensionProperties(
  ctx: EmulatorContext,
  req: GraphRequest,
  appKey: string,
): GraphResponse {
  requireRole(req, 'application', 'read');
  const app = ctx.store.resolve(appKey, 'application');
  if (!app) throw notFound(appKey);
  const value = ctx.store
    .extensionProperties()
    .filter((e) => e.props.owningApp === app.id)
    .map((e) => {
      const { '@odata.type': _t, ...rest } = extensionJson(ctx, e);
      return rest;
    });
  return {
    status: 200,
    body: {
      '@odata.context': `${ctx.root(req.version)}/$metadata#applications('${app.id}')/extensionProperties`,
      value,
    },
  };
}

/** POST /applications/{id}/extensionProperties {name, dataType, targetObjects, isMultiValued?} → 201 */
export function createExtensionProperty(
  ctx: EmulatorContext,
  req: GraphRequest,
  appKey: string,
): GraphResponse {
  requireRole(req, 'extensionProperty', 'write');
  const app = ctx.store.resolve(appKey, 'application');
  if (!app) throw notFound(appKey);
  const { props } = validateWrite(ctx, entityType('extensionProperty'), req.body, 'create');
  const shortName = String(props.name);
  if (!/^[A-Za-z][A-Za-z0-9_]{0,119}$/.test(shortName)) {
    throw badRequest(`Invalid value specified for property 'name' of resource 'ExtensionProperty'.`);
  }
  if (!DATA_TYPES.includes(String(props.dataType))) {
    throw badRequest(`Invalid value specified for property 'dataType' of resource 'ExtensionProperty'.`);
  }
  const targets = props.targetObjects as string[];
  if (targets.length === 0 || targets.some((t) => !TARGETS.includes(t))) {
    throw badRequest(`Invalid value specified for property 'targetObjects' of resource 'ExtensionProperty'.`);
  }
  const name = `extension_${String(app.props.appId).replace(/-/g, '')}_${shortName}`;
  if (ctx.store.extensionProperty(name)) {
    throw badRequest(`Another object with the same value for property name already exists.`, [
      { code: 'ObjectConflict', target: 'name' },
    ]);
  }
  const ext = ctx.store.insert('extensionProperty', {
    ...props,
    name,
    isMultiValued: props.isMultiValued === true,
    isSyncedFromOnPremises: false,
    appDisplayName: app.props.displayName,
    owningApp: app.id,
  });
  const { '@odata.type': _t, ...rest } = extensionJson(ctx, ext);
  return {
    status: 201,
    body: {
      '@odata.context': `${ctx.root(req.version)}/$metadata#applications('${app.id}')/extensionProperties/$entity`,
      ...rest,
    },
  };
}

/** DELETE /applications/{id}/extensionProperties/{id} → 204 */
export function deleteExtensionProperty(
  ctx: EmulatorContext,
  req: GraphRequest,
  appKey: string,
  id: string,
): GraphResponse {
  requireRole(req, 'extensionProperty', 'write');
  const app = ctx.store.resolve(appKey, 'application');
  const ext = ctx.store.active(id, 'extensionProperty');
  if (!app || !ext || ext.props.owningApp !== app.id) throw notFound(id);
  ctx.store.remove(ext, true, ctx.now());
  return { status: 204 };
}

const isOffset = (v: unknown): v is { o: number } =>
  typeof v === 'object' &&
  v !== null &&
  Number.isInteger((v as { o: unknown }).o) &&
  (v as { o: number }).o >= 0;

const DELETED_CASTS: Record<string, EntityTypeName> = {
  'microsoft.graph.user': 'user',
  'microsoft.graph.group': 'group',
  'microsoft.graph.application': 'application',
  'microsoft.graph.serviceprincipal': 'servicePrincipal',
};

/** GET /directory/deletedItems/microsoft.graph.user (the cast segment is required, as in v1.0). */
export function listDeletedItems(
  ctx: EmulatorContext,
  req: GraphRequest,
  cast: string | undefined,
): GraphResponse {
  const type = cast ? DELETED_CASTS[cast.toLowerCase()] : undefined;
  if (!type) {
    throw badRequest(
      'A type cast segment is required: use /directory/deletedItems/microsoft.graph.user, .group, .application or .servicePrincipal.',
    );
  }
  requireRole(req, type, 'read');
  const entity = entityType(type);
  const sel = parseSelect(req.query.get('$select'), entity, ctx.store, false);
  const top = pageSize(req.query.get('$top'));
  const skip = req.query.get('$skiptoken');
  const start = skip === null ? 0 : (decodeToken(skip, isOffset)?.o ?? -1);
  if (start < 0) throw badRequest(`Invalid $skiptoken value '${skip}'.`);
  const all = [...ctx.store.softDeleted(type)];
  const value = all.slice(start, start + top).map((o) => ({
    ...project(o, sel),
    deletedDateTime: o.props.deletedDateTime,
  }));
  const root = ctx.root(req.version);
  const body: Record<string, unknown> = { '@odata.context': contextUrl(root, entity.entitySet, sel) };
  if (start + top < all.length) {
    const q = carriedQuery(req.query, ['$skiptoken']);
    q.push(['$skiptoken', encodeToken({ o: start + top })]);
    body['@odata.nextLink'] = `${root}/directory/deletedItems/${cast}?${odataQueryString(q)}`;
  }
  body.value = value;
  return { status: 200, body };
}

function deletedItem(ctx: EmulatorContext, id: string) {
  const o = ctx.store.get(id);
  if (o?.state !== 'soft') throw notFound(id);
  return o;
}

/** GET /directory/deletedItems/{id} */
export function getDeletedItem(ctx: EmulatorContext, req: GraphRequest, id: string): GraphResponse {
  const o = deletedItem(ctx, id);
  requireRole(req, o.type, 'read');
  const sel = parseSelect(null, entityType(o.type), ctx.store, false);
  return {
    status: 200,
    body: {
      '@odata.context': `${ctx.root(req.version)}/$metadata#directoryObjects/$entity`,
      '@odata.type': odataType(o),
      ...project(o, sel),
      deletedDateTime: o.props.deletedDateTime,
    },
  };
}

/** DELETE /directory/deletedItems/{id}: permanent deletion. */
export function purgeDeletedItem(ctx: EmulatorContext, req: GraphRequest, id: string): GraphResponse {
  const o = deletedItem(ctx, id);
  requireRole(req, o.type, 'write');
  ctx.store.remove(o, true, ctx.now());
  return { status: 204 };
}

/** POST /directory/deletedItems/{id}/restore → 200 with the object. */
export function restoreDeletedItem(ctx: EmulatorContext, req: GraphRequest, id: string): GraphResponse {
  const o = deletedItem(ctx, id);
  requireRole(req, o.type, 'write');
  const entity = entityType(o.type);
  for (const p of entity.properties) {
    const v = o.props[p.name];
    if (p.unique && typeof v === 'string' && ctx.store.findUnique(o.type, p.name, v)) {
      throw badRequest(`Another object with the same value for property ${p.name} already exists.`, [
        { code: 'ObjectConflict', target: p.name },
      ]);
    }
  }
  ctx.store.restore(o);
  const sel = parseSelect(null, entity, ctx.store, false);
  return {
    status: 200,
    body: {
      '@odata.context': `${ctx.root(req.version)}/$metadata#directoryObjects/$entity`,
      '@odata.type': odataType(o),
      ...project(o, sel),
    },
  };
}

/** GET /directoryObjects/{id} */
export function getDirectoryObject(ctx: EmulatorContext, req: GraphRequest, id: string): GraphResponse {
  const o = ctx.store.active(id);
  if (!o) throw notFound(id);
  requireRole(req, o.type, 'read');
  const sel = parseSelect(req.query.get('$select'), entityType(o.type), ctx.store, false);
  return {
    status: 200,
    body: {
      '@odata.context': `${ctx.root(req.version)}/$metadata#directoryObjects/$entity`,
      '@odata.type': odataType(o),
      ...project(o, sel),
    },
  };
}

const BY_ID_TYPES: Record<string, EntityTypeName> = {
  user: 'user',
  group: 'group',
  orgcontact: 'orgContact',
  serviceprincipal: 'servicePrincipal',
  application: 'application',
};

/**
 * POST /directoryObjects/getByIds {"ids": [...], "types"?: [...]}: the objects that exist, each with
 * its `@odata.type` and default properties, in the order asked; unknown ids are left out. At most
 * 1000 ids.
 */
export function getByIds(ctx: EmulatorContext, req: GraphRequest): GraphResponse {
  const body = req.body as { ids?: unknown; types?: unknown } | undefined;
  const ids = body?.ids;
  if (!Array.isArray(ids) || ids.length === 0 || ids.some((i) => typeof i !== 'string')) {
    throw badRequest("The request body must contain 'ids', an array of object ids.");
  }
  if (ids.length > 1000) throw badRequest('Too many ids: at most 1000 can be requested at once.');
  const typesRaw = body?.types;
  if (typesRaw !== undefined && (!Array.isArray(typesRaw) || typesRaw.some((x) => typeof x !== 'string'))) {
    throw badRequest("'types' must be an array of directory object type names.");
  }
  const types = (typesRaw as string[] | undefined)?.map((name) => {
    const t = BY_ID_TYPES[name.toLowerCase().replace(/^microsoft\.graph\./, '')];
    if (!t) throw badRequest(`Invalid value specified for parameter 'types': '${name}'.`);
    return t;
  });
  const value: Record<string, unknown>[] = [];
  for (const id of ids as string[]) {
    const o = ctx.store.active(id);
    if (!o || !Object.values(BY_ID_TYPES).includes(o.type)) continue;
    if (types && !types.includes(o.type)) continue;
    requireRole(req, o.type, 'read');
    const sel = parseSelect(null, entityType(o.type), ctx.store, false);
    value.push({ '@odata.type': odataType(o), ...project(o, sel) });
  }
  return {
    status: 200,
    body: { '@odata.context': `${ctx.root(req.version)}/$metadata#directoryObjects`, value },
  };
}

const LOCAL_PART_FORBIDDEN = /[~!#$%^&*()+=[\]{}\\/|;:"<>?,]/;

/**
 * POST /invitations → 201. Creates a guest user (or finds the guest already invited with that
 * address, so a retried invitation never makes a second account).
 */
export function invite(ctx: EmulatorContext, req: GraphRequest): GraphResponse {
  requireRole(req, 'invitation', 'write');
  const { props } = validateWrite(ctx, entityType('invitation'), req.body, 'create');
  const email = String(props.invitedUserEmailAddress).trim();
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (
    at <= 0 ||
    !/^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(domain) ||
    LOCAL_PART_FORBIDDEN.test(local) ||
    /^[.-]|[.-]$/.test(local)
  ) {
    throw badRequest(
      `Invalid value specified for property 'invitedUserEmailAddress' of resource 'Invitation'.`,
    );
  }
  const userType = props.invitedUserType === 'Member' ? 'Member' : 'Guest';
  let user = [...ctx.store.all('user')].find(
    (u) =>
      typeof u.props.mail === 'string' &&
      u.props.mail.toLowerCase() === email.toLowerCase() &&
      u.props.creationType === 'Invitation',
  );
  if (!user) {
    const upn = `${email.replace('@', '_')}#EXT#@${ctx.store.primaryDomain}`;
    user = ctx.store.insert('user', {
      displayName: (props.invitedUserDisplayName as string | undefined) ?? local,
      mail: email,
      otherMails: [email],
      mailNickname: `${email.replace('@', '_')}#EXT#`.replace(/[^A-Za-z0-9_#.-]/g, ''),
      userPrincipalName: upn,
      userType,
      creationType: 'Invitation',
      externalUserState: 'PendingAcceptance',
      externalUserStateChangeDateTime: nowIso(ctx),
      accountEnabled: true,
      createdDateTime: nowIso(ctx),
      identities: [
        { signInType: 'userPrincipalName', issuer: ctx.store.primaryDomain, issuerAssignedId: upn },
      ],
    });
  }
  const invitation = {
    id: crypto.randomUUID(),
    inviteRedeemUrl: `https://invitations.microsoft.com/redeem/?tenant=${ctx.tenantId}&user=${user.id}&ticket=${crypto.randomUUID()}&lc=1033&ver=2.0`,
    invitedUserDisplayName: props.invitedUserDisplayName ?? null,
    invitedUserType: userType,
    invitedUserEmailAddress: email,
    sendInvitationMessage: props.sendInvitationMessage === true,
    resetRedemption: props.resetRedemption === true,
    inviteRedirectUrl: props.inviteRedirectUrl,
    status: 'PendingAcceptance',
    invitedUserMessageInfo: props.invitedUserMessageInfo ?? {
      messageLanguage: null,
      ccRecipients: [],
      customizedMessageBody: null,
    },
    invitedUser: { id: user.id },
  };
  return {
    status: 201,
    body: { '@odata.context': `${ctx.root(req.version)}/$metadata#invitations/$entity`, ...invitation },
  };
}
