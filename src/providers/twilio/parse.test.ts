import { describe, expect, test } from 'vitest';
import { keysOf, mutate, prng, randomString, randomValue, type Json } from '../../../test/fixtures/providers/fuzz.js';
import { fixtureNames, loadFixture } from '../../../test/fixtures/providers/index.js';
import { resultProblems } from '../../../test/fixtures/providers/well-formed.js';
import type { ParseContext, ParseResult } from '../common/parse.js';
import { parseTwilio } from './parse.js';

const ctx: ParseContext = { defaultCountry: 'ID', receivedAt: new Date('2026-01-02T03:04:05.000Z') };
const NOW = ctx.receivedAt.toISOString();
const BUDI = '+6281299990000';
const SANDBOX = '+14155238886';

function parse(name: string): ParseResult {
  return parseTwilio(loadFixture('twilio', name), ctx);
}

function accepted(name: string) {
  const result = parse(name);
  if (!result.ok) throw new Error(`${name} rejected: ${JSON.stringify(result.errors)}`);
  return result;
}

describe('Twilio inbound messages', () => {
  const message = { kind: 'message', provider: 'twilio', direction: 'in', phone: BUDI, device: SANDBOX, contactName: 'Budi', timestamp: NOW };

  test.each([
    ['text', [{ ...message, providerMessageId: 'SM0a1b2c3d4e5f60718293a4b5c6d7e8f9', messageType: 'text', text: 'Halo, saya mau tanya harga tur', media: null }]],
    [
      'image',
      [
        {
          ...message,
          providerMessageId: 'MM1a2b3c4d5e6f70819203a4b5c6d7e8f9',
          messageType: 'image',
          text: 'Bukti transfer',
          media: {
            url: 'https://api.twilio.com/2010-04-01/Accounts/ACfakefakefakefakefakefakefakefake/Messages/MM1a2b3c4d5e6f70819203a4b5c6d7e8f9/Media/ME1a2b3c4d5e6f70819203a4b5c6d7e8f9',
            mimetype: 'image/jpeg',
          },
        },
      ],
    ],
    // One event per attachment: none is lost; the first keeps the MessageSid and the caption.
    [
      'multi-media',
      [
        { ...message, providerMessageId: 'MM2a2b3c4d5e6f70819203a4b5c6d7e8f9', messageType: 'document', text: 'Dua dokumen', media: { url: 'https://api.twilio.com/2010-04-01/Accounts/ACfake/Messages/MM2a/Media/ME01', mimetype: 'application/pdf' } },
        { ...message, providerMessageId: 'MM2a2b3c4d5e6f70819203a4b5c6d7e8f9#1', messageType: 'audio', text: null, media: { url: 'https://api.twilio.com/2010-04-01/Accounts/ACfake/Messages/MM2a/Media/ME02', mimetype: 'audio/ogg' } },
      ],
    ],
    ['location', [{ ...message, messageType: 'location', text: 'Hotel Ubud, Jl. Raya Ubud (-8.409518,115.188919)', media: null }]],
    ['button', [{ ...message, messageType: 'button', text: 'Ya', media: null }]],
  ])('%s', (name, expected) => {
    const result = accepted(name);
    expect(result.events).toEqual(expected.map((e) => expect.objectContaining(e)));
    expect(result.warnings).toEqual([]);
  });

  test('raw is every posted parameter', () => {
    expect(accepted('text').events[0]).toMatchObject({ raw: loadFixture('twilio', 'text') });
  });

  test.each([
    ['only the legacy SmsSid', { SmsSid: 'SM1', From: 'whatsapp:+6281299990000', Body: 'x' }, 'SM1'],
    ['a From without the whatsapp: prefix', { MessageSid: 'SM2', From: '+6281299990000', Body: 'x' }, 'SM2'],
  ])('%s is accepted', (_name, params, id) => {
    expect(parseTwilio(params, ctx)).toMatchObject({ ok: true, events: [{ providerMessageId: id, phone: BUDI, device: null }] });
  });

  test('a linked-id From (never seen from Twilio, handled as everywhere) is kept under its JID', () => {
    expect(parseTwilio({ MessageSid: 'SM12', From: 'whatsapp:201234567890123@lid', Body: 'x' }, ctx)).toMatchObject({
      ok: true,
      events: [{ providerMessageId: 'SM12', phone: '201234567890123@lid' }],
    });
  });

  test('an empty message without media is "other", not an empty text', () => {
    expect(parseTwilio({ MessageSid: 'SM3', From: 'whatsapp:+6281299990000', Body: '   ', NumMedia: '0' }, ctx)).toMatchObject({
      ok: true,
      events: [{ messageType: 'other', text: null }],
    });
  });

  test('an unparsable To keeps the message with a null device and a warning', () => {
    expect(parseTwilio({ MessageSid: 'SM4', From: 'whatsapp:+6281299990000', To: 'whatsapp:sandbox', Body: 'x' }, ctx)).toMatchObject({
      ok: true,
      events: [{ device: null }],
      warnings: [{ code: 'device_unrecognised', path: '/To' }],
    });
  });
});

