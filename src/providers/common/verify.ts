/**
 * Shared-secret webhook checks (Fonnte's secret, Meta's verify token); the signatures live with their
 * providers (meta/verify.ts, twilio/verify.ts). All comparisons are constant-time over fixed-length digests, so
 * neither the content nor the length of a guess leaks through timing. An empty configured secret
 * never verifies anything: a provider without its secret is off, never open.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time equality of two strings of any length (compares their SHA-256 digests). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Fonnte does not sign: its registered URL carries `?secret=…` (or a proxy adds `X-Webhook-Secret`). */
export function verifySharedSecret(given: string | undefined, expected: string): boolean {
  if (!expected || typeof given !== 'string') return false;
  return sameSecret(given, expected);
}
