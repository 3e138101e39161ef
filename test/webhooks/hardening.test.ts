/**
 * Smaller webhook findings of the security review (#10 item 14): the Meta handshake echo must not be
 * sniffable, and Twilio switched on without PUBLIC_URL is warned about at start-up.
 */
import { afterEach, expect, test } from 'vitest';
import { buildTestApp, TEST_SECRETS, type TestApp } from '../helpers/build.js';
import { captureLogs } from './support.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

test('the Meta handshake echoes the challenge as text/plain with X-Content-Type-Options: nosniff', async () => {
  t = await buildTestApp();
  const challenge = encodeURIComponent('<script>alert(1)</script>');
  const response = await t.app.inject({
    method: 'GET',
    url: `/api/wa/webhook/meta?hub.mode=subscribe&hub.verify_token=${TEST_SECRETS.META_VERIFY_TOKEN}&hub.challenge=${challenge}`,
  });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.body).toBe('<script>alert(1)</script>');
});

const PUBLIC_URL_WARNING = /TWILIO_AUTH_TOKEN is set but PUBLIC_URL is not/;

test.each([
  ['Twilio on, PUBLIC_URL empty: one warning naming both settings', { PUBLIC_URL: '' }, 1],
  ['Twilio on, PUBLIC_URL set: no warning', {}, 0],
  ['Twilio off, PUBLIC_URL empty: no warning', { PUBLIC_URL: '', TWILIO_AUTH_TOKEN: '' }, 0],
])('%s', async (_name, config, warnings) => {
  const { logger, lines } = captureLogs();
  t = await buildTestApp({ logger, config });
  const found = lines.filter((line) => PUBLIC_URL_WARNING.test(line));
  expect(found).toHaveLength(warnings);
  for (const line of found) expect(JSON.parse(line)).toMatchObject({ level: 40, msg: expect.stringContaining('Set PUBLIC_URL') });
});
