import { describe, expect, it } from 'vitest';
import { GraphHttpError } from '../../emulator/http/errors.js';
import { entityType } from '../../emulator/model/entities.js';
import type { PropertyDef } from '../../emulator/model/types.js';
import {
  compileFilter,
  deltaIdFilter,
  type FilterOptions,
  parseFilter,
} from '../../emulator/odata/filter.js';

type Obj = Record<string, unknown>;

const SKU = '8a3d1f2e-0b1c-4d5e-9f60-718293a4b5c6';

const alice: Obj = {
  id: '11111111-1111-4111-8111-111111111111',
  displayName: 'Alice Smith',
  givenName: 'Alice',
  userPrincipalName: 'alice@contoso.com',
  mail: 'Alice@Contoso.com',
  accountEnabled: true,
  userType: 'Member',
  city: 'Seattle',
  jobTitle: "O'Brien's deputy",
  department: '100% Sales',
  companyName: 'Contoso',
  createdDateTime: '2021-06-15T10:00:00Z',
  proxyAddresses: ['SMTP:alice@contoso.com', 'smtp:a.smith@contoso.com'],
  businessPhones: ['+1 555 0100'],
  otherMails: ['alice@gmail.com'],
  identities: [
    {
      signInType: 'userPrincipalName',
      issuer: 'contoso.onmicrosoft.com',
      issuerAssignedId: 'alice@contoso.com',
    },
    { signInType: 'emailAddress', issuer: 'contoso.com', issuerAssignedId: 'alice@example.com' },
  ],
  assignedLicenses: [{ skuId: SKU, disabledPlans: [] }],
  onPremisesExtensionAttributes: { extensionAttribute1: 'Finance' },
  extension_5bfc8fdacfc943a9a6de214ea9d15fdb_tier: 'gold',
};

const bob: Obj = {
  id: '22222222-2222-4222-8222-222222222222',
  displayName: 'Bob Jones',
  userPrincipalName: 'bob_fabrikam.com#EXT#@contoso.onmicrosoft.com',
  mail: 'bob@fabrikam.com',
  accountEnabled: false,
  userType: 'Guest',
  city: null,
  createdDateTime: '2022-01-01T01:00:00+02:00', // 2021-12-31T23:00:00Z
  proxyAddresses: [],
  businessPhones: [],
  identities: [{ signInType: 'federated', issuer: 'fabrikam.com', issuerAssignedId: 'bob' }],
  assignedLicenses: [],
};

const unified: Obj = {
  id: '33333333-3333-4333-8333-333333333333',
  displayName: 'Marketing',
  description: 'All marketing staff',
  groupTypes: ['Unified'],
  mailEnabled: true,
  securityEnabled: false,
  proxyAddresses: ['SMTP:marketing@contoso.com'],
  createdDateTime: '2020-03-01T00:00:00Z',
};

const security: Obj = {
  id: '44444444-4444-4444-8444-444444444444',
  displayName: 'Finance Admins',
  description: null,
  groupTypes: [],
  mailEnabled: false,
  securityEnabled: true,
  proxyAddresses: [],
  createdDateTime: '2023-05-05T12:00:00Z',
};

const USER = entityType('user');
const GROUP = entityType('group');
const users = { alice, bob };
const groups = { unified, security };

const tierExtension: PropertyDef = {
  name: 'extension_5bfc8fdacfc943a9a6de214ea9d15fdb_tier',
  type: 'Edm.String',
};
const extension = (name: string) =>
  name.toLowerCase() === tierExtension.name.toLowerCase() ? tierExtension : undefined;

/** Names of the sample objects the filter selects. */
function select(set: Record<string, Obj>, filter: string, opts: Partial<FilterOptions> = {}): string[] {
  const entity = set === users ? USER : GROUP;
  const predicate = compileFilter(filter, { entity, advanced: false, extension, ...opts });
  return Object.entries(set)
    .filter(([, obj]) => predicate(obj))
    .map(([name]) => name);
}

const advanced = { advanced: true } as const;

function errorOf(fn: () => unknown): GraphHttpError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GraphHttpError);
    return err as GraphHttpError;
  }
  throw new Error('expected a GraphHttpError');
}

