import { randomUUID } from 'node:crypto';
import type { EmulatorContext } from '../context.js';
import { contextUrl, extensionDef, parseSelect, project } from '../directory/representation.js';
import type { DirObject } from '../directory/store.js';
import { badRequest, GraphHttpError, notFound, unsupportedQuery } from '../http/errors.js';
import { type GraphRequest, type GraphResponse, isAdvancedQuery } from '../http/types.js';
import type { EntityTypeDef } from '../model/types.js';
import { compileFilter } from '../odata/filter.js';
import { isGuid, passwordComplexEnough, referenceId, resourceName, validateWrite } from './bodies.js';
import { carriedQuery, decodeToken, encodeToken, odataQueryString } from './paging.js';
import { requireRole } from './permissions.js';
import { allowedInRelation, parseExpand, unsupportedReference } from './relations.js';

/** GET /{set}: $select, $filter, $top, $count, $orderby, $search and $skiptoken paging. */
export function listEntities(ctx: EmulatorContext, req: GraphRequest, entity: EntityTypeDef): GraphResponse {
  requireRole(req, entity.name, 'read');
  const top = pageSize(req.query.get('$top'));
  const sel = parseSelect(req.query.get('$select'), entity, ctx.store, false);
  const advanced = isAdvancedQuery(req);
  const predicate = listPredicate(ctx, req, entity, advanced);
  const order = orderBy(req, entity, advanced);
  const expand = parseExpand(ctx, req, entity, advanced);
  const shape = (o: DirObject) => (expand ? { ...project(o, sel), ...expand(o) } : project(o, sel));
  const skip = req.query.get('$skiptoken');
  const cursor = skip === null ? 0 : decodeToken(skip, isCursor)?.p;
  if (cursor === undefined) throw badRequest(`Invalid $skiptoken value '${skip}'.`);

  const value: Record<string, unknown>[] = [];
  let next: number | undefined;
  if (order) {
    const all = [...ctx.store.all(entity.name)].filter((o) => predicate(o.props));
    all.sort(order);
    for (const o of all.slice(cursor, cursor + top)) value.push(shape(o));
    if (cursor + top < all.length) next = cursor + top;
  } else {
    const ids = ctx.store.orderOf(entity.name);
    let i = cursor;
    for (; i < ids.length && value.length < top; i++) {
      const o = ctx.store.atOrder(entity.name, i);
      if (o && predicate(o.props)) value.push(shape(o));
    }
    // Look ahead for one more match so the last page carries no nextLink.
    for (; i < ids.length; i++) {
      const o = ctx.store.atOrder(entity.name, i);
      if (o && predicate(o.props)) {
        next = i;
        break;
      }
    }
  }

  const root = ctx.root(req.version);
  const body: Record<string, unknown> = { '@odata.context': contextUrl(root, entity.entitySet, sel) };
  if (advanced && skip === null) {
    let n = 0;
    for (const o of ctx.store.all(entity.name)) if (predicate(o.props)) n++;
    body['@odata.count'] = n;
  }
  if (next !== undefined) {
    const q = carriedQuery(req.query, ['$skiptoken']);
    q.push(['$skiptoken', encodeToken({ p: next })]);
    body['@odata.nextLink'] = `${root}/${entity.entitySet}?${odataQueryString(q)}`;
  }
  body.value = value;
  return { status: 200, body };
}

/**
 * GET /{set}/$count: the number of matching objects as text/plain. Only through the advanced-query
 * index: without `ConsistencyLevel: eventual` Graph refuses it.
 */
export function countEntities(ctx: EmulatorContext, req: GraphRequest, entity: EntityTypeDef): GraphResponse {
  requireRole(req, entity.name, 'read');
  if (!isEventual(req)) throw badRequest('$count is not currently supported.');
  const predicate = listPredicate(ctx, req, entity, true);
  let n = 0;
  for (const o of ctx.store.all(entity.name)) if (predicate(o.props)) n++;
  return countResponse(n);
}

export const isEventual = (req: GraphRequest) =>
  (req.headers.consistencylevel ?? '').toLowerCase() === 'eventual';

export const countResponse = (n: number): GraphResponse => ({
  status: 200,
  body: String(n),
  headers: { 'Content-Type': 'text/plain;charset=utf-8' },
});

