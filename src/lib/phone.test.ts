import { describe, expect, test } from 'vitest';
import { InvalidPhoneError, SendTargetError, UnsupportedTargetError } from '../domain/errors.js';
import {
  describePhoneRejection,
  isWhatsappUserId,
  nationalSignificantDigits,
  normalizeContactId,
  normalizePhone,
  partnerPhoneMatches,
  phoneSearchPattern,
  toProviderTarget,
} from './phone.js';

const BUDI = '+6281234567890';

describe('normalizePhone: one person, every usual spelling', () => {
  test.each([
    '0812-3456-7890',
    '081234567890',
    '81234567890',
    '6281234567890',
    '+6281234567890',
    '+62 812 3456 7890',
    '+62 812-3456-7890',
    '+62 (0)812 3456 7890',
    '+62081234567890',
    '(0812) 3456.7890',
    '0812\u20113456\u20137890',
    '0062 812 3456 7890',
    '  081234567890  ',
    'whatsapp:+6281234567890',
    'WhatsApp:+62 812 3456 7890',
    '6281234567890@s.whatsapp.net',
    '6281234567890:17@s.whatsapp.net',
    '6281234567890@c.us',
  ])('%j → +6281234567890', (input) => {
    expect(normalizePhone(input, 'ID')).toEqual({ ok: true, kind: 'phone', e164: BUDI });
  });
});

describe('normalizePhone: other numbers and countries', () => {
  test.each([
    ['021 5550123', 'ID', '+62215550123'],
    ['(0361) 234567', 'ID', '+62361234567'],
    ['+14155550100', 'ID', '+14155550100'],
    ['14155550100', 'ID', '+14155550100'],
    ['+44 20 7946 0018', 'ID', '+442079460018'],
    ['(415) 555-0100', 'US', '+14155550100'],
    ['0412 345 678', 'AU', '+61412345678'],
  ] as const)('%j with default %s → %s', (input, country, e164) => {
    expect(normalizePhone(input, country)).toEqual({ ok: true, kind: 'phone', e164 });
  });

  test('a national number belongs to the default country: 0812… is not Indonesian for an Australian default', () => {
    expect(normalizePhone('081234567890', 'AU')).toEqual({ ok: false, reason: 'invalid_number' });
  });
});

describe('normalizePhone: WhatsApp ids are international digits', () => {
  test.each([
    ['6281299990000', '+6281299990000'],
    ['14155550100', '+14155550100'],
    // Meta's test business numbers are +1 555… — possible, but not valid per libphonenumber.
    ['15550001234', '+15550001234'],
    ['+1 555-000-1234', '+15550001234'],
    ['081299990000', '+6281299990000'],
  ])('%j → %s', (input, e164) => {
    expect(normalizePhone(input, 'ID', { whatsappId: true })).toEqual({ ok: true, kind: 'phone', e164 });
  });

  test('without the hint, a bare 1555… number is read as nothing valid, not as Indonesian', () => {
    expect(normalizePhone('15550001234', 'ID')).toEqual({ ok: false, reason: 'invalid_number' });
  });
});

describe('normalizePhone: group chats keep their JID', () => {
  test.each([
    ['120363025246125486@g.us', '120363025246125486@g.us'],
    ['120363025246125486@G.US', '120363025246125486@g.us'],
    ['6281234567890-1512345678@g.us', '6281234567890-1512345678@g.us'],
    ['  120363025246125486@g.us ', '120363025246125486@g.us'],
  ])('%j → group %s', (input, jid) => {
    expect(normalizePhone(input, 'ID')).toEqual({ ok: true, kind: 'group', jid });
  });
});

describe('normalizePhone: a linked identity (…@lid) is its own conversation, not a number', () => {
  test.each([
    ['201234567890123@lid', '201234567890123@lid'],
    ['201234567890123@LID', '201234567890123@lid'],
    // The device that wrote is not part of the contact.
    ['201234567890123:7@lid', '201234567890123@lid'],
    ['  201234567890123@lid ', '201234567890123@lid'],
    ['whatsapp:201234567890123@lid', '201234567890123@lid'],
  ])('%j → lid %s', (input, jid) => {
    expect(normalizePhone(input, 'ID')).toEqual({ ok: true, kind: 'lid', jid });
    expect(normalizePhone(input, 'ID', { whatsappId: true })).toEqual({ ok: true, kind: 'lid', jid });
  });

  test('the digits of a linked id are never read as a phone number', () => {
    // 6281234567890 is a valid Indonesian number; as a linked id it stays an opaque JID.
    expect(normalizePhone('6281234567890@lid', 'ID')).toEqual({ ok: true, kind: 'lid', jid: '6281234567890@lid' });
  });
});