function expectError(fn: () => unknown, status: number, code: string, message: string | RegExp): void {
  const err = errorOf(fn);
  expect(err.status).toBe(status);
  expect(err.code).toBe(code);
  if (typeof message === 'string') expect(err.message).toBe(message);
  else expect(err.message).toMatch(message);
}

const advancedMessage = (op: string) =>
  `Operator '${op}' is not supported because the required parameters might be missing. ` +
  'Try adding $count=true query parameter and ConsistencyLevel:eventual header. ' +
  'Refer to https://aka.ms/graph-docs/advanced-queries for more information';

const expectNeedsAdvanced = (set: Record<string, Obj>, filter: string, op: string) =>
  expectError(() => select(set, filter), 400, 'Request_UnsupportedQuery', advancedMessage(op));

const unsupportedMessage = (property: string, resource: string) =>
  `Unsupported or invalid query filter clause specified for property '${property}' of resource '${resource}'.`;

describe('compileFilter: comparisons', () => {
  it('eq on strings is case-insensitive', () => {
    expect(select(users, "userType eq 'guest'")).toEqual(['bob']);
    expect(select(users, "displayName eq 'ALICE SMITH'")).toEqual(['alice']);
    expect(select(users, "displayName eq 'Alice'")).toEqual([]);
  });

  it('eq on booleans', () => {
    expect(select(users, 'accountEnabled eq true')).toEqual(['alice']);
    expect(select(users, 'accountEnabled eq false')).toEqual(['bob']);
    expect(select(groups, 'mailEnabled eq true and securityEnabled eq false')).toEqual(['unified']);
  });

  it('resolves property names case-insensitively, as Graph does', () => {
    expect(select(users, "USERTYPE eq 'Member'")).toEqual(['alice']);
  });

  it('ne needs an advanced query and then treats a missing value as not equal', () => {
    expectNeedsAdvanced(users, "userType ne 'Guest'", 'ne');
    expect(select(users, "userType ne 'GUEST'", advanced)).toEqual(['alice']);
    expect(select(users, "city ne 'Seattle'", advanced)).toEqual(['bob']);
    expect(select(users, "city ne 'Paris'", advanced)).toEqual(['alice', 'bob']);
  });

  it('ge and le on strings compare case-insensitively', () => {
    expect(select(users, "mail ge 'B'")).toEqual(['bob']);
    expect(select(users, "mail le 'b'")).toEqual(['alice']);
    expect(select(users, "mail ge 'alice@contoso.com'")).toEqual(['alice', 'bob']);
    expect(select(users, "mail le 'A'")).toEqual([]);
  });

  it('ge and le on DateTimeOffset compare instants, whatever the offset', () => {
    expect(select(users, 'createdDateTime ge 2021-12-31T23:00:00Z')).toEqual(['bob']);
    expect(select(users, 'createdDateTime ge 2021-12-31T23:00:01Z')).toEqual([]);
    expect(select(users, 'createdDateTime le 2021-06-15T12:00:00+02:00')).toEqual(['alice']);
    expect(select(users, 'createdDateTime le 2021-06-15T11:59:59.999+02:00')).toEqual([]);
    expect(select(users, 'createdDateTime eq 2021-06-15T10:00:00.000Z')).toEqual(['alice']);
    expect(select(groups, 'createdDateTime ge 2021-11-01')).toEqual(['security']);
    expect(select(groups, 'createdDateTime le 2021-11-01')).toEqual(['unified']);
    // A stored timestamp without an offset is UTC, not the machine's local time.
    const stored = { g: { createdDateTime: '2021-06-15T10:00:00' } };
    expect(select(stored, 'createdDateTime eq 2021-06-15T10:00:00Z')).toEqual(['g']);
  });

  it('startsWith is case-insensitive', () => {
    expect(select(users, "startsWith(displayName,'al')")).toEqual(['alice']);
    expect(select(users, "startswith(displayName, 'BOB')")).toEqual(['bob']);
    expect(select(users, "startsWith(displayName,'x')")).toEqual([]);
  });

  it('endsWith needs an advanced query', () => {
    expectNeedsAdvanced(users, "endsWith(userPrincipalName,'#EXT#@contoso.onmicrosoft.com')", 'endsWith');
    expect(select(users, "endsWith(userPrincipalName,'#ext#@CONTOSO.onmicrosoft.com')", advanced)).toEqual([
      'bob',
    ]);
    expect(select(users, "endsWith(mail,'@nowhere.org')", advanced)).toEqual([]);
  });

  it('in matches any listed value, case-insensitively', () => {
    expect(select(users, "userType in ('guest','Member')")).toEqual(['alice', 'bob']);
    expect(select(users, "userType in ('Guest')")).toEqual(['bob']);
    expect(select(users, "id in ('11111111-1111-4111-8111-111111111111', 'nope')")).toEqual(['alice']);
    expect(select(users, "userType in ('Owner')")).toEqual([]);
  });

  it('eq null and ne null use the null entry; a missing value is null', () => {
    expectNeedsAdvanced(users, 'city eq null', 'eq');
    expect(select(users, 'city eq null', advanced)).toEqual(['bob']);
    expect(select(users, 'jobTitle eq null', advanced)).toEqual(['bob']);
    expect(select(users, 'jobTitle ne null', advanced)).toEqual(['alice']);
    expect(select(groups, 'onPremisesSecurityIdentifier eq null')).toEqual(['unified', 'security']);
    expectError(
      () => select(users, 'accountEnabled eq null', advanced),
      400,
      'Request_UnsupportedQuery',
      unsupportedMessage('accountEnabled', 'User'),
    );
  });

  it('ne null needs an advanced query even where eq null is a default query', () => {
    expectNeedsAdvanced(groups, 'onPremisesSecurityIdentifier ne null', 'ne');
    expect(select(groups, 'onPremisesSecurityIdentifier ne null', advanced)).toEqual([]);
  });

  it('a missing value never satisfies eq, ge, le or startsWith', () => {
    expect(select(users, "givenName ge 'A'")).toEqual(['alice']);
    expect(select(users, "startsWith(givenName,'')")).toEqual(['alice']);
  });

  it('string literals unescape doubled quotes; percent signs are ordinary characters', () => {
    expect(select(users, "jobTitle eq 'o''brien''s deputy'")).toEqual(['alice']);
    expect(select(users, "startsWith(department,'100%')")).toEqual(['alice']);
    expect(select(users, "displayName eq ''''")).toEqual([]);
  });

  it('collection properties compared directly match when any element matches', () => {
    expect(select(users, "proxyAddresses eq 'smtp:A.SMITH@contoso.com'")).toEqual(['alice']);
    expect(select(users, "businessPhones eq '+1 555 0100'")).toEqual(['alice']);
    expect(select(users, "otherMails eq 'nobody@gmail.com'")).toEqual([]);
    expect(select(users, "startsWith(proxyAddresses,'smtp:a.')")).toEqual(['alice']);
  });

  it('complex property paths take support from the top-level property', () => {
    const filter = "onPremisesExtensionAttributes/extensionAttribute1 eq 'finance'";
    expectNeedsAdvanced(users, filter, 'eq');
    expect(select(users, filter, advanced)).toEqual(['alice']);
    expect(select(users, "onPremisesExtensionAttributes/extensionAttribute2 eq 'x'", advanced)).toEqual([]);
    expectError(
      () => select(users, "startsWith(onPremisesExtensionAttributes/extensionAttribute1,'F')", advanced),
      400,
      'Request_UnsupportedQuery',
      unsupportedMessage('onPremisesExtensionAttributes', 'User'),
    );
    expectError(
      () => select(groups, "onPremisesExtensionAttributes/extensionAttribute1 eq 'x'", advanced),
      400,
      'Request_UnsupportedQuery',
      unsupportedMessage('onPremisesExtensionAttributes', 'Group'),
    );
  });

  it('directory extension properties: eq and null by default, ne advanced', () => {
    const name = 'extension_5bfc8fdacfc943a9a6de214ea9d15fdb_tier';
    expect(select(users, `${name} eq 'GOLD'`)).toEqual(['alice']);
    expect(select(users, `${name} eq null`)).toEqual(['bob']);
    expectNeedsAdvanced(users, `${name} ne 'gold'`, 'ne');
    expect(select(users, `${name} ne 'gold'`, advanced)).toEqual(['bob']);
    expectError(
      () => select(users, `startsWith(${name},'g')`),
      400,
      'Request_UnsupportedQuery',
      unsupportedMessage(name, 'User'),
    );
    expectError(
      () => select(users, "extension_00000000000000000000000000000000_nope eq 'x'"),
      400,
      'Request_BadRequest',
      "Could not find a property named 'extension_00000000000000000000000000000000_nope' on type 'microsoft.graph.user'.",
    );
  });
});