const isCursor = (v: unknown): v is { p: number } =>
  typeof v === 'object' &&
  v !== null &&
  Number.isInteger((v as { p: unknown }).p) &&
  (v as { p: number }).p >= 0;

export function pageSize(raw: string | null, fallback = 100): number {
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 999) {
    throw unsupportedQuery(`Invalid page size specified: '${raw}'. Must be between 1 and 999 inclusive.`);
  }
  return n;
}

function listPredicate(
  ctx: EmulatorContext,
  req: GraphRequest,
  entity: EntityTypeDef,
  advanced: boolean,
): (props: Record<string, unknown>) => boolean {
  const search = req.query.get('$search');
  const filter = req.query.get('$filter');
  const searchPredicate = search === null ? undefined : compileSearch(req, search);
  const filterPredicate =
    filter === null
      ? undefined
      : compileFilter(filter, {
          entity,
          advanced,
          extension: (name) => extensionDef(ctx.store, name, entity),
        });
  return (props) =>
    (!filterPredicate || filterPredicate(props)) && (!searchPredicate || searchPredicate(props));
}

/** `$search="displayName:abc"`: tokenised prefix match, only with ConsistencyLevel: eventual. */
function compileSearch(req: GraphRequest, raw: string): (props: Record<string, unknown>) => boolean {
  if ((req.headers.consistencylevel ?? '').toLowerCase() !== 'eventual') {
    throw unsupportedQuery(
      "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
    );
  }
  const clauses = [...raw.matchAll(/"([A-Za-z]+):([^"]*)"/g)].map((m) => ({
    prop: m[1]!,
    term: m[2]!.toLowerCase(),
  }));
  if (clauses.length === 0)
    throw badRequest(`Syntax error: character '${raw[0] ?? ''}' is not valid at position 0.`);
  return (props) =>
    clauses.some(({ prop, term }) => {
      const v = props[prop];
      return (
        typeof v === 'string' &&
        v
          .toLowerCase()
          .split(/[\s._@-]+/)
          .some((tok) => tok.startsWith(term))
      );
    });
}

function orderBy(
  req: GraphRequest,
  entity: EntityTypeDef,
  advanced: boolean,
): ((a: DirObject, b: DirObject) => number) | undefined {
  const raw = req.query.get('$orderby');
  if (raw === null) return undefined;
  const m = /^\s*([A-Za-z]+)(?:\s+(asc|desc))?\s*$/.exec(raw);
  const prop = m ? entity.properties.find((p) => p.name === m[1]) : undefined;
  if (!m || !prop) throw badRequest(`Invalid $orderby expression '${raw}'.`);
  const byDefault =
    prop.name === 'displayName' || (entity.name === 'user' && prop.name === 'userPrincipalName');
  if ((!byDefault || req.query.has('$filter')) && !advanced) {
    throw unsupportedQuery('Sorting not supported for current query.');
  }
  const dir = m[2] === 'desc' ? -1 : 1;
  return (a, b) => {
    const x = String(a.props[prop.name] ?? '').toLowerCase();
    const y = String(b.props[prop.name] ?? '').toLowerCase();
    return x < y ? -dir : x > y ? dir : 0;
  };
}

/** GET /{set}/{id}: also by alternate key (`/users/{userPrincipalName}`). */
export function getEntity(
  ctx: EmulatorContext,
  req: GraphRequest,
  entity: EntityTypeDef,
  key: string,
): GraphResponse {
  requireRole(req, entity.name, 'read');
  const o = ctx.store.resolve(key, entity.name);
  if (!o) throw notFound(key);
  const sel = parseSelect(req.query.get('$select'), entity, ctx.store, false);
  const expand = parseExpand(ctx, req, entity, false);
  return {
    status: 200,
    body: {
      '@odata.context': contextUrl(ctx.root(req.version), entity.entitySet, sel, true),
      ...project(o, sel),
      ...expand?.(o),
    },
  };
}

export function lookup(ctx: EmulatorContext, entity: EntityTypeDef, key: string): DirObject {
  const o = ctx.store.resolve(key, entity.name);
  if (!o) throw notFound(key);
  return o;
}

const conflict = (prop: string) =>
  badRequest(`Another object with the same value for property ${prop} already exists.`, [
    { code: 'ObjectConflict', target: prop },
  ]);

