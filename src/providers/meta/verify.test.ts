import { describe, expect, test } from 'vitest';
import { verifyMetaSignature } from './verify.js';

// Expected values below were computed independently (Python hmac), not with the code under test.

describe('verifyMetaSignature', () => {
  // Meta signs its escaped-unicode rendering, so the raw bytes contain `\u00e9`, not `é`.
  const rawBody = Buffer.from(
    '{"object":"whatsapp_business_account","entry":[{"id":"100000000000001","changes":[{"field":"messages","value":{"messages":[{"text":{"body":"Halo \\u00e9\\ud83d\\ude00"}}]}}]}]}',
    'utf8',
  );
  const secret = 'meta-app-secret';
  const hex = 'a218b36a9b91e92fde179c91e89603d040f7ef1ef54c6efd81fdd3ea9a0e31c8';

  test.each([
    ['the right signature', `sha256=${hex}`, true],
    ['upper-case hex', `sha256=${hex.toUpperCase()}`, true],
    ['surrounding whitespace', ` sha256=${hex} `, true],
    ['one digit changed', `sha256=${hex.slice(0, -1)}9`, false],
    ['truncated', `sha256=${hex.slice(0, 40)}`, false],
    ['too long', `sha256=${hex}00`, false],
    ['no prefix', hex, false],
    ['sha1 prefix', `sha1=${hex}`, false],
    ['not hex', `sha256=${'z'.repeat(64)}`, false],
    ['empty', '', false],
    ['missing', undefined, false],
  ])('%s → %s', (_name, header, valid) => {
    expect(verifyMetaSignature(rawBody, header, secret)).toBe(valid);
  });

  test('the same signature over re-serialised JSON does not verify', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(rawBody.toString('utf8'))), 'utf8');
    expect(verifyMetaSignature(reserialised, `sha256=${hex}`, secret)).toBe(false);
  });

  test('another app secret does not verify', () => {
    expect(verifyMetaSignature(rawBody, `sha256=${hex}`, 'other-secret')).toBe(false);
  });

  test('an empty configured secret verifies nothing, not even its own HMAC', () => {
    // The correct HMAC-SHA256 of `{}` under an empty key (Python): what a forger would send if an unset secret were used as ''.
    expect(verifyMetaSignature(Buffer.from('{}'), 'sha256=22f8eea909400af98adf3681a9f31923ef6b7fcba4abb553d92823a3e9d5c25e', '')).toBe(false);
  });
});
