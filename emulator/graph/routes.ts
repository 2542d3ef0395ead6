import type { EmulatorContext } from '../context.js';
import { badRequest, GraphHttpError, methodNotAllowed } from '../http/errors.js';
import type { GraphRequest, GraphResponse } from '../http/types.js';
import { buildCsdl } from '../model/csdl.js';
import { entityTypeBySet, model } from '../model/entities.js';
import type { EntityTypeDef } from '../model/types.js';
import {
  countEntities,
  createEntity,
  deleteEntity,
  getEntity,
  listEntities,
  updateEntity,
} from './collections.js';
import { deltaQuery } from './delta.js';
import {
  availableExtensionProperties,
  createExtensionProperty,
  deleteExtensionProperty,
  getByIds,
  getDeletedItem,
  getDirectoryObject,
  invite,
  listDeletedItems,
  listExtensionProperties,
  purgeDeletedItem,
  restoreDeletedItem,
} from './directory-extras.js';
import {
  addReference,
  countRelation,
  deleteManager,
  getManager,
  listRelation,
  putManager,
  removeReference,
} from './relations.js';

let csdlCache: string | undefined;

const isDelta = (seg: string | undefined) =>
  seg !== undefined && /^(microsoft\.graph\.)?delta(\(\))?$/i.test(seg);

const RELATIONS = new Set(['members', 'owners', 'memberOf', 'directReports']);

/** Dispatches one Graph call (top level or $batch item) to its handler; $batch itself is handled by the caller. */
export function route(ctx: EmulatorContext, req: GraphRequest): GraphResponse {
  const [first, second, third, fourth, fifth] = req.segments;
  const method = req.method;
  if (first === undefined) throw badRequest('Invalid request: no resource named.');
  if (first === '$metadata' && req.segments.length === 1 && method === 'GET') {
    csdlCache ??= buildCsdl(model);
    return { status: 200, body: csdlCache, headers: { 'Content-Type': 'application/xml;charset=utf-8' } };
  }
  if (first === 'invitations' && req.segments.length === 1) {
    if (method !== 'POST') throw methodNotAllowed();
    return invite(ctx, req);
  }
  if (first === 'directoryObjects') {
    if (
      second === 'getAvailableExtensionProperties' ||
      second === 'microsoft.graph.getAvailableExtensionProperties'
    ) {
      if (method !== 'POST') throw methodNotAllowed();
      return availableExtensionProperties(ctx, req);
    }
    if (second === 'getByIds' || second === 'microsoft.graph.getByIds') {
      if (method !== 'POST') throw methodNotAllowed();
      return getByIds(ctx, req);
    }
    if (second !== undefined && third === undefined && method === 'GET')
      return getDirectoryObject(ctx, req, second);
    throw notSupported(req);
  }
  if (first === 'directory' && second === 'deletedItems') {
    if (third === undefined || third.toLowerCase().startsWith('microsoft.graph.')) {
      if (method !== 'GET' || fourth !== undefined) throw methodNotAllowed();
      return listDeletedItems(ctx, req, third);
    }
    if (fourth === undefined && method === 'GET') return getDeletedItem(ctx, req, third);
    if (fourth === undefined && method === 'DELETE') return purgeDeletedItem(ctx, req, third);
    if (/^(microsoft\.graph\.)?restore$/i.test(fourth ?? '') && method === 'POST')
      return restoreDeletedItem(ctx, req, third);
    throw notSupported(req);
  }
  const entity = entityTypeBySet(first);
  if (!entity || entity.name === 'extensionProperty' || entity.name === 'invitation') throw notSupported(req);

  if (second === undefined) {
    if (method === 'GET') return listEntities(ctx, req, entity);
    if (method === 'POST') return createEntity(ctx, req, entity);
    throw methodNotAllowed();
  }
  if (isDelta(second) && third === undefined) {
    if (!entity.delta) throw notSupported(req);
    if (method !== 'GET') throw methodNotAllowed();
    return deltaQuery(ctx, req, entity);
  }
  if (second === '$count' && third === undefined) {
    if (method !== 'GET') throw methodNotAllowed();
    return countEntities(ctx, req, entity);
  }
  const key = alternateKey(second);
  if (third === undefined) {
    if (method === 'GET') return getEntity(ctx, req, entity, key);
    if (!entity.writable) throw methodNotAllowed();
    if (method === 'PATCH') return updateEntity(ctx, req, entity, key);
    if (method === 'DELETE') return deleteEntity(ctx, req, entity, key);
    throw methodNotAllowed();
  }
  return relationRoute(ctx, req, entity, key, third, fourth, fifth);
}

function relationRoute(
  ctx: EmulatorContext,
  req: GraphRequest,
  entity: EntityTypeDef,
  key: string,
  relation: string,
  fourth: string | undefined,
  fifth: string | undefined,
): GraphResponse {
  const method = req.method;
  if (relation === 'manager' && entity.navigation.some((n) => n.name === 'manager')) {
    if (fourth === undefined && method === 'GET') return getManager(ctx, req, entity, key);
    if (fourth === '$ref' && entity.writable) {
      if (method === 'PUT') return putManager(ctx, req, entity, key);
      if (method === 'DELETE') return deleteManager(ctx, req, entity, key);
    }
    throw methodNotAllowed();
  }
  if (relation === 'extensionProperties' && entity.name === 'application') {
    if (fourth === undefined && method === 'GET') return listExtensionProperties(ctx, req, key);
    if (fourth === undefined && method === 'POST') return createExtensionProperty(ctx, req, key);
    if (fourth !== undefined && fifth === undefined && method === 'DELETE')
      return deleteExtensionProperty(ctx, req, key, fourth);
    throw methodNotAllowed();
  }
  if (!RELATIONS.has(relation) || !entity.navigation.some((n) => n.name === relation))
    throw notSupported(req);
  if (fourth === '$count' && fifth === undefined) {
    if (method !== 'GET') throw methodNotAllowed();
    return countRelation(ctx, req, entity, key, relation);
  }
  const rel = relation as 'members' | 'owners';
  if (fourth === '$ref' && fifth === undefined && method === 'POST' && entity.writable) {
    return addReference(ctx, req, entity, key, rel);
  }
  if (fourth !== undefined && fifth === '$ref' && method === 'DELETE' && entity.writable) {
    return removeReference(ctx, req, entity, key, rel, fourth);
  }
  if (method === 'GET' && fifth === undefined && fourth !== '$ref') {
    return listRelation(ctx, req, entity, key, relation, fourth);
  }
  throw methodNotAllowed();
}

/** `servicePrincipals(appId='...')` style keys arrive as one segment `(appId='...')`; plain ids pass through. */
function alternateKey(segment: string): string {
  const m = /^\(?\s*[A-Za-z]+\s*=\s*'(.*)'\s*\)?$/.exec(segment);
  return m ? m[1]!.replace(/''/g, "'") : segment;
}

function notSupported(req: GraphRequest): GraphHttpError {
  return new GraphHttpError(
    400,
    'BadRequest',
    `Resource not found for the segment '${req.segments[req.segments.length - 1] ?? ''}'.`,
  );
}
