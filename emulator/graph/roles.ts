import { ALL_ROLES } from '../auth/identity.js';

/** The application permissions the emulator knows; anything else in a token is ignored. */
export const ALL_ROLES_SET: ReadonlySet<string> = new Set([...ALL_ROLES, 'OrgContact.ReadWrite.All']);
