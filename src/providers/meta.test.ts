import { describe, expect, test } from 'vitest';
import { deeplyNested, keysOf, mutate, prng, randomValue, type Json } from '../../test/fixtures/providers/fuzz.js';
import { fixtureNames, loadFixture } from '../../test/fixtures/providers/index.js';
import { resultProblems } from '../../test/fixtures/providers/well-formed.js';
import type { ParseContext, ParseResult } from './common.js';
import { describeMetaError, parseMeta } from './meta.js';

const ctx: ParseContext = { defaultCountry: 'ID', receivedAt: new Date('2026-01-02T03:04:05.000Z') };
const T0 = '2025-12-29T09:20:00.000Z';
const BUDI = '+6281299990000';
const DEVICE = '+6285700000001';

function parse(name: string): ParseResult {
  return parseMeta(loadFixture('meta', name), ctx);
}

function accepted(name: string) {
  const result = parse(name);
  if (!result.ok) throw new Error(`${name} rejected: ${JSON.stringify(result.errors)}`);
  return result;
}

describe('Meta inbound messages, every type', () => {
  const message = { kind: 'message', provider: 'meta', direction: 'in', phone: BUDI, device: DEVICE, contactName: 'Budi', timestamp: T0 };

  test.each([
    ['text', { ...message, providerMessageId: 'wamid.HBgNNjI4MTI5OTk5MDAwMBUCABIYFjNFQjBGQUtFMDAwMDAwMDAwMDAxAA==', messageType: 'text', text: 'Halo, saya mau pesan tur ke Ubud', media: null }],
    ['image', { ...message, providerMessageId: 'wamid.FAKE-image', messageType: 'image', text: 'Bukti transfer', media: { mediaId: '1234567890123456', mimetype: 'image/jpeg' } }],
    ['video', { ...message, messageType: 'video', text: null, media: { mediaId: '2234567890123456', mimetype: 'video/mp4' } }],
    ['audio', { ...message, messageType: 'audio', text: null, media: { mediaId: '3234567890123456', mimetype: 'audio/ogg; codecs=opus' } }],
    ['document', { ...message, messageType: 'document', text: 'Itinerary', media: { mediaId: '4234567890123456', mimetype: 'application/pdf', filename: 'itinerary-bali.pdf' } }],
    ['sticker', { ...message, messageType: 'sticker', text: null, media: { mediaId: '5234567890123456', mimetype: 'image/webp' } }],
    ['location', { ...message, messageType: 'location', text: 'Ubud Palace, Jl. Raya Ubud No.8, Ubud, Gianyar (-8.5069,115.2625)', media: null }],
    ['contacts', { ...message, messageType: 'contact', text: 'Ani Wijaya: +62 813-1111-2222', media: null }],
    ['interactive-button-reply', { ...message, messageType: 'button', text: 'Ya, konfirmasi' }],
    ['interactive-list-reply', { ...message, messageType: 'button', text: 'Ubud full day' }],
    ['button', { ...message, messageType: 'button', text: 'Ganti jadwal' }],
    ['reaction', { ...message, messageType: 'reaction', text: '👍' }],
    // The user took the reaction back: no emoji.
    ['reaction-removed', { ...message, messageType: 'reaction', text: null }],
    ['unsupported', { ...message, messageType: 'other', text: '131051: Message type unknown — Message type is currently not supported.' }],
    ['system', { ...message, messageType: 'other', text: 'Budi changed their phone number to a new number', contactName: null }],
    ['foreign-sender', { ...message, phone: '+447700900123', contactName: 'Emma', text: 'Hello, do you have rooms in May?' }],
  ])('%s', (name, expected) => {
    const result = accepted(name);
    expect(result.events).toEqual([expect.objectContaining(expected)]);
    expect(result.warnings).toEqual([]);
  });

  test('exact media refs: no url, no invented fields', () => {
    const [event] = accepted('document').events;
    expect(event?.kind === 'message' && event.media).toEqual({ mediaId: '4234567890123456', mimetype: 'application/pdf', filename: 'itinerary-bali.pdf' });
  });

  test('raw is the message with its contact and metadata, not the whole batch', () => {
    const body = loadFixture('meta', 'image') as { entry: { changes: { value: { messages: unknown[]; contacts: unknown[]; metadata: unknown } }[] }[] };
    const value = body.entry[0]?.changes[0]?.value;
    expect(accepted('image').events[0]).toMatchObject({
      raw: { wabaId: '100000000000001', metadata: value?.metadata, contact: value?.contacts[0], message: value?.messages[0] },
    });
  });

  test('a batch: several entries and changes, contacts matched by wa_id, statuses alongside', () => {
    const result = accepted('batch');
    expect(result.events).toEqual([
      expect.objectContaining({ kind: 'message', providerMessageId: 'wamid.FAKE-b1', phone: BUDI, contactName: 'Budi', text: 'Pesan pertama' }),
      expect.objectContaining({ kind: 'message', providerMessageId: 'wamid.FAKE-b2', phone: '+6281311112222', contactName: 'Sari', timestamp: '2025-12-29T09:20:05.000Z' }),
      expect.objectContaining({ kind: 'status', providerMessageId: 'wamid.FAKE-out-4', state: 'delivered' }),
    ]);
  });

  test('with several contacts and none matching, no name is guessed', () => {
    const body = loadFixture('meta', 'batch') as { entry: { changes: { value: { contacts: { wa_id: string }[] } }[] }[] };
    for (const contact of body.entry[0]?.changes[0]?.value.contacts ?? []) contact.wa_id = `9${contact.wa_id}`;
    const result = parseMeta(body, ctx);
    expect(result).toMatchObject({ ok: true, events: [{ contactName: null }, { contactName: null }, { kind: 'status' }] });
  });

  test("Meta's +1 555 test business number is accepted as the device", () => {
    const body = loadFixture('meta', 'text') as { entry: { changes: { value: { metadata: { display_phone_number: string } } }[] }[] };
    const value = body.entry[0]?.changes[0]?.value;
    if (value) value.metadata.display_phone_number = '15550001234';
    expect(parseMeta(body, ctx)).toMatchObject({ ok: true, events: [{ device: '+15550001234' }], warnings: [] });
  });
});

