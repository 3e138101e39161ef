/**
 * What the provider adapters share: the parse contract, one ajv instance, and small pure helpers
 * (timestamps, location text, redaction; media types: ./media-types.ts). Adapters never throw on any input.
 *
 * The principle they serve: a body that passed its provider's authentication is never refused for
 * its shape. What can be understood becomes events; a message whose content cannot be understood
 * is still a message (type `other`, the reason in `providerError`); what cannot become any record
 * (no id, no sender, an unknown kind of body) is reported in `notUnderstood` — or, when nothing at
 * all could be taken, as `{ ok: false, errors }` — and the route keeps the whole body in the spool's
 * quarantine, answers 2xx, and logs a warning naming it. A replay after an upgrade parses it again.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { BadRequestError } from '../../errors.js';
import type { CountryCode } from '../../lib/phone.js';
import type { InboundEvent } from '../../domain/message.js';

export interface ParseContext {
  /** For numbers written nationally (`0812…`). */
  defaultCountry: CountryCode;
  /** When the gateway received the webhook: the timestamp of events the provider does not date. */
  receivedAt: Date;
}

/** A reason the body was rejected; `path` is a JSON pointer into the body (`/entry/0/changes/0/value/messages/0/from`). */
export interface FieldError {
  path: string;
  message: string;
}

/** Something in an accepted body the gateway does not turn into an event, worth a log line. */
export interface ParseWarning {
  path: string;
  code:
    | 'status_ignored' // a status that moves nothing forward (Fonnte pending, Twilio queued, Meta deleted…)
    | 'provider_error' // Meta reported an error about the webhook itself (value.errors[])
    | 'change_ignored' // a Meta change that is not about messages (template, account, quality…)
    | 'device_unrecognised' // our own number in an unexpected form: kept as null rather than reject the message
    | 'media_url_ignored' // an attachment URL that is not http(s)
    | 'id_imprecise' // a numeric id above 2^53: JSON.parse rounded it, so it is not used as an id
    | 'status_broadcast_ignored' // a WhatsApp Status (story) update from status@broadcast: no conversation
    | 'not_understood' // part of a message the gateway does not understand: the message is kept (type other)
    | 'timestamp_unreadable' // a date that is no date: the receipt time is used instead
    | 'identity_unrecognised'; // a user id or number that is neither: left out, the message kept by its other identity
  message: string;
}

/**
 * `ok: true` — the events understood, and in `notUnderstood` what of the body could not become any
 * event (kept in quarantine by the route). `ok: false` — nothing could be taken from the body at
 * all: the whole body goes to quarantine. Neither is ever answered with a 4xx.
 */
export type ParseResult =
  | { ok: true; events: InboundEvent[]; warnings: ParseWarning[]; notUnderstood?: FieldError[] }
  | { ok: false; errors: FieldError[] };

/** Warnings worth a `warn` line rather than an `info` one: something was not understood. */
export const UNDERSTANDING_WARNINGS: ReadonlySet<ParseWarning['code']> = new Set(['not_understood', 'timestamp_unreadable', 'identity_unrecognised']);

export type ProviderParser = (body: unknown, ctx: ParseContext) => ParseResult;

/** Strict about our schemas, tolerant of the providers' extra fields (no `additionalProperties: false` anywhere). */
export const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });

/** A top-level field left out because it does not fit the schema, and why. */
export interface RejectedField {
  field: string;
  message: string;
}

/**
 * The body without the top-level fields that do not fit the schema, and those fields. For schemas
 * whose fields are all optional (Fonnte, Twilio): what is left always fits, so a provider adding a
 * field of an unexpected shape costs that field, never the webhook.
 */
export function leaveOutUnfit<T>(validate: ValidateFunction<T>, body: Record<string, unknown>): { value: T; rejected: RejectedField[] } {
  if (validate(body)) return { value: body, rejected: [] };
  const rejected = new Map<string, string>();
  for (const error of validate.errors ?? []) {
    const field = error.instancePath.split('/')[1];
    if (field !== undefined && !rejected.has(field)) rejected.set(field, error.message ?? 'is invalid');
  }
  const value = Object.fromEntries(Object.entries(body).filter(([key]) => !rejected.has(key))) as T;
  return { value, rejected: [...rejected].map(([field, message]) => ({ field, message })) };
}

export function fail(path: string, message: string): { ok: false; errors: FieldError[] } {
  return { ok: false, errors: [{ path, message }] };
}

/** Real webhooks nest under ten levels (Meta: entry/changes/value/messages/contacts/phones). */
export const MAX_DEPTH = 32;

/**
 * Whether a parsed JSON value nests deeper than `max`. Iterative, so it cannot overflow the stack
 * itself; JSON.parse accepts any depth but JSON.stringify (the spool) throws beyond a few thousand.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** The checks every adapter starts with: an object (not an array), of sane depth. */
export function expectObject(body: unknown, what: string): { ok: false; errors: FieldError[] } | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail('', `must be ${what}`);
  if (nestedDeeperThan(body, MAX_DEPTH)) return fail('', `is nested deeper than ${MAX_DEPTH} levels`);
  return null;
}

/** A trimmed non-empty string, or null. Numbers (ids that arrived as JSON numbers) become strings. */
export function nonEmpty(value: unknown): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/**
 * An id field: absent, an exact id, or a JSON number beyond 2^53 (or with a fraction). JSON.parse has
 * already rounded such a number to the nearest double, so neighbouring ids come out equal
 * (9007199254740993 reads as …992): it must never be used as an id, or two messages become one.
 * `approx` is its rounded value, for log lines — stable across retries of the same body, not unique.
 */
