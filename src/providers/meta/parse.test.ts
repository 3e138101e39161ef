import { describe, expect, test } from 'vitest';
import { deeplyNested, keysOf, mutate, prng, randomValue, type Json } from '../../../test/fixtures/providers/fuzz.js';
import { fixtureNames, loadFixture } from '../../../test/fixtures/providers/index.js';
import { resultProblems } from '../../../test/fixtures/providers/well-formed.js';
import type { ParseContext, ParseResult } from '../common/parse.js';
import { describeMetaError, parseMeta } from './parse.js';

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
    ['reaction-removed', { ...message, messageType: 'reaction', text: '(reaction removed)' }],
    [
      'unsupported',
      { ...message, messageType: 'other', text: '(unsupported message)', providerError: '131051: Message type unknown — Message type is currently not supported.' },
    ],
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

  test('status@broadcast names no conversation: not understood, for the quarantine, naming the field', () => {
    expect(withFrom('status@broadcast')).toEqual({
      ok: true,
      events: [],
      warnings: [],
      notUnderstood: [{ path: '/entry/0/changes/0/value/messages/0/from', message: expect.stringContaining('"status@broadcast" is no number, group or linked id') }],
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

describe('Meta: what cannot be understood is never refused', () => {
  test('a message without its object is kept as other, with the reason (issue #9, finding 4)', () => {
    expect(accepted('missing-object').events).toEqual([
      expect.objectContaining({ providerMessageId: 'wamid.FAKE-nopayload', messageType: 'other', text: null, providerError: 'the image object is missing or unreadable' }),
    ]);
    expect(accepted('missing-object').warnings).toEqual([expect.objectContaining({ code: 'not_understood', path: '/entry/0/changes/0/value/messages/0/image' })]);
  });

  test("Meta's own 'Unsupported webhook payload': type interactive, no object, errors on the value → other with Meta's error (finding 4)", () => {
    const result = accepted('unsupported-missing-object');
    expect(result.events).toEqual([
      expect.objectContaining({
        providerMessageId: 'wamid.FAKE-noobject',
        phone: BUDI,
        messageType: 'other',
        providerError: '131000: Something went wrong — Unsupported webhook payload',
      }),
    ]);
    expect(result.notUnderstood).toBeUndefined();
  });

  test('errors on the message itself win over those of the value', () => {
    const body = loadFixture('meta', 'unsupported-missing-object') as { entry: { changes: { value: { messages: Record<string, unknown>[] } }[] }[] };
    const message = body.entry[0]?.changes[0]?.value.messages[0];
    if (message) message.errors = [{ code: 131051, title: 'Message type unknown' }];
    expect(parseMeta(body, ctx)).toMatchObject({ ok: true, events: [{ providerError: '131051: Message type unknown' }] });
  });

  test('a type the gateway does not know is kept as other, saying so', () => {
    expect(accepted('unknown-type').events).toEqual([
      expect.objectContaining({ messageType: 'other', providerError: 'message type "hologram" is not one the gateway knows' }),
    ]);
  });

  test('a timestamp that is no date: the receipt time, a warning, the message kept', () => {
    const result = accepted('timestamp-unreadable');
    expect(result.events).toEqual([expect.objectContaining({ providerMessageId: 'wamid.FAKE-ts', text: 'x', timestamp: ctx.receivedAt.toISOString() })]);
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'timestamp_unreadable', path: '/entry/0/changes/0/value/messages/0/timestamp' })]);
  });

  test.each([
    ['quarantine-from', '/entry/0/changes/0/value/messages/0/from', 'from "12" is no number, group or linked id'],
    ['quarantine-no-sender', '/entry/0/changes/0/value/messages/0/from', 'names no sender'],
  ])('%s: a message naming no sender cannot be a record → notUnderstood %s', (name, path, message) => {
    expect(parse(name)).toMatchObject({ ok: true, events: [], notUnderstood: [{ path, message: expect.stringContaining(message) }] });
  });

  test('not a WhatsApp Business Account webhook at all: nothing taken (the route quarantines the body)', () => {
    expect(parse('quarantine-object')).toEqual({ ok: false, errors: [{ path: '/object', message: expect.stringContaining('"page"') }] });
  });

  test('one item not understood costs nothing else: the rest of the batch is taken, the item named', () => {
    const body = loadFixture('meta', 'batch') as { entry: { changes: { value: { messages?: { from: string }[]; statuses?: { id?: string }[] } }[] }[] };
    const messages = body.entry[0]?.changes[0]?.value.messages ?? [];
    if (messages[1]) messages[1].from = 'abc';
    delete body.entry[1]?.changes[0]?.value.statuses?.[0]?.id;
    const result = parseMeta(body, ctx);
    expect(result).toMatchObject({
      ok: true,
      events: [{ kind: 'message', providerMessageId: 'wamid.FAKE-b1' }],
      notUnderstood: [
        { path: '/entry/0/changes/0/value/messages/1/from', message: expect.stringContaining('"abc" is no number') },
        { path: '/entry/1/changes/0/value/statuses/0/id', message: expect.stringContaining('is required') },
      ],
    });
  });

  test.each([
    ['no entry', { object: 'whatsapp_business_account' }, false, '/entry'],
    ['entry not an array', { object: 'whatsapp_business_account', entry: {} }, false, '/entry'],
    ['value missing', { object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'messages' }] }] }, true, '/entry/0/changes/0/value'],
    [
      'statuses not an array',
      { object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'messages', value: { statuses: 'read' } }] }] },
      true,
      '/entry/0/changes/0/value/statuses',
    ],
    ['a message without id', { object: 'whatsapp_business_account', entry: [{ changes: [{ value: { messages: [{ from: '6281299990000', type: 'text' }] } }] }] }, true, '/entry/0/changes/0/value/messages/0/id'],
  ])('%s → not understood at %s', (_name, body, ok, path) => {
    const result = parseMeta(body, ctx);
    if (ok) expect(result).toEqual({ ok: true, events: [], warnings: [], notUnderstood: [expect.objectContaining({ path })] });
    else expect(result).toEqual({ ok: false, errors: [expect.objectContaining({ path })] });
  });
});

