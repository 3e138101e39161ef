/**
 * Bodies built to be expensive for the Twilio webhook (#10 item 1): before the fix, `a=&a=&…` of 60 KB
 * held the event loop 12 s (each repeated name copied its whole array) — before the signature was even
 * looked at. Now any body up to BODY_LIMIT_BYTES costs about what a normal webhook of the same size
 * costs, and a field named `__proto__` counts in the signature like any other.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadFixture } from '../fixtures/providers/index.js';
import { buildTestApp, type TestApp } from '../helpers/build.js';
import { drainSpool, expectError, formEncode, formParams, toFormParams, TWILIO_PATH, TWILIO_URL, twilioSignature } from './support.js';

const FORM = 'application/x-www-form-urlencoded';
/** Where the old parser needed 12 s for one request; small enough for its failure to show in a minute. */
const BODY_LIMIT_BYTES = 64 * 1024;
/** Well-formed (base64 of 20 bytes), but not the signature of anything posted here. */
const FORGED_SIGNATURE = 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ config: { BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) } });
});
afterAll(() => t.close());

function post(body: string, signature: string | null) {
  return t.app.inject({
    method: 'POST',
    url: TWILIO_PATH,
    headers: { 'content-type': FORM, ...(signature === null ? {} : { 'x-twilio-signature': signature }) },
    payload: body,
  });
}

/** `field` repeated until the body is `bytes` long (the last one cut to fit). */
const filled = (bytes: number, field: (i: number) => string) => {
  let body = '';
  for (let i = 0; body.length < bytes; i += 1) body += field(i);
  return body.slice(0, bytes);
};

async function medianMs(times: number, run: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)] as number;
}

describe('a body of BODY_LIMIT_BYTES built to be expensive costs at most a small multiple of a normal webhook of that size', () => {
  // The baseline: a real, signed Twilio message padded to the same size (same bytes on the wire),
  // accepted and committed to the spool.
  const normal = toFormParams(loadFixture('twilio', 'text'));
  const padding = BODY_LIMIT_BYTES - formEncode({ ...normal, Body: '' }).length - 16;
  const normalBody = formEncode({ ...normal, Body: 'x'.repeat(padding) });
  const normalSignature = twilioSignature(TWILIO_URL, formParams(normalBody));

  const size = normalBody.length;
  const repeated = filled(size, () => 'a=&');
  const distinct = filled(size, (i) => `a${i}=&`);
  const separators = '&'.repeat(size);
  // As many fields as allowed, each a long run of escapes: all read, then the signature is wrong.
  const escapedValues = filled(size, (i) => `f${i % 200}=${'%41'.repeat(100)}&`);

  test.each([
    { name: 'repeated names, unsigned', body: repeated, signature: null, status: 401, code: 'invalid_signature' },
    { name: 'repeated names, a forged signature', body: repeated, signature: FORGED_SIGNATURE, status: 413, code: 'too_many_fields' },
    { name: 'distinct names, a forged signature', body: distinct, signature: FORGED_SIGNATURE, status: 413, code: 'too_many_fields' },
    { name: 'only separators, a forged signature', body: separators, signature: FORGED_SIGNATURE, status: 413, code: 'too_many_fields' },
    { name: '200 fields of escapes, a forged signature', body: escapedValues, signature: FORGED_SIGNATURE, status: 401, code: 'invalid_signature' },
  ])(
    '$name → $status $code',
    async ({ body, signature, status, code }) => {
      expect(body.length).toBe(size);
      expectError(await post(body, signature), status, code);
      drainSpool(t.spool);
      expect((await post(normalBody, normalSignature)).statusCode).toBe(200);
      drainSpool(t.spool);

      // Interleaved so that whatever else loads the machine loads both alike.
      const baseline = await medianMs(7, async () => {
        await post(normalBody, normalSignature);
        drainSpool(t.spool);
      });
      const attack = await medianMs(7, () => post(body, signature));
      expect(attack / baseline, `attack ${attack.toFixed(2)} ms vs a normal webhook ${baseline.toFixed(2)} ms`).toBeLessThan(3);
    },
    // The old parser needed seconds per request here; let it finish and fail on the ratio.
    120_000,
  );
});

describe('every field counts in the signature, __proto__ included', () => {
  const params = toFormParams(loadFixture('twilio', 'text'));
  const body = formEncode(params);
  const signature = twilioSignature(TWILIO_URL, formParams(body));

  test('a signed webhook with &__proto__=zz appended → 401 invalid_signature, nothing stored', async () => {
    drainSpool(t.spool);
    expectError(await post(`${body}&__proto__=zz`, signature), 401, 'invalid_signature');
    expect(t.spool.stats().pending).toBe(0);
  });

  test('a webhook signed with its __proto__ field is accepted and keeps the field', async () => {
    drainSpool(t.spool);
    const withProto = `${body}&__proto__=zz`;
    // Signed over every field, as Twilio would (the test helper's object cannot hold __proto__).
    const signed = twilioSignature(TWILIO_URL, { ...params, ['__proto__' as string]: 'zz' });
    const response = await post(withProto, signed);
    expect(response.statusCode, response.body).toBe(200);
    const [stored] = t.spool.takeDue('message', 10);
    const raw = stored?.event.kind === 'message' ? stored.event.raw : undefined;
    expect(Object.getOwnPropertyDescriptor(raw, '__proto__')?.value).toBe('zz');
  });
});
