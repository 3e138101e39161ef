/**
 * POST /api/wa/webhook (and /api/wa/webhook/fonnte) as Fonnte calls it: what Fonnte sees in the
 * answer (it retries anything but a 200), and what the spool holds afterwards.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { fixtureNames, loadFixture } from '../fixtures/providers/index.js';
import { buildTestApp, createUnreachableOdoo, TEST_SECRETS, type TestApp, type TestAppOverrides } from '../helpers/build.js';
import { captureLogs, drainSpool, expectError, quarantined, spooled, summary } from './support.js';

const SECRET = TEST_SECRETS.WEBHOOK_SECRET;
const DEVICE_TOKEN = 'FAKE-device-token-do-not-log';
const BUDI = '+6281299990000';
const HASH_ID = expect.stringMatching(/^h:[0-9a-f]{40}$/);
const PATHS = ['/api/wa/webhook', '/api/wa/webhook/fonnte'];

const { logger, lines } = captureLogs();
let t: TestApp;
const extraApps: TestApp[] = [];

async function appWith(overrides: TestAppOverrides): Promise<TestApp> {
  const built = await buildTestApp({ logger, ...overrides });
  extraApps.push(built);
  return built;
}

// One app for the file, its spool emptied before each test; tests needing other settings build their own.
beforeAll(async () => {
  t = await buildTestApp({ logger });
});
afterAll(() => t.close());
beforeEach(() => drainSpool(t.spool));
afterEach(async () => {
  await Promise.all(extraApps.splice(0).map((a) => a.close()));
});

const fixtureText = (name: string) => readFileSync(new URL(`../fixtures/providers/fonnte/${name}.json`, import.meta.url), 'utf8');

interface Post {
  path?: string;
  query?: string;
  headers?: Record<string, string>;
  app?: TestApp;
}

function post(body: string | Buffer, { path = '/api/wa/webhook', query = `?secret=${SECRET}`, headers = { 'content-type': 'application/json' }, app = t }: Post = {}) {
  return app.app.inject({ method: 'POST', url: `${path}${query}`, headers, payload: body });
}

const message = (providerMessageId: unknown, messageType: string, phone = BUDI) => ({ kind: 'message', provider: 'fonnte', providerMessageId, phone, messageType });
const status = (providerMessageId: string | null, aliasId: string | null, state: string) => ({ kind: 'status', provider: 'fonnte', providerMessageId, aliasId, state });

/** What each accepted fixture must leave in the spool (device events are logged, never stored). */
const ACCEPTED: Record<string, { stored: object[]; events: number }> = {
  'message-text': { stored: [message('4412', 'text')], events: 1 },
  'message-text-national-sender': { stored: [message('4413', 'text')], events: 1 },
  'message-text-ms-timestamp': { stored: [message('4414', 'text')], events: 1 },
  'message-text-no-inboxid': { stored: [message(HASH_ID, 'text')], events: 1 },
  'message-text-no-timestamp': { stored: [message(HASH_ID, 'text')], events: 1 },
  'message-image': { stored: [message('4415', 'image')], events: 1 },
  'message-video': { stored: [message('4416', 'video')], events: 1 },
  'message-audio': { stored: [message('4417', 'audio')], events: 1 },
  'message-document': { stored: [message('4418', 'document')], events: 1 },
  'message-sticker': { stored: [message('4419', 'sticker')], events: 1 },
  'message-location': { stored: [message('4420', 'location')], events: 1 },
  'message-location-object': { stored: [message('4421', 'location')], events: 1 },
  'message-poll': { stored: [message('4422', 'poll')], events: 1 },
  'message-button': { stored: [message('4423', 'button')], events: 1 },
  // A group chat is stored under the group's JID, deliberately not an E.164 number.
  'message-group': { stored: [message('4424', 'text', '120363025246125486@g.us')], events: 1 },
  'message-no-content': { stored: [message(HASH_ID, 'other')], events: 1 },
  // A contact known only by its linked identity: stored under that JID, like a group.
  'message-lid': { stored: [message('4425', 'text', '201234567890123@lid')], events: 1 },
  // Someone's WhatsApp Status (a story): no conversation, nothing stored, but a 200 so Fonnte stops.
  'message-status-broadcast': { stored: [], events: 0 },
  // Ids beyond 2^53 are read from the raw body as strings, digit for digit (JSON.parse would round them).
  'message-inboxid-beyond-2p53': { stored: [message('9007199254740993', 'text')], events: 1 },
  'status-first': { stored: [status('80367170', '3EB0A1B2C3D4', 'sent')], events: 1 },
  'status-delivered': { stored: [status(null, '3EB0A1B2C3D4', 'delivered')], events: 1 },
  'status-read': { stored: [status(null, '3EB0A1B2C3D4', 'read')], events: 1 },
  'status-numeric-id': { stored: [status('80367171', null, 'sent')], events: 1 },
  'status-invalid': { stored: [status('80367172', null, 'failed')], events: 1 },
  'status-url-unreachable': { stored: [status('80367173', null, 'failed')], events: 1 },
  'status-id-beyond-2p53': { stored: [status('9007199254740993', '3EB0C0FFEE01', 'sent')], events: 1 },
  'status-ids-all-beyond-2p53': { stored: [status('12345678901234567890', null, 'sent')], events: 1 },
  // Fonnte will retry it next minute: nothing to record yet, but the webhook itself is fine.
  'status-pending': { stored: [], events: 0 },
  'device-connect': { stored: [], events: 1 },
  'device-disconnect': { stored: [], events: 1 },
  // Fonnte's inbox feature off: `inboxid: 0` is no id; the content hash is (issue #9, finding 1).
  'message-inboxid-zero': { stored: [message(HASH_ID, 'text')], events: 1 },
  // `text: "non-button message"` is Fonnte's placeholder, not a button (finding 2).
  'message-non-button': { stored: [message(HASH_ID, 'text')], events: 1 },
  // A timestamp that is no date: the receipt time; a field of an unknown shape: left out. The message is kept.
  'message-timestamp-unreadable': { stored: [message(HASH_ID, 'text')], events: 1 },
  'message-unexpected-field': { stored: [message('4426', 'text')], events: 1 },
};

