import { describe, expect, test } from 'vitest';
import { deeplyNested, keysOf, mutate, prng, randomValue, type Json } from '../../../test/fixtures/providers/fuzz.js';
import { fixtureNames, loadFixture } from '../../../test/fixtures/providers/index.js';
import { resultProblems } from '../../../test/fixtures/providers/well-formed.js';
import type { ParseContext, ParseResult } from '../common/parse.js';
import { fonnteContentHash, parseFonnte, type FonnteBody } from './parse.js';

const ctx: ParseContext = { defaultCountry: 'ID', receivedAt: new Date('2026-01-02T03:04:05.000Z') };
const T0 = '2025-12-29T09:20:00.000Z';
const BUDI = '+6281299990000';
const DEVICE = '+6285700000001';
const FILES = 'https://api.fonnte.com/files/2025/12/';

function parse(name: string): ParseResult {
  return parseFonnte(loadFixture('fonnte', name), ctx);
}

function accepted(name: string) {
  const result = parse(name);
  if (!result.ok) throw new Error(`${name} rejected: ${JSON.stringify(result.errors)}`);
  return result;
}

describe('Fonnte incoming messages', () => {
  const message = { kind: 'message', provider: 'fonnte', direction: 'in', phone: BUDI, device: DEVICE, contactName: 'Budi', timestamp: T0 };

  test.each([
    ['message-text', { ...message, providerMessageId: '4412', messageType: 'text', text: 'Halo, pesanan saya sudah dikirim?', media: null }],
    ['message-text-national-sender', { ...message, providerMessageId: '4413', text: 'Halo' }],
    ['message-text-ms-timestamp', { ...message, providerMessageId: '4414', timestamp: '2025-12-29T09:20:00.123Z' }],
    ['message-text-no-timestamp', { ...message, timestamp: ctx.receivedAt.toISOString(), text: 'Apakah masih ada kamar untuk tanggal 12?' }],
    [
      'message-image',
      { ...message, messageType: 'image', text: 'Ini bukti transfernya', media: { url: `${FILES}IMG-20251229-WA0007.jpg`, mimetype: 'image/jpeg', filename: 'IMG-20251229-WA0007.jpg' } },
    ],
    ['message-video', { ...message, messageType: 'video', text: null, media: { url: `${FILES}VID-20251229-WA0002.mp4`, mimetype: 'video/mp4', filename: 'VID-20251229-WA0002.mp4' } }],
    // No filename given: taken from the URL.
    ['message-audio', { ...message, messageType: 'audio', text: null, media: { url: `${FILES}PTT-20251229-WA0003.opus`, mimetype: 'audio/ogg', filename: 'PTT-20251229-WA0003.opus' } }],
    ['message-document', { ...message, messageType: 'document', text: 'Paspor', media: { url: `${FILES}paspor-budi.pdf`, mimetype: 'application/pdf', filename: 'paspor-budi.pdf' } }],
    // No extension field: inferred from the URL.
    ['message-sticker', { ...message, messageType: 'sticker', media: { url: `${FILES}STK-20251229-WA0001.webp`, mimetype: 'image/webp' } }],
    ['message-location', { ...message, messageType: 'location', text: '-8.6705,115.2126', media: null }],
    ['message-location-object', { ...message, messageType: 'location', text: 'Pantai Kuta (-8.7184,115.1686)' }],
    ['message-poll', { ...message, messageType: 'poll', text: 'Pilih paket tur: Ubud, Nusa Penida' }],
    ['message-button', { ...message, messageType: 'button', text: 'Ya, konfirmasi' }],
    // Group chat: the conversation is the group JID; who wrote it stays in raw.member.
    [
      'message-group',
      { ...message, providerMessageId: '4424', phone: '120363025246125486@g.us', contactName: 'Sari', text: 'Jam berapa jemputannya?', raw: expect.objectContaining({ member: '6281311112222' }) },
    ],
    ['message-no-content', { ...message, messageType: 'other', text: null, media: null, timestamp: '2025-12-29T09:21:00.000Z' }],
    // A contact WhatsApp shows only by its linked identity: the conversation is that JID, not a number.
    ['message-lid', { ...message, providerMessageId: '4425', phone: '201234567890123@lid', contactName: 'Rina', text: 'Halo, masih ada paket snorkeling besok?' }],
  ])('%s', (name, expected) => {
    const result = accepted(name);
    expect(result.events).toHaveLength(1);
    expect(result.events[0]).toMatchObject(expected);
    expect(result.warnings).toEqual([]);
  });

  test('raw is the original body', () => {
    const body = loadFixture('fonnte', 'message-text');
    expect(accepted('message-text').events[0]).toMatchObject({ raw: body });
  });

  test('without inboxid the id is a content hash, so all 15 retries of one webhook dedupe to one id', () => {
    const ids = Array.from({ length: 15 }, () => {
      const event = accepted('message-text-no-inboxid').events[0];
      return event?.kind === 'message' ? event.providerMessageId : null;
    });
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^h:[0-9a-f]{40}$/);
  });

  const body = loadFixture('fonnte', 'message-text-no-inboxid') as FonnteBody;
  test.each([
    ['another text', { ...body, message: 'Halo lagi' }],
    ['another second', { ...body, timestamp: 1767000001 }],
    ['another sender', { ...body, sender: '6281311112222' }],
    ['another device', { ...body, device: '6285700000002' }],
    ['another attachment', { ...body, url: 'https://api.fonnte.com/files/x.jpg' }],
    ['a group member', { ...body, member: '6281311112222' }],
  ])('a different message (%s) gets a different hash', (_name, other) => {
    expect(fonnteContentHash(other)).not.toBe(fonnteContentHash(body));
  });

  test.each([
    ['a changed push name', { ...body, name: 'Budi S.' }],
    ['an added unknown field', { ...body, quick: false }],
    ['a number timestamp sent as a string', { ...body, timestamp: '1767000000' }],
  ])('the hash ignores what is not the message (%s)', (_name, same) => {
    expect(fonnteContentHash(same)).toBe(fonnteContentHash(body));
  });

  test("someone's WhatsApp Status (status@broadcast) is acknowledged and skipped, with a warning to log", () => {
    expect(accepted('message-status-broadcast')).toEqual({
      ok: true,
      events: [],
      warnings: [{ path: '/sender', code: 'status_broadcast_ignored', message: expect.stringContaining('not a conversation') }],
    });
  });

  test('a linked id with a device suffix is the same conversation as without', () => {
    const lid = loadFixture('fonnte', 'message-lid') as FonnteBody;
    expect(parseFonnte({ ...lid, sender: '201234567890123:12@LID' }, ctx)).toMatchObject({ ok: true, events: [{ phone: '201234567890123@lid' }] });
  });

  test('an attachment URL that is not http(s) keeps the message, without media, with a warning', () => {
    const result = parseFonnte({ ...body, url: 'file:///etc/passwd', message: 'lihat' }, ctx);
    expect(result).toMatchObject({ ok: true, events: [{ messageType: 'text', text: 'lihat', media: null }], warnings: [{ code: 'media_url_ignored', path: '/url' }] });
  });

  test('a device that is not a number is kept as null with a warning, not a lost message', () => {
    const result = parseFonnte({ ...body, device: 'my-device' }, ctx);
    expect(result).toMatchObject({ ok: true, events: [{ device: null, phone: BUDI }], warnings: [{ code: 'device_unrecognised', path: '/device' }] });
  });
});

