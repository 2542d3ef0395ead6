import { describe, expect, it } from 'vitest';
import {
  evaluateFilter,
  FILTER_LIMITS,
  FilterSyntaxError,
  filterProperties,
  parseFilter,
} from '../../connector/odata/filter.js';

const GUID = '8a3d2f5e-1111-2222-3333-444455556666';
const SKU = '6fd2c87f-b296-42f0-b197-1e91e994b900';

const user: Readonly<Record<string, unknown>> = {
  id: GUID.toUpperCase(),
  displayName: "Ann O'Brien",
  givenName: 'Ann',
  userPrincipalName: 'ann_contoso.com#EXT#@fabrikam.onmicrosoft.com',
  mail: 'Ann+tag@Contoso.com',
  accountEnabled: true,
  userType: 'Guest',
  department: null,
  createdDateTime: '2024-03-01T10:00:00Z',
  employeeHireDate: '2023-12-31T23:30:00.1234567Z',
  proxyAddresses: ['SMTP:ann@contoso.com', 'smtp:ann.obrien@contoso.com'],
  otherMails: [],
  businessPhones: ['+1 555 0100'],
  identities: [
    {
      signInType: 'userPrincipalName',
      issuer: 'contoso.onmicrosoft.com',
      issuerAssignedId: 'ann@contoso.com',
    },
    { signInType: 'emailAddress', issuer: 'contoso.onmicrosoft.com', issuerAssignedId: 'ann@example.com' },
  ],
  assignedLicenses: [{ skuId: SKU, disabledPlans: ['113feb6c-3fe4-4440-bddc-54d774bf0318'] }],
  onPremisesExtensionAttributes: { extensionAttribute1: 'Sales', extensionAttribute2: null },
  extension_0123456789abcdef_tier: 3,
};

const f = (filter: string, obj: Readonly<Record<string, unknown>> = user): boolean =>
  evaluateFilter(parseFilter(filter), obj);

function syntaxError(filter: string): FilterSyntaxError {
  try {
    parseFilter(filter);
  } catch (e) {
    if (e instanceof FilterSyntaxError) return e;
    throw e;
  }
  throw new Error(`expected a FilterSyntaxError for: ${filter}`);
}

describe('comparison operators', () => {
  it.each([
    ["displayName eq 'Ann O''Brien'", true],
    ["displayName eq 'Ann'", false],
    ["displayName ne 'Ann'", true],
    ["displayName ne 'ann o''brien'", false],
    ["givenName gt 'Al'", true],
    ["givenName gt 'ann'", false],
    ["givenName ge 'ANN'", true],
    ["givenName ge 'Bob'", false],
    ["givenName lt 'Bob'", true],
    ["givenName lt 'ann'", false],
    ["givenName le 'ann'", true],
    ["givenName le 'Al'", false],
    ["userType in ('Member', 'guest')", true],
    ["userType in ('Member')", false],
    ["startsWith(displayName, 'ann o')", true],
    ["startsWith(displayName, 'Brien')", false],
    ["endsWith(userPrincipalName, '#ext#@fabrikam.onmicrosoft.com')", true],
    ["endsWith(userPrincipalName, '@contoso.com')", false],
    ['accountEnabled eq true', true],
    ['accountEnabled eq false', false],
    ['accountEnabled ne false', true],
    ['extension_0123456789abcdef_tier eq 3', true],
    ['extension_0123456789abcdef_tier gt 3', false],
    ['extension_0123456789abcdef_tier ge 2.5', true],
    ['extension_0123456789abcdef_tier lt -1', false],
    ['extension_0123456789abcdef_tier le 3e0', true],
  ])('%s → %s', (filter, expected) => {
    expect(f(filter)).toBe(expected);
  });

  it('function names are case-insensitive, as Graph accepts them', () => {
    expect(f("startswith(displayName,'ann')")).toBe(true);
    expect(f("ENDSWITH(displayName,'brien')")).toBe(true);
  });

  it('values of another type than the literal never match', () => {
    expect(f("accountEnabled eq 'true'")).toBe(false);
    expect(f("extension_0123456789abcdef_tier eq '3'")).toBe(false);
    expect(f('displayName eq 3')).toBe(false);
    expect(f('displayName ne 3')).toBe(true);
    expect(f('displayName gt 0')).toBe(false);
    expect(f("startsWith(accountEnabled, 't')")).toBe(false);
  });
});

