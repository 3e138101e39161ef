/**
 * GET/POST /api/wa/webhook/meta as Meta's Cloud API calls them: the verification handshake, signed
 * deliveries (Meta re-delivers anything but a 2xx), and what the spool holds afterwards.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { fixtureNames, loadFixture } from '../fixtures/providers/index.js';
import { buildTestApp, TEST_SECRETS, type TestApp, type TestAppOverrides } from '../helpers/build.js';
import { captureLogs, drainSpool, expectError, metaSignature, quarantined, spooled, summary } from './support.js';

const PATH = '/api/wa/webhook/meta';
const VERIFY_TOKEN = TEST_SECRETS.META_VERIFY_TOKEN;
const APP_SECRET = TEST_SECRETS.META_APP_SECRET;
const BUDI = '+6281299990000';

const { logger, lines } = captureLogs();
let t: TestApp;
const extraApps: TestApp[] = [];
/** Every signature this file sent, to prove none reached a log. */
const sentSignatures: string[] = [];

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

/** The fixture file's exact bytes (pretty-printed: signing them proves the check is over raw bytes). */
const fixtureText = (name: string) => readFileSync(new URL(`../fixtures/providers/meta/${name}.json`, import.meta.url), 'utf8');

/** `signature: null` sends none; by default the body is signed correctly. */
function post(body: string | Buffer, { signature = metaSignature(body) as string | null, app = t, headers = {} as Record<string, string> } = {}) {
  if (signature !== null) sentSignatures.push(signature);
  return app.app.inject({
    method: 'POST',
    url: PATH,
    headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'x-hub-signature-256': signature }), ...headers },
    payload: body,
  });
}

const message = (providerMessageId: string, messageType: string, phone: string | null = BUDI) => ({ kind: 'message', provider: 'meta', providerMessageId, phone, messageType });
const status = (providerMessageId: string, state: string) => ({ kind: 'status', provider: 'meta', providerMessageId, aliasId: null, state });

const ACCEPTED: Record<string, object[]> = {
  text: [message('wamid.HBgNNjI4MTI5OTk5MDAwMBUCABIYFjNFQjBGQUtFMDAwMDAwMDAwMDAxAA==', 'text')],
  image: [message('wamid.FAKE-image', 'image')],
  video: [message('wamid.FAKE-video', 'video')],
  audio: [message('wamid.FAKE-audio', 'audio')],
  document: [message('wamid.FAKE-document', 'document')],
  sticker: [message('wamid.FAKE-sticker', 'sticker')],
  location: [message('wamid.FAKE-location', 'location')],
  contacts: [message('wamid.FAKE-contacts', 'contact')],
  'interactive-button-reply': [message('wamid.FAKE-btn', 'button')],
  'interactive-list-reply': [message('wamid.FAKE-list', 'button')],
  button: [message('wamid.FAKE-template-btn', 'button')],
  reaction: [message('wamid.FAKE-reaction', 'reaction')],
  'reaction-removed': [message('wamid.FAKE-reaction-2', 'reaction')],
  unsupported: [message('wamid.FAKE-unsupported', 'other')],
  system: [message('wamid.FAKE-system', 'other')],
  'foreign-sender': [message('wamid.FAKE-uk', 'text', '+447700900123')],
  // Two entries, two messages from two people, and a status: all of it.
  batch: [message('wamid.FAKE-b1', 'text'), message('wamid.FAKE-b2', 'text', '+6281311112222'), status('wamid.FAKE-out-4', 'delivered')],
  statuses: [status('wamid.FAKE-out-5', 'sent'), status('wamid.FAKE-out-5', 'delivered'), status('wamid.FAKE-out-5', 'read')],
  'status-failed': [status('wamid.FAKE-out-6', 'failed')],
  // Acknowledged (or Meta re-delivers for days) but nothing to record.
  'status-deleted': [],
  'template-status-change': [],
  'value-errors': [],
  // Usernames (BSUID): a message with no number at all is still a message (issue #9, finding 3).
  'bsuid-only': [message('wamid.FAKE-bsuid-1', 'text', null)],
  'bsuid-contact-only': [message('wamid.FAKE-bsuid-2', 'text', null)],
  'bsuid-with-number': [message('wamid.FAKE-bsuid-3', 'text')],
  'status-bsuid': [status('wamid.FAKE-out-9', 'delivered')],
  'system-user-changed-number': [message('wamid.FAKE-changed-number', 'other')],
  'system-user-changed-user-id': [message('wamid.FAKE-changed-user-id', 'other', null)],
  'system-identity-changed': [message('wamid.FAKE-identity', 'other')],
  // Meta's own "unsupported" shapes: acknowledged and kept as other (finding 4).
  'unsupported-missing-object': [message('wamid.FAKE-noobject', 'other')],
  'unsupported-with-type': [message('wamid.FAKE-unsupported-2', 'other')],
  'missing-object': [message('wamid.FAKE-nopayload', 'other')],
  'unknown-type': [message('wamid.FAKE-hologram', 'other')],
  // Every type with its meaning (finding 5).
  edit: [message('wamid.FAKE-edit', 'other')],
  revoke: [message('wamid.FAKE-revoke', 'other')],
  order: [message('wamid.FAKE-order', 'other')],
  'request-welcome': [message('wamid.FAKE-welcome', 'other')],
  'flow-reply': [message('wamid.FAKE-flow', 'button')],
  'timestamp-unreadable': [message('wamid.FAKE-ts', 'text')],
};

