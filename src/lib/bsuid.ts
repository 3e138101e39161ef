/**
 * Meta's business-scoped user ids (BSUID), sent since 2026 for WhatsApp users who adopted a username
 * and may show no phone number at all: an ISO country code, a dot, and up to 128 letters or digits
 * (`US.13491208655302741918`). A *parent* id, shared by the businesses of one portfolio, has `ENT.`
 * after the country (`US.ENT.11815799212886844830`).
 *
 * A BSUID can never be mistaken for an E.164 number (no `+`, always a letter pair and a dot) nor for
 * a JID (no `@`), so it may stand where a number stands. It is kept exactly as Meta wrote it: the
 * part after the country is opaque and may be case-sensitive.
 */

const BSUID = /^[A-Z]{2}\.(?!ENT\.)[A-Za-z0-9]{1,128}$/;
const PARENT_BSUID = /^[A-Z]{2}\.ENT\.[A-Za-z0-9]{1,128}$/;

/** `value` as a BSUID (trimmed; a `whatsapp:` prefix, as Twilio writes addresses, dropped), or null. */
export function readBsuid(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = value.trim().replace(/^whatsapp:/i, '');
  return BSUID.test(text) ? text : null;
}

/** `value` as a parent BSUID (`CC.ENT.…`), or null. */
export function readParentBsuid(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = value.trim().replace(/^whatsapp:/i, '');
  return PARENT_BSUID.test(text) ? text : null;
}

export function isBsuid(value: unknown): value is string {
  return typeof value === 'string' && BSUID.test(value);
}