describe('strings', () => {
  it('compares case-insensitively for every operator', () => {
    expect(f("userType eq 'GUEST'")).toBe(true);
    expect(f("mail eq 'ann+TAG@contoso.COM'")).toBe(true);
    expect(f("userType in ('GUEST')")).toBe(true);
    expect(f("startsWith(mail, 'ANN+')")).toBe(true);
    expect(f("endsWith(mail, '@CONTOSO.com')")).toBe(true);
    expect(f("givenName ge 'aNn' and givenName le 'AnN'")).toBe(true);
  });

  it('folds non-ASCII letters like OrdinalIgnoreCase', () => {
    const obj = { displayName: 'Ærøskøbing Straße' };
    expect(f("displayName eq 'ærøskøbing STRAßE'", obj)).toBe(true);
    expect(f("displayName eq 'ÆRØSKØBING STRASSE'", obj)).toBe(false);
  });

  it("unescapes '' inside string literals", () => {
    const expr = parseFilter("displayName eq 'It''s ''quoted'''");
    expect(expr).toMatchObject({ type: 'compare', value: { type: 'string', value: "It's 'quoted'" } });
    expect(f("displayName eq ''''", { displayName: "'" })).toBe(true);
    expect(f("displayName eq ''", { displayName: '' })).toBe(true);
  });

  it('keeps #EXT#, +, operators and parentheses inside literals', () => {
    expect(f("userPrincipalName eq 'ann_contoso.com#EXT#@fabrikam.onmicrosoft.com'")).toBe(true);
    expect(f("mail eq 'Ann+tag@Contoso.com'")).toBe(true);
    expect(f("businessPhones eq '+1 555 0100'")).toBe(true);
    expect(f("displayName eq 'a eq b) or (x'", { displayName: 'A EQ B) OR (X' })).toBe(true);
  });

  it('compares GUIDs case-insensitively, quoted or not', () => {
    expect(f(`id eq ${GUID}`)).toBe(true);
    expect(f(`id eq '${GUID}'`)).toBe(true);
    expect(f(`id in (${SKU}, ${GUID.toUpperCase()})`)).toBe(true);
    expect(f(`id ne ${SKU}`)).toBe(true);
    expect(parseFilter(`id eq ${GUID}`)).toMatchObject({ value: { type: 'guid', value: GUID } });
  });
});

describe('null and missing properties', () => {
  it('a missing property is null', () => {
    expect(f('manager eq null')).toBe(true);
    expect(f('manager ne null')).toBe(false);
    expect(f("jobTitle eq 'x'")).toBe(false);
    expect(f("jobTitle ne 'x'")).toBe(true);
    expect(f("jobTitle in ('x', 'y')")).toBe(false);
    expect(f("jobTitle in ('x', null)")).toBe(true);
    expect(f("startsWith(jobTitle, 'x')")).toBe(false);
    expect(f("endsWith(jobTitle, '')")).toBe(false);
  });

  it('an explicit null is null', () => {
    expect(f('department eq null')).toBe(true);
    expect(f('department ne null')).toBe(false);
    expect(f("department ge 'a'")).toBe(false);
    expect(f("department lt 'z'")).toBe(false);
  });

  it('a present value is not null', () => {
    expect(f('displayName eq null')).toBe(false);
    expect(f('displayName ne null')).toBe(true);
    expect(f('accountEnabled ne null')).toBe(true);
    expect(f('displayName gt null')).toBe(false);
  });

  it('ordering against a missing property is false both ways', () => {
    expect(f("jobTitle gt 'a'")).toBe(false);
    expect(f("jobTitle le 'a'")).toBe(false);
    expect(f('createdDateTime lt 2020-01-01T00:00:00Z', {})).toBe(false);
    expect(f('createdDateTime ge 2020-01-01T00:00:00Z', {})).toBe(false);
  });

  it('an empty or missing collection counts as null', () => {
    expect(f('otherMails eq null')).toBe(true);
    expect(f('otherMails ne null')).toBe(false);
    expect(f('proxyAddresses eq null')).toBe(false);
    expect(f('proxyAddresses ne null')).toBe(true);
    expect(f('imAddresses eq null')).toBe(true);
  });
});

