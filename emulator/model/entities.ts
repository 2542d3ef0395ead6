import type {
  ComplexTypeDef,
  EntityTypeDef,
  FilterOp,
  Model,
  NavigationDef,
  PropertyDef,
  QueryLevel,
} from './types.js';

/**
 * The directory types the emulator serves: a subset of Graph v1.0's CSDL (names and types as in
 * shared/fixtures/graph-metadata), with the list-query rules from Graph's per-property tables.
 */

/** `'eq:D ne:A in:D'` → { eq: 'D', ne: 'A', in: 'D' } */
function ops(spec: string): Partial<Record<FilterOp, QueryLevel>> {
  const out: Partial<Record<FilterOp, QueryLevel>> = {};
  for (const part of spec.split(/\s+/).filter(Boolean)) {
    const [op, level] = part.split(':') as [FilterOp, QueryLevel];
    out[op] = level;
  }
  return out;
}

type Flags = Omit<PropertyDef, 'name' | 'type'> & { f?: string };

function p(name: string, type: string, flags: Flags = {}): PropertyDef {
  const { f, ...rest } = flags;
  return f ? { name, type, ...rest, filter: ops(f) } : { name, type, ...rest };
}
const str = (name: string, flags: Flags = {}) => p(name, 'Edm.String', flags);
const strs = (name: string, flags: Flags = {}) =>
  p(name, 'Edm.String', { collection: true, notNull: true, ...flags });
const bool = (name: string, flags: Flags = {}) => p(name, 'Edm.Boolean', flags);
const date = (name: string, flags: Flags = {}) => p(name, 'Edm.DateTimeOffset', flags);

const DIRECTORY_TYPES = ['user', 'group', 'application', 'servicePrincipal', 'device', 'orgContact'] as const;

const nav = (name: string, collection: boolean, extra: Partial<NavigationDef> = {}): NavigationDef => ({
  name,
  target: 'directoryObject',
  collection,
  referenceable: true,
  derivedTypes: DIRECTORY_TYPES,
  ...extra,
});

const D = { returnedByDefault: true } as const;
const RO = { readOnly: true } as const;

const onPremisesExtensionAttributes: ComplexTypeDef = {
  name: 'onPremisesExtensionAttributes',
  properties: Array.from({ length: 15 }, (_, i) => str(`extensionAttribute${i + 1}`)),
};

export const complexTypes: readonly ComplexTypeDef[] = [
  onPremisesExtensionAttributes,
  {
    name: 'passwordProfile',
    properties: [
      bool('forceChangePasswordNextSignIn'),
      bool('forceChangePasswordNextSignInWithMfa'),
      str('password'),
    ],
  },
  { name: 'employeeOrgData', properties: [str('costCenter'), str('division')] },
  {
    name: 'objectIdentity',
    properties: [str('issuer'), str('issuerAssignedId'), str('signInType')],
  },
  {
    name: 'assignedLicense',
    properties: [p('disabledPlans', 'Edm.Guid', { collection: true, notNull: true }), p('skuId', 'Edm.Guid')],
  },
  {
    name: 'physicalOfficeAddress',
    properties: [
      str('city'),
      str('countryOrRegion'),
      str('officeLocation'),
      str('postalCode'),
      str('state'),
      str('street'),
    ],
  },
  { name: 'phone', properties: [str('language'), str('number'), str('region'), str('type')] },
  {
    name: 'onPremisesProvisioningError',
    properties: [str('category'), date('occurredDateTime'), str('propertyCausingError'), str('value')],
  },
  {
    name: 'appRole',
    properties: [
      strs('allowedMemberTypes'),
      str('description'),
      str('displayName'),
      p('id', 'Edm.Guid', { notNull: true }),
      p('isEnabled', 'Edm.Boolean', { notNull: true }),
      str('origin'),
      str('value'),
    ],
  },
  {
    name: 'keyCredential',
    properties: [
      p('customKeyIdentifier', 'Edm.Binary'),
      str('displayName'),
      date('endDateTime'),
      p('key', 'Edm.Binary'),
      p('keyId', 'Edm.Guid'),
      date('startDateTime'),
      str('type'),
      str('usage'),
    ],
  },
  {
    name: 'invitedUserMessageInfo',
    properties: [str('customizedMessageBody'), str('messageLanguage')],
  },
];

