import { describe, expect, test } from 'vitest';
import { verifySharedSecret } from './verify.js';

describe('verifySharedSecret', () => {
  const expected = 'f0nnte-Webhook-Secret-7d1c';
  test.each([
    ['the secret', expected, true],
    ['one character off', 'f0nnte-Webhook-Secret-7d1d', false],
    ['a prefix', 'f0nnte-Webhook', false],
    ['longer', `${expected}x`, false],
    ['different case', expected.toUpperCase(), false],
    ['empty', '', false],
    ['missing', undefined, false],
  ])('%s → %s', (_name, given, valid) => {
    expect(verifySharedSecret(given, expected)).toBe(valid);
  });

  test('an empty configured secret accepts nothing, not even an empty one', () => {
    expect(verifySharedSecret('', '')).toBe(false);
    expect(verifySharedSecret(undefined, '')).toBe(false);
  });
});