describe('Fonnte numeric ids beyond 2^53 (JSON.parse rounds them)', () => {
  // 9007199254740993 and 9007199254740992 both read as 9007199254740992.
  const BIG = loadFixture('fonnte', 'message-inboxid-beyond-2p53') as FonnteBody;
  const idOf = (result: ParseResult) => (result.ok && result.events[0]?.kind === 'message' ? result.events[0].providerMessageId : null);

  test('the rounded inboxid is not the id: the content hash is, with a warning naming the field', () => {
    const result = accepted('message-inboxid-beyond-2p53');
    expect(result.events).toEqual([expect.objectContaining({ kind: 'message', providerMessageId: expect.stringMatching(/^h:[0-9a-f]{40}$/), phone: BUDI })]);
    expect(result.warnings).toEqual([{ path: '/inboxid', code: 'id_imprecise', message: expect.stringContaining('inboxid 9007199254740992 is beyond 2^53') }]);
  });

  test('two messages whose inboxids round to the same number keep two ids', () => {
    const first = parseFonnte(JSON.parse('{"sender":"6281299990000","message":"Kamar untuk 2 orang","timestamp":1767000000,"inboxid":9007199254740993}'), ctx);
    const second = parseFonnte(JSON.parse('{"sender":"6281299990000","message":"Jadi 3 orang","timestamp":1767000000,"inboxid":9007199254740992}'), ctx);
    expect(idOf(first)).not.toBeNull();
    expect(idOf(second)).not.toBeNull();
    expect(idOf(first)).not.toBe(idOf(second));
  });

  test("all 15 of Fonnte's retries of one such message get one id", () => {
    const ids = Array.from({ length: 15 }, () => idOf(accepted('message-inboxid-beyond-2p53')));
    expect(new Set(ids).size).toBe(1);
  });

  test('the same words with inboxids that round apart are still two messages', () => {
    expect(idOf(parseFonnte({ ...BIG, inboxid: 9007199254741000 }, ctx))).not.toBe(idOf(parseFonnte(BIG, ctx)));
  });

  test.each([
    ['the largest exact number', Number.MAX_SAFE_INTEGER, String(Number.MAX_SAFE_INTEGER)],
    ['a big id sent as a string keeps every digit', '9007199254740993', '9007199254740993'],
    ['a 20-digit string', '12345678901234567890', '12345678901234567890'],
  ])('%s is used as is, without a warning', (_name, inboxid, expected) => {
    const result = parseFonnte({ ...BIG, inboxid }, ctx);
    expect(idOf(result)).toBe(expected);
    expect(result.ok && result.warnings).toEqual([]);
  });

  test('a status whose id was rounded keeps its exact stateid and drops the id, with a warning', () => {
    expect(accepted('status-id-beyond-2p53')).toEqual({
      ok: true,
      events: [expect.objectContaining({ kind: 'status', providerMessageId: null, aliasId: '3EB0C0FFEE01', state: 'sent' })],
      warnings: [{ path: '/id', code: 'id_imprecise', message: expect.stringContaining('id 9007199254740992 is beyond 2^53') }],
    });
  });

  test('a status with an exact id and a rounded stateid keeps the id', () => {
    // eslint-disable-next-line no-loss-of-precision -- the point: Fonnte sends ids past 2^53 that JSON rounds
    const result = parseFonnte({ id: '80367175', stateid: 9007199254740993, status: 'sent', state: 'delivered' }, ctx);
    expect(result).toEqual({
      ok: true,
      events: [expect.objectContaining({ providerMessageId: '80367175', aliasId: null, state: 'delivered' })],
      warnings: [expect.objectContaining({ path: '/stateid', code: 'id_imprecise' })],
    });
  });

  test('a status with nothing but rounded ids names no message: no event, a warning', () => {
    expect(accepted('status-ids-all-beyond-2p53')).toEqual({
      ok: true,
      events: [],
      warnings: [{ path: '/id', code: 'id_imprecise', message: expect.stringContaining('id 12345678901234567168 is beyond 2^53') }],
    });
  });
});

