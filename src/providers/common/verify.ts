/**
 * Webhook authenticity checks. All comparisons are constant-time over fixed-length digests, so
 * neither the content nor the length of a guess leaks through timing. An empty configured secret
 * never verifies anything: a provider without its secret is off, never open.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FormFields } from '../twilio/form.js';

/** Constant-time equality of two strings of any length (compares their SHA-256 digests). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * Meta `X-Hub-Signature-256: sha256=<hex>` = HMAC-SHA256(app secret, raw body bytes).
 * Verify on the raw bytes: Meta signs its own escaped-unicode rendering, not re-serialised JSON.
 */
export function verifyMetaSignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
  if (!appSecret || typeof header !== 'string') return false;
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1], 'hex');
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return timingSafeEqual(given, expected);
}

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
 * are ALL posted form fields (../twilio/form.ts) — never a whitelist, Twilio adds fields without
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

/** Fonnte does not sign: its registered URL carries `?secret=…` (or a proxy adds `X-Webhook-Secret`). */
export function verifySharedSecret(given: string | undefined, expected: string): boolean {
  if (!expected || typeof given !== 'string') return false;
  return sameSecret(given, expected);
}
