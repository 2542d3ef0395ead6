import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { AppRegistration } from '../auth/identity.js';
import { Prng } from '../util/prng.js';
import { DirectoryStore, type DirObject } from './store.js';

/**
 * Loading a tenant: from a tenant JSON file (samples/tenant.json) or generated from a seed. Both
 * produce the initial state (sequence 0), which a first delta round enumerates.
 */

export interface TenantFile {
  tenantId?: string;
  domains?: string[];
  /** App registrations that may sign in. Certificates are PEM text or `file:<path>` relative to the file. */
  apps?: (Omit<AppRegistration, 'secrets' | 'certificates'> & {
    secrets?: string[];
    certificates?: string[];
  })[];
  applications?: (Record<string, unknown> & {
    extensionProperties?: {
      name: string;
      dataType: string;
      targetObjects: string[];
      isMultiValued?: boolean;
    }[];
  })[];
  users?: (Record<string, unknown> & { manager?: string })[];
  groups?: (Record<string, unknown> & { members?: string[]; owners?: string[] })[];
  contacts?: Record<string, unknown>[];
  servicePrincipals?: (Record<string, unknown> & { owners?: string[] })[];
}

export interface GenerateOptions {
  users: number;
  groups: number;
  seed: number;
  /** Members of the one very large group (default: every user, at most 100,000). */
  largeGroupMembers?: number;
}

export interface LoadedTenant {
  store: DirectoryStore;
  tenantId?: string | undefined;
  apps: AppRegistration[];
}

const FIRST = [
  'Ada',
  'Alan',
  'Grace',
  'Linus',
  'Margaret',
  'Ken',
  'Barbara',
  'Dennis',
  'Frances',
  'Edsger',
  'Radia',
  'Niklaus',
  'Hedy',
  'Tim',
  'Katherine',
  'John',
  'Sophie',
  'Leslie',
  'Shafi',
  'Whitfield',
];
const LAST = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Thompson',
  'Liskov',
  'Ritchie',
  'Allen',
  'Dijkstra',
  'Perlman',
  'Wirth',
  'Lamarr',
  'Berners-Lee',
  'Johnson',
  'Backus',
  'Wilson',
  'Lamport',
  'Goldwasser',
  'Diffie',
];
const DEPARTMENTS = [
  'Engineering',
  'Finance',
  'Sales',
  'Marketing',
  'Operations',
  'Legal',
  'Support',
  'Research',
];
const TITLES = ['Engineer', 'Analyst', 'Manager', 'Director', 'Consultant', 'Specialist', 'Architect'];
const CITIES: [string, string, string][] = [
  ['Seattle', 'United States', 'US'],
  ['London', 'United Kingdom', 'GB'],
  ['Paris', 'France', 'FR'],
  ['Berlin', 'Germany', 'DE'],
  ['Tokyo', 'Japan', 'JP'],
];
const PARTNERS = ['fabrikam.com', 'tailspintoys.com', 'wingtiptoys.com', 'northwindtraders.com'];

