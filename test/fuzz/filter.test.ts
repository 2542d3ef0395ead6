import { describe, expect, it } from 'vitest';
import { evaluateFilter, FilterSyntaxError, parseFilter } from '../../connector/odata/filter.js';
import { mutateMany, Rng, RUNS, randomString, SEED } from './gen.js';

/** Filters administrators write (and Graph accepts), to mutate from. */
const VALID = [
  "startsWith(displayName,'A')",
  "accountEnabled eq true and city eq 'Paris'",
  "userType eq 'Guest' or endsWith(mail,'@contoso.com')",
  "groupTypes/any(c:c eq 'Unified')",
  'not(securityEnabled eq false)',
  "department in ('Sales','HR') and employeeId ne null",
  'createdDateTime ge 2024-01-01T00:00:00Z and onPremisesSyncEnabled eq null',
  'assignedLicenses/$count ne 0',
  "proxyAddresses/any(p:startsWith(p,'smtp:'))",
  "(jobTitle eq 'O''Brien' or jobTitle eq 'x') and not(startsWith(givenName,'z'))",
  "id eq '00000000-0000-0000-0000-000000000001'",
  'signInActivity/lastSignInDateTime le 2025-06-30T12:00:00Z',
];

const TOKENS = [
  'eq',
  'ne',
  'ge',
  'le',
  'gt',
  'lt',
  'and',
  'or',
  'not',
  'in',
  '(',
  ')',
  ',',
  "'",
  '/',
  ':',
  'any',
  'all',
  'null',
  'true',
  '$count',
  'startsWith(',
  'x',
  "'v'",
  '1',
  '2024-01-01T00:00:00Z',
];

function generate(rng: Rng): string {
  const r = rng.next();
  if (r < 0.6) return mutateMany(rng, rng.pick(VALID));
  if (r < 0.85) {
    const parts: string[] = [];
    for (let n = 1 + rng.int(12); n > 0; n--) parts.push(rng.pick(TOKENS));
    return parts.join(rng.chance(0.7) ? ' ' : '');
  }
  return randomString(rng, 80);
}

const SAMPLE = {
  displayName: 'Alice',
  city: 'Paris',
  accountEnabled: true,
  groupTypes: ['Unified'],
  proxyAddresses: ['SMTP:a@contoso.com', 'smtp:b@contoso.com'],
  createdDateTime: '2024-05-01T10:00:00Z',
  employeeId: null,
};

describe(`$filter fuzz (${RUNS} generated filters, seed ${SEED})`, () => {
  it('parses or fails with FilterSyntaxError at a position inside the text; evaluation never throws anything else', () => {
    const rng = new Rng(SEED + 2);
    let parsed = 0;
    let refused = 0;
    for (let i = 0; i < RUNS; i++) {
      const text = generate(rng);
      const where = `input ${i}: ${JSON.stringify(text)}`;
      let expr: ReturnType<typeof parseFilter> | undefined;
      try {
        expr = parseFilter(text);
        parsed++;
      } catch (e) {
        refused++;
        expect(e, where).toBeInstanceOf(FilterSyntaxError);
        const err = e as FilterSyntaxError;
        expect(err.position, where).toBeGreaterThanOrEqual(1);
        expect(err.position, where).toBeLessThanOrEqual(text.length + 1);
        expect(err.message, where).toMatch(/at position \d+/);
      }
      if (expr) {
        try {
          expect(typeof evaluateFilter(expr, SAMPLE), where).toBe('boolean');
        } catch (e) {
          // A filter that parses may still be one the evaluator cannot apply; it must say so plainly.
          expect((e as Error).message, where).toMatch(/\S{3,}/);
          expect(e instanceof TypeError || e instanceof RangeError, `${where}: ${(e as Error).stack}`).toBe(
            false,
          );
        }
      }
    }
    expect(parsed).toBeGreaterThan(RUNS / 20);
    expect(refused).toBeGreaterThan(RUNS / 4);
  });
});
