/**
 * Twilio's webhook authenticity: `X-Twilio-Signature` over the URL Twilio called and every posted
 * form field, keyed with the auth token. Constant-time over fixed-length digests; an empty configured
 * token never verifies anything (Twilio's webhook is then off).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FormFields } from './form.js';

/** The header Twilio signs its webhooks in. */
export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';

/** The string Twilio signs: the URL, then every parameter as name+value, names sorted, repeated values de-duplicated and sorted. */
function twilioSignedData(url: string, fields: FormFields): string {
  let data = url;
  for (const name of [...fields.keys()].sort()) {
    const values = fields.get(name) ?? [];
    for (const v of values.length === 1 ? values : [...new Set(values)].sort()) data += name + v;
  }
  return data;
}

/** Base64 of a 20-byte HMAC-SHA1: 27 characters and one `=`. Anything else cannot be a Twilio signature. */
const TWILIO_SIGNATURE_SHAPE = /^[A-Za-z0-9+/]{27}=$/;

/**
 * Whether the header could be a Twilio signature at all. A cheap first gate: a request without one
 * is refused before a single field of its body is read (the format is public, so this leaks nothing).
 */
export function looksLikeTwilioSignature(header: string | undefined): header is string {
  return typeof header === 'string' && TWILIO_SIGNATURE_SHAPE.test(header.trim());
}

/** The URL as Twilio may have signed it: as given, and with and without the scheme's default port (as Twilio's SDKs accept). */
function twilioUrlVariants(url: string): string[] {
  const variants = new Set([url]);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [...variants];
  }
  // Only a default port is ambiguous (WHATWG URL drops it from href); any other port must match.
  const defaultPort = parsed.protocol === 'https:' ? '443' : parsed.protocol === 'http:' ? '80' : '';
  if (defaultPort && parsed.port === '') {
    variants.add(parsed.href);
    const auth = parsed.username ? `${parsed.username}${parsed.password ? `:${parsed.password}` : ''}@` : '';
    variants.add(`${parsed.protocol}//${auth}${parsed.hostname}:${defaultPort}${parsed.pathname}${parsed.search}${parsed.hash}`);
  }
  return [...variants];
}

/**
 * Twilio `X-Twilio-Signature` = Base64(HMAC-SHA1(auth token, URL + sorted params)). `url` is the
 * public URL Twilio called (with query string; rebuild it from PUBLIC_URL behind a proxy); `fields`
 * are ALL posted form fields (./form.ts) — never a whitelist, Twilio adds fields without
 * notice, and a Map so that no name (`__proto__` included) can drop out of the signed data.
 */
export function verifyTwilioSignature(
  url: string,
  fields: FormFields,
  header: string | undefined,
  authToken: string,
): boolean {
  if (!authToken || typeof header !== 'string' || header === '') return false;
  const given = createHash('sha256').update(header.trim(), 'utf8').digest();
  let valid = false;
  for (const variant of twilioUrlVariants(url)) {
    const expected = createHmac('sha1', authToken).update(twilioSignedData(variant, fields), 'utf8').digest('base64');
    // Hash both sides so a guess of any length is compared in constant time; check every variant.
    valid = timingSafeEqual(given, createHash('sha256').update(expected, 'utf8').digest()) || valid;
  }
  return valid;
}