/** Fixtures that cannot become any record: acknowledged (200) and kept in the quarantine, the reason naming the field. */
const QUARANTINED: Record<string, string> = {
  'quarantine-sender': '/sender sender is not a phone number',
  'quarantine-sender-type': '/sender sender must be string,integer,null',
  'quarantine-unknown-shape': '/ is not a Fonnte webhook',
};

test('every Fonnte fixture is covered by the tables below', () => {
  expect([...Object.keys(ACCEPTED), ...Object.keys(QUARANTINED)].sort()).toEqual(fixtureNames('fonnte'));
});

describe('accepted webhooks are answered 200 once they are in the spool', () => {
  test.each(Object.entries(ACCEPTED))('%s', async (name, expected) => {
    const response = await post(fixtureText(name));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ ok: true, data: { accepted: expected.stored.length, duplicates: 0, events: expected.events } });
    expect(spooled(t.spool).map(summary)).toEqual(expected.stored);
    expect(t.spool.stats().pending).toBe(expected.stored.length);
  });

  test.each(PATHS)('both paths take webhooks: %s', async (path) => {
    const response = await post(fixtureText('message-text'), { path });
    expect(response.statusCode).toBe(200);
    expect(spooled(t.spool).map(summary)).toEqual([message('4412', 'text')]);
  });

  test('the stored message keeps what the contact sent', async () => {
    await post(fixtureText('message-image'));
    expect(spooled(t.spool)).toEqual([
      expect.objectContaining({
        direction: 'in',
        contactName: 'Budi',
        device: '+6285700000001',
        text: 'Ini bukti transfernya',
        timestamp: '2025-12-29T09:20:00.000Z',
        media: expect.objectContaining({ url: 'https://api.fonnte.com/files/2025/12/IMG-20251229-WA0007.jpg' }),
        raw: loadFixture('fonnte', 'message-image'),
      }),
    ]);
  });

  test('a webhook is acknowledged while Odoo is down, without calling Odoo', async () => {
    const odoo = createUnreachableOdoo();
    const app = await appWith({ odoo });
    const response = await post(fixtureText('message-text'), { app });
    expect(response.statusCode).toBe(200);
    expect(app.spool.stats().pending).toBe(1);
    expect(odoo.calls).toEqual([]);
  });

  test('the writer is woken only when something new was stored', async () => {
    let wakes = 0;
    const app = await appWith({ onAccepted: () => (wakes += 1) });
    await post(fixtureText('message-text'), { app });
    await post(fixtureText('message-text'), { app });
    await post(fixtureText('device-connect'), { app });
    expect(wakes).toBe(1);
  });
});

