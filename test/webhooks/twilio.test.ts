/**
 * POST /api/wa/webhook/twilio as Twilio calls it: form-encoded, signed over the public URL and the
 * sorted parameters, answered with empty TwiML; and what the spool holds afterwards.
 */
import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { fixtureNames, loadFixture } from '../fixtures/providers/index.js';
import { buildTestApp, TEST_PUBLIC_URL, TEST_SECRETS, type TestApp, type TestAppOverrides } from '../helpers/build.js';
import {
  captureLogs,
  drainSpool,
  expectError,
  formEncode,
  formParams,
  quarantined,
  spooled,
  summary,
  toFormParams,
  TWILIO_PATH,
  TWILIO_URL,
  twilioSignature,
  type FormParams,
} from './support.js';

const TOKEN = TEST_SECRETS.TWILIO_AUTH_TOKEN;
const BUDI = '+6281299990000';
const FORM = 'application/x-www-form-urlencoded; charset=UTF-8';
const EMPTY_TWIML = /^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<Response\s*(\/>|>\s*<\/Response>)$/;

const { logger, lines } = captureLogs();
let t: TestApp;
const extraApps: TestApp[] = [];
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

const fixtureParams = (name: string): FormParams => toFormParams(loadFixture('twilio', name));

interface Post {
  /** Default: signed correctly for TWILIO_URL + query over the body's parameters; null sends none. */
  signature?: string | null;
  query?: string;
  app?: TestApp;
  headers?: Record<string, string>;
}

function postRaw(body: string | Buffer, { signature, query = '', app = t, headers = {} }: Post = {}) {
  const sig = signature === undefined ? twilioSignature(`${TWILIO_URL}${query}`, formParams(body.toString())) : signature;
  if (sig !== null) sentSignatures.push(sig);
  return app.app.inject({
    method: 'POST',
    url: `${TWILIO_PATH}${query}`,
    headers: { 'content-type': FORM, ...(sig === null ? {} : { 'x-twilio-signature': sig }), ...headers },
    payload: body,
  });
}

const post = (params: FormParams, options: Post = {}) => postRaw(formEncode(params), options);

const message = (providerMessageId: string, messageType: string, phone: string | null = BUDI) => ({ kind: 'message', provider: 'twilio', providerMessageId, phone, messageType });
const status = (providerMessageId: string, state: string) => ({ kind: 'status', provider: 'twilio', providerMessageId, aliasId: null, state });

const ACCEPTED: Record<string, object[]> = {
  text: [message('SM0a1b2c3d4e5f60718293a4b5c6d7e8f9', 'text')],
  image: [message('MM1a2b3c4d5e6f70819203a4b5c6d7e8f9', 'image')],
  // One stored event per attachment, so none is lost.
  'multi-media': [message('MM2a2b3c4d5e6f70819203a4b5c6d7e8f9', 'document'), message('MM2a2b3c4d5e6f70819203a4b5c6d7e8f9#1', 'audio')],
  location: [message('SM3a2b3c4d5e6f70819203a4b5c6d7e8f9', 'location')],
  button: [message('SM4a2b3c4d5e6f70819203a4b5c6d7e8f9', 'button')],
  'status-sent': [status('SMout0000000000000000000000000001', 'sent')],
  'status-read': [status('SMout0000000000000000000000000001', 'read')],
  'status-undelivered': [status('SMout0000000000000000000000000002', 'failed')],
  'status-failed': [status('SMout0000000000000000000000000003', 'failed')],
  // Queued moves nothing forward: acknowledged, nothing stored.
  'status-queued': [],
  // A WhatsApp username: the contact is a business-scoped user id, no number (issue #9, finding 3).
  'bsuid-from': [message('SM1b2c3d4e5f60718293a4b5c6d7e8f9a0', 'text', null)],
  'external-user-id': [message('SM2c3d4e5f60718293a4b5c6d7e8f9a0b1', 'text')],
  'status-bsuid': [status('SMout0000000000000000000000000009', 'delivered')],
  // An attachment URL that is no URL: the message is kept (other), saying so.
  'media-url-unreadable': [message('SM0a1b2c3d4e5f60718293a4b5c6d7e8f9', 'other')],
};