describe('Meta senders that are not phone numbers', () => {
  function withFrom(from: string) {
    const body = loadFixture('meta', 'text') as { entry: { changes: { value: { messages: { from: string }[] } }[] }[] };
    const message = body.entry[0]?.changes[0]?.value.messages[0];
    if (message) message.from = from;
    return parseMeta(body, ctx);
  }

  test('a linked id (not sent by Meta today) is kept under its JID rather than refused', () => {
    expect(withFrom('201234567890123@lid')).toMatchObject({ ok: true, events: [{ kind: 'message', phone: '201234567890123@lid' }] });
  });

  test('status@broadcast is refused naming the field', () => {
    expect(withFrom('status@broadcast')).toEqual({
      ok: false,
      errors: [{ path: '/entry/0/changes/0/value/messages/0/from', message: "from is WhatsApp's Status (stories) feed, not a conversation" }],
    });
  });
});

describe('Meta statuses', () => {
  const status = { kind: 'status', provider: 'meta', aliasId: null };
  test('sent, delivered, read in one change', () => {
    expect(accepted('statuses').events).toEqual([
      expect.objectContaining({ ...status, providerMessageId: 'wamid.FAKE-out-5', state: 'sent', error: null, timestamp: '2025-12-29T09:21:40.000Z' }),
      expect.objectContaining({ ...status, providerMessageId: 'wamid.FAKE-out-5', state: 'delivered', error: null, timestamp: '2025-12-29T09:21:41.000Z' }),
      expect.objectContaining({ ...status, providerMessageId: 'wamid.FAKE-out-5', state: 'read', error: null, timestamp: '2025-12-29T09:22:40.000Z' }),
    ]);
  });

  test('failed carries code, title and details', () => {
    expect(accepted('status-failed').events).toEqual([
      expect.objectContaining({
        ...status,
        providerMessageId: 'wamid.FAKE-out-6',
        state: 'failed',
        error: '131047: Re-engagement message — Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
      }),
    ]);
  });

  test('a status that moves nothing (deleted) is a warning, not an event', () => {
    const result = accepted('status-deleted');
    expect(result.events).toEqual([]);
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'status_ignored', path: '/entry/0/changes/0/value/statuses/0/status' })]);
  });
});