describe('senders that are not phone numbers', () => {
  test('a linked-id sender keeps its message: 200, stored under the JID, retries dedupe', async () => {
    for (let i = 0; i < 3; i += 1) expect((await post(fixtureText('message-lid'))).statusCode).toBe(200);
    expect(spooled(t.spool)).toEqual([
      expect.objectContaining({
        kind: 'message',
        phone: '201234567890123@lid',
        contactName: 'Rina',
        text: 'Halo, masih ada paket snorkeling besok?',
        device: '+6285700000001',
        raw: loadFixture('fonnte', 'message-lid'),
      }),
    ]);
  });

  test('status@broadcast: 200 every time (no 15 retries), nothing stored, one log line without the story', async () => {
    const before = lines.length;
    for (let i = 0; i < 2; i += 1) {
      const response = await post(fixtureText('message-status-broadcast'));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ ok: true, data: { accepted: 0, duplicates: 0, events: 0 } });
    }
    expect(t.spool.stats()).toMatchObject({ pending: 0, mediaPending: 0 });
    const logged = lines.slice(before).filter((line) => line.includes('"status_broadcast_ignored"'));
    expect(logged).toHaveLength(2);
    expect(JSON.parse(logged[0] ?? '{}')).toMatchObject({ provider: 'fonnte', warning: { path: '/sender', code: 'status_broadcast_ignored' } });
    expect(lines.slice(before).filter((line) => line.includes('Sunset di Uluwatu'))).toEqual([]);
  });

  test('another kind of WhatsApp id (a channel): acknowledged, no record, the body kept in quarantine naming the sender', async () => {
    const body = JSON.stringify({ ...(loadFixture('fonnte', 'message-text') as object), sender: '120363025246125486@newsletter' });
    const response = await post(body);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true, data: { accepted: 0, duplicates: 0, events: 0, quarantined: 1 } });
    expect(t.spool.stats()).toMatchObject({ pending: 0, quarantined: 1 });
    expect(quarantined(t.spool)).toEqual([
      { provider: 'fonnte', reason: '/sender sender is a WhatsApp id that is neither a person nor a group', body, input: null },
    ]);
  });
});

describe('the shared secret', () => {
  test('is accepted in the X-Webhook-Secret header', async () => {
    const response = await post(fixtureText('message-text'), { query: '', headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRET } });
    expect(response.statusCode).toBe(200);
    expect(t.spool.stats().pending).toBe(1);
  });

  test.each([
    ['no secret at all', '', {}],
    ['an empty ?secret=', '?secret=', {}],
    ['a wrong ?secret=', '?secret=not-the-secret', {}],
    ['the secret with a suffix', `?secret=${SECRET}x`, {}],
    ['the secret cut short', `?secret=${SECRET.slice(0, -1)}`, {}],
    ['the secret in another case', `?secret=${SECRET.toUpperCase()}`, {}],
    ['the secret under another parameter name', `?token=${SECRET}`, {}],
    ['a wrong X-Webhook-Secret', '', { 'x-webhook-secret': 'not-the-secret' }],
    ['the secret in Authorization instead', '', { authorization: SECRET }],
  ])('%s → 401 invalid_signature, nothing stored', async (_name, query, headers: Record<string, string>) => {
    for (const path of PATHS) {
      const response = await post(fixtureText('message-text'), { path, query, headers: { 'content-type': 'application/json', ...headers } });
      expectError(response, 401, 'invalid_signature');
    }
    expect(t.spool.stats().pending).toBe(0);
  });

  test.each([
    ['with no secret given', ''],
    ['with an empty ?secret= (must not match the empty setting)', '?secret='],
    ['with some secret given', `?secret=${SECRET}`],
  ])('WEBHOOK_SECRET unset: the webhook is off, 503 provider_disabled, nothing stored (%s)', async (_name, query) => {
    const app = await appWith({ config: { WEBHOOK_SECRET: '' } });
    for (const path of PATHS) {
      const error = expectError(await post(fixtureText('message-text'), { app, path, query }), 503, 'provider_disabled');
      expect(error.message).toContain('WEBHOOK_SECRET');
    }
    expect(app.spool.stats().pending).toBe(0);
  });
});