describe('Meta message types, each with its meaning (issue #9, finding 5)', () => {
  const message = { kind: 'message', provider: 'meta', direction: 'in', phone: BUDI, device: DEVICE, contactName: 'Budi', timestamp: T0, media: null };
  test.each([
    // The new text, and which message it edits.
    ['edit', { ...message, providerMessageId: 'wamid.FAKE-edit', messageType: 'other', text: '(edited) Maaf, maksud saya tanggal 14', relatesTo: 'wamid.FAKE-text-1' }],
    ['revoke', { ...message, providerMessageId: 'wamid.FAKE-revoke', messageType: 'other', text: '(deleted) wamid.FAKE-text-1', relatesTo: 'wamid.FAKE-text-1' }],
    [
      'order',
      {
        ...message,
        providerMessageId: 'wamid.FAKE-order',
        messageType: 'other',
        text: '(order) 2 × TUR-UBUD at 450000 IDR, 1 × SNORKEL at 300000 IDR; total 1200000 IDR\nTolong antar sore',
      },
    ],
    ['reaction', { ...message, messageType: 'reaction', text: '👍', relatesTo: 'wamid.FAKE-out-3' }],
    ['reaction-removed', { ...message, messageType: 'reaction', text: '(reaction removed)', relatesTo: expect.any(String) }],
    ['request-welcome', { ...message, messageType: 'other', text: '(opened the chat: request_welcome)' }],
    // A WhatsApp Flow completed: what the user saw ("Sent"); the answers stay in raw.
    ['flow-reply', { ...message, providerMessageId: 'wamid.FAKE-flow', messageType: 'button', text: 'Sent', relatesTo: 'wamid.FAKE-out-8' }],
    [
      'unsupported-with-type',
      { ...message, messageType: 'other', text: '(unsupported message: poll)', providerError: '131051: Message type unknown — Message type is currently not supported.' },
    ],
    ['system-identity-changed', { ...message, messageType: 'other', text: "Budi's security code changed" }],
  ])('%s', (name, expected) => {
    const result = accepted(name);
    expect(result.events).toEqual([expect.objectContaining(expected)]);
    expect(result.warnings).toEqual([]);
  });

  test('an edit of a media message takes its new caption', () => {
    const body = loadFixture('meta', 'edit') as { entry: { changes: { value: { messages: { edit: Record<string, unknown> }[] } }[] }[] };
    const edit = body.entry[0]?.changes[0]?.value.messages[0]?.edit;
    if (edit) edit.message = { type: 'image', image: { id: '9', caption: 'Foto yang benar' } };
    expect(parseMeta(body, ctx)).toMatchObject({ ok: true, events: [{ messageType: 'other', text: '(edited) Foto yang benar', media: null }] });
  });

  test('a media message whose webhook carries a URL and no id keeps the URL', () => {
    const body = loadFixture('meta', 'image') as { entry: { changes: { value: { messages: { image: Record<string, unknown> }[] } }[] }[] };
    const image = body.entry[0]?.changes[0]?.value.messages[0]?.image;
    if (image) {
      delete image.id;
      image.url = 'https://lookaside.example/media/1';
    }
    expect(parseMeta(body, ctx)).toMatchObject({ ok: true, events: [{ messageType: 'image', media: { url: 'https://lookaside.example/media/1' } }] });
  });
});