describe('Meta non-message content', () => {
  test('value-level errors become warnings for the log', () => {
    const result = accepted('value-errors');
    expect(result.events).toEqual([]);
    expect(result.warnings).toEqual([
      { path: '/entry/0/changes/0/value/errors/0', code: 'provider_error', message: '131000: Something went wrong — Unknown error. Please retry.' },
    ]);
  });

  test('a change about something else (template status) is acknowledged and ignored', () => {
    const result = accepted('template-status-change');
    expect(result.events).toEqual([]);
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'change_ignored', path: '/entry/0/changes/0/field' })]);
  });

  test.each([
    [{ code: 131047, title: 'Re-engagement message', error_data: { details: 'More than 24 hours.' } }, '131047: Re-engagement message — More than 24 hours.'],
    [{ code: 130429, message: 'Rate limit hit' }, '130429: Rate limit hit'],
    [{ code: 1 }, '1'],
    [{}, 'unknown error'],
  ])('describeMetaError(%j) → %s', (error, text) => {
    expect(describeMetaError(error)).toBe(text);
  });
});

describe('Meta rejections name the field', () => {
  test.each([
    ['invalid-from', '/entry/0/changes/0/value/messages/0/from', 'from is not a valid phone number'],
    ['invalid-missing-payload', '/entry/0/changes/0/value/messages/0/image', 'is required for a image message'],
    ['invalid-object', '/object', 'must be equal to constant'],
    ['invalid-timestamp', '/entry/0/changes/0/value/messages/0/timestamp', 'must match pattern "^[0-9]{1,13}$"'],
  ])('%s → %s', (name, path, message) => {
    expect(parse(name)).toEqual({ ok: false, errors: [{ path, message }] });
  });

  test('one bad item rejects the whole batch (no partial writes), naming every bad field', () => {
    const body = loadFixture('meta', 'batch') as { entry: { changes: { value: { messages?: { from: string }[]; statuses?: { id?: string }[] } }[] }[] };
    const messages = body.entry[0]?.changes[0]?.value.messages ?? [];
    if (messages[1]) messages[1].from = 'abc';
    delete body.entry[1]?.changes[0]?.value.statuses?.[0]?.id;
    expect(parseMeta(body, ctx)).toEqual({
      ok: false,
      errors: [
        { path: '/entry/0/changes/0/value/messages/1/from', message: 'from is not a phone number' },
        { path: '/entry/1/changes/0/value/statuses/0/id', message: 'is required' },
      ],
    });
  });

  test.each([
    ['no entry', { object: 'whatsapp_business_account' }, '/entry', 'is required'],
    ['entry not an array', { object: 'whatsapp_business_account', entry: {} }, '/entry', 'must be array'],
    ['value missing', { object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'messages' }] }] }, '/entry/0/changes/0/value', 'is required'],
    [
      'statuses not an array',
      { object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'messages', value: { statuses: 'read' } }] }] },
      '/entry/0/changes/0/value/statuses',
      'must be array',
    ],
  ])('%s', (_name, body, path, message) => {
    expect(parseMeta(body, ctx)).toEqual({ ok: false, errors: [{ path, message }] });
  });
});

describe('Meta fuzzing: never throws, always a well-formed answer', () => {
  const fixtures = fixtureNames('meta').map((name) => loadFixture('meta', name) as Json);
  const keys = [...keysOf(fixtures)];
  const rand = prng(0x3e7a);

  test('500 seeded random and mutated bodies', () => {
    let okCount = 0;
    for (let i = 0; i < 500; i += 1) {
      const body = i % 2 === 0 ? randomValue(rand, keys) : mutate(fixtures[i % fixtures.length] ?? {}, rand, keys);
      const result = parseMeta(body, ctx);
      expect(resultProblems(result), JSON.stringify(body).slice(0, 300)).toEqual([]);
      if (result.ok) okCount += 1;
    }
    expect(okCount).toBeGreaterThan(50);
    expect(okCount).toBeLessThan(450);
  });

  test('deep nesting is rejected, not thrown on', () => {
    const body = loadFixture('meta', 'text') as { entry: { extra?: Json }[] };
    if (body.entry[0]) body.entry[0].extra = deeplyNested(5000);
    expect(parseMeta(body, ctx)).toEqual({ ok: false, errors: [{ path: '', message: 'is nested deeper than 32 levels' }] });
  });
});
