/**
 * Meta's webhook authenticity: `X-Hub-Signature-256` over the raw body, keyed with the app secret.
 * Constant-time; an empty configured secret never verifies anything (Meta's webhook is then off).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header Meta signs its webhooks in. */
export const META_SIGNATURE_HEADER = 'x-hub-signature-256';

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
