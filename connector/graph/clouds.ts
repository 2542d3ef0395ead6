/**
 * National clouds: where to sign in and where Graph lives. Tokens do not cross clouds, so the two
 * endpoints always travel together. `custom` serves sovereign or private endpoints (and the emulator):
 * MSAL then trusts the given login host without asking any public discovery endpoint.
 */
export type CloudName = 'global' | 'usgov' | 'usgovdod' | 'china' | 'custom';

export interface Cloud {
  readonly name: CloudName;
  /** `https://login.microsoftonline.com` (no trailing slash) */
  readonly loginEndpoint: string;
  /** `https://graph.microsoft.com` (no trailing slash) */
  readonly graphEndpoint: string;
  /** MSAL knows this login host's metadata; custom hosts get theirs from us. */
  readonly builtIn: boolean;
}

const BUILT_IN: Record<Exclude<CloudName, 'custom'>, Cloud> = {
  global: {
    name: 'global',
    loginEndpoint: 'https://login.microsoftonline.com',
    graphEndpoint: 'https://graph.microsoft.com',
    builtIn: true,
  },
  // GCC High (L4) and DoD (L5) share the US Government login host.
  usgov: {
    name: 'usgov',
    loginEndpoint: 'https://login.microsoftonline.us',
    graphEndpoint: 'https://graph.microsoft.us',
    builtIn: true,
  },
  usgovdod: {
    name: 'usgovdod',
    loginEndpoint: 'https://login.microsoftonline.us',
    graphEndpoint: 'https://dod-graph.microsoft.us',
    builtIn: true,
  },
  // 21Vianet. MSAL lists login.chinacloudapi.cn as an alias of its China metadata.
  china: {
    name: 'china',
    loginEndpoint: 'https://login.chinacloudapi.cn',
    graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn',
    builtIn: true,
  },
};

export const CLOUD_NAMES: readonly CloudName[] = ['global', 'usgov', 'usgovdod', 'china', 'custom'];

export class CloudConfigError extends Error {}

export function resolveCloud(
  name: string,
  custom?: { loginEndpoint?: string; graphEndpoint?: string },
): Cloud {
  if (name === 'custom') {
    return {
      name: 'custom',
      loginEndpoint: httpsOrigin('loginEndpoint', custom?.loginEndpoint),
      graphEndpoint: httpsOrigin('graphEndpoint', custom?.graphEndpoint),
      builtIn: false,
    };
  }
  // Own keys only: 'toString' or 'constructor' must not come back as a cloud from Object.prototype.
  const cloud = Object.hasOwn(BUILT_IN, name) ? BUILT_IN[name as Exclude<CloudName, 'custom'>] : undefined;
  if (!cloud) throw new CloudConfigError(`cloud must be one of ${CLOUD_NAMES.join(', ')}; got '${name}'`);
  return cloud;
}

/** An https URL reduced to its origin plus path, without a trailing slash; anything else is refused. */
function httpsOrigin(field: string, value: string | undefined): string {
  if (!value) throw new CloudConfigError(`${field} is required when cloud is 'custom' (an https:// URL)`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CloudConfigError(`${field} must be an absolute https:// URL; got '${value}'`);
  }
  if (url.protocol !== 'https:')
    throw new CloudConfigError(`${field} must use https (MSAL and Graph require TLS); got '${value}'`);
  if (url.search || url.hash || url.username || url.password) {
    throw new CloudConfigError(
      `${field} must not carry a query, fragment or credentials; got '${url.origin}${url.pathname}…'`,
    );
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** The application-permission scope of a Graph endpoint: `<resource>/.default`. */
export const graphScope = (cloud: Cloud) => `${cloud.graphEndpoint}/.default`;
