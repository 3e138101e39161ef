/**
 * The provider senders against a fake provider on 127.0.0.1: the request each provider gets, and how
 * each kind of answer is classified (sent / rejected / retry / unknown).
 */
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createSendAgent } from '../../src/providers/common/http.js';
import { createSenders, type SenderRegistry } from '../../src/providers/registry.js';
import { closedPortUrl, startFakeProvider, type FakeProvider } from './fake-provider.js';

const FONNTE_TOKEN = 'fonnte-device-token-3f9a1c';
const META_TOKEN = 'meta-access-token-77be20';
const TWILIO_SID = 'ACfake0000000000000000000000000001';
const TWILIO_TOKEN = 'twilio-auth-token-0c4d2e';

let fake: FakeProvider;
const agent = createSendAgent({ timeoutMs: 400 });

function senders(overrides: Record<string, string> = {}): SenderRegistry {
  return createSenders(
    {
      FONNTE_TOKEN,
      FONNTE_BASE_URL: fake.url,
      META_ACCESS_TOKEN: META_TOKEN,
      META_PHONE_NUMBER_ID: '200000000000002',
      META_GRAPH_URL: `${fake.url}/v21.0`,
      TWILIO_ACCOUNT_SID: TWILIO_SID,
      TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
      TWILIO_FROM: '+14155550100',
      TWILIO_BASE_URL: fake.url,
      PUBLIC_URL: 'https://wa.example.test',
      SEND_TIMEOUT_MS: 400,
      ...overrides,
    },
    agent,
  );
}

beforeAll(async () => {
  fake = await startFakeProvider();
});
afterEach(() => {
  fake.requests.length = 0;
  fake.replies.length = 0;
});
afterAll(async () => {
  await fake.close();
  await agent.close();
});

const message = { phone: '+6281234567890', text: 'Halo Budi, pesanan Anda sudah dikirim.' };