const userProps: PropertyDef[] = [
  p('id', 'Edm.String', {
    notNull: true,
    readOnly: true,
    returnedByDefault: true,
    f: 'eq:D ne:A not:A in:D',
  }),
  date('deletedDateTime', RO),
  bool('accountEnabled', { requiredOnCreate: true, f: 'eq:D ne:A not:A ge:A le:A in:D' }),
  str('ageGroup', { f: 'eq:D ne:A not:A in:D' }),
  p('assignedLicenses', 'assignedLicense', {
    collection: true,
    notNull: true,
    readOnly: true,
    f: 'eq:D not:A any:D',
  }),
  strs('businessPhones', { ...D, f: 'eq:D not:A any:D' }),
  str('city', { f: 'eq:D ne:A not:A ge:D in:D startsWith:D null:A' }),
  str('companyName', { f: 'eq:A ne:A not:A ge:A le:A in:A startsWith:A null:A' }),
  str('country', { f: 'eq:D ne:A not:A ge:D le:D in:D startsWith:D null:A' }),
  date('createdDateTime', { readOnly: true, f: 'eq:D ne:A not:A ge:D le:D in:A' }),
  str('creationType', { readOnly: true, f: 'eq:D ne:A not:A in:D' }),
  str('department', { f: 'eq:D ne:A not:A ge:D le:D in:D startsWith:D null:A' }),
  str('displayName', {
    ...D,
    requiredOnCreate: true,
    f: 'eq:D ne:A not:A in:D startsWith:D null:A endsWith:A',
  }),
  date('employeeHireDate', { f: 'eq:A ne:A ge:A le:A in:A' }),
  date('employeeLeaveDateTime', { f: 'eq:A ne:A ge:A le:A in:A' }),
  str('employeeId', { f: 'eq:D ne:A le:A startsWith:D null:A' }),
  p('employeeOrgData', 'employeeOrgData'),
  str('employeeType', { f: 'eq:A ne:A ge:A le:A in:A startsWith:A' }),
  str('externalUserState', { readOnly: true, f: 'eq:D in:D' }),
  date('externalUserStateChangeDateTime', RO),
  str('faxNumber'),
  str('givenName', { ...D, f: 'eq:D ne:A ge:D le:D in:D startsWith:D null:A' }),
  p('identities', 'objectIdentity', { collection: true, f: 'eq:D any:D' }),
  strs('imAddresses', { notNull: false, readOnly: true, f: 'eq:D ne:A not:A ge:D le:D startsWith:D any:D' }),
  bool('isResourceAccount', { f: 'eq:D ne:A' }),
  str('jobTitle', { ...D, f: 'eq:D ne:A ge:D le:D in:D null:A startsWith:D' }),
  str('mail', { ...D, f: 'eq:D ne:A ge:D le:D in:D startsWith:D endsWith:A null:A' }),
  str('mailNickname', { requiredOnCreate: true, f: 'eq:D ne:A ge:D le:D in:D startsWith:D null:A' }),
  str('mobilePhone', { ...D, f: 'eq:A ne:A ge:A le:A in:A startsWith:A null:A' }),
  str('officeLocation', { ...D, f: 'eq:A ne:A ge:A le:A in:A startsWith:A null:A' }),
  p('onPremisesExtensionAttributes', 'onPremisesExtensionAttributes', { f: 'eq:A ne:A ge:A le:A in:A' }),
  str('onPremisesDistinguishedName', RO),
  str('onPremisesDomainName', RO),
  str('onPremisesImmutableId', { f: 'eq:A ne:A ge:A le:A in:A', unique: true }),
  date('onPremisesLastSyncDateTime', { readOnly: true, f: 'eq:A ne:A ge:A le:A in:A' }),
  str('onPremisesSamAccountName', { readOnly: true, f: 'eq:A ne:A ge:A le:A in:A startsWith:A' }),
  str('onPremisesSecurityIdentifier', { readOnly: true, f: 'eq:D ne:A in:D null:A' }),
  bool('onPremisesSyncEnabled', { readOnly: true, f: 'eq:D ne:A ge:A le:A in:D' }),
  str('onPremisesUserPrincipalName', {
    readOnly: true,
    f: 'eq:D ne:A ge:D le:D in:D startsWith:D endsWith:A',
  }),
  strs('otherMails', { f: 'eq:D ne:A ge:D le:D in:D startsWith:D endsWith:A any:D' }),
  str('passwordPolicies', { f: 'eq:A ne:A null:A' }),
  p('passwordProfile', 'passwordProfile', { writeOnly: true }),
  str('postalCode', { f: 'eq:A ne:A ge:A le:A in:A startsWith:A null:A' }),
  str('preferredLanguage', { ...D, f: 'eq:A ne:A ge:A le:A in:A startsWith:A null:A' }),
  strs('proxyAddresses', { f: 'eq:D ne:A ge:D le:D startsWith:D endsWith:A null:A any:D' }),
  str('securityIdentifier', RO),
  bool('showInAddressList', { f: 'eq:A ne:A ge:A le:A in:A' }),
  str('state', { f: 'eq:D ne:A ge:D le:D in:D startsWith:D null:A' }),
  str('streetAddress', { f: 'eq:A ne:A ge:A le:A in:A startsWith:A null:A' }),
  str('surname', { ...D, f: 'eq:D ne:A ge:D le:D in:D startsWith:D null:A' }),
  str('usageLocation', { f: 'eq:D ne:A ge:D le:D in:D startsWith:D' }),
  str('userPrincipalName', {
    ...D,
    requiredOnCreate: true,
    unique: true,
    f: 'eq:D ne:A le:D in:D startsWith:D endsWith:A',
  }),
  str('userType', { f: 'eq:D ne:A not:A in:D null:A' }),
];