describe('Fonnte message statuses', () => {
  const status = { kind: 'status', provider: 'fonnte', timestamp: ctx.receivedAt.toISOString() };
  test.each([
    // First call links the Fonnte id to the receipt stream id.
    ['status-first', { ...status, providerMessageId: '80367170', aliasId: '3EB0A1B2C3D4', state: 'sent', error: null }],
    ['status-delivered', { ...status, providerMessageId: null, aliasId: '3EB0A1B2C3D4', state: 'delivered', error: null }],
    ['status-read', { ...status, providerMessageId: null, aliasId: '3EB0A1B2C3D4', state: 'read', error: null }],
    ['status-numeric-id', { ...status, providerMessageId: '80367171', aliasId: null, state: 'sent' }],
    ['status-invalid', { ...status, providerMessageId: '80367172', state: 'failed', error: 'invalid' }],
    ['status-url-unreachable', { ...status, providerMessageId: '80367173', state: 'failed', error: 'url unreachable' }],
  ])('%s', (name, expected) => {
    const result = accepted(name);
    expect(result.events).toEqual([expect.objectContaining(expected)]);
  });

  test.each(['pending', 'waiting', 'processing', 'something-new'])('status %s moves nothing: no event, a warning to log', (value) => {
    const result = parseFonnte({ device: '6285700000001', id: '80367174', status: value }, ctx);
    expect(result).toEqual({ ok: true, events: [], warnings: [expect.objectContaining({ code: 'status_ignored', path: '/status' })] });
  });

  test('the WhatsApp receipt wins over Fonnte processing status', () => {
    const result = parseFonnte({ id: '1', stateid: 'A', status: 'processing', state: 'delivered' }, ctx);
    expect(result).toMatchObject({ ok: true, events: [{ state: 'delivered' }] });
  });
});