/** The extension-owning app every generated tenant has, with a fixed appId so names are stable. */
export const SAMPLE_EXTENSION_APP_ID = '5bfc8fda-cfc9-43a9-a6de-214ea9d15fdb';
const EXT = `extension_${SAMPLE_EXTENSION_APP_ID.replace(/-/g, '')}`;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function generateTenant(domains: string[], opts: GenerateOptions): DirectoryStore {
  const store = new DirectoryStore(domains);
  const rng = new Prng(opts.seed);
  const domain = store.primaryDomain;
  const epoch = Date.UTC(2024, 0, 1);
  const app = store.insert(
    'application',
    {
      id: rng.guid(),
      appId: SAMPLE_EXTENSION_APP_ID,
      displayName: 'mimgraph directory extensions',
      createdDateTime: iso(epoch),
      signInAudience: 'AzureADMyOrg',
    },
    true,
  );
  const extensions: [string, string, string[], boolean][] = [
    ['employeeNumber', 'String', ['User'], false],
    ['badgeCode', 'Integer', ['User'], false],
    ['skills', 'String', ['User'], true],
    ['costCenter', 'String', ['User', 'Group'], false],
  ];
  for (const [name, dataType, targetObjects, isMultiValued] of extensions) {
    store.insert(
      'extensionProperty',
      {
        id: rng.guid(),
        name: `${EXT}_${name}`,
        dataType,
        targetObjects,
        isMultiValued,
        isSyncedFromOnPremises: false,
        appDisplayName: app.props.displayName,
        owningApp: app.id,
      },
      true,
    );
  }

  const users: DirObject[] = [];
  for (let i = 0; i < opts.users; i++) {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
    const created = iso(epoch + i * 60_000);
    const guest = i > 0 && rng.next() < 0.1;
    let props: Record<string, unknown>;
    if (guest) {
      const mail = `${first.toLowerCase()}.${last.toLowerCase()}${i}@${PARTNERS[i % PARTNERS.length]}`;
      const upn = `${mail.replace('@', '_')}#EXT#@${domain}`;
      props = {
        id: rng.guid(),
        displayName: `${first} ${last} (Guest ${i})`,
        givenName: first,
        surname: last,
        mail,
        otherMails: [mail],
        userPrincipalName: upn,
        mailNickname: `${mail.replace('@', '_')}#EXT#`,
        userType: 'Guest',
        creationType: 'Invitation',
        externalUserState: rng.next() < 0.7 ? 'Accepted' : 'PendingAcceptance',
        accountEnabled: true,
        createdDateTime: created,
        identities: [{ signInType: 'userPrincipalName', issuer: domain, issuerAssignedId: upn }],
        businessPhones: [],
      };
    } else {
      const [city, country, usage] = CITIES[i % CITIES.length]!;
      const nick = `${first.toLowerCase()}.${last.toLowerCase().replace(/[^a-z]/g, '')}${i}`;
      props = {
        id: rng.guid(),
        displayName: `${first} ${last} ${i}`,
        givenName: first,
        surname: last,
        userPrincipalName: `${nick}@${domain}`,
        mail: `${nick}@${domain}`,
        mailNickname: nick,
        userType: 'Member',
        accountEnabled: rng.next() > 0.05,
        department: DEPARTMENTS[rng.int(DEPARTMENTS.length)],
        jobTitle: TITLES[rng.int(TITLES.length)],
        employeeId: String(100000 + i),
        city,
        country,
        usageLocation: usage,
        createdDateTime: created,
        businessPhones: rng.next() < 0.5 ? [`+1 555 01${String(i % 100).padStart(2, '0')}`] : [],
        proxyAddresses: [`SMTP:${nick}@${domain}`],
        employeeOrgData: { division: DEPARTMENTS[i % DEPARTMENTS.length], costCenter: `CC${100 + (i % 50)}` },
        onPremisesExtensionAttributes: extensionAttributes(i),
        [`${EXT}_employeeNumber`]: `E${String(i).padStart(7, '0')}`,
        [`${EXT}_costCenter`]: `CC${100 + (i % 50)}`,
        ...(i % 3 === 0 ? { [`${EXT}_badgeCode`]: 1000 + i } : {}),
        ...(i % 4 === 0 ? { [`${EXT}_skills`]: ['identity', i % 8 === 0 ? 'kerberos' : 'graph'] } : {}),
      };
    }
    users.push(store.insert('user', props, true));
  }
  // A shallow hierarchy: managers come from the first tenth of the members.
  const managerPool = Math.max(1, Math.floor(opts.users / 10));
  for (let i = 1; i < users.length; i++) {
    const u = users[i]!;
    if (u.props.userType === 'Guest' || rng.next() > 0.7) continue;
    const m = users[rng.int(Math.min(i, managerPool))]!;
    if (m !== u && m.props.userType !== 'Guest') store.setManager(u, m.id, true);
  }

  const groups: DirObject[] = [];
  for (let g = 0; g < opts.groups; g++) {
    const unified = g > 0 && rng.next() < 0.2;
    const nick =
      g === 0
        ? 'all-staff'
        : `${unified ? 'team' : 'sg'}-${DEPARTMENTS[g % DEPARTMENTS.length]!.toLowerCase()}-${g}`;
    const group = store.insert(
      'group',
      {
        id: rng.guid(),
        displayName:
          g === 0 ? 'All staff' : `${unified ? 'Team' : 'SG'} ${DEPARTMENTS[g % DEPARTMENTS.length]} ${g}`,
        description: g === 0 ? 'Every user of the tenant' : `Generated group ${g}`,
        mailNickname: nick,
        mailEnabled: unified,
        securityEnabled: !unified,
        groupTypes: unified ? ['Unified'] : [],
        createdDateTime: iso(epoch + g * 3_600_000),
        visibility: unified ? 'Private' : null,
        securityIdentifier: `S-1-12-1-${1000 + g}`,
        ...(unified
          ? { mail: `${nick}@${domain}`, proxyAddresses: [`SMTP:${nick}@${domain}`] }
          : { proxyAddresses: [] }),
        ...(g % 5 === 0 ? { [`${EXT}_costCenter`]: `CC${100 + (g % 50)}` } : {}),
      },
      true,
    );
    groups.push(group);
    if (users.length === 0) continue;
    if (g === 0) {
      const n = Math.min(users.length, opts.largeGroupMembers ?? 100_000);
      for (let i = 0; i < n; i++) store.addRelation(group, 'members', users[i]!.id, true);
    } else {
      const n = Math.min(users.length, 10 + rng.int(21));
      for (let k = 0; k < n; k++) store.addRelation(group, 'members', users[rng.int(users.length)]!.id, true);
      // Nesting: about one group in twenty contains an earlier group (so no cycles).
      if (g > 1 && rng.next() < 0.05)
        store.addRelation(group, 'members', groups[1 + rng.int(g - 1)]!.id, true);
    }
    store.addRelation(group, 'owners', users[rng.int(Math.min(users.length, managerPool))]!.id, true);
  }

  const contacts = Math.max(2, Math.floor(opts.users / 50));
  for (let c = 0; c < contacts; c++) {
    const first = FIRST[(c * 7) % FIRST.length]!;
    const last = LAST[(c * 3) % LAST.length]!;
    const mail = `${first.toLowerCase()}.${last.toLowerCase()}${c}@${PARTNERS[c % PARTNERS.length]}`;
    const contact = store.insert(
      'orgContact',
      {
        id: rng.guid(),
        displayName: `${first} ${last} (contact ${c})`,
        givenName: first,
        surname: last,
        mail,
        mailNickname: `${first}${last}${c}`.toLowerCase(),
        companyName: PARTNERS[c % PARTNERS.length],
        proxyAddresses: [`SMTP:${mail}`],
        addresses: [],
        phones: [],
      },
      true,
    );
    if (groups.length > 1 && c % 4 === 0)
      store.addRelation(groups[1 + (c % (groups.length - 1))]!, 'members', contact.id, true);
  }

  for (let s = 0; s < 5; s++) {
    const appId = rng.guid();
    store.insert(
      'servicePrincipal',
      {
        id: rng.guid(),
        appId,
        displayName: `Line-of-business app ${s}`,
        appDisplayName: `Line-of-business app ${s}`,
        accountEnabled: true,
        appRoleAssignmentRequired: s % 2 === 0,
        servicePrincipalNames: [appId, `https://app${s}.${domain}`],
        servicePrincipalType: 'Application',
        tags: s === 0 ? ['WindowsAzureActiveDirectoryOnPremApp'] : [],
        appRoles: [],
        keyCredentials: [],
      },
      true,
    );
  }
  return store;
}