describe('collections', () => {
  it('eq, in, ordering and functions hold when any element matches', () => {
    expect(f("proxyAddresses eq 'smtp:ann@contoso.com'")).toBe(true);
    expect(f("proxyAddresses eq 'smtp:nobody@contoso.com'")).toBe(false);
    expect(f("proxyAddresses ne 'smtp:ann@contoso.com'")).toBe(false);
    expect(f("proxyAddresses in ('x', 'SMTP:ANN.OBRIEN@contoso.com')")).toBe(true);
    expect(f("startsWith(proxyAddresses, 'smtp:ann.')")).toBe(true);
    expect(f("endsWith(proxyAddresses, '@fabrikam.com')")).toBe(false);
    expect(f("proxyAddresses ge 'smtp:b'")).toBe(false);
    expect(f("proxyAddresses le 'smtp:b'")).toBe(true);
    expect(f("otherMails eq 'x'")).toBe(false);
  });

  it('counts elements with /$count', () => {
    expect(f('assignedLicenses/$count eq 1')).toBe(true);
    expect(f('otherMails/$count eq 0')).toBe(true);
    expect(f('imAddresses/$count eq 0')).toBe(true);
    expect(f('proxyAddresses/$count gt 1')).toBe(true);
    expect(f('proxyAddresses/$count ne 2')).toBe(false);
  });
});

describe('lambdas', () => {
  it('any over a primitive collection', () => {
    expect(f("proxyAddresses/any(p:startsWith(p,'SMTP:'))")).toBe(true);
    expect(f("proxyAddresses/any(p: p eq 'smtp:ANN@contoso.com')")).toBe(true);
    expect(f("proxyAddresses/any(p: p eq 'x@contoso.com')")).toBe(false);
    expect(f("groupTypes/any(c:c eq 'Unified')", { groupTypes: ['Unified'] })).toBe(true);
    expect(f("groupTypes/any(c:c eq 'Unified')", { groupTypes: ['DynamicMembership'] })).toBe(false);
    expect(f("groupTypes/any(c:c eq 'Unified')", { groupTypes: [] })).toBe(false);
    expect(f("groupTypes/any(c:c eq 'Unified')", {})).toBe(false);
    expect(f("groupTypes/any(c:c in ('Unified', 'x'))", { groupTypes: ['unified'] })).toBe(true);
  });

  it('any over complex elements, with conditions on the same element', () => {
    expect(
      f(
        "identities/any(c:c/issuer eq 'contoso.onmicrosoft.com' and c/issuerAssignedId eq 'ann@example.com')",
      ),
    ).toBe(true);
    // Each condition holds for some element, but never both for the same one.
    expect(
      f("identities/any(c:c/signInType eq 'emailAddress' and c/issuerAssignedId eq 'ann@contoso.com')"),
    ).toBe(false);
    expect(f(`assignedLicenses/any(u:u/skuId eq ${SKU.toUpperCase()})`)).toBe(true);
    expect(f(`assignedLicenses/any(u:u/skuId eq ${GUID})`)).toBe(false);
  });

  it('negates with not, including not(any(...)) and not ... /any', () => {
    expect(f("not(groupTypes/any(c:c eq 'Unified'))", { groupTypes: ['DynamicMembership'] })).toBe(true);
    expect(f("not groupTypes/any(c:c eq 'Unified')", { groupTypes: ['Unified'] })).toBe(false);
    expect(f("not groupTypes/any(c:c eq 'Unified')", {})).toBe(true);
    expect(f("not(proxyAddresses/any(p:startsWith(p, 'x500:')))")).toBe(true);
    expect(f("not startsWith(displayName, 'Ann')")).toBe(false);
  });

  it('any() tests for a non-empty collection', () => {
    expect(f('proxyAddresses/any()')).toBe(true);
    expect(f('otherMails/any()')).toBe(false);
    expect(f('imAddresses/any()')).toBe(false);
  });

  it('all holds when every element matches, and on an empty collection', () => {
    expect(f("proxyAddresses/all(p:startsWith(p, 'smtp:'))")).toBe(true);
    expect(f("proxyAddresses/all(p:p eq 'SMTP:ann@contoso.com')")).toBe(false);
    expect(f("otherMails/all(m:m eq 'x')")).toBe(true);
    expect(f("identities/all(c:c/issuer eq 'CONTOSO.onmicrosoft.com')")).toBe(true);
  });

  it('reads root properties inside a lambda body', () => {
    expect(f("proxyAddresses/any(p:p eq 'SMTP:ann@contoso.com' and userType eq 'Guest')")).toBe(true);
    expect(f("proxyAddresses/any(p:p eq 'SMTP:ann@contoso.com' and userType eq 'Member')")).toBe(false);
  });

  it('nests over a path of the enclosing variable', () => {
    const obj = {
      assignedLicenses: [
        { skuId: SKU, disabledPlans: ['a', 'b'] },
        { skuId: GUID, disabledPlans: [] },
      ],
    };
    expect(f(`assignedLicenses/any(l: l/skuId eq ${SKU} and l/disabledPlans/any(p: p eq 'B'))`, obj)).toBe(
      true,
    );
    expect(f(`assignedLicenses/any(l: l/skuId eq ${GUID} and l/disabledPlans/any(p: p eq 'b'))`, obj)).toBe(
      false,
    );
    expect(f(`assignedLicenses/any(l: l/skuId eq ${GUID} and not l/disabledPlans/any())`, obj)).toBe(true);
  });
});