describe('compileFilter: logic and lambdas', () => {
  it('and binds tighter than or; parentheses regroup', () => {
    const loose = "userType eq 'Guest' or userType eq 'Member' and accountEnabled eq false";
    expect(select(users, loose)).toEqual(['bob']);
    const grouped = "(userType eq 'Guest' or userType eq 'Member') and accountEnabled eq true";
    expect(select(users, grouped)).toEqual(['alice']);
    expect(select(users, "((((displayName eq 'Bob Jones'))))")).toEqual(['bob']);
  });

  it('any over a string collection', () => {
    expect(select(groups, "groupTypes/any(c:c eq 'unified')")).toEqual(['unified']);
    expect(select(groups, "groupTypes/any(c: c eq 'DynamicMembership')")).toEqual([]);
    expect(select(users, "proxyAddresses/any(p:startsWith(p,'SMTP:alice'))")).toEqual(['alice']);
    expect(select(users, "proxyAddresses/any(p:startsWith(p,'x500:'))")).toEqual([]);
  });

  it('any over complex collections', () => {
    const both = "identities/any(c:c/issuerAssignedId eq 'ALICE@example.com' and c/issuer eq 'contoso.com')";
    expect(select(users, both)).toEqual(['alice']);
    // Both conditions must hold for the same element.
    const mixed =
      "identities/any(c:c/issuerAssignedId eq 'alice@example.com' and c/issuer eq 'contoso.onmicrosoft.com')";
    expect(select(users, mixed)).toEqual([]);
    expect(select(users, `assignedLicenses/any(u:u/skuId eq ${SKU.toUpperCase()})`)).toEqual(['alice']);
    expect(select(users, 'assignedLicenses/any(u:u/skuId eq 00000000-0000-0000-0000-000000000000)')).toEqual(
      [],
    );
  });

  it('any() without a body tests for a non-empty collection', () => {
    expect(select(groups, 'groupTypes/any()')).toEqual(['unified']);
  });

  it('not(any(...)) needs an advanced query', () => {
    const filter = "not(groupTypes/any(c:c eq 'Unified'))";
    expectNeedsAdvanced(groups, filter, 'not');
    expect(select(groups, filter, advanced)).toEqual(['security']);
    expect(select(groups, "not groupTypes/any(c:c eq 'Unified')", advanced)).toEqual(['security']);
  });

  it('not of a comparison needs an advanced query and the property must support not', () => {
    expectNeedsAdvanced(users, "not(userType eq 'Guest')", 'not');
    expect(select(users, "not(userType eq 'Guest')", advanced)).toEqual(['alice']);
    expect(select(users, "not(accountEnabled eq true) or not(city eq 'Seattle')", advanced)).toEqual(['bob']);
    expectError(
      () => select(users, "not(userPrincipalName eq 'x')", advanced),
      400,
      'Request_UnsupportedQuery',
      unsupportedMessage('userPrincipalName', 'User'),
    );
  });

  it('validates the whole tree before evaluating anything', () => {
    // The first clause is true for alice, but the second is refused, so no predicate is returned at all.
    expectNeedsAdvanced(users, "displayName eq 'Alice Smith' or endsWith(mail,'x')", 'endsWith');
  });
});

