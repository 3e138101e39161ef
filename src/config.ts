/**
 * Loads and validates the configuration once at start-up.
 * Sources: the process environment, plus a `.env` file when present (the environment wins).
 * Any problem → one ConfigError listing every problem and what to set.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseDotenv } from 'dotenv';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';
import { SETTINGS, type SettingName, type SettingSpec } from '../config/schema.js';

/**
 * The type a setting has once validated, read off its spec in config/schema.ts: an `enum` rule gives
 * the union of its values (LOG_LEVEL, SEND_PROVIDER), so no reader casts the string.
 */
type ValueOf<S extends SettingSpec> = S extends { rules: { enum: readonly (infer Value)[] } }
  ? Value
  : S['type'] extends 'integer'
    ? number
    : S['type'] extends 'boolean'
      ? boolean
      : string;
/** Settings checked here beyond their JSON schema: DEFAULT_COUNTRY is a country libphonenumber knows. */
interface CheckedSettings {
  readonly DEFAULT_COUNTRY: CountryCode;
}
export type Settings = Omit<{ readonly [K in SettingName]: ValueOf<(typeof SETTINGS)[K]> }, keyof CheckedSettings> & CheckedSettings;

export const API_SCOPES = ['read', 'send'] as const;
export type ApiScope = (typeof API_SCOPES)[number];
export interface ApiToken {
  token: string;
  scopes: ReadonlySet<ApiScope>;
}

export interface Config extends Settings {
  readonly apiTokens: readonly ApiToken[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nSet these in the environment or in a .env file (see .env.example).',
    );
    this.name = 'ConfigError';
  }
}

const MIN_TOKEN_LENGTH = 16;
/** Secrets the operator makes up (not issued by a provider): as long as API tokens, so they cannot be guessed. */
const CHOSEN_SECRETS = ['WEBHOOK_SECRET', 'META_VERIFY_TOKEN'] as const satisfies readonly SettingName[];

const settingNames = Object.keys(SETTINGS) as SettingName[];

const schema = {
  type: 'object',
  properties: Object.fromEntries(
    settingNames.map((name) => {
      const spec: SettingSpec = SETTINGS[name];
      return [name, { type: spec.type, ...(spec.default !== undefined ? { default: spec.default } : {}), ...spec.rules }];
    }),
  ),
  required: settingNames.filter((name) => (SETTINGS[name] as SettingSpec).required),
  additionalProperties: true,
};

const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });
const validate = ajv.compile(schema);

/** Reads `.env` (if any) without touching process.env. */
export function readDotenv(path = '.env'): Record<string, string> {
  return existsSync(path) ? parseDotenv(readFileSync(path)) : {};
}

function describe(error: ErrorObject, input: Record<string, unknown>): string {
  if (error.keyword === 'required') {
    const name = (error.params as { missingProperty: SettingName }).missingProperty;
    return `${name} is required: ${SETTINGS[name].description}`;
  }
  const name = error.instancePath.replace(/^\//, '') as SettingName;
  const spec: SettingSpec | undefined = SETTINGS[name];
  // URLs may carry credentials (https://user:password@host): never echo those either.
  const shown = spec?.secret ? '***' : JSON.stringify(input[name])?.replace(/(\/\/[^/@\s:]*:)[^/@\s]*@/g, '$1***@');
  return `${name} ${error.message ?? 'is invalid'} (got ${shown})${spec ? `: ${spec.description}` : ''}`;
}

export function parseApiTokens(value: string): { tokens: ApiToken[]; problems: string[] } {
  const tokens: ApiToken[] = [];
  const problems: string[] = [];
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  entries.forEach((entry, index) => {
    const colon = entry.lastIndexOf(':');
    const token = colon > 0 ? entry.slice(0, colon) : entry;
    const scopeText = colon > 0 ? entry.slice(colon + 1) : '';
    const where = `API_TOKENS entry ${index + 1}`;
    if (token.length < MIN_TOKEN_LENGTH) {
      problems.push(`${where}: token must be at least ${MIN_TOKEN_LENGTH} characters (format token:scope+scope)`);
      return;
    }
    const scopes = scopeText.split('+').filter(Boolean);
    const unknown = scopes.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
    if (scopes.length === 0 || unknown.length > 0) {
      problems.push(
        `${where}: scopes must be one or more of ${API_SCOPES.join(', ')} joined by + (got ${JSON.stringify(scopeText)})`,
      );
      return;
    }
    if (tokens.some((t) => t.token === token)) {
      problems.push(`${where}: the same token appears twice`);
      return;
    }
    tokens.push({ token, scopes: new Set(scopes as ApiScope[]) });
  });
  return { tokens, problems };
}

function countryProblem(value: string): string {
  return `DEFAULT_COUNTRY ${JSON.stringify(value)} is not a known country code (e.g. ID, SG, US)`;
}

/**
 * DEFAULT_COUNTRY alone, for tools that need no other setting (the spool CLI): the environment, then
 * `.env`, then the default; a value that is not a known country → ConfigError.
 */
export function loadDefaultCountry(env: NodeJS.ProcessEnv = process.env, dotenv: Record<string, string> = readDotenv()): CountryCode {
  const value = env.DEFAULT_COUNTRY || dotenv.DEFAULT_COUNTRY || SETTINGS.DEFAULT_COUNTRY.default;
  if (!isSupportedCountry(value)) throw new ConfigError([countryProblem(value)]);
  return value;
}

/**
 * @param env the variables to read (process.env by default)
 * @param dotenv values from a .env file; `env` overrides them
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, dotenv: Record<string, string> = readDotenv()): Config {
  const input: Record<string, unknown> = {};
  for (const name of settingNames) {
    const raw = env[name] ?? dotenv[name];
    // An empty variable means "not set" so that defaults apply (as docker-compose passes VAR= ).
    if (raw !== undefined && raw !== '') input[name] = raw;
  }
  const problems: string[] = [];
  if (!validate(input)) {
    for (const error of validate.errors ?? []) problems.push(describe(error, input));
  }
  // The schema has checked every type and enum (problems say where it has not); the country is checked next.
  const settings = input as unknown as Settings;
  const country: unknown = settings.DEFAULT_COUNTRY;
  if (typeof country === 'string' && /^[A-Z]{2}$/.test(country) && !isSupportedCountry(country)) {
    problems.push(countryProblem(country));
  }
  for (const name of CHOSEN_SECRETS) {
    const value = settings[name];
    if (typeof value === 'string' && value !== '' && value.length < MIN_TOKEN_LENGTH) {
      // Never the value, nor its length: only what is wrong.
      problems.push(`${name} must be at least ${MIN_TOKEN_LENGTH} characters (or empty to switch it off): ${SETTINGS[name].description}`);
    }
  }
  const { tokens, problems: tokenProblems } = parseApiTokens(typeof settings.API_TOKENS === 'string' ? settings.API_TOKENS : '');
  problems.push(...tokenProblems);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ ...settings, apiTokens: tokens });
}