/** Fixtures that cannot become any record: acknowledged (empty TwiML) and kept in the quarantine, the reason naming the field. */
const QUARANTINED: Record<string, string> = {
  'quarantine-from': '/From From is not a valid phone number',
  // Also proves the signature of a repeated parameter is checked the way Twilio computes it.
  'quarantine-repeated-from': '/From is required',
};

function expectEmptyTwiml(response: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  expect(response.statusCode, response.body).toBe(200);
  expect(String(response.headers['content-type'])).toMatch(/^text\/xml/);
  expect(response.body).toMatch(EMPTY_TWIML);
}

test('every Twilio fixture is covered by the tables below', () => {
  expect([...Object.keys(ACCEPTED), ...Object.keys(QUARANTINED)].sort()).toEqual(fixtureNames('twilio'));
});

describe('signed webhooks are answered with empty TwiML once they are in the spool', () => {
  test.each(Object.entries(ACCEPTED))('%s', async (name, expected) => {
    expectEmptyTwiml(await post(fixtureParams(name)));
    expect(spooled(t.spool).map(summary)).toEqual(expected);
    expect(t.spool.stats().pending).toBe(expected.length);
  });

  test('the stored message keeps what the contact sent', async () => {
    await post(fixtureParams('image'));
    expect(spooled(t.spool)).toEqual([
      expect.objectContaining({
        contactName: 'Budi',
        device: '+14155238886',
        text: 'Bukti transfer',
        media: expect.objectContaining({ mimetype: 'image/jpeg' }),
        raw: loadFixture('twilio', 'image'),
      }),
    ]);
    expect(t.spool.stats().mediaPending).toBe(1);
  });

  test('unicode and reserved characters survive form encoding and signing', async () => {
    const params = { ...fixtureParams('text'), Body: 'Terima kasih 🙏 & sampai jumpa = 100% café+tour' };
    expectEmptyTwiml(await post(params));
    expect(spooled(t.spool)).toEqual([expect.objectContaining({ text: 'Terima kasih 🙏 & sampai jumpa = 100% café+tour' })]);
  });

  test('a parameter Twilio adds without notice is part of the signature and tolerated', async () => {
    expectEmptyTwiml(await post({ ...fixtureParams('text'), Forwarded: 'true', SomeNewField2031: 'x' }));
    expect(t.spool.stats().pending).toBe(1);
  });

  test('the Content-Type is not what makes it a form: Twilio without charset, or none at all', async () => {
    for (const headers of [{ 'content-type': 'application/x-www-form-urlencoded' }, { 'content-type': 'text/plain' }, {}] as Record<string, string>[]) {
      drainSpool(t.spool);
      expectEmptyTwiml(await post(fixtureParams('text'), { headers }));
      expect(t.spool.stats().pending, JSON.stringify(headers)).toBe(1);
    }
  });
});