describe('compileFilter: refusals', () => {
  it('advanced-only operators are refused with Graph exact message and accepted with advanced', () => {
    expectNeedsAdvanced(users, "companyName eq 'Contoso'", 'eq');
    expect(select(users, "companyName eq 'contoso'", advanced)).toEqual(['alice']);
    expectNeedsAdvanced(users, 'accountEnabled ge false', 'ge');
    expect(select(users, 'accountEnabled ge true', advanced)).toEqual(['alice']);
    expectNeedsAdvanced(users, 'createdDateTime in (2021-06-15T10:00:00Z)', 'in');
    expect(select(users, 'createdDateTime in (2021-06-15T10:00:00Z)', advanced)).toEqual(['alice']);
  });

  it('ne, not and endsWith need an advanced query whatever the table says', () => {
    expectNeedsAdvanced(groups, "groupTypes/any(c:c ne 'Unified')", 'ne');
    // With the advanced parameters the property table decides: groupTypes has no ne.
    expectError(
      () => select(groups, "groupTypes/any(c:c ne 'Unified')", advanced),
      400,
      'Request_UnsupportedQuery',
      unsupportedMessage('groupTypes', 'Group'),
    );
  });

  it('property/operator pairs outside the table give the exact unsupported-clause message', () => {
    expectError(
      () => select(groups, "description in ('x')"),
      400,
      'Request_UnsupportedQuery',
      unsupportedMessage('description', 'Group'),
    );
    expectError(
      () => select(users, "userPrincipalName ge 'a'"),
      400,
      'Request_UnsupportedQuery',
      unsupportedMessage('userPrincipalName', 'User'),
    );
    expectError(
      () => select(users, "preferredDataLocation eq 'EUR'"),
      400,
      'Request_BadRequest',
      "Could not find a property named 'preferredDataLocation' on type 'microsoft.graph.user'.",
    );
    expectError(
      () => select(groups, "theme eq 'Red'"),
      400,
      'Request_UnsupportedQuery',
      unsupportedMessage('theme', 'Group'),
    );
    expectError(
      () => select(users, "displayName gt 'a'"),
      400,
      'Request_UnsupportedQuery',
      unsupportedMessage('displayName', 'User'),
    );
    expectError(
      () => select(users, "identities/all(c:c/issuer eq 'x')"),
      400,
      'Request_UnsupportedQuery',
      unsupportedMessage('identities', 'User'),
    );
  });

  it('unknown properties, also inside paths and lambdas', () => {
    expectError(
      () => select(users, "favouriteColour eq 'blue'"),
      400,
      'Request_BadRequest',
      "Could not find a property named 'favouriteColour' on type 'microsoft.graph.user'.",
    );
    expectError(
      () => select(users, "identities/any(c:c/colour eq 'x')"),
      400,
      'Request_BadRequest',
      "Could not find a property named 'colour' on type 'microsoft.graph.objectIdentity'.",
    );
    // Unknown names win over support problems elsewhere in the tree.
    expectError(
      () => select(users, "endsWith(mail,'x') or nope eq 1"),
      400,
      'Request_BadRequest',
      "Could not find a property named 'nope' on type 'microsoft.graph.user'.",
    );
  });

  it('operand types must match the property type', () => {
    expectError(
      () => select(users, "accountEnabled eq 'true'"),
      400,
      'BadRequest',
      "Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.Boolean' and 'Edm.String' for operator kind 'Equal' at position 19 in 'accountEnabled eq 'true''.",
    );
    expectError(
      () => select(users, `assignedLicenses/any(u:u/skuId eq '${SKU}')`),
      400,
      'BadRequest',
      /operand types 'Edm.Guid' and 'Edm.String'/,
    );
    expectError(
      () => select(users, "onPremisesExtensionAttributes eq 'x'", advanced),
      400,
      'BadRequest',
      /operand types 'microsoft.graph.onPremisesExtensionAttributes' and 'Edm.String'/,
    );
    expectError(
      () => select(users, 'startsWith(accountEnabled,true)'),
      400,
      'BadRequest',
      /No function signature for the function with name 'startswith'/,
    );
    expectError(
      () => select(users, "accountEnabled/any(c:c eq 'x')"),
      400,
      'BadRequest',
      /'any' needs a collection/,
    );
    expectError(
      () => select(users, "identities/issuer eq 'x'"),
      400,
      'BadRequest',
      /The parent value for a property access of a property 'issuer' is not a single value/,
    );
  });
});

