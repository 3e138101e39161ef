import { readFileSync } from 'node:fs';
import type { CountryCode } from 'libphonenumber-js/max';
import { describe, expect, expectTypeOf, test } from 'vitest';
import { renderEnvExample } from '../config/env-example.js';
import type { Provider } from './domain/message.js';
import { ConfigError, loadConfig, loadDefaultCountry, parseApiTokens } from './config.js';

const REQUIRED = { ODOO_URL: 'http://localhost:8069', ODOO_DB: 'odoo', ODOO_USERNAME: 'gateway', ODOO_PASSWORD: 's3cret-pass' };

function problemsOf(env: Record<string, string>, dotenv: Record<string, string> = {}): string[] {
  try {
    loadConfig(env, dotenv);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  test('defaults apply to everything optional', () => {
    const config = loadConfig(REQUIRED, {});
    expect(config).toMatchObject({ HOST: '0.0.0.0', PORT: 8080, SPOOL_PATH: './data/spool.db', DEFAULT_COUNTRY: 'ID', LOG_LEVEL: 'info' });
    expect(config.apiTokens).toEqual([]);
  });

  test('every missing required setting is reported at once, with what to set', () => {
    const problems = problemsOf({});
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/ODOO_URL is required: Base URL of Odoo 13/);
    expect(problems.join('\n')).toMatch(/ODOO_PASSWORD is required/);
  });

  test.each([
    ['PORT', 'eighty', /PORT must be integer/],
    ['PORT', '70000', /PORT must be <= 65535/],
    ['ODOO_URL', 'localhost:8069', /ODOO_URL must match pattern/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be equal to one of the allowed values/],
    ['DEFAULT_COUNTRY', 'id', /DEFAULT_COUNTRY must match pattern/],
    ['DEFAULT_COUNTRY', 'XX', /DEFAULT_COUNTRY "XX" is not a known country code/],
    ['SEND_PROVIDER', 'whatsapp-web', /SEND_PROVIDER must be equal to one of/],
    ['ODOO_TIMEOUT_MS', '5', /ODOO_TIMEOUT_MS must be >= 100/],
  ])('%s=%s is rejected', (name, value, message) => {
    const problems = problemsOf({ ...REQUIRED, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  test('a secret is never echoed back in a problem', () => {
    const problems = problemsOf({ ...REQUIRED, API_TOKENS: 'short:read' });
    expect(problems.join('\n')).not.toContain('short');
  });

  test('a password inside a URL is masked in the problem (regression)', () => {
    const problems = problemsOf({ ...REQUIRED, ODOO_URL: 'https://gw:S3cretPa55@odoo.example /odoo' });
    expect(problems.join('\n')).toContain('https://gw:***@odoo.example /odoo');
    expect(problems.join('\n')).not.toContain('S3cretPa55');
  });

  test('the environment wins over .env; empty variables mean "use the default"', () => {
    const config = loadConfig({ ...REQUIRED, PORT: '9090', HOST: '' }, { PORT: '7070', LOG_LEVEL: 'debug' });
    expect(config.PORT).toBe(9090);
    expect(config.LOG_LEVEL).toBe('debug');
    expect(config.HOST).toBe('0.0.0.0');
  });

  test('several problems of different kinds come in one error', () => {
    const problems = problemsOf({ ODOO_URL: 'nope', PORT: 'x', API_TOKENS: 'abcdefghijklmnopqrstuvwxyz:admin' });
    expect(problems.length).toBe(6); // 3 missing + URL + PORT + token scope
  });
});

describe('enum settings are typed from config/schema.ts, so no reader casts them', () => {
  test('LOG_LEVEL, SEND_PROVIDER and DEFAULT_COUNTRY have their values as types', () => {
    const config = loadConfig({ ...REQUIRED, SEND_PROVIDER: 'meta', DEFAULT_COUNTRY: 'SG' }, {});
    // SEND_PROVIDER's enum in config/schema.ts and the domain's providers must not drift apart.
    expectTypeOf(config.SEND_PROVIDER).toEqualTypeOf<Provider>();
    expectTypeOf(config.LOG_LEVEL).toEqualTypeOf<'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'>();
    expectTypeOf(config.DEFAULT_COUNTRY).toEqualTypeOf<CountryCode>();
    expectTypeOf(config.PORT).toEqualTypeOf<number>();
    expect([config.SEND_PROVIDER, config.DEFAULT_COUNTRY]).toEqual(['meta', 'SG']);
  });

  test('loadDefaultCountry (the spool CLI): environment, then .env, then the default; an unknown country is refused', () => {
    expect(loadDefaultCountry({ DEFAULT_COUNTRY: 'SG' }, { DEFAULT_COUNTRY: 'US' })).toBe('SG');
    expect(loadDefaultCountry({ DEFAULT_COUNTRY: '' }, { DEFAULT_COUNTRY: 'US' })).toBe('US');
    expect(loadDefaultCountry({}, {})).toBe('ID');
    expect(() => loadDefaultCountry({ DEFAULT_COUNTRY: 'XX' }, {})).toThrow(/DEFAULT_COUNTRY "XX" is not a known country code/);
  });
});

describe('secrets the operator chooses are at least 16 characters, as API tokens are', () => {
  test.each(['WEBHOOK_SECRET', 'META_VERIFY_TOKEN'])('%s: 15 characters → one clear problem that does not echo it', (name) => {
    const problems = problemsOf({ ...REQUIRED, [name]: 'guessable-15chr' });
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${name} must be at least 16 characters \\(or empty to switch it off\\)`))]);
    expect(problems.join('\n')).not.toContain('guessable-15chr');
  });

  test.each(['WEBHOOK_SECRET', 'META_VERIFY_TOKEN'])('%s: 16 characters, or empty (switched off), is fine', (name) => {
    expect(loadConfig({ ...REQUIRED, [name]: 'sixteen-chars-ok' }, {})[name as 'WEBHOOK_SECRET']).toBe('sixteen-chars-ok');
    expect(loadConfig({ ...REQUIRED, [name]: '' }, {})[name as 'WEBHOOK_SECRET']).toBe('');
  });

  test('both too short, with another problem: all reported at once', () => {
    const problems = problemsOf({ ...REQUIRED, WEBHOOK_SECRET: 'abc', META_VERIFY_TOKEN: 'x', PORT: '0' });
    expect(problems.map((p) => p.split(' ')[0])).toEqual(['PORT', 'WEBHOOK_SECRET', 'META_VERIFY_TOKEN']);
  });
});

describe('parseApiTokens', () => {
  test.each([
    ['abcdefghijklmnop1234:read', [['abcdefghijklmnop1234', ['read']]]],
    ['abcdefghijklmnop1234:read+send, zyxwvutsrqponmlk9876:send', [['abcdefghijklmnop1234', ['read', 'send']], ['zyxwvutsrqponmlk9876', ['send']]]],
    ['', []],
  ])('%j', (input, expected) => {
    const { tokens, problems } = parseApiTokens(input);
    expect(problems).toEqual([]);
    expect(tokens.map((t) => [t.token, [...t.scopes]])).toEqual(expected);
  });

  test.each([
    ['tooshort:read', /at least 16 characters/],
    ['abcdefghijklmnop1234', /scopes must be one or more of read, send/],
    ['abcdefghijklmnop1234:write', /scopes must be one or more/],
    ['abcdefghijklmnop1234:read,abcdefghijklmnop1234:send', /the same token appears twice/],
  ])('%j is rejected', (input, message) => {
    expect(parseApiTokens(input).problems.join('\n')).toMatch(message);
  });
});

test('.env.example documents every setting with its default (regenerate with npx tsx config/env-example.ts)', () => {
  expect(readFileSync(new URL('../.env.example', import.meta.url), 'utf8')).toBe(renderEnvExample());
});
