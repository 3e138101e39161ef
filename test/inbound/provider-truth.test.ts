/**
 * Regressions of issue #9 ("keep every message a provider really sends"), end to end with the
 * project's own fixtures: posted through the real app, committed to the spool, delivered by the real
 * writer into the Odoo 13 double. One test per finding.
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterEach, expect, test } from 'vitest';
import { SETTINGS } from '../../config/schema.js';
import { createOdooClient } from '../../src/odoo/xmlrpc-client.js';
import { createPartnerResolver } from '../../src/services/partner-resolver.js';
import { createWriter } from '../../src/delivery/writer.js';
import { buildTestApp, TEST_SECRETS, testConfig, type TestApp } from '../helpers/build.js';
import { startOdooDouble, type OdooDouble } from '../odoo-double/index.js';
import { metaSignature, spooled } from '../webhooks/support.js';
import { createHistoryRepository } from '../../src/odoo/repositories/history-repository.js';
import { createRepositories } from '../../src/odoo/repositories/index.js';

const silent = pino({ level: 'silent' });
const fixture = (provider: string, name: string) => readFileSync(new URL(`../fixtures/providers/${provider}/${name}.json`, import.meta.url), 'utf8');

let double: OdooDouble | undefined;
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  await double?.close();
  t = undefined;
  double = undefined;
});

async function start() {
  double = await startOdooDouble();
  const user = double.addGatewayUser('whatsapp-gateway', 'gateway-password-123');
  const odoo = createOdooClient({ url: double.url, db: double.db, username: user.login, password: user.password, timeoutMs: 5000, logger: silent });
  t = await buildTestApp({ odoo });
  const writer = createWriter(
    {
      history: createHistoryRepository(odoo),
      spool: t.spool,
      logger: silent,
      resolvePartners: createPartnerResolver(createRepositories(odoo), { defaultCountry: 'ID', missTtlMs: 0 }),
      mediaUrl: (m) => m.url ?? (m.mediaId ? `https://graph.example/${m.mediaId}` : null),
    },
    { batchSize: 200, maxBackoffMs: 1000 },
  );
  const app = t;
  const odooDouble = double;
  return {
    fonnte: (body: string) =>
      app.app.inject({ method: 'POST', url: `/api/wa/webhook?secret=${TEST_SECRETS.WEBHOOK_SECRET}`, headers: { 'content-type': 'application/json' }, payload: body }),
    meta: (body: string) =>
      app.app.inject({ method: 'POST', url: '/api/wa/webhook/meta', headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body) }, payload: body }),
    /** Writer passes until the spool is empty (a batch is at most 200 messages). */
    deliver: async () => {
      for (let pass = 0; pass < 10 && app.spool.stats().pending > 0; pass += 1) {
        expect((await writer.runOnce()).retryAfterError).toBeUndefined();
      }
      expect(app.spool.stats()).toMatchObject({ pending: 0, deadLetters: 0 });
    },
    history: () => odooDouble.records('whatsapp.history'),
  };
}

test('1. Fonnte `inboxid: 0` (inbox feature off): every message reaches Odoo, each once however often Fonnte retries', async () => {
  const gw = await start();
  const first = fixture('fonnte', 'message-inboxid-zero');
  const second = JSON.stringify({ ...JSON.parse(first), message: 'Masih ada kamar?', timestamp: 1767000200 });
  for (const body of [first, first, second, second, first]) expect((await gw.fonnte(body)).statusCode).toBe(200);
  expect((await gw.fonnte(second)).json()).toEqual({ ok: true, data: { accepted: 0, duplicates: 1, events: 1 } });
  await gw.deliver();
  expect(gw.history().map((r) => [r.message, r.provider_message_id])).toEqual([
    ['Halo', expect.stringMatching(/^h:[0-9a-f]{40}$/)],
    ['Masih ada kamar?', expect.stringMatching(/^h:[0-9a-f]{40}$/)],
  ]);
  expect(gw.history().some((r) => r.provider_message_id === '0')).toBe(false);
});

test('2. Fonnte `text: "non-button message"`: a text with the real message, not a button', async () => {
  const gw = await start();
  await gw.fonnte(fixture('fonnte', 'message-non-button'));
  await gw.deliver();
  expect(gw.history()).toEqual([expect.objectContaining({ message_type: 'text', message: '@6285700000001 info paket Ubud' })]);
});