describe('parseFilter', () => {
  it('builds a flat and/or tree with positions and typed literals', () => {
    const ast = parseFilter("a eq 'x' and b eq 1 and c eq 2021-11-01 or d/e in (true, null)");
    expect(ast.kind).toBe('or');
    if (ast.kind !== 'or') return;
    const [left, right] = ast.operands;
    expect(left?.kind).toBe('and');
    if (left?.kind === 'and') expect(left.operands).toHaveLength(3);
    expect(right).toMatchObject({
      kind: 'in',
      path: { segments: ['d', 'e'], pos: 44 },
      values: [{ type: 'boolean', value: true }, { type: 'null' }],
    });
    expect(parseFilter("x eq 'it''s'")).toMatchObject({
      kind: 'compare',
      value: { type: 'string', value: "it's" },
    });
    expect(parseFilter('x eq 2021-11-01T00:00:00Z')).toMatchObject({
      value: { type: 'dateTimeOffset', epochMs: Date.UTC(2021, 10, 1) },
    });
    expect(parseFilter(`x eq ${SKU}`)).toMatchObject({ value: { type: 'guid', value: SKU } });
    expect(parseFilter('x eq -1.5')).toMatchObject({ value: { type: 'number', value: -1.5 } });
  });

  it('names the position (1-based) and the offending token of syntax errors', () => {
    // Graph's own example: "Syntax error at position 17 in 'jobtitle ge '!' , accountenabled eq true'".
    expectError(
      () => parseFilter("jobtitle ge '!' , accountenabled eq true"),
      400,
      'BadRequest',
      "Invalid filter clause: Syntax error: expected 'and', 'or' or the end of the expression, found ',' at position 17 in 'jobtitle ge '!' , accountenabled eq true'.",
    );
    expectError(
      () => parseFilter('displayName eq'),
      400,
      'BadRequest',
      "Invalid filter clause: Syntax error: expected a literal value, found the end of the expression at position 15 in 'displayName eq'.",
    );
    expectError(
      () => parseFilter('displayName eq "x"'),
      400,
      'BadRequest',
      `Invalid filter clause: Syntax error: character '"' is not valid at position 16 in 'displayName eq "x"'.`,
    );
    expectError(
      () => parseFilter("displayName eq 'abc"),
      400,
      'BadRequest',
      "Invalid filter clause: Syntax error: unterminated string literal 'abc at position 16 in 'displayName eq 'abc'.",
    );
    expectError(
      () => parseFilter("displayName has 'x'"),
      400,
      'BadRequest',
      /expected a comparison operator after 'displayName', found 'has' at position 13/,
    );
    expectError(
      () => parseFilter("(displayName eq 'x'"),
      400,
      'BadRequest',
      /expected '\)', found the end of the expression at position 20/,
    );
    expectError(() => parseFilter("'x' eq displayName"), 400, 'BadRequest', /found ''x'' at position 1/);
    expectError(
      () => parseFilter('createdDateTime ge 2021-02-31'),
      400,
      'BadRequest',
      /literal '2021-02-31'/,
    );
    expectError(
      () => parseFilter('createdDateTime ge 2021-11-01T00:00:00'),
      400,
      'BadRequest',
      /position 20/,
    );
    expectError(
      () => parseFilter(''),
      400,
      'BadRequest',
      /found the end of the expression at position 1 in ''/,
    );
  });

  it('accepts lower-case operators only, with a pointed error otherwise', () => {
    expectError(
      () => parseFilter("displayName EQ 'x'"),
      400,
      'BadRequest',
      "Invalid filter clause: Syntax error: 'EQ' must be written in lower case ('eq') at position 13 in 'displayName EQ 'x''.",
    );
    expectError(
      () => parseFilter("a eq 'x' AND b eq 'y'"),
      400,
      'BadRequest',
      /'AND' must be written in lower case/,
    );
    expectError(() => parseFilter("NOT(a eq 'x')"), 400, 'BadRequest', /'NOT' must be written in lower case/);
    expectError(() => parseFilter('a eq True'), 400, 'BadRequest', /'True' must be written in lower case/);
    expectError(
      () => parseFilter("g/Any(c:c eq 'x')"),
      400,
      'BadRequest',
      /'Any' must be written in lower case/,
    );
  });

  it('refuses unsupported functions and a bare comparison after not', () => {
    expectError(
      () => parseFilter("contains(displayName,'x')"),
      400,
      'BadRequest',
      "Invalid filter clause: Unsupported function 'contains' at position 1 in 'contains(displayName,'x')'.",
    );
    expectError(() => parseFilter("not displayName eq 'x'"), 400, 'BadRequest', /'not' must be followed by/);
    expectError(
      () => parseFilter('assignedLicenses/$count eq 0'),
      400,
      'BadRequest',
      /'\$count' is not supported/,
    );
  });

  it('refuses input over 4096 characters', () => {
    const long = `displayName eq '${'x'.repeat(5000)}'`;
    expectError(
      () => parseFilter(long),
      400,
      'BadRequest',
      `Invalid filter clause: the expression is ${long.length} characters long; at most 4096 are allowed.`,
    );
  });

  it('refuses nesting deeper than 32 levels without blowing the stack', () => {
    const nest = (n: number) => `${'('.repeat(n)}displayName eq 'x'${')'.repeat(n)}`;
    expect(parseFilter(nest(32)).kind).toBe('compare');
    expectError(
      () => parseFilter(nest(33)),
      400,
      'BadRequest',
      /Expression nested deeper than 32 levels, at '\(' at position 33/,
    );
    expectError(
      () => parseFilter(`${'not('.repeat(40)}a/any()${')'.repeat(40)}`),
      400,
      'BadRequest',
      /deeper than 32/,
    );
    expectError(() => parseFilter('('.repeat(4000)), 400, 'BadRequest', /deeper than 32/);
  });

  it('allows long flat chains (they are not nested)', () => {
    const chain = Array.from({ length: 140 }, (_, i) => `displayName eq 'n${i}'`).join(' or ');
    expect(select(users, `${chain} or displayName eq 'bob jones'`)).toEqual(['bob']);
  });

  it('refuses more than 50 values in an in list', () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => `'v${i}'`).join(',');
    expect(select(users, `userType in (${list(49)},'guest')`)).toEqual(['bob']);
    expectError(
      () => parseFilter(`userType in (${list(51)})`),
      400,
      'BadRequest',
      /Too many values for 'in': at most 50 are allowed, found ''v50''/,
    );
  });
});