describe('the body is read as JSON whatever the Content-Type says', () => {
  test.each([
    ['application/json', { 'content-type': 'application/json' }],
    ['application/json; charset=utf-8', { 'content-type': 'application/json; charset=utf-8' }],
    ['text/plain', { 'content-type': 'text/plain' }],
    ['a form Content-Type', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['multipart without a boundary', { 'content-type': 'multipart/form-data' }],
    ['no Content-Type', {}],
    // Regression: these used to be 415 before the route ran; Fonnte retries 15 times, then drops the message.
    ['an empty Content-Type header', { 'content-type': '' }],
    ['a malformed Content-Type (no subtype)', { 'content-type': 'json' }],
    ['a list of types', { 'content-type': 'application/json, text/plain' }],
  ])('%s', async (_name, headers: Record<string, string>) => {
    const response = await post(fixtureText('message-text'), { headers });
    expect(response.statusCode, response.body).toBe(200);
    expect(spooled(t.spool).map(summary)).toEqual([message('4412', 'text')]);
  });
});

describe('device connect/disconnect', () => {
  test.each([
    ['device-connect', 'WhatsApp device connected', 30],
    ['device-disconnect', 'WhatsApp device disconnected', 40],
  ])('%s: 200, nothing stored, one log line about the device without its token', async (name, text, level) => {
    const before = lines.length;
    const response = await post(fixtureText(name));
    expect(response.statusCode).toBe(200);
    expect(t.spool.stats()).toMatchObject({ pending: 0, mediaPending: 0 });
    const deviceLines = lines.slice(before).filter((line) => line.includes(text));
    expect(deviceLines).toHaveLength(1);
    expect(JSON.parse(deviceLines[0] ?? '{}')).toMatchObject({ level, provider: 'fonnte', device: '+6285700000001' });
    expect(deviceLines[0]).not.toContain(DEVICE_TOKEN);
  });

  test('a token on a message webhook is kept out of the stored record', async () => {
    const body = { ...(loadFixture('fonnte', 'message-text') as object), token: DEVICE_TOKEN };
    expect((await post(JSON.stringify(body))).statusCode).toBe(200);
    const stored = spooled(t.spool);
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(DEVICE_TOKEN);
  });
});

describe('retries and duplicates', () => {
  test('the same webhook twice: the second is 200 with duplicates 1, the spool holds one event', async () => {
    const first = await post(fixtureText('message-text'));
    const second = await post(fixtureText('message-text'));
    expect(first.json()).toEqual({ ok: true, data: { accepted: 1, duplicates: 0, events: 1 } });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({ ok: true, data: { accepted: 0, duplicates: 1, events: 1 } });
    expect(t.spool.stats().pending).toBe(1);
  });

  test('the same message on the other path is still one event', async () => {
    await post(fixtureText('message-text'), { path: PATHS[0] });
    const second = await post(fixtureText('message-text'), { path: PATHS[1] });
    expect(second.json()).toMatchObject({ data: { duplicates: 1 } });
    expect(t.spool.stats().pending).toBe(1);
  });

  test.each(['message-text-no-inboxid', 'message-text-no-timestamp'])(
    "Fonnte's 15 retries of %s (no inboxid) store one event",
    async (name) => {
      for (let i = 0; i < 15; i += 1) expect((await post(fixtureText(name))).statusCode).toBe(200);
      expect(t.spool.stats().pending).toBe(1);
    },
  );

  describe('numeric inboxids beyond 2^53, which JSON.parse alone would round', () => {
    // Both would read as 9007199254740992 and the second be dropped as a duplicate.
    const first = fixtureText('message-inboxid-beyond-2p53');
    const second = first.replace('9007199254740993', '9007199254740992').replace('Kamar untuk 2 orang, tanggal 12', 'Maaf, jadi 3 orang');

    test('two messages whose ids would round alike are both stored, each under its exact id', async () => {
      expect(second).not.toBe(first);
      expect((await post(first)).json()).toEqual({ ok: true, data: { accepted: 1, duplicates: 0, events: 1 } });
      expect((await post(second)).json()).toEqual({ ok: true, data: { accepted: 1, duplicates: 0, events: 1 } });
      expect(spooled(t.spool).map(summary)).toEqual([message('9007199254740993', 'text'), message('9007199254740992', 'text')]);
    });

    test("Fonnte's 15 retries of one of them store one event, with nothing rounded to warn about", async () => {
      const before = lines.length;
      for (let i = 0; i < 15; i += 1) expect((await post(first)).statusCode).toBe(200);
      expect(t.spool.stats().pending).toBe(1);
      expect(lines.slice(before).filter((line) => line.includes('"id_imprecise"'))).toHaveLength(0);
    });

    test('only id fields are read as strings: a long number elsewhere (a timestamp in ms) stays a number', async () => {
      const body = first.replace('"timestamp": 1767000000', '"timestamp": 1767000000000');
      expect((await post(body)).statusCode).toBe(200);
      const [event] = spooled(t.spool);
      expect(event).toMatchObject({ kind: 'message', timestamp: '2025-12-29T09:20:00.000Z' });
    });
  });

  test('a push-name change on a retry does not make a second event', async () => {
    await post(fixtureText('message-text'));
    const renamed = { ...(loadFixture('fonnte', 'message-text') as object), name: 'Budi Santoso' };
    expect((await post(JSON.stringify(renamed))).json()).toMatchObject({ data: { duplicates: 1 } });
    expect(t.spool.stats().pending).toBe(1);
  });

  test('two statuses of one message are two events; the same status twice is one', async () => {
    await post(fixtureText('status-first'));
    await post(fixtureText('status-delivered'));
    await post(fixtureText('status-delivered'));
    expect(spooled(t.spool).map(summary)).toEqual([status('80367170', '3EB0A1B2C3D4', 'sent'), status(null, '3EB0A1B2C3D4', 'delivered')]);
  });
});

describe('bodies that cannot become a record: 200, kept in the quarantine, a warning naming what', () => {
  test.each(Object.entries(QUARANTINED))('%s → 200, quarantined with reason %j', async (name, reason) => {
    const before = lines.length;
    const response = await post(fixtureText(name));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ ok: true, data: { accepted: 0, duplicates: 0, events: 0, quarantined: 1 } });
    expect(t.spool.stats()).toMatchObject({ pending: 0, quarantined: 1 });
    const [kept] = quarantined(t.spool);
    expect(kept).toEqual({ provider: 'fonnte', reason: expect.stringContaining(reason), body: fixtureText(name), input: null });
    const warning = lines.slice(before).map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.level === 40);
    expect(warning).toMatchObject({ provider: 'fonnte', msg: expect.stringContaining('kept in the quarantine'), notUnderstood: [expect.anything()] });
  });

  test("a device token in a quarantined body is masked; the rest is kept byte for byte", async () => {
    const body = `{"device":"6285700000001","token":"${DEVICE_TOKEN}","status":"reconnecting","nested":{"secret":"x\\"y"}}`;
    expect((await post(body)).json()).toMatchObject({ data: { quarantined: 1 } });
    expect(quarantined(t.spool)).toEqual([
      expect.objectContaining({ body: '{"device":"6285700000001","token":"***","status":"reconnecting","nested":{"secret":"***"}}' }),
    ]);
  });

  test('the same body again (a Fonnte retry) is one quarantined body', async () => {
    await post(fixtureText('quarantine-sender'));
    await post(fixtureText('quarantine-sender'));
    expect(t.spool.stats().quarantined).toBe(1);
  });

  test.each([
    ['JSON null', 'null'],
    ['a JSON array of webhooks', `[${fixtureText('message-text')}]`],
    ['a JSON string', '"6281299990000"'],
    ['a JSON number', '6281299990000'],
    ['an empty object', '{}'],
  ])('%s (JSON, but no Fonnte webhook) → 200, quarantined', async (_name, body) => {
    const response = await post(body);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ data: { events: 0, quarantined: 1 } });
    expect(t.spool.stats()).toMatchObject({ pending: 0, quarantined: 1 });
  });
});