describe('Twilio status callbacks', () => {
  const status = { kind: 'status', provider: 'twilio', aliasId: null, timestamp: NOW };
  test.each([
    ['status-sent', { ...status, providerMessageId: 'SMout0000000000000000000000000001', state: 'sent', error: null }],
    ['status-read', { ...status, providerMessageId: 'SMout0000000000000000000000000001', state: 'read', error: null }],
    ['status-undelivered', { ...status, providerMessageId: 'SMout0000000000000000000000000002', state: 'failed', error: '63016: undelivered' }],
    ['status-failed', { ...status, providerMessageId: 'SMout0000000000000000000000000003', state: 'failed', error: '63003: Channel could not find To address' }],
  ])('%s', (name, expected) => {
    expect(accepted(name).events).toEqual([expect.objectContaining(expected)]);
  });

  test.each(['queued', 'sending', 'accepted', 'scheduled', 'something-new'])('%s moves nothing: no event, a warning', (value) => {
    expect(parseTwilio({ ...(loadFixture('twilio', 'status-queued') as object), MessageStatus: value }, ctx)).toEqual({
      ok: true,
      events: [],
      warnings: [expect.objectContaining({ code: 'status_ignored', path: '/MessageStatus' })],
    });
  });

  test('canceled is a failure', () => {
    expect(parseTwilio({ MessageSid: 'SM5', MessageStatus: 'canceled' }, ctx)).toMatchObject({ ok: true, events: [{ state: 'failed', error: 'canceled' }] });
  });

  test('MessageStatus=received describes an inbound message, not a receipt', () => {
    expect(parseTwilio({ MessageSid: 'SM6', MessageStatus: 'received', From: 'whatsapp:+6281299990000', Body: 'x' }, ctx)).toMatchObject({
      ok: true,
      events: [{ kind: 'message', text: 'x' }],
    });
  });
});

describe('Twilio business-scoped user ids (issue #9, finding 3)', () => {
  const RINA = 'ID.7730215549820143';

  test('From whatsapp:<BSUID>: no number, the user id identifies the contact', () => {
    expect(accepted('bsuid-from').events).toEqual([
      expect.objectContaining({ kind: 'message', phone: null, userId: RINA, contactName: 'Rina', messageType: 'text', text: 'Halo, masih ada kamar?' }),
    ]);
  });

  test('ExternalUserId beside a number: both kept', () => {
    expect(accepted('external-user-id').events).toEqual([expect.objectContaining({ phone: BUDI, userId: RINA })]);
  });

  test("a status to a BSUID names the recipient's user id", () => {
    expect(accepted('status-bsuid').events).toEqual([expect.objectContaining({ kind: 'status', state: 'delivered', recipientUserId: RINA })]);
  });

  test('a From that is no number, with an ExternalUserId: kept by the user id, with a warning', () => {
    expect(parseTwilio({ MessageSid: 'SM14', From: 'whatsapp:+12', ExternalUserId: RINA, Body: 'x' }, ctx)).toMatchObject({
      ok: true,
      events: [{ phone: null, userId: RINA, text: 'x' }],
      warnings: [{ code: 'identity_unrecognised', path: '/From' }],
    });
  });
});