/** Fixtures that cannot become any record: acknowledged (200) and kept in the quarantine, the reason naming the field. */
const QUARANTINED: Record<string, string> = {
  'quarantine-from': '/entry/0/changes/0/value/messages/0/from from "12" is no number',
  'quarantine-no-sender': '/entry/0/changes/0/value/messages/0/from names no sender',
  'quarantine-object': '/object must be "whatsapp_business_account"',
};

test('every Meta fixture is covered by the tables below', () => {
  expect([...Object.keys(ACCEPTED), ...Object.keys(QUARANTINED)].sort()).toEqual(fixtureNames('meta'));
});

describe('GET verification handshake', () => {
  const handshake = (query: string, app = t) => app.app.inject({ method: 'GET', url: `${PATH}${query}` });

  test('the right verify token → 200 with the raw challenge as text/plain', async () => {
    const response = await handshake(`?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toBe('1158201444');
  });

  test('a challenge with URL-encoded characters is returned decoded, byte for byte', async () => {
    const response = await handshake(`?hub.mode=subscribe&hub.challenge=abc%20123&hub.verify_token=${encodeURIComponent(VERIFY_TOKEN)}`);
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('abc 123');
  });

  test.each([
    ['a wrong token', `?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=chal-739`],
    ['the token cut short', `?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN.slice(0, -1)}&hub.challenge=chal-739`],
    ['no token', `?hub.mode=subscribe&hub.challenge=chal-739`],
    ['an empty token', `?hub.mode=subscribe&hub.verify_token=&hub.challenge=chal-739`],
    ['the app secret instead of the verify token', `?hub.mode=subscribe&hub.verify_token=${APP_SECRET}&hub.challenge=chal-739`],
  ])('%s → 403 invalid_verify_token, the challenge is not echoed', async (_name, query) => {
    const response = await handshake(query);
    expectError(response, 403, 'invalid_verify_token');
    expect(response.body).not.toContain('chal-739');
  });

  test.each([
    ['no parameters', ''],
    ['no challenge', `?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}`],
    ['another mode', `?hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`],
    ["PHP-style names (hub_mode), which Meta doesn't send", '?hub_mode=subscribe&hub_verify_token=some-token&hub_challenge=1'],
  ])('%s → 400 invalid_handshake', async (_name, query) => {
    expectError(await handshake(query), 400, 'invalid_handshake');
  });

  test('META_VERIFY_TOKEN unset → 503 provider_disabled, even for an empty token', async () => {
    const app = await appWith({ config: { META_VERIFY_TOKEN: '' } });
    for (const query of ['?hub.mode=subscribe&hub.verify_token=&hub.challenge=1', '?hub.mode=subscribe&hub.challenge=1']) {
      const error = expectError(await handshake(query, app), 503, 'provider_disabled');
      expect(error.message).toContain('META_VERIFY_TOKEN');
    }
  });
});

describe('signed deliveries are answered 200 once they are in the spool', () => {
  test.each(Object.entries(ACCEPTED))('%s', async (name, expected) => {
    const response = await post(fixtureText(name));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ ok: true, data: { accepted: expected.length, duplicates: 0, events: expected.length } });
    expect(spooled(t.spool).map(summary)).toEqual(expected);
    expect(t.spool.stats().pending).toBe(expected.length);
  });

  test('media messages are queued for download', async () => {
    await post(fixtureText('image'));
    expect(t.spool.stats().mediaPending).toBe(1);
  });

  test('escaped unicode as Meta sends it: signature over the escaped bytes, text stored decoded', async () => {
    const body = fixtureText('text').replace('Halo, saya mau pesan tur ke Ubud', 'Terima kasih \\ud83d\\ude4f caf\\u00e9');
    const response = await post(body);
    expect(response.statusCode, response.body).toBe(200);
    expect(spooled(t.spool)).toEqual([expect.objectContaining({ text: 'Terima kasih 🙏 café' })]);
  });
});

describe('X-Hub-Signature-256', () => {
  const body = fixtureText('text');

  test('is over the raw bytes: a body with extra spaces, signed, is accepted', async () => {
    const spaced = JSON.stringify(JSON.parse(body), null, 3).replace(/:/g, ' :  ');
    expect((await post(spaced)).statusCode).toBe(200);
    expect(t.spool.stats().pending).toBe(1);
  });

  test('re-serialised JSON with the original signature → 401 (the signature covers bytes, not meaning)', async () => {
    const signature = metaSignature(body);
    const reserialised = JSON.stringify(JSON.parse(body));
    expect(reserialised).not.toBe(body);
    expectError(await post(reserialised, { signature }), 401, 'invalid_signature');
    expect(t.spool.stats().pending).toBe(0);
    // …and the original bytes with that signature are fine.
    expect((await post(body, { signature })).statusCode).toBe(200);
  });

  test('upper-case hex is the same signature', async () => {
    const signature = metaSignature(body);
    expect((await post(body, { signature: `sha256=${signature.slice('sha256='.length).toUpperCase()}` })).statusCode).toBe(200);
  });

  test.each([
    ['missing', null],
    ['empty', ''],
    ['signed with another secret', metaSignature(body, 'some-other-app-secret')],
    ['signed with the verify token', metaSignature(body, VERIFY_TOKEN)],
    ['the hex without sha256=', metaSignature(body).slice('sha256='.length)],
    ['sha1= with the sha256 hex', metaSignature(body).replace('sha256=', 'sha1=')],
    ['the hex cut short', metaSignature(body).slice(0, -2)],
    ['one hex digit changed', metaSignature(body).replace(/.$/, (c) => (c === '0' ? '1' : '0'))],
    ['over the body with one byte more', metaSignature(`${body} `)],
  ])('%s → 401 invalid_signature, nothing stored', async (_name, signature) => {
    expectError(await post(body, { signature }), 401, 'invalid_signature');
    expect(t.spool.stats().pending).toBe(0);
  });

  test('the signature of one webhook does not carry over to another', async () => {
    expectError(await post(fixtureText('image'), { signature: metaSignature(body) }), 401, 'invalid_signature');
    expect(t.spool.stats().pending).toBe(0);
  });

  test('META_APP_SECRET unset → 503 provider_disabled, nothing stored (never open)', async () => {
    const app = await appWith({ config: { META_APP_SECRET: '' } });
    for (const signature of [metaSignature(body), metaSignature(body, ''), null]) {
      const error = expectError(await post(body, { app, signature }), 503, 'provider_disabled');
      expect(error.message).toContain('META_APP_SECRET');
    }
    expect(app.spool.stats().pending).toBe(0);
  });
});

describe('re-deliveries and duplicates', () => {
  test('the same webhook twice: the second is 200 with duplicates 1, the spool holds one event', async () => {
    const body = fixtureText('text');
    await post(body);
    const second = await post(body);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({ ok: true, data: { accepted: 0, duplicates: 1, events: 1 } });
    expect(t.spool.stats().pending).toBe(1);
  });

  test('a batch re-delivered with one new message stores only the new one', async () => {
    await post(fixtureText('batch'));
    const batch = loadFixture('meta', 'batch') as { entry: { changes: { value: { messages?: object[] } }[] }[] };
    batch.entry[0]?.changes[0]?.value.messages?.push({ from: '6281299990000', id: 'wamid.FAKE-b3', timestamp: '1767000009', type: 'text', text: { body: 'Satu lagi' } });
    const response = await post(JSON.stringify(batch));
    expect(response.json()).toEqual({ ok: true, data: { accepted: 1, duplicates: 3, events: 4 } });
    expect(spooled(t.spool).map(summary)).toEqual([...(ACCEPTED.batch ?? []).slice(0, 2), message('wamid.FAKE-b3', 'text'), status('wamid.FAKE-out-4', 'delivered')]);
  });

  test('sent, delivered and read of one message are three events; each re-delivered is still three', async () => {
    await post(fixtureText('statuses'));
    expect((await post(fixtureText('statuses'))).json()).toMatchObject({ data: { accepted: 0, duplicates: 3 } });
    expect(t.spool.stats().pending).toBe(3);
  });
});

describe('what cannot become a record: 200, kept in the quarantine (Meta would retry a 4xx, then drop it)', () => {
  test.each(Object.entries(QUARANTINED))('%s → 200, quarantined: %s', async (name, reason) => {
    const response = await post(fixtureText(name));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ ok: true, data: { accepted: 0, duplicates: 0, events: 0, quarantined: 1 } });
    expect(t.spool.stats()).toMatchObject({ pending: 0, quarantined: 1 });
    expect(quarantined(t.spool)).toEqual([{ provider: 'meta', reason: expect.stringContaining(reason), body: fixtureText(name), input: null }]);
  });

  test('one message naming no sender in a batch: the rest is stored, the body kept in quarantine for that one', async () => {
    const batch = loadFixture('meta', 'batch') as { entry: { changes: { value: { messages?: { from: string }[] } }[] }[] };
    const second = batch.entry[0]?.changes[0]?.value.messages?.[1];
    if (second) second.from = 'not-a-number';
    const response = await post(JSON.stringify(batch));
    expect(response.json()).toEqual({ ok: true, data: { accepted: 2, duplicates: 0, events: 2, quarantined: 1 } });
    expect(spooled(t.spool).map(summary)).toEqual([message('wamid.FAKE-b1', 'text'), status('wamid.FAKE-out-4', 'delivered')]);
    expect(quarantined(t.spool)).toEqual([expect.objectContaining({ reason: expect.stringContaining('/entry/0/changes/0/value/messages/1/from') })]);
  });

  test("Meta's 'Unsupported webhook payload' is stored with Meta's error as the reason (issue #9, finding 4)", async () => {
    await post(fixtureText('unsupported-missing-object'));
    expect(spooled(t.spool)).toEqual([
      expect.objectContaining({ messageType: 'other', providerError: '131000: Something went wrong — Unsupported webhook payload' }),
    ]);
  });

  test('a message with no number but a user id reaches the spool with its user id, parent id and username (finding 3)', async () => {
    await post(fixtureText('bsuid-only'));
    expect(spooled(t.spool)).toEqual([
      expect.objectContaining({ phone: null, userId: 'ID.7730215549820143', parentUserId: 'ID.ENT.5521098834412', username: 'rina.travels' }),
    ]);
  });

  test.each([
    ['JSON null', 'null'],
    ['a JSON array', '[]'],
    ['an empty object', '{}'],
  ])('%s, correctly signed → 200, quarantined', async (_name, body) => {
    const response = await post(body);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ data: { events: 0, quarantined: 1 } });
    expect(t.spool.stats()).toMatchObject({ pending: 0, quarantined: 1 });
  });
});

describe('bodies that are not JSON at all: 400 before anything is taken, nothing stored', () => {
  test.each([
    ['truncated JSON', fixtureText('text').slice(0, 200), 'invalid_json'],
    ['an empty body', '', 'invalid_json'],
    ['form fields', 'object=whatsapp_business_account', 'invalid_json'],
  ])('%s, correctly signed → 400 %s', async (_name, body, code) => {
    expectError(await post(body), 400, code);
    expect(t.spool.stats()).toMatchObject({ pending: 0, quarantined: 0 });
  });
});

describe('body limit: Meta batches (issue #9, finding 6)', () => {
  /** A signed batch of `count` text messages, each `size` characters long. */
  function batchOf(count: number, size: number): string {
    const body = loadFixture('meta', 'text') as { entry: { changes: { value: { messages: Record<string, unknown>[] } }[] }[] };
    const value = body.entry[0]?.changes[0]?.value;
    if (value) {
      value.messages = Array.from({ length: count }, (_, i) => ({
        from: '6281299990000',
        id: `wamid.FAKE-big-${i}`,
        timestamp: '1767000000',
        type: 'text',
        text: { body: `${i} ${'x'.repeat(size)}` },
      }));
    }
    return JSON.stringify(body);
  }

  test('a 3 MB batch is accepted by default, every message of it stored, while BODY_LIMIT_BYTES stays 1 MiB for the others', async () => {
    const big = batchOf(300, 10_000);
    expect(big.length).toBeGreaterThan(3_000_000);
    expect(t.config.BODY_LIMIT_BYTES).toBe(1_048_576);
    expect(t.config.META_BODY_LIMIT_BYTES).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    const response = await post(big);
    expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
    expect(response.json()).toEqual({ ok: true, data: { accepted: 300, duplicates: 0, events: 300 } });
    expect(t.spool.stats().pending).toBe(300);
    // The same size to Fonnte is over its (unchanged) limit.
    const fonnte = await t.app.inject({
      method: 'POST',
      url: `/api/wa/webhook?secret=${TEST_SECRETS.WEBHOOK_SECRET}`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ sender: '6281299990000', message: 'x'.repeat(2_000_000) }),
    });
    expectError(fonnte, 413, 'payload_too_large');
  });

  test('a body over META_BODY_LIMIT_BYTES → 413 payload_too_large, nothing stored; BODY_LIMIT_BYTES does not apply to Meta', async () => {
    const app = await appWith({ config: { META_BODY_LIMIT_BYTES: '4096', BODY_LIMIT_BYTES: '2048' } });
    const big = fixtureText('text').replace('Halo, saya mau pesan tur ke Ubud', 'x'.repeat(5000));
    expectError(await post(big, { app }), 413, 'payload_too_large');
    // Over BODY_LIMIT_BYTES, under META_BODY_LIMIT_BYTES: fine.
    const middle = fixtureText('text').replace('Halo, saya mau pesan tur ke Ubud', 'x'.repeat(2500));
    expect((await post(middle, { app })).statusCode).toBe(200);
    expect(app.spool.stats().pending).toBe(1);
  });
});

test('when the spool cannot be written: 503 spool_unavailable (Meta re-delivers), never a 200', async () => {
  const app = await appWith({
    wrapSpool: (spool) => ({
      ...spool,
      enqueue: () => {
        throw new Error('SQLITE_IOERR: disk I/O error');
      },
    }),
  });
  expectError(await post(fixtureText('batch'), { app }), 503, 'spool_unavailable');
  expect(app.spool.stats().pending).toBe(0);
});

// Runs last: every line logged by every test above.
test('no app secret, verify token or signature reached any log line of this file', () => {
  expect(lines.length).toBeGreaterThan(50);
  expect(lines.some((line) => line.includes('webhook rejected'))).toBe(true);
  expect(lines.some((line) => line.includes('hub.verify_token=***'))).toBe(true);
  const hexes = sentSignatures.map((s) => s.replace(/^sha(256|1)=/, '')).filter((s) => s.length >= 16);
  expect(hexes.length).toBeGreaterThan(20);
  for (const secret of [...Object.values(TEST_SECRETS), VERIFY_TOKEN.slice(0, -1), ...hexes]) {
    expect(lines.filter((line) => line.toLowerCase().includes(secret.toLowerCase()))).toEqual([]);
  }
});