describe('Fonnte device connect/disconnect', () => {
  test.each([
    ['device-connect', { kind: 'device', provider: 'fonnte', device: DEVICE, status: 'connect', reason: null, timestamp: T0 }],
    ['device-disconnect', { kind: 'device', provider: 'fonnte', device: DEVICE, status: 'disconnect', reason: 'logged out from phone', timestamp: '2025-12-29T10:20:00.000Z' }],
  ])('%s', (name, expected) => {
    expect(accepted(name).events).toEqual([expected]);
  });

  test.each(fixtureNames('fonnte'))('the device token never appears in the result of %s', (name) => {
    expect(JSON.stringify(parse(name))).not.toContain('FAKE-device-token-do-not-log');
  });

  test('a token on any other webhook is redacted in raw', () => {
    const result = parseFonnte({ ...(loadFixture('fonnte', 'message-text') as object), token: 'sekret' }, ctx);
    expect(result).toMatchObject({ ok: true, events: [{ raw: { token: '***' } }] });
  });
});

describe('Fonnte ids: 0 and empty are no ids (issue #9, finding 1)', () => {
  const zero = loadFixture('fonnte', 'message-inboxid-zero') as FonnteBody;
  const idOf = (body: unknown) => {
    const result = parseFonnte(body, ctx);
    const event = result.ok ? result.events[0] : undefined;
    return event?.kind === 'message' ? event.providerMessageId : null;
  };

  test.each([0, '0', '', null, '00'])('inboxid %j: the content hash is the id, never "0"', (inboxid) => {
    expect(idOf({ ...zero, inboxid })).toMatch(/^h:[0-9a-f]{40}$/);
  });

  test('the same hash as without inboxid, so every retry of one message is one record', () => {
    const { inboxid: _dropped, ...without } = zero;
    expect(idOf(zero)).toBe(idOf(without));
    expect(idOf({ ...zero, inboxid: '0' })).toBe(idOf(zero));
  });

  test('two different messages with inboxid 0 are two messages (the first no longer swallows the rest)', () => {
    expect(idOf(zero)).not.toBe(idOf({ ...zero, message: 'Halo lagi', timestamp: 1767000121 }));
  });

  test('a real inboxid is still the id', () => {
    expect(idOf({ ...zero, inboxid: 4427 })).toBe('4427');
  });

  test.each([0, '0', ''])('a status with id %j and a stateid names the message by its stateid only', (id) => {
    expect(parseFonnte({ id, stateid: '3EB0A1B2C3D4', state: 'read' }, ctx)).toMatchObject({
      ok: true,
      events: [{ kind: 'status', providerMessageId: null, aliasId: '3EB0A1B2C3D4', state: 'read' }],
    });
  });

  test('the timestamp Fonnte sends is the time of the message', () => {
    expect(accepted('message-inboxid-zero').events[0]).toMatchObject({ timestamp: '2025-12-29T09:22:00.000Z' });
  });
});