describe('bodies that are not JSON at all: 400 before anything is taken, nothing stored', () => {
  test.each([
    ['truncated JSON', '{"device":"6285700000001","sender":"62812', 'invalid_json'],
    ['an empty body', '', 'invalid_json'],
    ['whitespace only', '   \n', 'invalid_json'],
    ['form fields instead of JSON', 'sender=6281299990000&message=Halo', 'invalid_json'],
    ['JSON with a trailing comma', '{"sender":"6281299990000",}', 'invalid_json'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'invalid_json'],
  ])('%s → 400 %s', async (_name, body, code) => {
    expectError(await post(body), 400, code);
    expect(t.spool.stats()).toMatchObject({ pending: 0, quarantined: 0 });
  });

  test('a body with no Content-Type and no content → 400 invalid_json', async () => {
    const response = await t.app.inject({ method: 'POST', url: `/api/wa/webhook?secret=${SECRET}` });
    expectError(response, 400, 'invalid_json');
  });

  test.each(PATHS)('a body over BODY_LIMIT_BYTES → 413 payload_too_large on %s, nothing stored', async (path) => {
    const app = await appWith({ config: { BODY_LIMIT_BYTES: '2048' } });
    const body = JSON.stringify({ ...(loadFixture('fonnte', 'message-text') as object), message: 'x'.repeat(2100) });
    expectError(await post(body, { app, path }), 413, 'payload_too_large');
    // Just under the limit is fine.
    const fits = JSON.stringify({ ...(loadFixture('fonnte', 'message-text') as object), message: 'y' });
    expect((await post(fits, { app, path })).statusCode).toBe(200);
    expect(app.spool.stats().pending).toBe(1);
  });
});