describe('logic and precedence', () => {
  it('and binds tighter than or; parentheses override', () => {
    expect(f("userType eq 'Member' and accountEnabled eq true or givenName eq 'Ann'")).toBe(true);
    expect(f("userType eq 'Member' and (accountEnabled eq true or givenName eq 'Ann')")).toBe(false);
    expect(f("givenName eq 'Ann' or userType eq 'Member' and accountEnabled eq false")).toBe(true);
    expect(f("(givenName eq 'Ann' or userType eq 'Member') and accountEnabled eq false")).toBe(false);
  });

  it('not binds tighter than and/or', () => {
    expect(f("not(givenName eq 'Ann') or userType eq 'Guest'")).toBe(true);
    expect(f("not(givenName eq 'Ann') and userType eq 'Guest'")).toBe(false);
    expect(f("not not(givenName eq 'Ann')")).toBe(true);
    expect(f("not (givenName eq 'Bob' or userType eq 'Guest')")).toBe(false);
  });

  it('flattens chains', () => {
    const expr = parseFilter('a eq 1 and b eq 2 and c eq 3 or d eq 4');
    expect(expr).toMatchObject({ type: 'or', operands: [{ type: 'and' }, { type: 'compare' }] });
    expect(expr.type === 'or' && expr.operands[0]?.type === 'and' && expr.operands[0].operands.length).toBe(
      3,
    );
  });

  it('tolerates extra whitespace', () => {
    expect(f("  ( givenName\teq\r\n'Ann' )  ")).toBe(true);
    expect(f("identities/any( c : c/issuer eq 'contoso.onmicrosoft.com' )")).toBe(true);
  });
});

describe('complex paths', () => {
  it('walks nested complex properties', () => {
    expect(f("onPremisesExtensionAttributes/extensionAttribute1 eq 'sales'")).toBe(true);
    expect(f("startsWith(onPremisesExtensionAttributes/extensionAttribute1, 'Sa')")).toBe(true);
    expect(f('onPremisesExtensionAttributes/extensionAttribute2 eq null')).toBe(true);
    expect(f('onPremisesExtensionAttributes/extensionAttribute3 eq null')).toBe(true);
    expect(f("onPremisesExtensionAttributes/extensionAttribute1 eq 'x'", {})).toBe(false);
    expect(f('onPremisesExtensionAttributes/extensionAttribute1 eq null', {})).toBe(true);
    expect(
      f("onPremisesExtensionAttributes/extensionAttribute1 eq 'x'", { onPremisesExtensionAttributes: 'x' }),
    ).toBe(false);
  });

  it('matches property names case-insensitively when the exact name is absent', () => {
    expect(f("DisplayName eq 'ann o''brien'")).toBe(true);
    expect(f("onpremisesextensionattributes/EXTENSIONATTRIBUTE1 eq 'Sales'")).toBe(true);
  });
});

