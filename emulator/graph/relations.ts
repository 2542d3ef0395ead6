import type { EmulatorContext } from '../context.js';
import { parseSelect, project } from '../directory/representation.js';
import type { DirObject, RelationKind } from '../directory/store.js';
import { badRequest, GraphHttpError, notFound } from '../http/errors.js';
import type { GraphRequest, GraphResponse } from '../http/types.js';
import { entityType } from '../model/entities.js';
import type { EntityTypeDef } from '../model/types.js';
import { referenceId } from './bodies.js';
import { lookup, pageSize } from './collections.js';
import { carriedQuery, decodeToken, encodeToken, odataQueryString } from './paging.js';
import { requireRole } from './permissions.js';

/** `@odata.type` of a directory object in a polymorphic collection. */
export const odataType = (o: DirObject) => `#microsoft.graph.${o.type}`;

/** A directory object as it appears in /members, /memberOf, /manager: its own default properties. */
function asDirectoryObject(ctx: EmulatorContext, req: GraphRequest, o: DirObject): Record<string, unknown> {
  const entity = entityType(o.type);
  const sel = parseSelect(req.query.get('$select'), entity, ctx.store, false);
  return { '@odata.type': odataType(o), ...project(o, sel) };
}

const CASTS: Record<string, string> = {
  'microsoft.graph.user': 'user',
  'microsoft.graph.group': 'group',
  'microsoft.graph.orgcontact': 'orgContact',
  'microsoft.graph.serviceprincipal': 'servicePrincipal',
};

/** GET /groups/{id}/members[/microsoft.graph.user], /owners, /users/{id}/memberOf, /directReports. */
export function listRelation(
  ctx: EmulatorContext,
  req: GraphRequest,
  entity: EntityTypeDef,
  key: string,
  relation: string,
  cast: string | undefined,
): GraphResponse {
  requireRole(req, entity.name, 'read');
  const owner = lookup(ctx, entity, key);
  const castType = cast === undefined ? undefined : CASTS[cast.toLowerCase()];
  if (cast !== undefined && !castType) throw badRequest(`Type '${cast}' is not a directory object type.`);
  const ids = relationIds(ctx, owner, relation);
  const top = pageSize(req.query.get('$top'));
  const skip = req.query.get('$skiptoken');
  const start = skip === null ? 0 : (decodeToken(skip, isOffset)?.o ?? -1);
  if (start < 0) throw badRequest(`Invalid $skiptoken value '${skip}'.`);
  const value: Record<string, unknown>[] = [];
  let i = start;
  for (; i < ids.length && value.length < top; i++) {
    const o = ctx.store.active(ids[i]!);
    if (o && (!castType || o.type === castType)) value.push(asDirectoryObject(ctx, req, o));
  }
  const root = ctx.root(req.version);
  const body: Record<string, unknown> = {
    '@odata.context': `${root}/$metadata#${castType ? `${castType === 'orgContact' ? 'contacts' : `${castType}s`}` : 'directoryObjects'}`,
  };
  if (i < ids.length) {
    const q = carriedQuery(req.query, ['$skiptoken']);
    q.push(['$skiptoken', encodeToken({ o: i })]);
    const path = [entity.entitySet, owner.id, relation, ...(cast ? [cast] : [])].join('/');
    body['@odata.nextLink'] = `${root}/${path}?${odataQueryString(q)}`;
  }
  body.value = value;
  return { status: 200, body };
}

const isOffset = (v: unknown): v is { o: number } =>
  typeof v === 'object' && v !== null && Number.isInteger((v as { o: unknown }).o);

function relationIds(ctx: EmulatorContext, owner: DirObject, relation: string): string[] {
  switch (relation) {
    case 'members':
      if (owner.type === 'group') return [...owner.members!];
      break;
    case 'owners':
      if (owner.owners) return [...owner.owners];
      break;
    case 'memberOf':
      return ctx.store.groupsOf(owner.id);
    case 'directReports':
      return ctx.store.reportsOf(owner.id);
  }
  throw badRequest(`Resource not found for the segment '${relation}'.`);
}