describe('X-Twilio-Signature', () => {
  const params = loadFixture('twilio', 'text') as FormParams;

  test('the URL Twilio called includes its query string', async () => {
    const query = '?account=bali-tours';
    expectEmptyTwiml(await post(params, { query, signature: twilioSignature(`${TWILIO_URL}${query}`, params) }));
    const app = await appWith({});
    expectError(await post(params, { app, query, signature: twilioSignature(TWILIO_URL, params) }), 401, 'invalid_signature');
    expect(app.spool.stats().pending).toBe(0);
  });

  test("a signature over the URL with the scheme's default port is accepted (as Twilio's SDKs do)", async () => {
    const withPort = `${TEST_PUBLIC_URL.replace('wa.example.test', 'wa.example.test:443')}${TWILIO_PATH}`;
    expectEmptyTwiml(await post(params, { signature: twilioSignature(withPort, params) }));
  });

  test('PUBLIC_URL with a trailing slash signs the same URL', async () => {
    const app = await appWith({ config: { PUBLIC_URL: `${TEST_PUBLIC_URL}/` } });
    expectEmptyTwiml(await post(params, { app }));
    expect(app.spool.stats().pending).toBe(1);
  });

  test('PUBLIC_URL with several trailing slashes signs the URL the status callback was given (regression: only one was cut)', async () => {
    const app = await appWith({ config: { PUBLIC_URL: `${TEST_PUBLIC_URL}//` } });
    expectEmptyTwiml(await post(params, { app }));
    expect(app.spool.stats().pending).toBe(1);
  });

  test('without PUBLIC_URL the URL is rebuilt from the request (behind a trusted proxy: X-Forwarded-Proto/Host)', async () => {
    const app = await appWith({ config: { PUBLIC_URL: '', TRUST_PROXY: 'true' } });
    const signature = twilioSignature(`https://gateway.example.org${TWILIO_PATH}`, params);
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'gateway.example.org' };
    expectEmptyTwiml(await post(params, { app, signature, headers }));
    expectError(await post(params, { app, signature, headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'elsewhere.example.org' } }), 401, 'invalid_signature');
    expect(app.spool.stats().pending).toBe(1);
  });

  test('forwarded headers from an untrusted client are ignored (TRUST_PROXY unset)', async () => {
    const app = await appWith({ config: { PUBLIC_URL: '' } });
    const signature = twilioSignature(`https://gateway.example.org${TWILIO_PATH}`, params);
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'gateway.example.org' };
    expectError(await post(params, { app, signature, headers }), 401, 'invalid_signature');
    expect(app.spool.stats().pending).toBe(0);
  });

  test.each([
    ['missing', null],
    ['empty', ''],
    ['signed with another auth token', twilioSignature(TWILIO_URL, params, 'another-auth-token')],
    ['signed for http instead of https', twilioSignature(TWILIO_URL.replace('https:', 'http:'), params)],
    ['signed for another host', twilioSignature(`https://attacker.example${TWILIO_PATH}`, params)],
    ['signed for another path', twilioSignature(`${TEST_PUBLIC_URL}/api/wa/webhook`, params)],
    ['signed for a non-default port', twilioSignature(`${TEST_PUBLIC_URL}:8443${TWILIO_PATH}`, params)],
    ['signed without one parameter', twilioSignature(TWILIO_URL, { ...params, Body: undefined } as unknown as FormParams)],
    ['signed over another Body', twilioSignature(TWILIO_URL, { ...params, Body: 'Halo' })],
    ['signed with parameters in posted order, unsorted', unsortedSignature(params)],
    ['the right digest, hex instead of base64', Buffer.from(twilioSignature(TWILIO_URL, params), 'base64').toString('hex')],
  ])('%s → 401 invalid_signature, nothing stored', async (_name, signature) => {
    expectError(await post(params, { signature }), 401, 'invalid_signature');
    expect(t.spool.stats().pending).toBe(0);
  });

  test('TWILIO_AUTH_TOKEN unset → 503 provider_disabled, nothing stored (never open)', async () => {
    const app = await appWith({ config: { TWILIO_AUTH_TOKEN: '' } });
    for (const signature of [twilioSignature(TWILIO_URL, params), twilioSignature(TWILIO_URL, params, ''), null]) {
      const error = expectError(await post(params, { app, signature }), 503, 'provider_disabled');
      expect(error.message).toContain('TWILIO_AUTH_TOKEN');
    }
    expect(app.spool.stats().pending).toBe(0);
  });
});

/** What a naive implementation would sign: the parameters in the order they were posted, not sorted. */
function unsortedSignature(params: FormParams): string {
  const data = Object.entries(params).reduce((acc, [name, value]) => acc + name + String(value), TWILIO_URL);
  return createHmac('sha1', TOKEN).update(data, 'utf8').digest('base64');
}

