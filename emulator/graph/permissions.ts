import { forbidden } from '../http/errors.js';
import type { GraphRequest } from '../http/types.js';
import type { EntityTypeName } from '../model/types.js';

/**
 * Application permissions that allow reading or writing each kind of object (least privileged
 * first, as Graph's permission tables list them).
 */
const READ: Record<EntityTypeName, string[]> = {
  user: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  group: [
    'GroupMember.Read.All',
    'Group.Read.All',
    'GroupMember.ReadWrite.All',
    'Group.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  orgContact: ['OrgContact.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  servicePrincipal: [
    'Application.Read.All',
    'Application.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  application: [
    'Application.Read.All',
    'Application.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  extensionProperty: [
    'Application.Read.All',
    'Application.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  invitation: ['User.Invite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
};

const WRITE: Record<EntityTypeName, string[]> = {
  user: ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  group: ['Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  orgContact: ['OrgContact.ReadWrite.All'],
  servicePrincipal: ['Application.ReadWrite.All', 'Directory.ReadWrite.All'],
  application: ['Application.ReadWrite.All', 'Directory.ReadWrite.All'],
  extensionProperty: ['Application.ReadWrite.All', 'Directory.ReadWrite.All'],
  invitation: ['User.Invite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
};

/** Membership changes are also allowed with GroupMember.ReadWrite.All. */
const MEMBERSHIP_WRITE = ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'];

export type Access = 'read' | 'write' | 'membership';

export function requireRole(req: GraphRequest, type: EntityTypeName, access: Access): void {
  const allowed = access === 'read' ? READ[type] : access === 'write' ? WRITE[type] : MEMBERSHIP_WRITE;
  for (const role of allowed) if (req.roles.has(role)) return;
  throw forbidden();
}

export function requireAnyRole(req: GraphRequest, roles: readonly string[]): void {
  for (const role of roles) if (req.roles.has(role)) return;
  throw forbidden();
}