describe('dates', () => {
  it('compares DateTimeOffsets as instants', () => {
    expect(f('createdDateTime eq 2024-03-01T10:00:00Z')).toBe(true);
    expect(f('createdDateTime eq 2024-03-01T11:00:00+01:00')).toBe(true);
    expect(f('createdDateTime eq 2024-03-01T05:30:00-04:30')).toBe(true);
    expect(f('createdDateTime eq 2024-03-01T10:00:00.000z')).toBe(true);
    expect(f('createdDateTime ne 2024-03-01T10:00:01Z')).toBe(true);
    expect(f('createdDateTime ge 2024-01-01T00:00:00Z')).toBe(true);
    expect(f('createdDateTime gt 2024-03-01T10:00:00Z')).toBe(false);
    expect(f('createdDateTime lt 2024-03-01T10:00:00.001Z')).toBe(true);
    expect(f('createdDateTime le 2024-03-01T09:59:59Z')).toBe(false);
    expect(f('createdDateTime in (2023-01-01T00:00:00Z, 2024-03-01T12:00:00+02:00)')).toBe(true);
  });

  it('reads seven-digit fractions from Graph and date-only literals as UTC midnight', () => {
    expect(f('employeeHireDate gt 2023-12-31T23:30:00.123Z')).toBe(true);
    expect(f('employeeHireDate eq 2023-12-31T23:30:00.1234567Z')).toBe(true);
    expect(f('employeeHireDate lt 2023-12-31T23:30:00.1234568Z')).toBe(true);
    expect(f('employeeHireDate eq 2024-01-01T00:30:00.1234567+01:00')).toBe(true);
    expect(f('employeeHireDate lt 2023-12-31T23:30:00.124Z')).toBe(true);
    expect(f('employeeHireDate lt 2024-01-01')).toBe(true);
    expect(f('createdDateTime ge 2024-03-01')).toBe(true);
    expect(f('birthday eq 2000-02-29', { birthday: '2000-02-29' })).toBe(true);
  });

  it('an unparseable value does not match', () => {
    expect(f('createdDateTime ge 2024-01-01T00:00:00Z', { createdDateTime: 'yesterday' })).toBe(false);
    expect(f('createdDateTime lt 2024-01-01T00:00:00Z', { createdDateTime: 'yesterday' })).toBe(false);
    expect(f('createdDateTime ge 2024-01-01T00:00:00Z', { createdDateTime: 1704067200000 })).toBe(false);
  });

  it('parses date literals strictly', () => {
    expect(parseFilter('d eq 2024-01-01T00:00:00Z')).toMatchObject({
      value: { type: 'dateTimeOffset', epochMs: Date.UTC(2024, 0, 1) },
    });
    expect(parseFilter('d eq 2024-02-29')).toMatchObject({
      value: { type: 'date', epochMs: Date.UTC(2024, 1, 29) },
    });
    for (const bad of [
      '2023-02-29',
      '2024-13-01',
      '2024-01-01T24:00:00Z',
      '2024-01-01T00:00:00',
      '2024-1-01',
    ]) {
      expect(() => parseFilter(`d eq ${bad}`), bad).toThrow(FilterSyntaxError);
    }
  });
});