describe('normalizePhone: rejects with a reason', () => {
  test.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['08123', 'invalid_number'],
    ['0000000000', 'invalid_number'],
    ['62812345678901234567', 'invalid_number'],
    ['+', 'not_a_number'],
    ['Budi', 'not_a_number'],
    ['0812 3456 7890 ext 12', 'not_a_number'],
    ['call 081234567890', 'not_a_number'],
    ['0812345678a0', 'not_a_number'],
    ['+62+812', 'not_a_number'],
    ['1'.repeat(65), 'too_long'],
    ['x'.repeat(1_000_000), 'too_long'],
    ['status@broadcast', 'status_broadcast'],
    [' Status@Broadcast ', 'status_broadcast'],
    ['whatsapp:status@broadcast', 'status_broadcast'],
    ['1767000000@broadcast', 'unsupported_jid'],
    ['120363025246125486@newsletter', 'unsupported_jid'],
    ['1234@lid', 'unsupported_jid'],
    ['rina@lid', 'unsupported_jid'],
    ['@lid', 'unsupported_jid'],
    ['201234567890123@lid.example', 'unsupported_jid'],
    ['budi@s.whatsapp.net', 'unsupported_jid'],
    ['@g.us', 'unsupported_jid'],
    ['123@g.us', 'unsupported_jid'],
    ['0812@s.whatsapp.net', 'unsupported_jid'],
    ['99999999@s.whatsapp.net', 'invalid_number'],
  ])('%j → %s', (input, reason) => {
    expect(normalizePhone(input, 'ID')).toEqual({ ok: false, reason });
  });

  test.each([
    ['status_broadcast', "is WhatsApp's Status (stories) feed, not a conversation"],
    ['unsupported_jid', 'is a WhatsApp id that is neither a person nor a group'],
  ] as const)('%s reads "%s"', (reason, text) => {
    expect(describePhoneRejection(reason)).toBe(text);
  });

  test('a non-string from untyped JSON is rejected, not thrown on', () => {
    expect(normalizePhone(6281234567890 as unknown as string, 'ID')).toEqual({ ok: false, reason: 'not_a_number' });
  });
});