describe('retries and duplicates', () => {
  test('the same webhook twice: both answered with TwiML, the spool holds one event', async () => {
    expectEmptyTwiml(await post(fixtureParams('text')));
    expectEmptyTwiml(await post(fixtureParams('text')));
    expect(t.spool.stats().pending).toBe(1);
  });

  test('a message with two attachments retried: still two events', async () => {
    await post(fixtureParams('multi-media'));
    await post(fixtureParams('multi-media'));
    expect(t.spool.stats()).toMatchObject({ pending: 2, mediaPending: 2 });
  });

  test('sent then read of one outgoing message are two events, each stored once', async () => {
    for (const name of ['status-sent', 'status-read', 'status-sent']) await post(fixtureParams(name));
    expect(spooled(t.spool).map(summary)).toEqual([status('SMout0000000000000000000000000001', 'sent'), status('SMout0000000000000000000000000001', 'read')]);
  });
});

describe('what cannot become a record: empty TwiML (200), kept in the quarantine', () => {
  test.each(Object.entries(QUARANTINED))('%s → 200, quarantined: %s', async (name, reason) => {
    const params = fixtureParams(name);
    expectEmptyTwiml(await post(params));
    expect(t.spool.stats()).toMatchObject({ pending: 0, quarantined: 1 });
    // The body as received, and the parameters as read (what a replay parses again).
    expect(quarantined(t.spool)).toEqual([{ provider: 'twilio', reason: expect.stringContaining(reason), body: formEncode(params), input: JSON.stringify(params) }]);
  });

  test.each([
    ['JSON instead of a form', JSON.stringify(loadFixture('twilio', 'text'))],
    ['names without the fields Twilio always sends', 'foo=bar&baz'],
    ['broken percent-encoding', 'MessageSid=SM1&From=whatsapp%3A%2B62%ZZ&Body=%'],
  ])('%s, signed → 200, quarantined', async (_name, body) => {
    expectEmptyTwiml(await postRaw(body));
    expect(t.spool.stats()).toMatchObject({ pending: 0, quarantined: 1 });
  });
});

describe('bodies that are no form at all: 400 before anything is taken, nothing stored', () => {
  test.each([
    ['an empty body', '', 'invalid_form'],
    ['whitespace only', '  \r\n', 'invalid_form'],
    ['only separators', '&&&', 'invalid_form'],
  ])('%s, signed → 400 %s', async (_name, body, code) => {
    expectError(await postRaw(body), 400, code);
    expect(t.spool.stats()).toMatchObject({ pending: 0, quarantined: 0 });
  });

  test('an unsigned empty body stores nothing either', async () => {
    const response = await postRaw('', { signature: null });
    expect([400, 401]).toContain(response.statusCode);
    expect(t.spool.stats().pending).toBe(0);
  });

  test('a body over BODY_LIMIT_BYTES → 413 payload_too_large, nothing stored', async () => {
    const app = await appWith({ config: { BODY_LIMIT_BYTES: '2048' } });
    expectError(await post({ ...fixtureParams('text'), Body: 'x'.repeat(2100) }, { app }), 413, 'payload_too_large');
    expectEmptyTwiml(await post(fixtureParams('text'), { app }));
    expect(app.spool.stats().pending).toBe(1);
  });
});

test('when the spool cannot be written: 503 spool_unavailable, not TwiML', async () => {
  const app = await appWith({
    wrapSpool: (spool) => ({
      ...spool,
      enqueue: () => {
        throw new Error('SQLITE_READONLY: attempt to write a readonly database');
      },
    }),
  });
  const response = await post(fixtureParams('text'), { app });
  expectError(response, 503, 'spool_unavailable');
  expect(response.body).not.toContain('<Response');
  expect(app.spool.stats().pending).toBe(0);
});

// Runs last: every line logged by every test above.
test('no auth token or signature reached any log line of this file', () => {
  expect(lines.length).toBeGreaterThan(50);
  expect(lines.some((line) => line.includes('webhook rejected'))).toBe(true);
  const signatures = sentSignatures.filter((s) => s.length >= 20);
  expect(signatures.length).toBeGreaterThan(20);
  for (const secret of [...Object.values(TEST_SECRETS), ...signatures]) {
    expect(lines.filter((line) => line.includes(secret))).toEqual([]);
  }
});