describe('Fonnte', () => {
  const fonnte = () => senders().get('fonnte')!;

  test('posts the documented fields with the device token as is (no Bearer) and takes the first id', async () => {
    fake.replies.push({ status: 200, json: { detail: 'success! message in queue', id: ['80367170'], process: 'pending', status: true, target: ['6281234567890'] } });
    const result = await fonnte().send({ ...message, mediaUrl: 'https://files.example/ticket.pdf', filename: 'ticket.pdf' });
    expect(result).toEqual({ kind: 'sent', providerMessageId: '80367170' });
    const [request] = fake.requests;
    expect(request?.path).toBe('/send');
    expect(request?.headers.authorization).toBe(FONNTE_TOKEN);
    expect(request?.headers['content-type']).toMatch(/^multipart\/form-data/);
    expect(request?.body).toEqual({
      target: '6281234567890',
      message: message.text,
      countryCode: '0',
      url: 'https://files.example/ticket.pdf',
      filename: 'ticket.pdf',
    });
  });

  test('a group is sent to its JID', async () => {
    fake.replies.push({ status: 200, json: { status: true, id: [80367171] } });
    expect(await fonnte().send({ phone: '120363025246125486@g.us', text: 'Halo grup' })).toEqual({ kind: 'sent', providerMessageId: '80367171' });
    expect(fake.requests[0]?.body.target).toBe('120363025246125486@g.us');
  });

  test.each([
    [{ status: 200, json: { reason: 'target invalid', requestid: 2937125, status: false } }, { kind: 'rejected', reason: 'Fonnte: target invalid' }],
    [{ status: 200, json: { reason: 'insufficient quota', status: false } }, { kind: 'rejected', reason: 'Fonnte: insufficient quota' }],
    [{ status: 200, text: '<html>oops</html>' }, { kind: 'unknown' }],
    [{ status: 200, json: { status: true } }, { kind: 'unknown' }],
    // A 5xx may come after Fonnte (or a proxy in front of it) took the message: never resent.
    [{ status: 502, text: 'Bad Gateway' }, { kind: 'unknown' }],
    [{ status: 500, text: 'oops' }, { kind: 'unknown' }],
    [{ status: 408, text: 'Request Timeout' }, { kind: 'unknown' }],
    [{ status: 429, text: 'slow down', headers: { 'retry-after': '7' } }, { kind: 'retry', retryAfterMs: 7000 }],
    [{ status: 401, json: { reason: 'token invalid', status: false } }, { kind: 'rejected' }],
  ])('answer %j → %j', async (reply, expected) => {
    fake.replies.push(reply);
    expect(await fonnte().send(message)).toMatchObject(expected);
  });

  test('connection refused: retry (nothing reached Fonnte)', async () => {
    const sender = senders({ FONNTE_BASE_URL: await closedPortUrl() }).get('fonnte')!;
    expect(await sender.send(message)).toMatchObject({ kind: 'retry', reason: expect.stringContaining('ECONNREFUSED') });
  });

  test('no answer in time: unknown, because Fonnte may have queued it', async () => {
    fake.replies.push({ status: 200, json: { status: true, id: ['1'] }, delayMs: 1500 });
    const result = await fonnte().send(message);
    expect(result.kind).toBe('unknown');
    expect(fake.requests).toHaveLength(1);
  });

  test('connection dropped after the request was read: unknown', async () => {
    fake.replies.push({ drop: true });
    expect((await fonnte().send(message)).kind).toBe('unknown');
  });

  test('connection reset before the request was written: retry (nothing reached Fonnte)', async () => {
    // A server that resets every connection as soon as it is accepted, before reading anything.
    const server = createNetServer((socket) => socket.resetAndDestroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      // A large body cannot be written whole before the reset arrives.
      const result = await senders({ FONNTE_BASE_URL: `http://127.0.0.1:${port}` })
        .get('fonnte')!
        .send({ ...message, text: 'x'.repeat(8 * 1024 * 1024) });
      expect(result).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/never left/) });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('Meta', () => {
  const meta = () => senders().get('meta')!;

  test('text: JSON to /{phone-number-id}/messages with the Bearer token', async () => {
    fake.replies.push({ status: 200, json: { messaging_product: 'whatsapp', contacts: [{ input: '6281234567890', wa_id: '6281234567890' }], messages: [{ id: 'wamid.FAKE1' }] } });
    expect(await meta().send(message)).toEqual({ kind: 'sent', providerMessageId: 'wamid.FAKE1' });
    expect(fake.requests[0]?.path).toBe('/v21.0/200000000000002/messages');
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${META_TOKEN}`);
    expect(fake.requests[0]?.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '6281234567890',
      type: 'text',
      text: { preview_url: false, body: message.text },
    });
  });

  test.each([
    ['https://files.example/photo.JPG', { type: 'image', image: { link: 'https://files.example/photo.JPG', caption: 'cap' } }],
    ['https://files.example/a.pdf?sig=1', { type: 'document', document: { link: 'https://files.example/a.pdf?sig=1', caption: 'cap', filename: 'a.pdf' } }],
    ['https://files.example/voice.ogg', { type: 'audio', audio: { link: 'https://files.example/voice.ogg' } }],
    // WebP is a sticker on Meta (images are JPEG or PNG only); a sticker takes no caption.
    ['https://files.example/STK-1.webp', { type: 'sticker', sticker: { link: 'https://files.example/STK-1.webp' } }],
    // A file Meta does not take as its type (a GIF is no JPEG/PNG image) goes as a document.
    ['https://files.example/anim.gif', { type: 'document', document: { link: 'https://files.example/anim.gif', caption: 'cap', filename: 'a.pdf' } }],
  ])('media %s is sent as %j', async (mediaUrl, expected) => {
    fake.replies.push({ status: 200, json: { messages: [{ id: 'wamid.M' }] } });
    await meta().send({ phone: '+6281234567890', text: 'cap', mediaUrl, filename: 'a.pdf' });
    expect(fake.requests[0]?.body).toMatchObject(expected);
  });

  test.each([
    [
      { status: 400, json: { error: { message: '(#131047) Re-engagement message', code: 131047, error_data: { details: 'Message failed to send because more than 24 hours have passed' } } } },
      { kind: 'rejected', reason: 'Meta 131047: Message failed to send because more than 24 hours have passed' },
    ],
    [{ status: 400, json: { error: { message: 'Rate limit hit', code: 130429 } } }, { kind: 'retry' }],
    [{ status: 400, json: { error: { message: '(#131056) pair rate limit hit', code: 131056 } } }, { kind: 'retry' }],
    [{ status: 400, json: { error: { message: 'Rate limit issues', code: 80007 } } }, { kind: 'retry' }],
    [{ status: 400, json: { error: { message: 'Application request limit reached', code: 4 } }, headers: { 'retry-after': '3' } }, { kind: 'retry', retryAfterMs: 3000 }],
    [{ status: 429, text: 'Too Many Requests' }, { kind: 'retry' }],
    [{ status: 401, json: { error: { message: 'Invalid OAuth access token', code: 190 } } }, { kind: 'rejected', reason: 'Meta 190: Invalid OAuth access token' }],
    // Server-side trouble does not prove the message was not taken.
    [{ status: 503, text: 'unavailable' }, { kind: 'unknown' }],
    [{ status: 500, json: { error: { message: 'Something went wrong', code: 131000 } } }, { kind: 'unknown' }],
    [{ status: 500, json: { error: { message: 'Service unavailable', code: 131016 } } }, { kind: 'unknown' }],
  ])('answer %j → %j', async (reply, expected) => {
    fake.replies.push(reply);
    expect(await meta().send(message)).toMatchObject(expected);
  });

  test('a group cannot be sent through Meta', async () => {
    await expect(meta().send({ phone: '120363025246125486@g.us', text: 'x' })).rejects.toMatchObject({ code: 'unsupported_target' });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('Twilio', () => {
  const twilio = () => senders().get('twilio')!;

  test('form-encoded with Basic auth, whatsapp: addresses and the status callback', async () => {
    fake.replies.push({ status: 201, json: { sid: 'SMfake01', status: 'queued' } });
    expect(await twilio().send({ ...message, mediaUrl: 'https://files.example/p.jpg' })).toEqual({ kind: 'sent', providerMessageId: 'SMfake01' });
    const [request] = fake.requests;
    expect(request?.path).toBe(`/2010-04-01/Accounts/${TWILIO_SID}/Messages.json`);
    expect(request?.headers.authorization).toBe(`Basic ${Buffer.from(`${TWILIO_SID}:${TWILIO_TOKEN}`).toString('base64')}`);
    expect(request?.body).toEqual({
      From: 'whatsapp:+14155550100',
      To: 'whatsapp:+6281234567890',
      Body: message.text,
      MediaUrl: 'https://files.example/p.jpg',
      StatusCallback: 'https://wa.example.test/api/wa/webhook/twilio',
    });
  });

  test.each([
    [{ status: 400, json: { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 } }, { kind: 'rejected', reason: "Twilio 21211: The 'To' number is not a valid phone number." }],
    [{ status: 429, json: { code: 20429, message: 'Too Many Requests' } }, { kind: 'retry' }],
    [{ status: 503, json: { code: 20429, message: 'Too Many Requests' } }, { kind: 'retry' }],
    [{ status: 500, text: 'oops' }, { kind: 'unknown' }],
    [{ status: 502, text: 'Bad Gateway' }, { kind: 'unknown' }],
  ])('answer %j → %j', async (reply, expected) => {
    fake.replies.push(reply);
    expect(await twilio().send(message)).toMatchObject(expected);
  });
});

test('a provider without credentials has no sender and says which settings to set', () => {
  const registry = senders({ FONNTE_TOKEN: '', META_PHONE_NUMBER_ID: '', TWILIO_FROM: '' });
  expect(registry.get('fonnte')).toBeUndefined();
  expect(registry.whyDisabled('fonnte')).toBe('sending through fonnte is off: set FONNTE_TOKEN');
  expect(registry.whyDisabled('meta')).toBe('sending through meta is off: set META_PHONE_NUMBER_ID');
  expect(registry.whyDisabled('twilio')).toBe('sending through twilio is off: set TWILIO_FROM');
});