describe('Fonnte buttons: "non-button message" is no button (issue #9, finding 2)', () => {
  test('the text of the message is what `message` says, type text', () => {
    expect(accepted('message-non-button').events).toEqual([
      expect.objectContaining({ messageType: 'text', text: '@6285700000001 info paket Ubud', providerMessageId: expect.stringMatching(/^h:/) }),
    ]);
  });

  test.each(['Non-Button Message', ' non-button message '])('in any case or spacing (%j)', (text) => {
    const body = { ...(loadFixture('fonnte', 'message-non-button') as object), text };
    expect(parseFonnte(body, ctx)).toMatchObject({ ok: true, events: [{ messageType: 'text', text: '@6285700000001 info paket Ubud' }] });
  });

  test('a real button title is still a button', () => {
    expect(accepted('message-button').events[0]).toMatchObject({ messageType: 'button', text: 'Ya, konfirmasi' });
  });
});

describe('Fonnte: what cannot be understood is never refused', () => {
  test('a timestamp that is no date: the receipt time and a warning, the message kept', () => {
    const result = accepted('message-timestamp-unreadable');
    expect(result.events).toEqual([expect.objectContaining({ messageType: 'text', text: 'Halo', timestamp: ctx.receivedAt.toISOString() })]);
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'timestamp_unreadable', path: '/timestamp' })]);
  });

  test('a timestamp far in the future: the same', () => {
    expect(parseFonnte({ sender: '6281299990000', message: 'x', timestamp: 9_999_999_999 }, ctx)).toMatchObject({
      ok: true,
      events: [{ timestamp: ctx.receivedAt.toISOString() }],
      warnings: [{ code: 'timestamp_unreadable' }],
    });
  });

  test('a field of a shape Fonnte does not usually send is left out, the message kept whole in raw', () => {
    const result = accepted('message-unexpected-field');
    expect(result.events).toEqual([
      expect.objectContaining({ providerMessageId: '4426', messageType: 'text', text: 'Ada paket snorkeling?', raw: loadFixture('fonnte', 'message-unexpected-field') }),
    ]);
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'not_understood', path: '/member' })]);
  });

  test('content in an unknown shape: the message is kept as other, saying what was not understood', () => {
    const result = parseFonnte({ sender: '6281299990000', message: { conversation: 'Halo' }, timestamp: 1767000000 }, ctx);
    expect(result).toMatchObject({
      ok: true,
      events: [{ messageType: 'other', text: null, providerError: expect.stringContaining('not understood: message must be string,null') }],
      warnings: [{ code: 'not_understood', path: '/message' }],
    });
  });

  test('two such messages that differ only in the unknown part keep two ids', () => {
    const one = parseFonnte({ sender: '6281299990000', message: { conversation: 'Halo' } }, ctx);
    const two = parseFonnte({ sender: '6281299990000', message: { conversation: 'Bye' } }, ctx);
    expect(one.ok && two.ok && one.events[0]?.kind === 'message' && two.events[0]?.kind === 'message').toBe(true);
    if (one.ok && two.ok && one.events[0]?.kind === 'message' && two.events[0]?.kind === 'message') {
      expect(one.events[0].providerMessageId).not.toBe(two.events[0].providerMessageId);
    }
  });

  test.each([
    ['quarantine-sender', '/sender', 'sender is not a phone number'],
    ['quarantine-sender-type', '/sender', 'sender must be string,integer,null'],
    ['quarantine-unknown-shape', '', expect.stringContaining('is not a Fonnte webhook')],
  ])('%s: no record can be made → nothing taken (the route quarantines it), naming %s', (name, path, message) => {
    expect(parse(name)).toEqual({ ok: false, errors: [{ path, message }] });
  });

  test.each([
    ['a short number', { sender: '08123', message: 'x' }, '/sender', 'sender is not a valid phone number'],
    ['a channel instead of a chat', { sender: '120363025246125486@newsletter', message: 'x' }, '/sender', 'sender is a WhatsApp id that is neither a person nor a group'],
    ['an id that is an object', { id: { x: 1 }, status: 'sent' }, '', expect.stringContaining('is not a Fonnte webhook')],
  ])('%s', (_name, input, path, message) => {
    expect(parseFonnte(input, ctx)).toEqual({ ok: false, errors: [expect.objectContaining({ path, message })] });
  });

  test.each([null, [], 'sender=628', 42, true])('a body that is not an object (%j): nothing taken', (input) => {
    expect(parseFonnte(input, ctx)).toEqual({ ok: false, errors: [{ path: '', message: expect.stringContaining('JSON object') }] });
  });
});

