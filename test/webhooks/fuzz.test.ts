/**
 * Seeded fuzzing through HTTP: ~300 authenticated bodies per provider (random JSON, mutated and
 * truncated fixtures, wrong types, random bytes). Whatever arrives: never a 5xx; never a 4xx for a
 * body that is JSON (form, for Twilio) — it is stored or quarantined; a rejection stores nothing; and
 * whatever was stored is well formed. A failure names the seed and the body index.
 */
import { readFileSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { keysOf, mutate, prng, randomString, randomValue, type Json } from '../fixtures/providers/fuzz.js';
import { fixtureNames, loadFixture } from '../fixtures/providers/index.js';
import { resultProblems } from '../fixtures/providers/well-formed.js';
import type { Provider } from '../../src/domain/message.js';
import { buildTestApp, TEST_SECRETS, type TestApp } from '../helpers/build.js';
import { formEncode, formParams, metaSignature, spooled, TWILIO_PATH, TWILIO_URL, twilioSignature, type FormParams } from './support.js';

const BODIES_PER_PROVIDER = 300;
/** The only refusals left once a body is authenticated: it is no JSON/form at all, or too large. */
const ERROR_CODES = ['invalid_json', 'invalid_form', 'payload_too_large'];

function isJson(body: Buffer): boolean {
  try {
    JSON.parse(body.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(() => t.close());

const fixtureText = (provider: Provider, name: string) =>
  readFileSync(new URL(`../fixtures/providers/${provider}/${name}.json`, import.meta.url), 'utf8');

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

function randomBytes(rand: () => number): Buffer {
  const bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 600) }, () => Math.floor(rand() * 256)));
  // Sometimes make it look like the start of JSON or a form.
  return rand() < 0.3 ? Buffer.concat([Buffer.from(pick(rand, ['{', '{"', '[', 'MessageSid='])), bytes]) : bytes;
}

/** A copy of `value` with one leaf replaced by a value of another JSON type. */
function retype(value: Json, rand: () => number): Json {
  const copy = structuredClone(value);
  const leaves: { parent: Record<string, Json> | Json[]; key: string | number }[] = [];
  const walk = (node: Json) => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => (child !== null && typeof child === 'object' ? walk(child) : leaves.push({ parent: node, key: i })));
    } else if (node && typeof node === 'object') {
      for (const [k, child] of Object.entries(node)) {
        if (child !== null && typeof child === 'object') walk(child);
        else leaves.push({ parent: node, key: k });
      }
    }
  };
  walk(copy);
  const leaf = leaves.length > 0 ? pick(rand, leaves) : undefined;
  if (leaf) (leaf.parent as Record<string | number, Json>)[leaf.key] = pick<Json>(rand, [null, 0, -1, 1.5, true, false, [], {}, '', 'x', [1, 2], { a: 'b' }]);
  return copy;
}

/** Seeded JSON bodies for Fonnte and Meta: the exact bytes to send. */
function jsonBodies(provider: Provider, seed: number): Buffer[] {
  const names = fixtureNames(provider);
  const fixtures = names.map((name) => loadFixture(provider, name) as Json);
  const keys = [...keysOf(fixtures), 'token', 'secret'];
  const rand = prng(seed);
  return Array.from({ length: BODIES_PER_PROVIDER }, (_, i) => {
    const fixture = fixtures[i % fixtures.length] ?? {};
    switch (i % 5) {
      case 0:
        return Buffer.from(JSON.stringify(randomValue(rand, keys)));
      case 1:
        return Buffer.from(JSON.stringify(mutate(fixture, rand, keys)));
      case 2: {
        const text = fixtureText(provider, names[i % names.length] ?? '');
        return Buffer.from(text.slice(0, Math.floor(rand() * text.length)));
      }
      case 3:
        return Buffer.from(JSON.stringify(retype(fixture, rand)));
      default:
        return randomBytes(rand);
    }
  });
}

function toParams(value: Json): FormParams {
  const params: FormParams = {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { Body: JSON.stringify(value) };
  for (const [name, item] of Object.entries(value)) {
    params[name] = Array.isArray(item) ? item.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) : typeof item === 'string' ? item : JSON.stringify(item);
  }
  return params;
}