function extensionAttributes(i: number): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (let k = 1; k <= 15; k++) out[`extensionAttribute${k}`] = null;
  out.extensionAttribute1 = `EA1-${i % 10}`;
  if (i % 7 === 0) out.extensionAttribute10 = 'kerberos-app-access';
  return out;
}

/** Loads a tenant JSON file. References (manager, members, owners) may name ids, UPNs or mailNicknames. */
export function loadTenantFile(path: string, fallbackDomains: string[]): LoadedTenant {
  let data: TenantFile;
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as TenantFile;
  } catch (e) {
    throw new Error(`tenant file ${path}: ${(e as Error).message}`);
  }
  const where = (what: string) => `tenant file ${path}: ${what}`;
  const store = new DirectoryStore(data.domains?.length ? data.domains : fallbackDomains);
  const rng = new Prng(0x5eed);
  const keyed = new Map<string, DirObject>();
  const remember = (o: DirObject, ...keys: unknown[]) => {
    keyed.set(o.id, o);
    for (const k of keys) if (typeof k === 'string') keyed.set(k.toLowerCase(), o);
  };
  const ref = (key: string, context: string) => {
    const o = keyed.get(key.toLowerCase());
    if (!o) throw new Error(where(`${context} names '${key}', which is not an object of the file`));
    return o;
  };
  for (const a of data.applications ?? []) {
    const { extensionProperties, ...props } = a;
    const app = store.insert('application', { id: rng.guid(), appId: rng.guid(), ...props }, true);
    remember(app, app.props.appId);
    for (const e of extensionProperties ?? []) {
      store.insert(
        'extensionProperty',
        {
          id: rng.guid(),
          name: `extension_${String(app.props.appId).replace(/-/g, '')}_${e.name}`,
          dataType: e.dataType,
          targetObjects: e.targetObjects,
          isMultiValued: e.isMultiValued === true,
          isSyncedFromOnPremises: false,
          appDisplayName: app.props.displayName,
          owningApp: app.id,
        },
        true,
      );
    }
  }
  for (const u of data.users ?? []) {
    const { manager: _m, ...props } = u;
    if (typeof props.userPrincipalName !== 'string')
      throw new Error(where('every user needs a userPrincipalName'));
    remember(
      store.insert('user', { id: rng.guid(), accountEnabled: true, userType: 'Member', ...props }, true),
      props.userPrincipalName,
    );
  }
  for (const c of data.contacts ?? [])
    remember(store.insert('orgContact', { id: rng.guid(), ...c }, true), c.mail);
  for (const s of data.servicePrincipals ?? []) {
    const { owners: _o, ...props } = s;
    remember(
      store.insert('servicePrincipal', { id: rng.guid(), accountEnabled: true, ...props }, true),
      props.appId,
    );
  }
  for (const g of data.groups ?? []) {
    const { members: _m, owners: _o, ...props } = g;
    if (typeof props.mailNickname !== 'string') throw new Error(where('every group needs a mailNickname'));
    remember(store.insert('group', { id: rng.guid(), groupTypes: [], ...props }, true), props.mailNickname);
  }
  for (const u of data.users ?? []) {
    if (u.manager)
      store.setManager(
        ref(String(u.userPrincipalName), 'user'),
        ref(u.manager, `manager of ${u.userPrincipalName}`).id,
        true,
      );
  }
  for (const g of data.groups ?? []) {
    const group = ref(String(g.mailNickname), 'group');
    for (const m of g.members ?? [])
      store.addRelation(group, 'members', ref(m, `members of ${g.mailNickname}`).id, true);
    for (const o of g.owners ?? [])
      store.addRelation(group, 'owners', ref(o, `owners of ${g.mailNickname}`).id, true);
  }
  const base = dirname(resolve(path));
  const apps: AppRegistration[] = (data.apps ?? []).map((a, i) => {
    if (typeof a.clientId !== 'string') throw new Error(where(`apps[${i}].clientId is required`));
    return {
      clientId: a.clientId,
      displayName: a.displayName,
      secrets: a.secrets ?? [],
      certificates: (a.certificates ?? []).map((c) =>
        c.startsWith('file:') ? readFileSync(resolve(base, c.slice(5)), 'utf8') : c,
      ),
      roles: a.roles ?? 'all',
    };
  });
  return { store, tenantId: data.tenantId, apps };
}