const groupProps: PropertyDef[] = [
  p('id', 'Edm.String', {
    notNull: true,
    readOnly: true,
    returnedByDefault: true,
    f: 'eq:D ne:A not:A in:D',
  }),
  date('deletedDateTime', { ...D, ...RO }),
  p('assignedLicenses', 'assignedLicense', { collection: true, readOnly: true, f: 'eq:D' }),
  str('classification', { ...D, f: 'eq:D ne:A not:A ge:D le:D startsWith:D' }),
  date('createdDateTime', { ...D, readOnly: true, f: 'eq:D ne:A not:A ge:D le:D in:D' }),
  str('description', { ...D, f: 'eq:D ne:A not:A ge:D le:D startsWith:D' }),
  str('displayName', {
    ...D,
    requiredOnCreate: true,
    f: 'eq:D ne:A not:A ge:D le:D in:D startsWith:D null:A endsWith:A',
  }),
  date('expirationDateTime', { ...D, readOnly: true, f: 'eq:D ne:A not:A ge:D le:D in:D' }),
  strs('groupTypes', { ...D, f: 'eq:D not:A any:D' }),
  bool('isAssignableToRole', { ...D, f: 'eq:D ne:A not:A' }),
  str('mail', { ...D, readOnly: true, f: 'eq:D ne:A not:A ge:D le:D in:D startsWith:D endsWith:A' }),
  bool('mailEnabled', { ...D, requiredOnCreate: true, f: 'eq:D ne:A not:A' }),
  str('mailNickname', {
    ...D,
    requiredOnCreate: true,
    unique: true,
    f: 'eq:D ne:A not:A ge:D le:D in:D startsWith:D',
  }),
  str('membershipRule', { ...D, f: 'eq:D ne:A not:A ge:D le:D startsWith:D' }),
  str('membershipRuleProcessingState', { ...D, f: 'eq:D ne:A not:A in:D' }),
  p('onPremisesExtensionAttributes', 'onPremisesExtensionAttributes'),
  str('onPremisesDomainName', { ...D, ...RO }),
  date('onPremisesLastSyncDateTime', { ...D, readOnly: true, f: 'eq:D ne:A not:A ge:D le:D in:D' }),
  str('onPremisesNetBiosName', { ...D, ...RO }),
  str('onPremisesSamAccountName', { ...D, readOnly: true, f: 'eq:D ne:A not:A ge:D le:D in:D startsWith:D' }),
  str('onPremisesSecurityIdentifier', { ...D, readOnly: true, f: 'null:D' }),
  bool('onPremisesSyncEnabled', { ...D, readOnly: true, f: 'eq:D ne:A not:A in:D' }),
  str('preferredDataLocation', D),
  str('preferredLanguage', { ...D, f: 'eq:D ne:A not:A ge:D le:D in:D startsWith:D' }),
  strs('proxyAddresses', { ...D, readOnly: true, f: 'eq:D not:A ge:D le:D startsWith:D endsWith:A any:D' }),
  date('renewedDateTime', { ...D, readOnly: true, f: 'eq:D ne:A not:A ge:D le:D in:D' }),
  strs('resourceBehaviorOptions', D),
  strs('resourceProvisioningOptions', { ...D, ...RO }),
  bool('securityEnabled', { ...D, requiredOnCreate: true, f: 'eq:D ne:A not:A in:D' }),
  str('securityIdentifier', { ...D, ...RO }),
  str('theme', D),
  str('visibility', D),
];