describe('syntax errors', () => {
  it.each([
    ["displayName eq 'abc", 16, "'", /unterminated string literal at position 16/],
    ["(displayName eq 'a'", 20, '', /^unexpected end of filter at position 20 \(expected '\)'\) in: /],
    ["displayName eq 'a')", 19, ')', /unexpected '\)' at position 19/],
    ["displayName eq 'a' foo", 20, 'foo', /unexpected 'foo' at position 20/],
    ["displayName like 'a'", 13, 'like', /unexpected 'like' .*expected an operator/],
    ["displayName EQ 'a'", 13, 'EQ', /lower-case: 'EQ' should be 'eq' at position 13/],
    ["displayName eq 'a' AND x eq 1", 20, 'AND', /'AND' should be 'and'/],
    ["displayName has 'a'", 13, 'has', /operator 'has' is not supported/],
    ['', 1, '', /empty filter at position 1/],
    ['   ', 4, '', /empty filter/],
    ['displayName eq', 15, '', /unexpected end of filter at position 15 \(expected a literal value\)/],
    ['x eq 1 and', 11, '', /unexpected end of filter/],
    ["startsWith(displayName 'a')", 24, "'a'", /expected ','/],
    ["contains(displayName,'a')", 1, 'contains', /unsupported function 'contains'/],
    ['startsWith(displayName, 3)', 25, '3', /must be a quoted string/],
    ["not displayName eq 'a'", 5, 'displayName', /'not' applies to/],
    ['displayName eq "a"', 16, '"', /strings take single quotes/],
    ['x eq 12abc', 6, '12abc', /invalid literal '12abc'/],
    ['d ge 2024-02-30T00:00:00Z', 6, '2024-02-30T00:00:00Z', /invalid date literal/],
    ["groupTypes/any(c c eq 'x')", 18, 'c', /expected ':'/],
    ["identities/any(c:c/issuer eq 'x'", 33, '', /expected '\)' to close 'any'/],
    ["groupTypes/some(c:c eq 'x')", 12, 'some', /unsupported lambda operator 'some'/],
    ['x in ()', 7, ')', /expected a literal/],
    ["eq 'a'", 1, 'eq', /expected a property/],
    ['x eq 1 = 2', 8, '=', /unexpected character '='/],
    ["groupTypes/any(c:c eq 'a' and groupTypes/any(d:d eq 'b'))", 31, 'groupTypes', /enclosing lambda/],
    ["groupTypes/any(c:c/any(c:c eq 'a'))", 24, 'c', /already in use/],
    ['x/$count eq 1', 1, 'x', /./],
    ["x/$count eq 'a'", 13, "'a'", /compares with a number/],
    ['x eq 1e999', 6, '1e999', /out of range/],
  ] as const)('%j', (filter, position, token, message) => {
    if (filter === 'x/$count eq 1') {
      expect(() => parseFilter(filter)).not.toThrow();
      return;
    }
    const err = syntaxError(filter);
    expect(err.position).toBe(position);
    expect(err.token).toBe(token);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(`in: ${filter}`);
  });

  it('formats the message with the offending token, position and filter', () => {
    expect(syntaxError("displayName eq 'a')").message).toBe(
      "unexpected ')' at position 19 (expected 'and', 'or' or the end of the filter) in: displayName eq 'a')",
    );
    expect(syntaxError("displayName eq 'a')")).toBeInstanceOf(Error);
    expect(syntaxError("displayName eq 'a')").name).toBe('FilterSyntaxError');
  });

  it('shows a window of a long filter around the position', () => {
    const filter = `${"a eq 'x' and ".repeat(50)}b eq`;
    const err = syntaxError(filter);
    expect(err.position).toBe(filter.length + 1);
    expect(err.message.length).toBeLessThan(300);
    expect(err.message).toMatch(/in: ….*b eq$/);
  });
});

