/**
 * Twilio posts its webhooks as application/x-www-form-urlencoded. This module reads such a body into
 * a Map of name → values, in one pass over the bytes and with a cap on the number of fields, so that
 * a body built to be expensive (tens of thousands of repeated or distinct names) costs about what a
 * normal webhook of the same size costs — before its signature is known to be good.
 *
 * Decoding follows the WHATWG URL standard's form parser (what URLSearchParams does): fields split on
 * `&`, empty ones skipped, name and value split on the first `=`, `+` is a space, valid `%XX` escapes
 * become bytes (invalid ones stay as they are), then UTF-8 with U+FFFD for broken sequences. The
 * signature is computed over exactly these fields, so they must be what Twilio signed: for every body
 * that percent-encodes its non-ASCII characters (Twilio's do) this is what URLSearchParams reads.
 * (Where a raw non-ASCII character shares a field with a broken escape, Node's URLSearchParams cuts
 * it to one byte; this follows the standard.)
 *
 * A Map, not an object: a field named `__proto__` (or `constructor`) is a field like any other — it
 * counts in the signed data and cannot touch any prototype.
 */
import { BadRequestError, PayloadTooLargeError } from '../errors.js';
import type { TwilioParams } from './twilio.js';

/** Names in the posted order; each name's values in the posted order. */
export type FormFields = ReadonlyMap<string, readonly string[]>;

/**
 * Twilio's WhatsApp webhooks carry well under 100 fields (message, status callback, up to ten media
 * URLs with their content types, location, buttons, referral). Far more is not Twilio.
 */
export const MAX_FORM_FIELDS = 256;

const AMPERSAND = 0x26;
const EQUALS = 0x3d;
const PLUS = 0x2b;
const PERCENT = 0x25;
const SPACE = 0x20;

export class TooManyFormFieldsError extends PayloadTooLargeError {
  constructor(limit: number) {
    super(`The form holds more than ${limit} fields; no Twilio webhook has that many`, 'too_many_fields');
  }
}

/** The value of one hex digit, or -1. */
function hexDigit(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

/** body[start, end) with `+` and `%XX` decoded, as UTF-8. Linear in the length of the range. */
function decodeRange(body: Buffer, start: number, end: number): string {
  let plain = true;
  for (let i = start; i < end; i += 1) {
    const byte = body[i];
    if (byte === PLUS || byte === PERCENT) {
      plain = false;
      break;
    }
  }
  if (plain) return body.toString('utf8', start, end);
  // Raw bytes that are not UTF-8 become U+FFFD first (as the standard reads the body as text): an
  // escape next to them must not complete them into a character.
  const source = Buffer.from(body.toString('utf8', start, end), 'utf8');
  const out = Buffer.allocUnsafe(source.length);
  let length = 0;
  for (let i = 0; i < source.length; i += 1) {
    const byte = source[i] as number;
    if (byte === PLUS) {
      out[length++] = SPACE;
      continue;
    }
    if (byte === PERCENT && i + 2 < source.length) {
      const high = hexDigit(source[i + 1]);
      const low = hexDigit(source[i + 2]);
      if (high >= 0 && low >= 0) {
        out[length++] = high * 16 + low;
        i += 2;
        continue;
      }
    }
    out[length++] = byte;
  }
  return out.toString('utf8', 0, length);
}

/**
 * Reads a form body. One pass over the bytes; stops with 413 `too_many_fields` at field
 * `maxFields + 1`, so no body costs more than `maxFields` decoded fields plus one scan.
 */
export function parseFormFields(body: Buffer, maxFields: number = MAX_FORM_FIELDS): FormFields {
  const fields = new Map<string, string[]>();
  let count = 0;
  let fieldStart = 0;
  let equalsAt = -1;
  for (let i = 0; i <= body.length; i += 1) {
    const byte = i < body.length ? body[i] : AMPERSAND;
    if (byte === EQUALS && equalsAt === -1) {
      equalsAt = i;
    } else if (byte === AMPERSAND) {
      if (i > fieldStart) {
        count += 1;
        if (count > maxFields) throw new TooManyFormFieldsError(maxFields);
        const nameEnd = equalsAt === -1 ? i : equalsAt;
        const name = decodeRange(body, fieldStart, nameEnd);
        const value = equalsAt === -1 ? '' : decodeRange(body, equalsAt + 1, i);
        const values = fields.get(name);
        if (values === undefined) fields.set(name, [value]);
        else values.push(value);
      }
      fieldStart = i + 1;
      equalsAt = -1;
    }
  }
  return fields;
}

/** Only spaces, tabs and line breaks (or nothing). */
function isBlank(body: Buffer): boolean {
  for (const byte of body) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return false;
  return true;
}

/**
 * The fields as the Twilio parser takes them: one string per name, or an array for a repeated name.
 * A null-prototype object, so `__proto__` stays an ordinary field. 400 `invalid_form` when the body
 * holds no fields (or only whitespace).
 */
export function formToTwilioParams(fields: FormFields, body: Buffer): TwilioParams {
  if (fields.size === 0 || isBlank(body)) {
    throw new BadRequestError(
      body.length === 0 || isBlank(body) ? 'The request body is empty; form parameters are expected' : 'The body holds no form parameters',
      [],
      'invalid_form',
    );
  }
  const params = Object.create(null) as TwilioParams;
  for (const [name, values] of fields) params[name] = values.length === 1 ? (values[0] as string) : [...values];
  return params;
}