test('3. Meta usernames (BSUID): a message with no number is acknowledged, kept with its user id and stored in Odoo under it', async () => {
  const gw = await start();
  for (const name of ['bsuid-only', 'bsuid-contact-only', 'system-user-changed-user-id']) {
    const response = await gw.meta(fixture('meta', name));
    expect(response.statusCode, name).toBe(200);
    expect(response.json(), name).toEqual({ ok: true, data: { accepted: 1, duplicates: 0, events: 1 } });
  }
  expect(spooled(t!.spool)).toEqual([
    expect.objectContaining({ phone: null, userId: 'ID.7730215549820143', parentUserId: 'ID.ENT.5521098834412', username: 'rina.travels', text: 'Halo, masih ada kamar untuk tanggal 12?' }),
    expect.objectContaining({ phone: null, userId: 'ID.7730215549820143', text: 'Saya mau pesan 2 kamar' }),
    expect.objectContaining({
      phone: null,
      userId: 'ID.7730215549820143',
      identityChange: { previousPhone: null, newPhone: null, previousUserId: 'ID.4410982277305561', newUserId: 'ID.7730215549820143' },
    }),
  ]);
  await gw.meta(fixture('meta', 'bsuid-with-number'));
  expect(t!.spool.stats().quarantined).toBe(0);

  await gw.deliver();
  expect(t!.spool.stats().deadLetters).toBe(0);
  const stored = gw.history();
  expect(stored).toHaveLength(4);
  expect(stored.slice(0, 3)).toEqual([
    expect.objectContaining({ phone: null, whatsapp_user_id: 'ID.7730215549820143', message: 'Halo, masih ada kamar untuk tanggal 12?' }),
    expect.objectContaining({ phone: null, whatsapp_user_id: 'ID.7730215549820143', message: 'Saya mau pesan 2 kamar' }),
    expect.objectContaining({ phone: null, whatsapp_user_id: 'ID.7730215549820143', previous_whatsapp_user_id: 'ID.4410982277305561', message_type: 'other' }),
  ]);
  expect(stored[3]).toEqual(expect.objectContaining({ phone: expect.stringMatching(/^\+/), whatsapp_user_id: expect.stringMatching(/^[A-Z]{2}\./) }));
});

test("4. Meta's own unsupported shape (type without its object, errors 131000/131051): 200, a record of type other with Meta's error", async () => {
  const gw = await start();
  for (const name of ['unsupported-missing-object', 'unsupported', 'unsupported-with-type']) expect((await gw.meta(fixture('meta', name))).statusCode, name).toBe(200);
  await gw.deliver();
  expect(gw.history()).toEqual([
    expect.objectContaining({ provider_message_id: 'wamid.FAKE-noobject', message_type: 'other', error_message: '131000: Something went wrong — Unsupported webhook payload' }),
    expect.objectContaining({ provider_message_id: 'wamid.FAKE-unsupported', message_type: 'other', error_message: expect.stringContaining('131051: Message type unknown') }),
    expect.objectContaining({ provider_message_id: 'wamid.FAKE-unsupported-2', message_type: 'other', message: '(unsupported message: poll)' }),
  ]);
});

test('5. Meta edit and order keep their text: the new text (and which message), a summary of the items', async () => {
  const gw = await start();
  for (const name of ['edit', 'order', 'revoke']) expect((await gw.meta(fixture('meta', name))).statusCode, name).toBe(200);
  await gw.deliver();
  expect(gw.history().map((r) => [r.message_type, r.message])).toEqual([
    ['other', '(edited) Maaf, maksud saya tanggal 14'],
    ['other', '(order) 2 × TUR-UBUD at 450000 IDR, 1 × SNORKEL at 300000 IDR; total 1200000 IDR\nTolong antar sore'],
    ['other', '(deleted) wamid.FAKE-text-1'],
  ]);
});

test('6. A Meta batch over 1 MiB (~3 MB) is accepted and every message of it reaches Odoo', async () => {
  const gw = await start();
  const body = JSON.parse(fixture('meta', 'text')) as { entry: { changes: { value: { messages: unknown[] } }[] }[] };
  const value = body.entry[0]?.changes[0]?.value;
  if (value) {
    value.messages = Array.from({ length: 250 }, (_, i) => ({ from: '6281299990000', id: `wamid.FAKE-big-${i}`, timestamp: '1767000000', type: 'text', text: { body: `${i} ${'x'.repeat(12_000)}` } }));
  }
  const text = JSON.stringify(body);
  expect(text.length).toBeGreaterThan(3_000_000);
  const response = await gw.meta(text);
  expect(response.statusCode, response.body.slice(0, 200)).toBe(200);
  await gw.deliver();
  expect(gw.history()).toHaveLength(250);
});

test('7. META_GRAPH_URL defaults to a current Graph version (v21.0 is retired on 2027-01-21)', () => {
  expect(SETTINGS.META_GRAPH_URL.default).toBe('https://graph.facebook.com/v25.0');
  expect(testConfig().META_GRAPH_URL).toBe('https://graph.facebook.com/v25.0');
  expect(testConfig().META_BODY_LIMIT_BYTES).toBeGreaterThanOrEqual(4 * 1024 * 1024);
});
