/**
 * Failed webhook authentications are limited per IP far below the request limit (#10 item 9): the
 * request limit (WEBHOOK_RATE_LIMIT_MAX, ~2,000/s) alone let one address try 2,000 secrets a second.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { loadFixture } from '../fixtures/providers/index.js';
import { buildTestApp, TEST_SECRETS, type TestApp } from '../helpers/build.js';
import { captureLogs, expectError, formEncode, formParams, toFormParams, TWILIO_PATH, TWILIO_URL, twilioSignature } from './support.js';

const MAX = 5;
const ATTACKER = '203.0.113.7';
const PROVIDER = '198.51.100.20';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function app(overrides: Record<string, string> = {}, logger = captureLogs().logger): Promise<TestApp> {
  t = await buildTestApp({ logger, config: { WEBHOOK_AUTH_FAILURE_MAX: String(MAX), ...overrides } });
  return t;
}

let messageCounter = 0;
function fonnte(a: TestApp, secret: string, remoteAddress: string) {
  messageCounter += 1;
  const payload = { ...(loadFixture('fonnte', 'message-text') as Record<string, unknown>), inboxid: `auth-limit-${messageCounter}` };
  return a.app.inject({ method: 'POST', url: `/api/wa/webhook?secret=${secret}`, remoteAddress, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
}

const WRONG = 'wrong-secret-guess-000000';

describe('past WEBHOOK_AUTH_FAILURE_MAX failures, an address gets 429 on every webhook until the window ends', () => {
  test('wrong Fonnte secrets: 401 up to the limit, then 429 auth_rate_limited with Retry-After — even for the right secret', async () => {
    const { logger, lines } = captureLogs();
    const a = await app({}, logger);
    for (let i = 0; i < MAX; i += 1) expectError(await fonnte(a, `${WRONG}${i}`, ATTACKER), 401, 'invalid_signature');
    const refused = await fonnte(a, `${WRONG}x`, ATTACKER);
    expectError(refused, 429, 'auth_rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    // A right guess is not told apart from a wrong one any more.
    expectError(await fonnte(a, TEST_SECRETS.WEBHOOK_SECRET, ATTACKER), 429, 'auth_rate_limited');
    expect(a.spool.stats().pending).toBe(0);
    // …on the other providers' webhooks too.
    const twilio = await a.app.inject({ method: 'POST', url: TWILIO_PATH, remoteAddress: ATTACKER, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=1' });
    expectError(twilio, 429, 'auth_rate_limited');
    expect(lines.filter((line) => line.includes('webhook authentication failed too often'))).toHaveLength(1);
  });

  test('other addresses (the providers) are not affected', async () => {
    const a = await app();
    for (let i = 0; i <= MAX; i += 1) await fonnte(a, `${WRONG}${i}`, ATTACKER);
    expect((await fonnte(a, TEST_SECRETS.WEBHOOK_SECRET, PROVIDER)).statusCode).toBe(200);
    expect(a.spool.stats().pending).toBe(1);
  });

  test('an IPv6 client is counted per /64: changing the last 64 bits does not reset its count', async () => {
    const a = await app();
    for (let i = 0; i < MAX; i += 1) expectError(await fonnte(a, `${WRONG}${i}`, `2001:db8:7:1::${i + 1}`), 401, 'invalid_signature');
    expectError(await fonnte(a, TEST_SECRETS.WEBHOOK_SECRET, '2001:db8:7:1:ffff::9'), 429, 'auth_rate_limited');
    expect((await fonnte(a, TEST_SECRETS.WEBHOOK_SECRET, '2001:db8:7:2::1')).statusCode).toBe(200);
  });

  test('wrong Meta verify tokens (403) count as failures', async () => {
    const a = await app();
    const verify = (token: string) =>
      a.app.inject({ method: 'GET', url: `/api/wa/webhook/meta?hub.mode=subscribe&hub.challenge=42&hub.verify_token=${token}`, remoteAddress: ATTACKER });
    for (let i = 0; i < MAX; i += 1) expectError(await verify(`${WRONG}${i}`), 403, 'invalid_verify_token');
    expectError(await verify(TEST_SECRETS.META_VERIFY_TOKEN), 429, 'auth_rate_limited');
  });

  test('the window ends: the address may try again', async () => {
    const a = await app({ RATE_LIMIT_WINDOW_MS: '1000' });
    for (let i = 0; i < MAX; i += 1) await fonnte(a, `${WRONG}${i}`, ATTACKER);
    expectError(await fonnte(a, WRONG, ATTACKER), 429, 'auth_rate_limited');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await fonnte(a, TEST_SECRETS.WEBHOOK_SECRET, ATTACKER)).statusCode).toBe(200);
  });
});

test('a provider posting far more than WEBHOOK_AUTH_FAILURE_MAX webhooks, all authenticated, is never limited', async () => {
  const a = await app();
  const params = toFormParams(loadFixture('twilio', 'text'));
  const statuses: number[] = [];
  for (let i = 0; i < MAX * 20; i += 1) {
    const body = formEncode({ ...params, MessageSid: `SMburst${String(i).padStart(26, '0')}` });
    const response = await a.app.inject({
      method: 'POST',
      url: TWILIO_PATH,
      remoteAddress: PROVIDER,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(TWILIO_URL, formParams(body)) },
      payload: body,
    });
    statuses.push(response.statusCode);
  }
  expect(new Set(statuses)).toEqual(new Set([200]));
  expect(a.spool.stats().pending).toBe(MAX * 20);
});