/** Seeded form bodies for Twilio. */
function formBodies(seed: number): Buffer[] {
  const fixtures = fixtureNames('twilio').map((name) => loadFixture('twilio', name) as Json);
  const keys = [...keysOf(fixtures), 'MediaUrl1', 'MediaContentType1', 'Latitude', 'Longitude'];
  const rand = prng(seed);
  return Array.from({ length: BODIES_PER_PROVIDER }, (_, i) => {
    const fixture = fixtures[i % fixtures.length] ?? {};
    switch (i % 5) {
      case 0: {
        const params: FormParams = {};
        for (let k = Math.floor(rand() * 8); k > 0; k -= 1) params[rand() < 0.8 ? pick(rand, keys) : randomString(rand).slice(0, 30)] = randomString(rand);
        return Buffer.from(formEncode(params));
      }
      case 1:
        return Buffer.from(formEncode(toParams(mutate(fixture, rand, keys))));
      case 2: {
        const text = formEncode(toParams(fixture));
        return Buffer.from(text.slice(0, Math.floor(rand() * text.length)));
      }
      case 3: {
        const params = toParams(fixture);
        const name = pick(rand, Object.keys(params));
        params[name] = pick<string | string[]>(rand, ['', ' ', [String(params[name]), 'whatsapp:+6281311112222'], randomString(rand), '%', 'null']);
        return Buffer.from(formEncode(params));
      }
      default:
        return randomBytes(rand);
    }
  });
}

const SENDERS: Record<Provider, (app: TestApp, body: Buffer) => Promise<LightMyRequestResponse>> = {
  fonnte: (app, body) =>
    app.app.inject({ method: 'POST', url: `/api/wa/webhook?secret=${TEST_SECRETS.WEBHOOK_SECRET}`, headers: { 'content-type': 'application/json' }, payload: body }),
  meta: (app, body) =>
    app.app.inject({ method: 'POST', url: '/api/wa/webhook/meta', headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body) }, payload: body }),
  twilio: (app, body) =>
    app.app.inject({
      method: 'POST',
      url: TWILIO_PATH,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(TWILIO_URL, formParams(body.toString('utf8'))) },
      payload: body,
    }),
};

const CASES: [Provider, number, () => Buffer[]][] = [
  ['fonnte', 0xf0a7e, () => jsonBodies('fonnte', 0xf0a7e)],
  ['meta', 0x3e7a, () => jsonBodies('meta', 0x3e7a)],
  ['twilio', 0x7e11, () => formBodies(0x7e11)],
];

test.each(CASES)(`%s (seed %i): ${BODIES_PER_PROVIDER} authenticated bodies, no 5xx, a rejection stores nothing`, async (provider, seed, make) => {
  const bodies = make();
  const tally = { accepted: 0, quarantined: 0, rejected: 0 };
  for (const [index, body] of bodies.entries()) {
    const where = `${provider} seed ${seed} body #${index}: ${body.toString('utf8').slice(0, 200)}`;
    const before = t.spool.stats();
    const response = await SENDERS[provider](t, body);
    const after = t.spool.stats();
    expect(response.statusCode, `${where}\n→ ${response.body.slice(0, 300)}`).toBeLessThan(500);
    if (response.statusCode === 200) {
      const quarantinedNow = after.quarantined - before.quarantined;
      expect([0, 1], where).toContain(quarantinedNow);
      if (provider !== 'twilio') {
        const data = response.json<{ data: { accepted: number; quarantined?: number } }>().data;
        expect(after.pending - before.pending, where).toBe(data.accepted);
        // A body already quarantined (the same bytes again) is not kept twice, but is still said to be.
        if (quarantinedNow === 1) expect(data.quarantined, where).toBe(1);
        if (data.quarantined) tally.quarantined += 1;
        else tally.accepted += 1;
      } else {
        expect(after.pending, where).toBeGreaterThanOrEqual(before.pending);
        if (quarantinedNow) tally.quarantined += 1;
        else tally.accepted += 1;
      }
    } else {
      tally.rejected += 1;
      expect([400, 413], where).toContain(response.statusCode);
      const error = response.json<{ ok: boolean; error: { code: string; message: string } }>();
      expect(error.ok, where).toBe(false);
      expect(ERROR_CODES, where).toContain(error.error.code);
      // Authenticated JSON is never refused for its shape.
      if (provider !== 'twilio' && response.statusCode === 400) expect(isJson(body), `${where}\nJSON answered 400`).toBe(false);
      expect(after.pending, `${where}\na ${response.statusCode} must store nothing`).toBe(before.pending);
      expect(after.quarantined, `${where}\na ${response.statusCode} must store nothing`).toBe(before.quarantined);
    }
  }
  // Every answer must be exercised, or the fuzzing proves little.
  expect(tally.accepted).toBeGreaterThan(10);
  expect(tally.quarantined).toBeGreaterThan(10);
  expect(tally.rejected).toBeGreaterThan(5);
  // Whatever got in is something the writer can deliver.
  expect(resultProblems({ ok: true, events: spooled(t.spool), warnings: [] })).toEqual([]);
});
