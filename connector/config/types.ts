import type { Cloud } from '../graph/clouds.js';
import type { WriteBudget } from '../graph/governor.js';
import type { Credential } from '../graph/tokens.js';
import type { ProxySettings } from '../graph/transport.js';

/** The object types this connector offers MIM, by MIM name, with their Graph entity sets. */
export type ObjectTypeName = 'user' | 'group' | 'contact' | 'servicePrincipal' | 'administrativeUnit';

export const ENTITY_SETS: Readonly<Record<ObjectTypeName, string>> = {
  user: 'users',
  group: 'groups',
  contact: 'contacts',
  servicePrincipal: 'servicePrincipals',
  administrativeUnit: 'administrativeUnits',
};

/** Graph's type names (for `@odata.type` and CSDL), by MIM object type. */
export const GRAPH_TYPES: Readonly<Record<ObjectTypeName, string>> = {
  user: 'user',
  group: 'group',
  contact: 'orgContact',
  servicePrincipal: 'servicePrincipal',
  administrativeUnit: 'administrativeUnit',
};

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/**
 * The connector's configuration once parsed and validated: what MIM's parameter pages (or the CLI's
 * config file) said, in types that make invalid states hard to write.
 */
export interface ConnectorConfig {
  readonly apiVersion: 'v1.0' | 'beta';
  readonly tenantId: string;
  readonly clientId: string;
  readonly credential: Credential;
  readonly cloud: Cloud;
  readonly proxy?: ProxySettings | undefined;
  readonly caFile?: string | undefined;
  readonly httpTimeoutMs: number;
  /** `o`/ISO 8601 in UTC by default, or a .NET custom format string (Microsoft's connector's setting). */
  readonly dateTimeFormat: string;
  readonly forceChangePasswordNextSignIn: boolean;
  readonly invitation: {
    readonly redirectUrl: string | undefined;
    readonly sendMessage: boolean;
    readonly messageText: string | undefined;
  };
  /** $batch requests in flight at once during an export call. */
  readonly exportConcurrency: number;
  readonly writeBudget: WriteBudget | false;
  readonly logLevel: LogLevel;
  /** Object types offered in the schema. */
  readonly objectTypes: readonly ObjectTypeName[];
  /** One `$filter` per object type, used when "add objects filter" is on. */
  readonly filters: Readonly<Partial<Record<ObjectTypeName, string>>>;
}