describe('Twilio: what cannot be understood is never refused', () => {
  test('an attachment URL that is not http(s): the message is kept (other), saying so', () => {
    const result = accepted('media-url-unreadable');
    expect(result.events).toEqual([
      expect.objectContaining({
        messageType: 'other',
        text: 'Halo, saya mau tanya harga tur',
        media: null,
        providerError: expect.stringContaining('MediaUrl0 is not an http(s) URL (NumMedia is 1)'),
      }),
    ]);
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'media_url_ignored', path: '/MediaUrl0' })]);
  });

  test('more than 10 attachments: the first 10 are kept, each its own message, saying the rest was left out', () => {
    const params: Record<string, string> = { MessageSid: 'SM8', From: 'whatsapp:+6281299990000', NumMedia: '11' };
    for (let n = 0; n < 11; n += 1) params[`MediaUrl${n}`] = `https://api.twilio.com/m/${n}`;
    const result = parseTwilio(params, ctx);
    expect(result.ok && result.events.length).toBe(10);
    expect(result.ok && result.events[0]).toMatchObject({ providerMessageId: 'SM8', providerError: expect.stringContaining('NumMedia 11 is more than 10') });
  });

  test.each([
    ['NumMedia not a number', { MessageSid: 'SM9', From: 'whatsapp:+6281299990000', NumMedia: 'two', Body: 'x' }, '/NumMedia'],
    ['a non-string unknown field', { MessageSid: 'SM10', From: 'whatsapp:+6281299990000', Extra: { a: 1 }, Body: 'x' }, '/Extra'],
  ])('%s: left out with a warning, the message kept', (_name, params, path) => {
    expect(parseTwilio(params, ctx)).toMatchObject({ ok: true, events: [{ kind: 'message', text: 'x' }], warnings: [{ code: 'not_understood', path }] });
  });

  test.each([
    ['quarantine-from', '/From', 'From is not a valid phone number'],
    ['quarantine-repeated-from', '/From', expect.stringContaining('is required')],
  ])('%s: no sender, no record → nothing taken (the route quarantines it), naming %s', (name, path, message) => {
    expect(parse(name)).toEqual({ ok: false, errors: [{ path, message }] });
  });

  test.each([
    ['no MessageSid', { From: 'whatsapp:+6281299990000', Body: 'x' }, '/MessageSid', expect.stringContaining('is required')],
    ['no From', { MessageSid: 'SM7', Body: 'x' }, '/From', expect.stringContaining('is required')],
    ['a group-like From', { MessageSid: 'SM11', From: 'whatsapp:12@lid' }, '/From', 'From is a WhatsApp id that is neither a person nor a group'],
    ['the Status feed as From', { MessageSid: 'SM13', From: 'whatsapp:status@broadcast' }, '/From', "From is WhatsApp's Status (stories) feed, not a conversation"],
  ])('%s', (_name, params, path, message) => {
    expect(parseTwilio(params, ctx)).toEqual({ ok: false, errors: [{ path, message }] });
  });
});

describe('Twilio fuzzing: never throws, always a well-formed answer', () => {
  const fixtures = fixtureNames('twilio').map((name) => loadFixture('twilio', name) as Json);
  const keys = [...keysOf(fixtures), 'MediaUrl1', 'MediaContentType1', 'Latitude', 'Longitude', 'ListTitle'];
  const rand = prng(0x7a1110);

  /** What a form parser can produce: string values, sometimes repeated names. */
  function randomForm(): Record<string, string | string[]> {
    const form: Record<string, string | string[]> = {};
    const count = Math.floor(rand() * 12);
    for (let i = 0; i < count; i += 1) {
      const key = keys[Math.floor(rand() * keys.length)] ?? 'k';
      form[key] = rand() < 0.9 ? randomString(rand) : [randomString(rand), randomString(rand)];
    }
    return form;
  }

  test('500 seeded random forms, random JSON values and mutated fixtures', () => {
    let okCount = 0;
    for (let i = 0; i < 500; i += 1) {
      const body = i % 3 === 0 ? randomForm() : i % 3 === 1 ? randomValue(rand, keys) : mutate(fixtures[i % fixtures.length] ?? {}, rand, keys);
      const result = parseTwilio(body, ctx);
      expect(resultProblems(result), JSON.stringify(body).slice(0, 300)).toEqual([]);
      if (result.ok) okCount += 1;
    }
    expect(okCount).toBeGreaterThan(50);
    expect(okCount).toBeLessThan(450);
  });
});