const NICKNAME_FORBIDDEN = /[@()\\[\]";:.<>,\s]/;

/** Rules Graph applies beyond types: unique keys, verified domains, password policy, group kinds. */
function checkRules(
  ctx: EmulatorContext,
  entity: EntityTypeDef,
  props: Record<string, unknown>,
  existing: DirObject | undefined,
): void {
  for (const p of entity.properties) {
    const v = props[p.name];
    if (!p.unique || typeof v !== 'string') continue;
    const holder = ctx.store.findUnique(entity.name, p.name, v);
    if (holder && holder !== existing) throw conflict(p.name);
  }
  if (entity.name === 'user') {
    const upn = props.userPrincipalName;
    if (typeof upn === 'string') {
      const at = upn.lastIndexOf('@');
      const domain = upn.slice(at + 1).toLowerCase();
      if (at <= 0 || !ctx.store.domains.some((d) => d.toLowerCase() === domain)) {
        throw badRequest(
          'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.',
          [{ code: 'InvalidValue', target: 'userPrincipalName' }],
        );
      }
    }
    const profile = props.passwordProfile as { password?: unknown } | null | undefined;
    if (!existing && (typeof profile?.password !== 'string' || profile.password === '')) {
      throw badRequest('A password must be specified to create a new user.');
    }
    if (typeof profile?.password === 'string' && !passwordComplexEnough(profile.password)) {
      throw badRequest(
        'The specified password does not comply with password complexity requirements. Please provide a different password.',
      );
    }
  }
  if (entity.name === 'group') {
    const nick = props.mailNickname;
    if (
      typeof nick === 'string' &&
      (nick.length === 0 || nick.length > 64 || NICKNAME_FORBIDDEN.test(nick))
    ) {
      throw badRequest(`Invalid value specified for property 'mailNickname' of resource 'Group'.`);
    }
    const types = (props.groupTypes ?? existing?.props.groupTypes ?? []) as string[];
    const unified = types.some((t) => t.toLowerCase() === 'unified');
    const mailEnabled = props.mailEnabled ?? existing?.props.mailEnabled;
    if (mailEnabled === true && !unified) {
      throw badRequest(
        'The service does not currently support writes of mail-enabled groups. Please ensure that the mail-enablement property is unset or is set to false.',
      );
    }
  }
  if (entity.name === 'servicePrincipal' && typeof props.appId === 'string' && !isGuid(props.appId)) {
    throw badRequest(`Invalid value specified for property 'appId' of resource 'ServicePrincipal'.`);
  }
}

/** A password is applied, never stored or returned: what remains are the flags. */
function stripPassword(props: Record<string, unknown>): Record<string, unknown> {
  const profile = props.passwordProfile as Record<string, unknown> | null | undefined;
  if (!profile) return props;
  const { password: _password, ...flags } = profile;
  return { ...props, passwordProfile: flags };
}

export function nowIso(ctx: EmulatorContext): string {
  return new Date(ctx.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Server-set properties of a new object. */
function defaults(
  ctx: EmulatorContext,
  entity: EntityTypeDef,
  props: Record<string, unknown>,
): Record<string, unknown> {
  const created = nowIso(ctx);
  switch (entity.name) {
    case 'user':
      return { userType: 'Member', createdDateTime: created, ...props };
    case 'group': {
      const unified = ((props.groupTypes ?? []) as string[]).some((t) => t.toLowerCase() === 'unified');
      const mail = unified ? `${props.mailNickname}@${ctx.store.primaryDomain}` : undefined;
      return {
        groupTypes: [],
        createdDateTime: created,
        securityIdentifier: `S-1-12-1-${Math.floor(Math.random() * 2 ** 31)}`,
        ...(unified
          ? { mail, proxyAddresses: [`SMTP:${mail}`], visibility: props.visibility ?? 'Public' }
          : {}),
        ...props,
      };
    }
    case 'application':
      return { appId: randomUUID(), createdDateTime: created, signInAudience: 'AzureADMyOrg', ...props };
    case 'servicePrincipal': {
      const app = ctx.store.findUnique('application', 'appId', String(props.appId));
      return {
        accountEnabled: true,
        appRoleAssignmentRequired: false,
        servicePrincipalType: 'Application',
        appDisplayName: app?.props.displayName,
        displayName: app?.props.displayName,
        servicePrincipalNames: [props.appId],
        appOwnerOrganizationId: ctx.tenantId,
        ...props,
      };
    }
    default:
      return { createdDateTime: created, ...props };
  }
}

function withoutNulls(props: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

/** POST /{set} → 201 with the new object's default representation. */
export function createEntity(ctx: EmulatorContext, req: GraphRequest, entity: EntityTypeDef): GraphResponse {
  // A read-only set (contacts) answers 405 whatever the caller's roles: the method is what is wrong.
  if (!entity.writable)
    throw new GraphHttpError(
      405,
      'Request_BadRequest',
      'Specified HTTP method is not allowed for the request target.',
    );
  requireRole(req, entity.name, 'write');
  const { props, binds } = validateWrite(ctx, entity, req.body, 'create');
  checkRules(ctx, entity, props, undefined);
  const refs = resolveBinds(ctx, entity, binds, 20);
  const o = ctx.store.insert(entity.name, defaults(ctx, entity, stripPassword(withoutNulls(props))));
  for (const [rel, ids] of refs)
    for (const id of ids) ctx.store.addRelation(o, rel as 'members' | 'owners', id);
  const sel = parseSelect(null, entity, ctx.store, false);
  return {
    status: 201,
    headers: {
      Location: `${ctx.baseUrl}/v2/${ctx.tenantId}/directoryObjects/${o.id}/Microsoft.DirectoryServices.${resourceName(entity)}`,
    },
    body: {
      '@odata.context': contextUrl(ctx.root(req.version), entity.entitySet, undefined, true),
      ...project(o, sel),
    },
  };
}

/** `members@odata.bind` / `owners@odata.bind`: every reference must resolve, at most `max` in all. */
function resolveBinds(
  ctx: EmulatorContext,
  entity: EntityTypeDef,
  binds: Map<string, string[]>,
  max: number,
): Map<string, string[]> {
  let total = 0;
  const out = new Map<string, string[]>();
  for (const [rel, urls] of binds) {
    total += urls.length;
    const ids = urls.map((u) => {
      const id = referenceId(u);
      if (!id) throw badRequest(`Invalid object identifier '${u}'.`);
      const target = ctx.store.active(id);
      if (!target) throw notFound(id);
      if (!allowedInRelation(entity, rel, target)) throw unsupportedReference(rel);
      return id;
    });
    out.set(rel, ids);
  }
  if (total > max) {
    throw badRequest(
      `The request exceeds the maximum of ${max} references that can be bound in one request.`,
    );
  }
  return out;
}

/** PATCH /{set}/{id} → 204. `members@odata.bind` adds (all or nothing, at most 20). */
export function updateEntity(
  ctx: EmulatorContext,
  req: GraphRequest,
  entity: EntityTypeDef,
  key: string,
): GraphResponse {
  const { props, binds } = validateWrite(ctx, entity, req.body, 'update');
  const onlyMembers = Object.keys(props).length === 0 && [...binds.keys()].every((k) => k === 'members');
  requireRole(req, entity.name, onlyMembers && binds.size > 0 ? 'membership' : 'write');
  const o = lookup(ctx, entity, key);
  checkRules(ctx, entity, props, o);
  const refs = resolveBinds(ctx, entity, binds, 20);
  for (const [rel, ids] of refs) {
    const set = rel === 'members' ? o.members : o.owners;
    if (ids.some((id) => set?.has(id)) || new Set(ids).size !== ids.length) {
      throw badRequest(
        `One or more added object references already exist for the following modified properties: '${rel}'.`,
      );
    }
  }
  ctx.store.update(o, stripPassword(props));
  for (const [rel, ids] of refs)
    for (const id of ids) ctx.store.addRelation(o, rel as 'members' | 'owners', id);
  return { status: 204 };
}

/** DELETE /{set}/{id} → 204; the object goes to deletedItems for 30 days. */
export function deleteEntity(
  ctx: EmulatorContext,
  req: GraphRequest,
  entity: EntityTypeDef,
  key: string,
): GraphResponse {
  requireRole(req, entity.name, 'write');
  const o = lookup(ctx, entity, key);
  ctx.store.remove(o, false, ctx.now());
  return { status: 204 };
}
