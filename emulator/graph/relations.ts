import type { EmulatorContext } from '../context.js';
import { extensionDef, parseSelect, project, type Selection } from '../directory/representation.js';
import type { DirObject, RelationKind } from '../directory/store.js';
import { badRequest, GraphHttpError, notFound } from '../http/errors.js';
import type { GraphRequest, GraphResponse } from '../http/types.js';
import { entityType } from '../model/entities.js';
import type { EntityTypeDef, EntityTypeName } from '../model/types.js';
import { referenceId } from './bodies.js';
import { countResponse, isEventual, lookup, pageSize } from './collections.js';
import { carriedQuery, decodeToken, encodeToken, odataQueryString } from './paging.js';
import { requireRole } from './permissions.js';

/** `@odata.type` of a directory object in a polymorphic collection. */
export const odataType = (o: DirObject) => `#microsoft.graph.${o.type}`;

/** The concrete types a directoryObject-valued relation can hold. */
const MEMBER_TYPES: readonly EntityTypeName[] = [
  'user',
  'group',
  'orgContact',
  'servicePrincipal',
  'application',
];

/**
 * `$select` over a polymorphic directoryObject collection (/members, /memberOf, /manager, an
 * expanded relation): each object shows the selected properties its own type has and skips the
 * others (a group member has no userPrincipalName); a name no directory type has is a 400, checked
 * up front so that an empty collection refuses it too. Without `$select`: each type's defaults.
 */
export function directoryObjectSelection(
  ctx: EmulatorContext,
  raw: string | null,
): (o: DirObject) => Record<string, unknown> {
  const names =
    raw === null || raw.trim() === ''
      ? undefined
      : raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  const on = (name: string, type: EntityTypeName) => {
    const entity = entityType(type);
    const prop = entity.properties.find((p) => p.name.toLowerCase() === name.toLowerCase() && !p.writeOnly);
    return prop !== undefined || extensionDef(ctx.store, name, entity) !== undefined;
  };
  for (const name of names ?? []) {
    if (!MEMBER_TYPES.some((type) => on(name, type))) {
      throw badRequest(
        `Could not find a property named '${name}' on type 'microsoft.graph.directoryObject'.`,
      );
    }
  }
  const cache = new Map<EntityTypeName, Selection>();
  return (o) => {
    let sel = cache.get(o.type);
    if (!sel) {
      const own = names?.filter((n) => on(n, o.type));
      // Nothing selected applies to this type: the id still identifies it.
      const list = own === undefined ? null : own.length > 0 ? own.join(',') : 'id';
      sel = parseSelect(list, entityType(o.type), ctx.store, false);
      cache.set(o.type, sel);
    }
    return { '@odata.type': odataType(o), ...project(o, sel) };
  };
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
  const shape = directoryObjectSelection(ctx, req.query.get('$select'));
  const skip = req.query.get('$skiptoken');
  const start = skip === null ? 0 : (decodeToken(skip, isOffset)?.o ?? -1);
  if (start < 0) throw badRequest(`Invalid $skiptoken value '${skip}'.`);
  const value: Record<string, unknown>[] = [];
  let i = start;
  for (; i < ids.length && value.length < top; i++) {
    const o = ctx.store.active(ids[i]!);
    if (o && (!castType || o.type === castType)) value.push(shape(o));
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

/** Relations `$expand` can follow, and the most related objects it inlines (Graph: 20, no nextLink). */
const EXPANDABLE = new Set(['manager', 'directReports', 'memberOf', 'members', 'owners']);
const EXPAND_LIMIT = 20;

/** Splits `a,b($select=x,y)` at the commas outside parentheses. */
function splitTopLevel(raw: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(raw.slice(start, i));
      start = i + 1;
    }
  }
  out.push(raw.slice(start));
  return out.map((s) => s.trim()).filter(Boolean);
}

/**
 * `$expand=manager`, `$expand=members($select=id,displayName)` on lists and single objects: each
 * object gains the related object (a single-valued relation, left out when unset) or at most 20
 * related objects, each with its `@odata.type`. Graph refuses `$expand` in advanced queries.
 */
export function parseExpand(
  ctx: EmulatorContext,
  req: GraphRequest,
  entity: EntityTypeDef,
  advanced: boolean,
): ((o: DirObject) => Record<string, unknown>) | undefined {
  const raw = req.query.get('$expand');
  if (raw === null || raw.trim() === '') return undefined;
  if (advanced) {
    throw new GraphHttpError(
      400,
      'Request_UnsupportedQuery',
      '$expand is not supported together with an advanced query (ConsistencyLevel: eventual and $count=true).',
    );
  }
  const parts = splitTopLevel(raw).map((item) => {
    const m = /^([A-Za-z]+)\s*(?:\((.*)\))?$/s.exec(item);
    if (!m) throw badRequest(`Invalid $expand expression '${item}'.`);
    const nav = entity.navigation.find((n) => n.name.toLowerCase() === m[1]!.toLowerCase());
    if (!nav || !EXPANDABLE.has(nav.name)) {
      throw badRequest(`Could not find a property named '${m[1]}' on type 'microsoft.graph.${entity.name}'.`);
    }
    let select: string | null = null;
    for (const option of (m[2] ?? '')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const o = /^\$select\s*=\s*(.*)$/s.exec(option);
      if (!o)
        throw badRequest(`The query option '${option}' is not supported inside $expand=${nav.name}(...).`);
      select = o[1]!;
    }
    return { name: nav.name, single: !nav.collection, shape: directoryObjectSelection(ctx, select) };
  });
  return (o) => {
    const out: Record<string, unknown> = {};
    for (const part of parts) {
      if (part.single) {
        const m = o.manager ? ctx.store.active(o.manager) : undefined;
        if (m) out[part.name] = part.shape(m);
        continue;
      }
      const related: Record<string, unknown>[] = [];
      for (const id of relationIds(ctx, o, part.name)) {
        const r = ctx.store.active(id);
        if (r) related.push(part.shape(r));
        if (related.length === EXPAND_LIMIT) break;
      }
      out[part.name] = related;
    }
    return out;
  };
}

/** GET /groups/{id}/members/$count (also /owners, /memberOf, /directReports): advanced query only. */
export function countRelation(
  ctx: EmulatorContext,
  req: GraphRequest,
  entity: EntityTypeDef,
  key: string,
  relation: string,
): GraphResponse {
  requireRole(req, entity.name, 'read');
  const owner = lookup(ctx, entity, key);
  if (!isEventual(req)) throw badRequest('$count is not currently supported.');
  let n = 0;
  for (const id of relationIds(ctx, owner, relation)) if (ctx.store.active(id)) n++;
  return countResponse(n);
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
  const shape = directoryObjectSelection(ctx, req.query.get('$select'));
  const m = o.manager ? ctx.store.active(o.manager) : undefined;
  if (!m) throw notFound('manager');
  return {
    status: 200,
    body: {
      '@odata.context': `${ctx.root(req.version)}/$metadata#directoryObjects/$entity`,
      ...shape(m),
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
