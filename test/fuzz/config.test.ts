import { describe, expect, it } from 'vitest';
import { validateConfigParameters } from '../../connector/config/parameters.js';
import { FILTER_PARAM, OBJECT_TYPE_PARAM, PARAM, parseConfig } from '../../connector/config/parse.js';
import type { ConfigParameterPage, ConfigValues } from '../../connector/model/ecma.js';
import { ConnectorError } from '../../connector/model/ecma.js';
import { mutateMany, Rng, RUNS, randomString, SEED } from './gen.js';

const KNOWN = [...Object.values(PARAM), ...Object.values(OBJECT_TYPE_PARAM), ...Object.values(FILTER_PARAM)];
const SECRET = 'S3cr3t-fuzz-9f8e7d6c5b4a';

/** Values MIM could plausibly hold, to mutate from. */
const SAMPLES: Record<string, readonly string[]> = {
  [PARAM.apiVersion]: ['v1.0', 'beta'],
  [PARAM.tenant]: ['contoso.onmicrosoft.com', '72f988bf-86f1-41af-91ab-2d7cd011db47'],
  [PARAM.clientId]: ['0b1f0e4e-9c3a-4d5e-8f00-1a2b3c4d5e6f'],
  [PARAM.authenticationType]: ['ClientSecret', 'Certificate'],
  [PARAM.cloud]: ['global', 'usgov', 'usgovdod', 'china', 'custom'],
  [PARAM.loginEndpoint]: ['https://login.microsoftonline.us', 'http://x', 'https://a/b?c'],
  [PARAM.graphEndpoint]: ['https://graph.microsoft.us', 'https://127.0.0.1:8443'],
  [PARAM.proxyUrl]: ['http://proxy:3128', 'https://u:p@proxy:1/x'],
  [PARAM.httpTimeoutSeconds]: ['100', '0', '3601', '1.5'],
  [PARAM.dateTimeFormat]: ["yyyy-MM-dd'T'HH:mm:ss'Z'", 'o', 'yyyy-MM-dd HH:MM:ss', "'unterminated"],
  [PARAM.exportConcurrency]: ['4', '17', '-1'],
  [PARAM.writeBudget]: ['3000/150', 'off', '0/0', '10/'],
  [PARAM.logLevel]: ['info', 'debug', 'verbose'],
  [PARAM.invitationRedirectUrl]: ['https://myapps.microsoft.com', 'ftp://x'],
  [FILTER_PARAM.user]: [
    "startsWith(displayName,'A')",
    "accountEnabled eq true and city eq 'Paris'",
    "(x eq 'a'",
  ],
  [FILTER_PARAM.group]: ["groupTypes/any(c:c eq 'Unified')", 'not(securityEnabled eq false)'],
};

function generate(rng: Rng): ConfigValues {
  const values: Record<string, { value: string; encrypted?: boolean }> = {
    [PARAM.tenant]: { value: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
    [PARAM.clientId]: { value: '0b1f0e4e-9c3a-4d5e-8f00-1a2b3c4d5e6f' },
    [PARAM.clientSecret]: { value: SECRET, encrypted: true },
  };
  for (let n = 1 + rng.int(6); n > 0; n--) {
    const name = rng.chance(0.95) ? rng.pick(KNOWN) : randomString(rng, 12);
    const sample = SAMPLES[name];
    const value = sample && rng.chance(0.6) ? mutateMany(rng, rng.pick(sample), 2) : randomString(rng);
    if (name === PARAM.clientSecret) continue; // the secret stays known, so leaks can be seen
    values[name] = { value: rng.chance(0.1) ? rng.pick(sample ?? ['']) : value };
  }
  if (rng.chance(0.3)) values[PARAM.addObjectsFilter] = { value: rng.pick(['1', '0', 'yes']) };
  return values;
}

describe(`config parameters fuzz (${RUNS} generated configurations, seed ${SEED})`, () => {
  it('parseConfig accepts the value set or names the parameter and the fix, never echoing the secret', () => {
    const rng = new Rng(SEED);
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < RUNS; i++) {
      const values = generate(rng);
      try {
        parseConfig(values);
        accepted++;
      } catch (e) {
        refused++;
        const where = `input ${i}: ${JSON.stringify(values)}`;
        expect(e, where).toBeInstanceOf(ConnectorError);
        const err = e as ConnectorError;
        const parameter = err.detail?.parameter;
        expect(typeof parameter, `${where}\n${err.message}`).toBe('string');
        expect(KNOWN, where).toContain(parameter);
        expect(err.message, where).toContain(String(parameter));
        expect(err.message, where).not.toContain(SECRET);
        expect(err.message.length, where).toBeGreaterThan(20);
      }
    }
    // Both outcomes are exercised, or the generator is not testing anything.
    expect(accepted).toBeGreaterThan(RUNS / 50);
    expect(refused).toBeGreaterThan(RUNS / 4);
  });

  it('page validation answers Failure with the parameter for every refused page, never throwing', async () => {
    const rng = new Rng(SEED + 1);
    const pages: ConfigParameterPage[] = ['Connectivity', 'Global', 'Schema', 'RunStep'];
    for (let i = 0; i < RUNS; i++) {
      const values = generate(rng);
      const page = rng.pick(pages);
      const pageNumber = page === 'Schema' ? 1 + rng.int(3) : 1;
      const result = await validateConfigParameters(page, values, pageNumber);
      const where = `input ${i} (${page} ${pageNumber}): ${JSON.stringify(values)}`;
      if (result.code === 'Failure') {
        expect(result.errorMessage, where).toBeTruthy();
        expect(result.errorMessage, where).not.toContain(SECRET);
        if (result.errorParameter !== undefined) expect(KNOWN, where).toContain(result.errorParameter);
      } else expect(result.code, where).toBe('Success');
    }
  });
});