describe('phoneSearchPattern', () => {
  test.each([
    [BUDI, '%8%1%2%3%4%5%6%7%8%9%0%'],
    ['+62215550123', '%2%1%5%5%5%0%1%2%3%'],
    ['+14155550100', '%4%1%5%5%5%5%0%1%0%0%'],
  ])('%s → %s', (e164, pattern) => {
    expect(phoneSearchPattern(e164)).toBe(pattern);
  });

  // What Postgres LIKE does with the pattern: % is any run of characters, everything else literal.
  const likeMatches = (pattern: string, value: string): boolean =>
    new RegExp(`^${pattern.split('%').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's').test(value);

  test.each([
    '0812-3456-7890',
    '081234567890',
    '6281234567890',
    '+6281234567890',
    '+62 812 3456 7890',
    '+62 812-3456-7890',
    '+62 (0)812 3456 7890',
    '(0812) 3456 7890 WA',
    '0361 123456 / 0812 3456 7890',
  ])('the pattern for %s finds a partner storing %j, and verification confirms it', (stored) => {
    expect(likeMatches(phoneSearchPattern(BUDI), stored)).toBe(true);
    expect(partnerPhoneMatches(stored, BUDI, 'ID')).toBe(true);
  });

  test.each([
    ['0812-3456-7891', false],
    ['0812-3456-789', false],
    ['0813-1234-5678', false],
  ])('a different number %j is not found by the pattern', (stored, found) => {
    expect(likeMatches(phoneSearchPattern(BUDI), stored)).toBe(found);
  });

  test.each([
    // Contains the digits in order, so LIKE finds it; verification must throw it out.
    ['0812 3456 7890 1', '+6281234567890'],
    ['+1 812 345 67890', '+6281234567890'],
    ['+6281234567890', '+628123456789'],
    [false, BUDI],
    ['', BUDI],
    ['Budi', BUDI],
  ])('partnerPhoneMatches(%j, %s) is false', (stored, e164) => {
    expect(partnerPhoneMatches(stored, e164, 'ID')).toBe(false);
  });

  test.each(['6281234567890', '0812', 'nonsense'])('a non-E.164 argument %j is a programming error', (bad) => {
    expect(() => phoneSearchPattern(bad)).toThrow(TypeError);
  });
});

describe('toProviderTarget', () => {
  test.each([
    [BUDI, 'fonnte', '6281234567890'],
    [BUDI, 'meta', '6281234567890'],
    [BUDI, 'twilio', 'whatsapp:+6281234567890'],
    ['120363025246125486@g.us', 'fonnte', '120363025246125486@g.us'],
    ['201234567890123@lid', 'fonnte', '201234567890123@lid'],
    ['US.13491208655302741918', 'meta', 'US.13491208655302741918'],
  ] as const)('%s via %s → %s', (phone, provider, target) => {
    expect(toProviderTarget(phone, provider)).toBe(target);
  });

  test.each([
    ['120363025246125486@g.us', 'meta', 'unsupported_target'],
    ['120363025246125486@g.us', 'twilio', 'unsupported_target'],
    ['201234567890123@lid', 'meta', 'unsupported_target'],
    ['201234567890123@lid', 'twilio', 'unsupported_target'],
    ['status@broadcast', 'fonnte', 'invalid_phone'],
    ['081234567890', 'fonnte', 'invalid_phone'],
    ['whatsapp:+6281234567890', 'twilio', 'invalid_phone'],
    ['US.13491208655302741918', 'fonnte', 'unsupported_target'],
    ['US.13491208655302741918', 'twilio', 'unsupported_target'],
  ] as const)('%s via %s is refused with %s', (phone, provider, code) => {
    // A domain error, not an HTTP one: the outbox decides by its class, the error handler maps it to 400.
    const refusal = (() => {
      try {
        toProviderTarget(phone, provider);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refusal).toBeInstanceOf(code === 'invalid_phone' ? InvalidPhoneError : UnsupportedTargetError);
    expect(refusal).toBeInstanceOf(SendTargetError);
    expect(refusal).toMatchObject({ code });
    expect(refusal).not.toHaveProperty('statusCode');
  });

  test('Meta and Twilio refuse a linked id saying why', () => {
    expect(() => toProviderTarget('201234567890123@lid', 'meta')).toThrow('meta cannot send to a WhatsApp linked id (…@lid), which is not a phone number');
  });
});

describe('WhatsApp user ids (BSUID)', () => {
  test.each([
    ['US.13491208655302741918', true],
    [`BR.${'a1'.repeat(64)}`, true],
    [`BR.${'a1'.repeat(64)}x`, false], // 129 characters after the dot
    ['US.ENT.1349', false], // a parent id names a portfolio, not a conversation
    ['US.', false],
    ['us.1349', false],
    ['USA.1349', false],
    ['US.1349-1208', false],
    ['US.1349\n', false],
    ['+6281234567890', false],
  ])('isWhatsappUserId(%j) = %s', (text, expected) => {
    expect(isWhatsappUserId(text)).toBe(expected);
  });

  test.each([
    ['US.13491208655302741918', { ok: true, kind: 'user', userId: 'US.13491208655302741918' }],
    ['  us.13491208655302741918 ', { ok: true, kind: 'user', userId: 'US.13491208655302741918' }],
    ['whatsapp:US.13491208655302741918', { ok: true, kind: 'user', userId: 'US.13491208655302741918' }],
    ['0812-3456-7890', { ok: true, kind: 'phone', e164: BUDI }],
    ['120363025246125486@g.us', { ok: true, kind: 'group', jid: '120363025246125486@g.us' }],
    ['US.ENT.1349', { ok: false, reason: 'not_a_number' }],
  ])('normalizeContactId(%j)', (input, result) => {
    expect(normalizeContactId(input, 'ID')).toEqual(result);
  });

  test("the partner lookup gets a number's national digits", () => {
    expect(nationalSignificantDigits(BUDI)).toBe('81234567890');
    expect(nationalSignificantDigits('+447911123456')).toBe('7911123456');
  });
});