export type IdField = { kind: 'absent' } | { kind: 'exact'; id: string } | { kind: 'imprecise'; approx: string };

export function readId(value: unknown): IdField {
  if (typeof value === 'number' && Number.isFinite(value) && !Number.isSafeInteger(value)) {
    return { kind: 'imprecise', approx: Number.isInteger(value) ? BigInt(value).toString() : String(value) };
  }
  const id = nonEmpty(value);
  return id === null ? { kind: 'absent' } : { kind: 'exact', id };
}

/** Message text as the person wrote it (untrimmed), or null when there is nothing but whitespace. */
export function textOf(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** 2000-01-01 .. 2100-01-01: anything outside is a wrong unit or garbage, not a date. */
const MIN_EPOCH_S = 946_684_800;
const MAX_EPOCH_S = 4_102_444_800;

/**
 * A provider timestamp → ISO 8601 UTC. Unix seconds (number or digit string; values above 1e10 are
 * milliseconds), or an ISO date string. Absent (`undefined`, `null`, `''`, `0`) → `fallback`.
 * Returns null when the value is present but not a plausible date.
 */
export function toIsoTimestamp(value: unknown, fallback: Date): string | null {
  if (value === undefined || value === null || value === '' || value === 0 || value === '0') return fallback.toISOString();
  let seconds: number;
  if (typeof value === 'number') {
    seconds = value;
  } else if (typeof value === 'string' && /^\s*\d{1,16}(\.\d{1,6})?\s*$/.test(value)) {
    seconds = Number(value);
  } else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(value) && value.length <= 40) {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) return null;
    seconds = ms / 1000;
  } else {
    return null;
  }
  if (!Number.isFinite(seconds)) return null;
  if (seconds > 1e10) seconds /= 1000;
  if (seconds < MIN_EPOCH_S || seconds > MAX_EPOCH_S) return null;
  return new Date(Math.round(seconds * 1000)).toISOString();
}

/** `-8.6705,115.2126`, or `Warung Made, Jl. Raya Seminyak (-8.6705,115.2126)`. */
export function renderLocation(latitude: number, longitude: number, ...labels: (string | null | undefined)[]): string {
  const coordinates = `${latitude},${longitude}`;
  const label = labels.map((l) => nonEmpty(l)).filter((l): l is string => l !== null);
  return label.length === 0 ? coordinates : `${[...new Set(label)].join(', ')} (${coordinates})`;
}

/** A latitude/longitude pair from numbers or numeric strings, or null when either is missing or out of range. */
export function coordinates(lat: unknown, lng: unknown): { latitude: number; longitude: number } | null {
  const toNumber = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN);
  const latitude = toNumber(lat);
  const longitude = toNumber(lng);
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return null;
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return null;
  return { latitude, longitude };
}

/** Body keys whose values are credentials (Fonnte's device token on connect webhooks, a secret someone echoes back). */
const SECRET_KEYS = /^(token|secret|secret_key|secretkey|api_key|apikey|password|authorization|signature)$/i;

const SECRET_JSON_VALUES = /("(?:token|secret|secret_key|secretkey|api_key|apikey|password|authorization|signature)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

/**
 * A JSON body's text with the string values of credential keys (any depth) replaced by `"***"`,
 * everything else byte for byte: what the quarantine keeps of a body (Fonnte puts its device token
 * in connect webhooks), so a replay reads it exactly as the route did.
 */
export function redactSecretsInJsonText(text: string): string {
  return text.replace(SECRET_JSON_VALUES, '$1"***"');
}

/** A shallow copy of a flat webhook body with credential values replaced by `***`. */
export function redactSecrets<T extends Record<string, unknown>>(body: T): T {
  // fromEntries defines own properties, so a `__proto__` key in the JSON stays a plain key.
  return Object.fromEntries(Object.entries(body).map(([key, value]) => [key, SECRET_KEYS.test(key) ? '***' : value])) as T;
}

/**
 * A JSON body (Fonnte, Meta) as its parser takes it. Throws 400 `invalid_json` when the bytes are
 * not JSON at all — the one refusal left once a body is authenticated, and only before any event
 * was taken from it. `prepare` rewrites the text first (Fonnte's long numeric ids).
 */
export function readJsonBody(raw: Buffer | string | undefined, prepare: (text: string) => string = (text) => text): unknown {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : (raw ?? '');
  if (text.length === 0) throw new BadRequestError('The request body is empty; a JSON object is expected', [], 'invalid_json');
  try {
    return JSON.parse(prepare(text));
  } catch (error) {
    throw new BadRequestError(`The request body is not valid JSON: ${(error as Error).message}`, [], 'invalid_json');
  }
}

/** A JSON body as received, for the parser, and what the quarantine keeps of it: its text, credentials (a Fonnte device token) masked. */
export function receiveJsonBody(raw: Buffer, prepare?: (text: string) => string): { body: unknown; kept(): { body: string; input: null } } {
  return { body: readJsonBody(raw, prepare), kept: () => ({ body: redactSecretsInJsonText(raw.toString('utf8')), input: null }) };
}

/** One value of a query parameter or header (the first, when repeated). */
export function single(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}