describe('when the spool cannot be written', () => {
  test('503 spool_unavailable, so that Fonnte retries; never a 200', async () => {
    const app = await appWith({
      wrapSpool: (spool) => ({
        ...spool,
        enqueue: () => {
          throw new Error('SQLITE_FULL: database or disk is full');
        },
      }),
    });
    const error = expectError(await post(fixtureText('message-text'), { app }), 503, 'spool_unavailable');
    expect(error.message).not.toContain('SQLITE');
    expect(app.spool.stats().pending).toBe(0);
  });
});

test('the answer echoes the caller\'s X-Request-Id, on success and on rejection', async () => {
  const ok = await post(fixtureText('message-text'), { headers: { 'content-type': 'application/json', 'x-request-id': 'fonnte-req-42' } });
  expect(ok.headers['x-request-id']).toBe('fonnte-req-42');
  const rejected = await post(fixtureText('message-text'), { query: '', headers: { 'x-request-id': 'fonnte-req-43' } });
  expect(rejected.statusCode).toBe(401);
  expect(rejected.headers['x-request-id']).toBe('fonnte-req-43');
});

// Runs last (vitest runs a file's tests in order): every line logged by every test above.
test('no secret, device token or secret-bearing URL reached any log line of this file', () => {
  expect(lines.length).toBeGreaterThan(50);
  // The capture did see rejections and the masked request URLs, so it would have seen a leak.
  expect(lines.some((line) => line.includes('webhook rejected'))).toBe(true);
  expect(lines.some((line) => line.includes('secret=***'))).toBe(true);
  for (const secret of [SECRET, SECRET.toUpperCase(), SECRET.slice(0, -1), DEVICE_TOKEN, ...Object.values(TEST_SECRETS), 'odoo-password-not-a-real-one']) {
    expect(lines.filter((line) => line.includes(secret))).toEqual([]);
  }
});