describe('limits', () => {
  it(`rejects filters longer than ${FILTER_LIMITS.maxLength} characters`, () => {
    const filter = `displayName eq '${'x'.repeat(FILTER_LIMITS.maxLength)}'`;
    const err = syntaxError(filter);
    expect(err.position).toBe(FILTER_LIMITS.maxLength + 1);
    expect(err.message).toContain(
      `filter too long (${filter.length} characters, at most 8192) at position 8193`,
    );
    expect(err.message.length).toBeLessThan(300);
    expect(() => parseFilter(filter.slice(0, FILTER_LIMITS.maxLength - 1) + "'")).not.toThrow();
  });

  it(`rejects nesting deeper than ${FILTER_LIMITS.maxDepth}`, () => {
    const nest = (n: number) => `${'('.repeat(n)}a eq 1${')'.repeat(n)}`;
    expect(f(nest(FILTER_LIMITS.maxDepth), { a: 1 })).toBe(true);
    const err = syntaxError(nest(FILTER_LIMITS.maxDepth + 1));
    expect(err.position).toBe(FILTER_LIMITS.maxDepth + 1);
    expect(err.message).toMatch(/nested deeper than 64 levels/);
    expect(syntaxError('('.repeat(5000)).message).toMatch(/nested deeper/);
    expect(syntaxError(`${'not('.repeat(1000)}a eq 1${')'.repeat(1000)}`).message).toMatch(/nested deeper/);
    expect(syntaxError(`${'not '.repeat(2000)}x/any()`).message).toMatch(/nested deeper/);
  });

  it(`rejects more than ${FILTER_LIMITS.maxInValues} values in 'in'`, () => {
    const list = (n: number) => `id in (${Array.from({ length: n }, (_, i) => `'v${i}'`).join(',')})`;
    expect(f(list(FILTER_LIMITS.maxInValues), { id: 'V99' })).toBe(true);
    const err = syntaxError(list(FILTER_LIMITS.maxInValues + 1));
    expect(err.token).toBe(`'v${FILTER_LIMITS.maxInValues}'`);
    expect(err.message).toMatch(/too many values for 'in' \(at most 100\)/);
  });

  it(`rejects lambdas nested deeper than ${FILTER_LIMITS.maxLambdaDepth}`, () => {
    expect(() => parseFilter("a/any(b: b/c/any(d: d/e/any(g: g eq 'x')))")).not.toThrow();
    expect(syntaxError("a/any(b: b/c/any(d: d/e/any(g: g/h/any(i: i eq 'x'))))").message).toMatch(
      /lambdas nested deeper than 3/,
    );
  });

  it('handles a long flat chain without deep recursion', () => {
    const filter = Array.from({ length: 600 }, (_, i) => `a eq ${i}`).join(' or ');
    expect(filter.length).toBeLessThan(FILTER_LIMITS.maxLength);
    const expr = parseFilter(filter);
    expect(evaluateFilter(expr, { a: 599 })).toBe(true);
    expect(evaluateFilter(expr, { a: 600 })).toBe(false);
  });
});

describe('filterProperties', () => {
  it.each([
    ["displayName eq 'x'", ['displayName']],
    [
      "onPremisesExtensionAttributes/extensionAttribute1 eq 'x' or onPremisesExtensionAttributes/extensionAttribute2 eq null",
      [
        'onPremisesExtensionAttributes.extensionAttribute1',
        'onPremisesExtensionAttributes.extensionAttribute2',
      ],
    ],
    ["identities/any(c:c/issuer eq 'x' and c/issuerAssignedId eq 'y')", ['identities']],
    ["not(groupTypes/any(c:c eq 'Unified')) and mailEnabled eq true", ['groupTypes', 'mailEnabled']],
    ["proxyAddresses/any(p: p eq 'x' and userType eq 'Guest')", ['proxyAddresses', 'userType']],
    ['assignedLicenses/$count eq 0', ['assignedLicenses']],
    ["startsWith(mail,'a') or endsWith(mail,'b') or mail in ('c') or mail eq null", ['mail']],
    ["a/b/any(x: x/c/any(y: y eq 'z'))", ['a.b']],
    ['x/any()', ['x']],
  ] as const)('%s', (filter, expected) => {
    expect(filterProperties(parseFilter(filter))).toEqual(expected);
  });
});