/** GET /users/{id}/manager */
export function getManager(
  ctx: EmulatorContext,
  req: GraphRequest,
  entity: EntityTypeDef,
  key: string,
): GraphResponse {
  requireRole(req, entity.name, 'read');
  const o = lookup(ctx, entity, key);
  const m = o.manager ? ctx.store.active(o.manager) : undefined;
  if (!m) throw notFound('manager');
  return {
    status: 200,
    body: {
      '@odata.context': `${ctx.root(req.version)}/$metadata#directoryObjects/$entity`,
      ...asDirectoryObject(ctx, req, m),
    },
  };
}

/** PUT /users/{id}/manager/$ref {"@odata.id": ...} → 204 */
export function putManager(
  ctx: EmulatorContext,
  req: GraphRequest,
  entity: EntityTypeDef,
  key: string,
): GraphResponse {
  requireRole(req, entity.name, 'write');
  const o = lookup(ctx, entity, key);
  const id = refFromBody(req.body);
  const m = ctx.store.active(id);
  if (!m || (m.type !== 'user' && m.type !== 'orgContact')) throw notFound(id);
  if (m.id === o.id) throw badRequest('An object cannot be its own manager.');
  ctx.store.setManager(o, m.id);
  return { status: 204 };
}

/** DELETE /users/{id}/manager/$ref → 204, or 404 when no manager is set. */
export function deleteManager(
  ctx: EmulatorContext,
  req: GraphRequest,
  entity: EntityTypeDef,
  key: string,
): GraphResponse {
  requireRole(req, entity.name, 'write');
  const o = lookup(ctx, entity, key);
  if (!o.manager) throw notFound('manager');
  ctx.store.setManager(o, undefined);
  return { status: 204 };
}

function refFromBody(body: unknown): string {
  const url =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['@odata.id'] : undefined;
  if (url === undefined) throw badRequest("The request body must contain '@odata.id'.");
  const id = referenceId(url);
  if (!id) throw badRequest(`Invalid object identifier '${String(url)}'.`);
  return id;
}

/** POST /groups/{id}/members/$ref and /owners/$ref → 204; 400 if present already, 404 if missing. */
export function addReference(
  ctx: EmulatorContext,
  req: GraphRequest,
  entity: EntityTypeDef,
  key: string,
  rel: RelationKind,
): GraphResponse {
  requireRole(req, entity.name, rel === 'members' ? 'membership' : 'write');
  const owner = lookup(ctx, entity, key);
  if (!owner[rel]) throw badRequest(`Resource not found for the segment '${rel}'.`);
  const id = refFromBody(req.body);
  const target = ctx.store.active(id);
  if (!target) throw notFound(id);
  if (!allowedInRelation(entity, rel, target)) throw unsupportedReference(rel);
  if (rel === 'members' && target.id === owner.id) throw badRequest('A group cannot be a member of itself.');
  if (!ctx.store.addRelation(owner, rel, target.id)) {
    throw badRequest(
      `One or more added object references already exist for the following modified properties: '${rel}'.`,
    );
  }
  return { status: 204 };
}

/** Whether the relation's type constraint (owners: users and service principals) admits the object. */
export function allowedInRelation(entity: EntityTypeDef, rel: string, target: DirObject): boolean {
  const nav = entity.navigation.find((n) => n.name === rel);
  return !nav?.derivedTypes || nav.derivedTypes.includes(target.type);
}

export const unsupportedReference = (rel: string) =>
  badRequest(`Unsupported referenced-object resource identifier for link property '${rel}'.`);

/** DELETE /groups/{id}/members/{memberId}/$ref → 204; a non-member is 404 (or 400, configurable). */
export function removeReference(
  ctx: EmulatorContext,
  req: GraphRequest,
  entity: EntityTypeDef,
  key: string,
  rel: RelationKind,
  memberId: string,
): GraphResponse {
  requireRole(req, entity.name, rel === 'members' ? 'membership' : 'write');
  const owner = lookup(ctx, entity, key);
  if (!ctx.store.removeRelation(owner, rel, memberId.toLowerCase())) {
    const status = ctx.behaviour.removeMissingReferenceStatus;
    throw new GraphHttpError(
      status,
      status === 404 ? 'Request_ResourceNotFound' : 'Request_BadRequest',
      `One or more removed object references do not exist for the following modified properties: '${rel}'.`,
    );
  }
  return { status: 204 };
}