describe('deltaIdFilter', () => {
  const a = '11111111-1111-4111-8111-111111111111';
  const b = '22222222-2222-4222-8222-222222222222';

  it('returns the ids of id eq clauses joined by or', () => {
    expect(deltaIdFilter(`id eq '${a}'`, 50)).toEqual([a]);
    expect(deltaIdFilter(`id eq '${a}' or id eq '${b}'`, 50)).toEqual([a, b]);
    expect(deltaIdFilter(`(id eq '${a}') or (id eq '${b}' or id eq '${a.toUpperCase()}')`, 50)).toEqual([
      a,
      b,
    ]);
  });

  it('refuses more ids than allowed', () => {
    expectError(
      () => deltaIdFilter(`id eq '${a}' or id eq '${b}'`, 1),
      400,
      'Request_UnsupportedQuery',
      'Too many ids in the delta $filter: 2; at most 1 are allowed.',
    );
  });

  it('refuses anything but id eq with or', () => {
    expectError(
      () => deltaIdFilter(`id eq '${a}' and id eq '${b}'`, 50),
      400,
      'Request_UnsupportedQuery',
      `Unsupported delta $filter: only "id eq '<id>'" clauses combined with 'or' are supported; found 'and' at position 1.`,
    );
    expectError(
      () => deltaIdFilter(`id eq '${a}' or displayName eq 'x'`, 50),
      400,
      'Request_UnsupportedQuery',
      /found 'displayName eq' at position 49\./,
    );
    expectError(() => deltaIdFilter(`id ne '${a}'`, 50), 400, 'Request_UnsupportedQuery', /found 'id ne'/);
    expectError(() => deltaIdFilter(`id in ('${a}')`, 50), 400, 'Request_UnsupportedQuery', /found 'id in'/);
    expectError(
      () => deltaIdFilter("id eq 'not-a-guid'", 50),
      400,
      'Request_UnsupportedQuery',
      "Unsupported delta $filter: the id must be an object id in quotes; found 'not-a-guid' at position 7.",
    );
    expectError(
      () => deltaIdFilter(`id eq ${a}`, 50),
      400,
      'Request_UnsupportedQuery',
      /found 1111.* at position 7/,
    );
  });

  it('leaves syntax errors to the parser', () => {
    expectError(() => deltaIdFilter('id eq', 50), 400, 'BadRequest', /position 6/);
  });
});