describe('random input', () => {
  /** mulberry32: small seeded PRNG so failures reproduce. */
  function rng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const PIECES = [
    'displayName',
    'c',
    'c/issuer',
    'identities',
    'proxyAddresses',
    'onPremisesExtensionAttributes/extensionAttribute1',
    '$count',
    '$it',
    'eq',
    'ne',
    'ge',
    'lt',
    'in',
    'has',
    'EQ',
    'and',
    'or',
    'not',
    'any',
    'all',
    'startsWith',
    'endsWith',
    "'a'",
    "'it''s'",
    "'#EXT#+x'",
    "'",
    "''",
    '(',
    ')',
    ',',
    ':',
    '/',
    GUID,
    '2024-01-01T00:00:00Z',
    '2024-01-01',
    '2024-13-45',
    '12',
    '-3.5',
    '1e400',
    'true',
    'null',
    '"',
    'é',
    '😀',
    '\u0000',
    '\t',
  ];

  function randomText(next: () => number): string {
    const n = Math.floor(next() * 14);
    let out = '';
    for (let i = 0; i < n; i++) {
      if (next() < 0.15) out += String.fromCharCode(Math.floor(next() * 0x3000));
      else out += PIECES[Math.floor(next() * PIECES.length)]!;
      if (next() < 0.6) out += ' ';
    }
    return out;
  }

  const OBJECTS: Readonly<Record<string, unknown>>[] = [
    user,
    {},
    { displayName: null, identities: null, proxyAddresses: 'not-an-array', c: [1, [2, [3]]] },
  ];

  /** A grammar-built filter with a few characters deleted, duplicated or replaced. */
  function mutated(next: () => number): string {
    let text = randomFilter(next, 3);
    const edits = 1 + Math.floor(next() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(next() * (text.length + 1));
      const kind = next();
      const ch = kind < 0.5 ? ("()',:/ ".split('')[Math.floor(next() * 8)] ?? '') : text.charAt(at);
      if (kind < 0.33) text = text.slice(0, at) + text.slice(at + 1);
      else text = text.slice(0, at) + ch + text.slice(at);
    }
    return text;
  }

  it('throws nothing but FilterSyntaxError on random text, and evaluates whatever parses', () => {
    const next = rng(20240101);
    const started = Date.now();
    let parsed = 0;
    let failed = 0;
    for (let i = 0; i < 800; i++) {
      const text = i % 2 === 0 ? randomText(next) : mutated(next);
      let expr: ReturnType<typeof parseFilter>;
      try {
        expr = parseFilter(text);
      } catch (e) {
        if (!(e instanceof FilterSyntaxError))
          throw new Error(`non-syntax error for ${JSON.stringify(text)}: ${e}`);
        expect(e.position).toBeGreaterThanOrEqual(1);
        expect(e.position).toBeLessThanOrEqual(text.length + 1);
        failed++;
        continue;
      }
      parsed++;
      expect(Array.isArray(filterProperties(expr))).toBe(true);
      for (const obj of OBJECTS) expect(typeof evaluateFilter(expr, obj)).toBe('boolean');
    }
    expect(Date.now() - started).toBeLessThan(5000);
    expect(parsed).toBeGreaterThan(50);
    expect(failed).toBeGreaterThan(300);
  });

  /** Builds valid filters from the grammar, so the evaluator sees deep and varied trees. */
  function randomFilter(next: () => number, depth: number, variable?: string): string {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const r = next();
    if (depth > 0 && r < 0.3) {
      const op = pick([' and ', ' or ']);
      return `${randomFilter(next, depth - 1, variable)}${op}${randomFilter(next, depth - 1, variable)}`;
    }
    if (depth > 0 && r < 0.4) return `not(${randomFilter(next, depth - 1, variable)})`;
    if (depth > 0 && r < 0.5) return `(${randomFilter(next, depth - 1, variable)})`;
    if (depth > 0 && r < 0.6 && variable === undefined) {
      return `${pick(['identities', 'proxyAddresses'])}/${pick(['any', 'all'])}(v: ${randomFilter(next, depth - 1, 'v')})`;
    }
    const path = pick([
      'displayName',
      'givenName',
      'mail',
      'accountEnabled',
      'createdDateTime',
      'onPremisesExtensionAttributes/extensionAttribute1',
      ...(variable ? [variable, `${variable}/issuer`] : []),
    ]);
    const lit = pick([
      "'ann'",
      "'Sales'",
      'true',
      'null',
      '3',
      GUID,
      '2024-01-01T00:00:00Z',
      "'smtp:ann@contoso.com'",
    ]);
    const form = Math.floor(next() * 4);
    if (form === 0) return `${path} ${pick(['eq', 'ne', 'gt', 'ge', 'lt', 'le'])} ${lit}`;
    if (form === 1) return `${path} in (${lit}, 'x')`;
    return `${pick(['startsWith', 'endsWith'])}(${path}, ${pick(["'a'", "'S'", "''"])})`;
  }

  it('parses grammar-built filters; not(x) is always the negation of x', () => {
    const next = rng(7);
    for (let i = 0; i < 400; i++) {
      const text = randomFilter(next, 5);
      const expr = parseFilter(text);
      const negated = parseFilter(`not(${text})`);
      for (const obj of OBJECTS) {
        expect(evaluateFilter(negated, obj), text).toBe(!evaluateFilter(expr, obj));
      }
    }
  });
});