const contactProps: PropertyDef[] = [
  p('id', 'Edm.String', {
    notNull: true,
    readOnly: true,
    returnedByDefault: true,
    f: 'eq:D ne:A not:A in:D',
  }),
  date('deletedDateTime', { ...D, ...RO }),
  p('addresses', 'physicalOfficeAddress', { ...D, collection: true }),
  str('companyName', { ...D, f: 'eq:D ne:A not:A ge:D le:D in:D startsWith:D' }),
  str('department', { ...D, f: 'eq:D ne:A not:A ge:D le:D in:D startsWith:D' }),
  str('displayName', { ...D, f: 'eq:D ne:A not:A ge:D le:D in:D startsWith:D' }),
  str('givenName', { ...D, f: 'eq:D ne:A not:A ge:D le:D in:D startsWith:D' }),
  str('jobTitle', { ...D, f: 'eq:D ne:A not:A ge:D le:D in:D startsWith:D' }),
  str('mail', { ...D, f: 'eq:D ne:A not:A ge:D le:D in:D startsWith:D' }),
  str('mailNickname', { ...D, f: 'eq:D ne:A not:A ge:D le:D in:D startsWith:D' }),
  date('onPremisesLastSyncDateTime', { ...D, f: 'eq:D ne:A not:A ge:D le:D in:D' }),
  bool('onPremisesSyncEnabled', { ...D, f: 'eq:D ne:A not:A in:D' }),
  p('phones', 'phone', { ...D, collection: true }),
  strs('proxyAddresses', { ...D, f: 'eq:D not:A ge:D le:D startsWith:D any:D' }),
  str('surname', { ...D, f: 'eq:D ne:A not:A ge:D le:D in:D startsWith:D' }),
];

const spProps: PropertyDef[] = [
  p('id', 'Edm.String', {
    notNull: true,
    readOnly: true,
    returnedByDefault: true,
    f: 'eq:D ne:A not:A in:D',
  }),
  date('deletedDateTime', { ...D, ...RO }),
  bool('accountEnabled', { ...D, f: 'eq:D ne:A not:A in:D' }),
  strs('alternativeNames', { ...D, f: 'eq:D not:A ge:D le:D startsWith:D any:D' }),
  str('appDescription', D),
  str('appDisplayName', { ...D, ...RO }),
  str('appId', { ...D, requiredOnCreate: true, unique: true, f: 'eq:D in:D' }),
  p('appOwnerOrganizationId', 'Edm.Guid', { ...D, readOnly: true, f: 'eq:D ne:A not:A ge:D le:D' }),
  p('appRoleAssignmentRequired', 'Edm.Boolean', { ...D, notNull: true, f: 'eq:D ne:A not:A' }),
  p('appRoles', 'appRole', { ...D, collection: true, notNull: true }),
  str('description', { ...D, f: 'eq:D ne:A not:A ge:D le:D startsWith:D' }),
  str('displayName', { ...D, f: 'eq:D ne:A not:A ge:D le:D in:D startsWith:D' }),
  str('homepage', D),
  p('keyCredentials', 'keyCredential', { ...D, collection: true, notNull: true }),
  str('loginUrl', D),
  str('logoutUrl', D),
  str('notes', D),
  strs('notificationEmailAddresses', D),
  str('preferredSingleSignOnMode', D),
  strs('replyUrls', D),
  strs('servicePrincipalNames', { ...D, f: 'eq:D not:A ge:D le:D startsWith:D any:D' }),
  str('servicePrincipalType', { ...D, ...RO }),
  str('signInAudience', { ...D, ...RO }),
  strs('tags', { ...D, f: 'eq:D not:A ge:D le:D startsWith:D any:D' }),
];

const appProps: PropertyDef[] = [
  p('id', 'Edm.String', {
    notNull: true,
    readOnly: true,
    returnedByDefault: true,
    f: 'eq:D ne:A not:A in:D',
  }),
  date('deletedDateTime', { ...D, ...RO }),
  str('appId', { ...D, readOnly: true, unique: true, f: 'eq:D in:D' }),
  date('createdDateTime', { ...D, readOnly: true }),
  str('description', D),
  str('displayName', { ...D, requiredOnCreate: true, f: 'eq:D ne:A not:A ge:D le:D in:D startsWith:D' }),
  strs('identifierUris', { ...D, f: 'any:D' }),
  p('keyCredentials', 'keyCredential', { ...D, collection: true, notNull: true }),
  str('publisherDomain', { ...D, ...RO }),
  str('signInAudience', D),
  strs('tags', D),
];