describe('Fonnte fuzzing: never throws, always a well-formed answer', () => {
  const fixtures = fixtureNames('fonnte').map((name) => loadFixture('fonnte', name) as Json);
  const keys = [...keysOf(fixtures), 'token', 'secret'];
  const rand = prng(0xf0a7e);
  const bodies: Json[] = Array.from({ length: 500 }, (_, i) => {
    if (i % 2 === 0) return randomValue(rand, keys);
    const seeded = mutate(fixtures[i % fixtures.length] ?? {}, rand, keys);
    // Half of the mutants carry a token that must never come out.
    return seeded && typeof seeded === 'object' && !Array.isArray(seeded) && rand() < 0.5 ? { ...seeded, token: 'FUZZ-TOKEN-4b1d' } : seeded;
  });

  test('500 seeded random and mutated bodies', () => {
    let okCount = 0;
    for (const body of bodies) {
      const result = parseFonnte(body, ctx);
      expect(resultProblems(result), JSON.stringify(body).slice(0, 300)).toEqual([]);
      expect(JSON.stringify(result)).not.toContain('FUZZ-TOKEN-4b1d');
      if (result.ok) okCount += 1;
    }
    // The mutants must exercise both answers, or the fuzzing proves little.
    expect(okCount).toBeGreaterThan(50);
    expect(okCount).toBeLessThan(450);
  });

  test.each([
    ['deep nesting in a field', { sender: '6281299990000', location: { name: deeplyNested(5000) } }, ''],
    ['deep nesting as choices', { sender: '6281299990000', pollname: 'p', choices: deeplyNested(5000) }, ''],
    ['a 1 MB sender', { sender: '6'.repeat(1_000_000) }, '/sender'],
  ])('%s is rejected, not thrown on', (_name, input, path) => {
    const result = parseFonnte(input, ctx);
    expect(resultProblems(result)).toEqual([]);
    expect(result).toMatchObject({ ok: false, errors: [{ path }] });
  });

  test('a 5 MB message is accepted whole (the route body limit is the size guard)', () => {
    const result = parseFonnte({ sender: '6281299990000', message: 'a'.repeat(5_000_000) }, ctx);
    expect(resultProblems(result)).toEqual([]);
    expect(result.ok && result.events[0]?.kind === 'message' && result.events[0].text?.length).toBe(5_000_000);
  });
});
