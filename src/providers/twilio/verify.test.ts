import { describe, expect, test } from 'vitest';
import type { FormFields } from './form.js';
import { looksLikeTwilioSignature, verifyTwilioSignature } from './verify.js';

/** Form fields as the route reads them (./form.ts), from a name → value(s) record. */
const form = (params: Record<string, string | string[]>): FormFields =>
  new Map(Object.entries(params).map(([name, value]) => [name, Array.isArray(value) ? value : [value]]));

// Expected values below were computed independently (Python hmac), not with the code under test.

describe('verifyTwilioSignature', () => {
  // Twilio's documented example (twilio.com/docs/usage/security; TwilioDevEd/api-snippets).
  const docUrl = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const docParams = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+14158675310',
    Digits: '1234',
    From: '+14158675310',
    To: '+18005551212',
  };

  test.each([
    ['documented example', docUrl, docParams, 'GvWf1cFY/Q7PnoempGyD5oXAezc=', true],
    [
      'documented example, older number set',
      docUrl,
      { ...docParams, Caller: '+14158675309', From: '+14158675309' },
      'RSOYDt4T1cUTdK1PDd93/VVr8B8=',
      true,
    ],
    ['params in another order', docUrl, { To: '+18005551212', Digits: '1234', From: '+14158675310', Caller: '+14158675310', CallSid: 'CA1234567890ABCDE' }, 'GvWf1cFY/Q7PnoempGyD5oXAezc=', true],
    ['a param changed', docUrl, { ...docParams, Digits: '1235' }, 'GvWf1cFY/Q7PnoempGyD5oXAezc=', false],
    ['a param added', docUrl, { ...docParams, Extra: '' }, 'GvWf1cFY/Q7PnoempGyD5oXAezc=', false],
    ['another URL', 'https://mycompany.com/myapp.php?foo=1&bar=3', docParams, 'GvWf1cFY/Q7PnoempGyD5oXAezc=', false],
    ['http instead of https', 'http://mycompany.com/myapp.php?foo=1&bar=2', docParams, 'GvWf1cFY/Q7PnoempGyD5oXAezc=', false],
    ['truncated signature', docUrl, docParams, 'GvWf1cFY/Q7PnoempGyD5oXA', false],
    ['signature without padding', docUrl, docParams, 'GvWf1cFY/Q7PnoempGyD5oXAezc', false],
    ['empty signature', docUrl, docParams, '', false],
    ['missing signature', docUrl, docParams, undefined, false],
  ])('%s → %s', (_name, url, params, header, valid) => {
    expect(verifyTwilioSignature(url, form(params), header, '12345')).toBe(valid);
  });

  test('the wrong auth token does not verify', () => {
    expect(verifyTwilioSignature(docUrl, form(docParams), 'GvWf1cFY/Q7PnoempGyD5oXAezc=', '54321')).toBe(false);
  });

  test('an empty configured auth token verifies nothing, not even the HMAC under an empty key', () => {
    expect(verifyTwilioSignature(docUrl, form(docParams), 'xt2QmcbTO4AuEpySMSq7l1pf2Hk=', '')).toBe(false);
  });

  const whatsappParams = {
    MessageSid: 'SMfake01',
    From: 'whatsapp:+6281299990000',
    To: 'whatsapp:+14155550100',
    Body: 'Halo ñ 😀',
    NumMedia: '0',
  };

  test.each([
    // Signed by Twilio with the port; we know our URL without it — and the other way round.
    ['signed with :443, checked without', 'https://wa.example.com/api/wa/webhook/twilio?x=1', 'K+b2vNuBs3sAH5IhYMo2Xmhrzx0='],
    ['signed with :443, checked with', 'https://wa.example.com:443/api/wa/webhook/twilio?x=1', 'K+b2vNuBs3sAH5IhYMo2Xmhrzx0='],
    ['signed without port, checked with :443', 'https://wa.example.com:443/api/wa/webhook/twilio?x=1', '7o7oSEMuv35RquyxDKcqT0eaQ3E='],
    ['signed without port, checked without', 'https://wa.example.com/api/wa/webhook/twilio?x=1', '7o7oSEMuv35RquyxDKcqT0eaQ3E='],
  ])('default port: %s', (_name, url, header) => {
    expect(verifyTwilioSignature(url, form(whatsappParams), header, 'twilio-token')).toBe(true);
  });

  test('a non-default port must match exactly', () => {
    expect(
      verifyTwilioSignature('https://wa.example.com:8443/api/wa/webhook/twilio?x=1', form(whatsappParams), '7o7oSEMuv35RquyxDKcqT0eaQ3E=', 'twilio-token'),
    ).toBe(false);
  });

  test('repeated names: values are de-duplicated and sorted, in any order given', () => {
    const url = 'https://wa.example.com/api/wa/webhook/twilio';
    expect(verifyTwilioSignature(url, form({ ...whatsappParams, Tag: ['b', 'a', 'b'] }), 'UhH9pBgKbxbHGSScsiTiyujURUQ=', 'twilio-token')).toBe(true);
    expect(verifyTwilioSignature(url, form({ ...whatsappParams, Tag: ['a', 'b'] }), 'UhH9pBgKbxbHGSScsiTiyujURUQ=', 'twilio-token')).toBe(true);
    expect(verifyTwilioSignature(url, form({ ...whatsappParams, Tag: ['a'] }), 'UhH9pBgKbxbHGSScsiTiyujURUQ=', 'twilio-token')).toBe(false);
  });

  test('a field named __proto__ is signed data like any other: leaving it out does not verify', () => {
    const url = 'https://wa.example.com/api/wa/webhook/twilio';
    const withProto: FormFields = new Map([...form(whatsappParams), ['__proto__', ['zz']]]);
    // The signature of whatsappParams alone (the repeated-names test above signs them plus Tag).
    const signedWithout = '7o7oSEMuv35RquyxDKcqT0eaQ3E=';
    expect(verifyTwilioSignature(`${url}?x=1`, form(whatsappParams), signedWithout, 'twilio-token')).toBe(true);
    expect(verifyTwilioSignature(`${url}?x=1`, withProto, signedWithout, 'twilio-token')).toBe(false);
  });

  test.each([
    ['a real signature', 'GvWf1cFY/Q7PnoempGyD5oXAezc=', true],
    ['with surrounding spaces', ' GvWf1cFY/Q7PnoempGyD5oXAezc= ', true],
    ['missing', undefined, false],
    ['empty', '', false],
    ['without padding', 'GvWf1cFY/Q7PnoempGyD5oXAezc', false],
    ['hex of the digest', '1af59f15c158fd0ecf9e89e9ac9b0f9017b37b', false],
    ['too long', 'GvWf1cFY/Q7PnoempGyD5oXAezc=GvWf', false],
    ['base64url alphabet', 'GvWf1cFY_Q7PnoempGyD5oXAezc=', false],
  ])('shape check: %s → %s', (_name, header, looks) => {
    expect(looksLikeTwilioSignature(header)).toBe(looks);
  });

  test('an unparsable URL is compared as given, not thrown on', () => {
    expect(verifyTwilioSignature('not a url', form(docParams), 'GvWf1cFY/Q7PnoempGyD5oXAezc=', '12345')).toBe(false);
  });
});
