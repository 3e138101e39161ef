/**
 * Twilio posts its webhooks as application/x-www-form-urlencoded. This module reads such a body into
 * a Map of name → values, in one pass over the bytes and with a cap on the number of fields, so that
 * a body built to be expensive (tens of thousands of repeated or distinct names) costs about what a
 * normal webhook of the same size costs — before its signature is known to be good.
 *
 * A Map, not an object: a field named `__proto__` (or `constructor`) is a field like any other — it
 * counts in the signed data and cannot touch any prototype.
 */
import { BadRequestError, PayloadTooLargeError } from '../../errors.js';
import type { TwilioParams } from './parse.js';

/** Names in the posted order; each name's values in the posted order. */
export type FormFields = ReadonlyMap<string, readonly string[]>;

/**
 * Twilio's WhatsApp webhooks carry well under 100 fields (message, status callback, up to ten media
 * URLs with their content types, location, buttons, referral). Far more is not Twilio.
 */
export const MAX_FORM_FIELDS = 256;

const AMPERSAND = 0x26;

export class TooManyFormFieldsError extends PayloadTooLargeError {
  constructor(limit: number) {
    super(`The form holds more than ${limit} fields; no Twilio webhook has that many`, 'too_many_fields');
  }
}

/**
 * Reads a form body. The number of fields is bounded first by counting `&` with the native
 * `Buffer.indexOf` (a body of 256+ separators is not Twilio: 413 `too_many_fields`, nothing decoded);
 * then Node's own `URLSearchParams` decodes it — linear, and exactly what Twilio's signature is
 * computed over — and each name's values are pushed onto one array (the old code copied the array
 * for every repeat, which was quadratic).
 */
export function parseFormFields(body: Buffer, maxFields: number = MAX_FORM_FIELDS): FormFields {
  let separators = 0;
  for (let at = body.indexOf(AMPERSAND); at !== -1; at = body.indexOf(AMPERSAND, at + 1)) {
    separators += 1;
    if (separators >= maxFields) throw new TooManyFormFieldsError(maxFields);
  }
  const fields = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    const values = fields.get(name);
    if (values === undefined) fields.set(name, [value]);
    else values.push(value);
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