describe('Meta business-scoped user ids (BSUID) and usernames (issue #9, finding 3)', () => {
  const RINA = 'ID.7730215549820143';
  const PARENT = 'ID.ENT.5521098834412';

  test('no number at all: from_user_id is the contact, with parent id and username', () => {
    expect(accepted('bsuid-only').events).toEqual([
      expect.objectContaining({
        providerMessageId: 'wamid.FAKE-bsuid-1',
        phone: null,
        userId: RINA,
        parentUserId: PARENT,
        username: 'rina.travels',
        contactName: 'Rina',
        messageType: 'text',
        text: 'Halo, masih ada kamar untuk tanggal 12?',
      }),
    ]);
  });

  test('only contacts[].user_id names the sender: taken from there', () => {
    expect(accepted('bsuid-contact-only').events).toEqual([expect.objectContaining({ phone: null, userId: RINA, contactName: 'Rina' })]);
  });

  test('a number and a user id: both kept', () => {
    expect(accepted('bsuid-with-number').events).toEqual([
      expect.objectContaining({ phone: BUDI, userId: RINA, parentUserId: PARENT, username: 'budi.bali' }),
    ]);
  });

  test('a from that is no number but a from_user_id: the message is kept by its user id', () => {
    const body = loadFixture('meta', 'bsuid-with-number') as { entry: { changes: { value: { messages: { from: string }[] } }[] }[] };
    const first = body.entry[0]?.changes[0]?.value.messages[0];
    if (first) first.from = '<WHATSAPP_USER_PHONE_NUMBER>';
    const result = parseMeta(body, ctx);
    expect(result).toMatchObject({ ok: true, events: [{ phone: null, userId: RINA }], warnings: [{ code: 'identity_unrecognised' }] });
  });

  test('a from that is no number is not replaced by a lone contact it does not match (a guess): not understood', () => {
    const body = loadFixture('meta', 'bsuid-with-number') as { entry: { changes: { value: { messages: Record<string, unknown>[] } }[] }[] };
    const first = body.entry[0]?.changes[0]?.value.messages[0];
    if (first) {
      first.from = '<WHATSAPP_USER_PHONE_NUMBER>';
      delete first.from_user_id;
    }
    expect(parseMeta(body, ctx)).toMatchObject({ ok: true, events: [], notUnderstood: [{ path: '/entry/0/changes/0/value/messages/0/from' }] });
  });

  test.each([
    ['lower-case country', 'id.7730215549820143'],
    ['no country', '7730215549820143'],
    ['a parent id where a user id belongs', PARENT],
    ['too long', `ID.${'1'.repeat(129)}`],
    ['a placeholder', '<BSUID>'],
  ])('%s is no user id: left out', (_name, value) => {
    const body = loadFixture('meta', 'bsuid-with-number') as { entry: { changes: { value: { messages: Record<string, unknown>[]; contacts: Record<string, unknown>[] } }[] }[] };
    const value0 = body.entry[0]?.changes[0]?.value;
    if (value0?.messages[0]) value0.messages[0].from_user_id = value;
    if (value0?.contacts[0]) value0.contacts[0].user_id = value;
    const result = parseMeta(body, ctx);
    const event = result.ok ? result.events[0] : undefined;
    expect(event).toMatchObject({ phone: BUDI });
    expect(event && 'userId' in event).toBe(false);
  });

  test('user_changed_number: the old and the new number (and user ids) as an identity change', () => {
    expect(accepted('system-user-changed-number').events).toEqual([
      expect.objectContaining({
        phone: BUDI,
        messageType: 'other',
        text: 'User Budi changed from 6281299990000 to 6281299990001',
        identityChange: { previousPhone: BUDI, newPhone: '+6281299990001', previousUserId: 'ID.4410982277305561', newUserId: RINA },
      }),
    ]);
  });

  test('user_changed_user_id: no number, the old and new user id', () => {
    expect(accepted('system-user-changed-user-id').events).toEqual([
      expect.objectContaining({
        phone: null,
        userId: RINA,
        identityChange: { previousPhone: null, newPhone: null, previousUserId: 'ID.4410982277305561', newUserId: RINA },
      }),
    ]);
  });

  test('user_changed_user_id told only in its body: the ids are read from "changed from X to Y"', () => {
    const body = loadFixture('meta', 'system-user-changed-user-id') as { entry: { changes: { value: { messages: { system: Record<string, unknown>; from_user_id?: string }[] } }[] }[] };
    const message = body.entry[0]?.changes[0]?.value.messages[0];
    if (message) {
      delete message.system.previous_user_id;
      delete message.system.user_id;
      delete message.from_user_id;
    }
    expect(parseMeta(body, ctx)).toMatchObject({
      ok: true,
      events: [{ phone: null, userId: RINA, identityChange: { previousUserId: 'ID.4410982277305561', newUserId: RINA } }],
    });
  });

  test("a status names its recipient's user id", () => {
    expect(accepted('status-bsuid').events).toEqual([
      expect.objectContaining({ kind: 'status', providerMessageId: 'wamid.FAKE-out-9', state: 'delivered', recipientUserId: RINA }),
    ]);
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