const extPropProps: PropertyDef[] = [
  p('id', 'Edm.String', { notNull: true, readOnly: true, returnedByDefault: true }),
  date('deletedDateTime', { ...D, ...RO }),
  str('appDisplayName', { ...D, ...RO }),
  str('dataType', { ...D, notNull: true, requiredOnCreate: true }),
  p('isMultiValued', 'Edm.Boolean', { ...D, notNull: true }),
  bool('isSyncedFromOnPremises', { ...D, ...RO }),
  str('name', { ...D, notNull: true, requiredOnCreate: true }),
  strs('targetObjects', { ...D, requiredOnCreate: true }),
];

const invitationProps: PropertyDef[] = [
  p('id', 'Edm.String', { notNull: true, readOnly: true, returnedByDefault: true }),
  str('invitedUserDisplayName', D),
  str('invitedUserEmailAddress', { ...D, notNull: true, requiredOnCreate: true }),
  p('invitedUserMessageInfo', 'invitedUserMessageInfo', D),
  str('invitedUserType', D),
  str('inviteRedeemUrl', { ...D, ...RO }),
  str('inviteRedirectUrl', { ...D, notNull: true, requiredOnCreate: true }),
  bool('resetRedemption', D),
  bool('sendInvitationMessage', D),
  str('status', { ...D, ...RO }),
];

export const entityTypes: readonly EntityTypeDef[] = [
  {
    name: 'user',
    entitySet: 'users',
    baseType: 'directoryObject',
    properties: userProps,
    navigation: [
      nav('manager', false, { derivedTypes: ['user', 'orgContact'] }),
      nav('directReports', true, { referenceable: false }),
      nav('memberOf', true, { referenceable: false, derivedTypes: ['group'] }),
    ],
    alternateKeys: ['userPrincipalName'],
    writable: true,
    delta: true,
    extensionTarget: 'User',
  },
  {
    name: 'group',
    entitySet: 'groups',
    baseType: 'directoryObject',
    properties: groupProps,
    navigation: [
      nav('members', true),
      nav('owners', true, { derivedTypes: ['user', 'servicePrincipal'] }),
      nav('memberOf', true, { referenceable: false, derivedTypes: ['group'] }),
    ],
    writable: true,
    delta: true,
    extensionTarget: 'Group',
  },
  {
    name: 'orgContact',
    entitySet: 'contacts',
    baseType: 'directoryObject',
    properties: contactProps,
    navigation: [
      nav('manager', false, { referenceable: false, derivedTypes: ['user', 'orgContact'] }),
      nav('directReports', true, { referenceable: false }),
      nav('memberOf', true, { referenceable: false, derivedTypes: ['group'] }),
    ],
    writable: false,
    delta: true,
  },
  {
    name: 'servicePrincipal',
    entitySet: 'servicePrincipals',
    baseType: 'directoryObject',
    properties: spProps,
    navigation: [
      nav('owners', true, { derivedTypes: ['user', 'servicePrincipal'] }),
      nav('memberOf', true, { referenceable: false, derivedTypes: ['group'] }),
    ],
    alternateKeys: ['appId'],
    writable: true,
    delta: true,
  },
  {
    name: 'application',
    entitySet: 'applications',
    baseType: 'directoryObject',
    properties: appProps,
    navigation: [
      nav('owners', true, { derivedTypes: ['user', 'servicePrincipal'] }),
      {
        name: 'extensionProperties',
        target: 'extensionProperty',
        collection: true,
      },
    ],
    alternateKeys: ['appId'],
    writable: true,
    delta: false,
    extensionTarget: 'Application',
  },
  {
    name: 'extensionProperty',
    entitySet: 'extensionProperties',
    baseType: 'directoryObject',
    properties: extPropProps,
    navigation: [],
    writable: true,
    delta: false,
  },
  {
    name: 'invitation',
    entitySet: 'invitations',
    baseType: 'entity',
    properties: invitationProps,
    navigation: [{ name: 'invitedUser', target: 'user', collection: false }],
    writable: true,
    delta: false,
  },
];

export const model: Model = { entityTypes, complexTypes };

export function entityType(name: string): EntityTypeDef {
  const t = entityTypes.find((e) => e.name === name);
  if (!t) throw new Error(`unknown entity type ${name}`);
  return t;
}

export function entityTypeBySet(set: string): EntityTypeDef | undefined {
  return entityTypes.find((e) => e.entitySet === set);
}

export function complexType(name: string): ComplexTypeDef | undefined {
  return complexTypes.find((c) => c.name === name);
}
