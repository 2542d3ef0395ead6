import { describe, expect, it } from 'vitest';
import { deltaAgeCheck, tokenRoles } from '../../connector/cli/doctor.js';

const DAY = 86_400_000;
const now = Date.parse('2026-01-10T00:00:00Z');
const saved = (daysAgo: number) => ({
  customData: '{"v":1}',
  savedAt: new Date(now - daysAgo * DAY).toISOString(),
});

describe('doctor checks', () => {
  it.each([
    [1, 'OK'],
    [6.2, 'WARN'],
    [7.5, 'FAIL'],
  ] as const)('a watermark %d days old is %s', (days, status) => {
    const c = deltaAgeCheck(saved(days), now);
    expect(c.status).toBe(status);
    if (status !== 'OK') expect(c.fix).toBeTruthy();
  });

  it('no watermark yet is a warning pointing at import --full', () => {
    expect(deltaAgeCheck({ customData: null, savedAt: new Date(now).toISOString() }, now)).toMatchObject({
      status: 'WARN',
      fix: expect.stringMatching(/import --full/),
    });
    expect(deltaAgeCheck(undefined, now).status).toBe('WARN');
  });

  it('reads the roles claim from the payload only', () => {
    const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = `${part({ alg: 'RS256' })}.${part({ roles: ['User.Read.All', 'Group.ReadWrite.All'] })}.sig`;
    expect(tokenRoles(token)).toEqual(['User.Read.All', 'Group.ReadWrite.All']);
    expect(tokenRoles('garbage')).toEqual([]);
    expect(tokenRoles(`${part({})}.${part({ sub: 'x' })}.s`)).toEqual([]);
  });
});
