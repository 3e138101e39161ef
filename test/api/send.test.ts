/**
 * POST /api/wa/send_message and the outbox, end to end: the Odoo 13 double (real XML-RPC client, a
 * WhatsApp / Gateway user), a fake Fonnte on 127.0.0.1, the real send journal on disk.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Provider } from '../../src/domain/message.js';
import { OdooError } from '../../src/odoo/errors.js';
import { createOdooClient } from '../../src/odoo/xmlrpc-client.js';
import { createOutboxWorker, UNKNOWN_AFTER_RESTART, type OutboxWorker } from '../../src/services/outbox/worker.js';
import { createSendAgent } from '../../src/providers/common/http.js';
import { createSenders } from '../../src/providers/registry.js';
import { closedPortUrl, startFakeProvider, type FakeProvider } from './fake-provider.js';
import { bearer, buildApiApp, FULL_TOKEN, READ_TOKEN, SEND_TOKEN, startOdoo, type ApiTestApp, type OdooUnderTest } from './helpers.js';
import { createHistoryRepository } from '../../src/odoo/repositories/history-repository.js';

let odoo: OdooUnderTest;
let fonnte: FakeProvider;
let api: ApiTestApp | undefined;
let worker: OutboxWorker | undefined;
const agent = createSendAgent({ timeoutMs: 500 });
let sent: [Provider, string][] = [];

const FONNTE_OK = (id: string) => ({ status: 200, json: { detail: 'success! message in queue', id: [id], process: 'pending', status: true, target: ['6281234567890'] } });

beforeAll(async () => {
  odoo = await startOdoo();
  fonnte = await startFakeProvider();
});
afterAll(async () => {
  await fonnte.close();
  await odoo.close();
  await agent.close();
});
beforeEach(() => {
  odoo.double.reset();
  const user = odoo.double.addGatewayUser('gateway', 'gateway-password');
  odoo.odoo = createOdooClient({ url: odoo.double.url, db: odoo.double.db, username: user.login, password: user.password, timeoutMs: 2000 });
  fonnte.requests.length = 0;
  fonnte.replies.length = 0;
  fonnte.fallback = FONNTE_OK('99999999');
  fonnte.decide = undefined;
  sent = [];
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await api?.close();
  api = undefined;
});

interface Setup {
  config?: Record<string, string>;
  dir?: string;
  fonnteUrl?: string;
  maxAttempts?: number;
  /** The app kicks this worker after each 202 (default: no worker wired, sends happen on runOnce). */
  wireOutbox?: boolean;
  /** The outbox's clock (default: the real one). */
  now?: () => number;
}

async function setup(options: Setup = {}): Promise<{ api: ApiTestApp; worker: OutboxWorker }> {
  const kick = { kick: () => worker?.kick() };
  api = await buildApiApp({
    odoo: odoo.odoo,
    config: { FONNTE_BASE_URL: options.fonnteUrl ?? fonnte.url, ...options.config },
    ...(options.dir ? { dir: options.dir } : {}),
    ...(options.wireOutbox ? { outbox: kick } : {}),
  });
  const metrics = api.metrics;
  worker = createOutboxWorker(
    {
      history: createHistoryRepository(odoo.odoo),
      journal: api.journal,
      senders: createSenders(api.config, agent),
      logger: pino({ level: 'silent' }),
      defaultCountry: 'ID',
      countSend: (provider, outcome) => metrics.sends.inc({ provider, outcome }),
      onSent: (provider, id) => sent.push([provider, id]),
    },
    {
      pollMs: 60_000,
      concurrency: 2,
      maxAttempts: options.maxAttempts ?? 3,
      retryBaseMs: 5,
      retryMaxMs: 10,
      idempotencyTtlMs: 86_400_000,
      ...(options.now ? { now: options.now } : {}),
    },
  );
  return { api, worker };
}

const post = (app: ApiTestApp, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/api/wa/send_message', headers: { ...bearer(SEND_TOKEN), ...headers }, payload: payload as Record<string, unknown> });

const history = () => odoo.double.records('whatsapp.history');
const record = (id: number) => history().find((r) => r.id === id);

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs outbox passes until nothing is waiting for a retry. */
async function drain(w: OutboxWorker, app: ApiTestApp): Promise<void> {
  for (let i = 0; i < 50; i++) {
    await w.runOnce();
    if (app.journal.retries().length === 0 && app.journal.unrecorded(1).length === 0) return;
    await new Promise((r) => setTimeout(r, 15));
  }
  throw new Error('the outbox did not settle');
}

describe('send_message', () => {
  test('202 with the id; the record waits in Odoo as queued, normalised, linked to its partner; the outbox sends it', async () => {
    const [budi] = odoo.double.seed('res.partner', [{ name: 'Budi Santoso', mobile: '0812 3456 7890' }]);
    const { api, worker } = await setup();
    const res = await post(api, { phone: '0812-3456-7890', message: 'Halo Budi, tiket Anda terlampir.', media_url: 'https://files.example/ticket.pdf', filename: 'ticket.pdf' });
    expect(res.statusCode).toBe(202);
    const { id } = res.json().data;
    expect(res.json()).toEqual({ ok: true, data: { id, state: 'queued', phone: '+6281234567890', provider: 'fonnte' } });
    expect(record(id)).toMatchObject({
      phone: '+6281234567890',
      direction: 'out',
      state: 'queued',
      provider: 'fonnte',
      provider_message_id: null,
      message: 'Halo Budi, tiket Anda terlampir.',
      message_type: 'document',
      media_url: 'https://files.example/ticket.pdf',
      media_filename: 'ticket.pdf',
      partner_id: budi,
    });
    expect(fonnte.requests).toHaveLength(0);

    fonnte.replies.push(FONNTE_OK('80367170'));
    await worker.runOnce();
    expect(fonnte.requests).toHaveLength(1);
    expect(fonnte.requests[0]?.body).toMatchObject({ target: '6281234567890', message: 'Halo Budi, tiket Anda terlampir.', url: 'https://files.example/ticket.pdf', filename: 'ticket.pdf' });
    expect(record(id)).toMatchObject({ state: 'sent', provider_message_id: '80367170', error_message: null });
    expect(sent).toEqual([['fonnte', '80367170']]);

    // The API shows it, and nothing is sent again.
    const shown = (await api.get(`/api/wa/get_history?phone=081234567890`, bearer(READ_TOKEN))).json().data[0];
    expect(shown).toMatchObject({ id, state: 'sent', provider_message_id: '80367170', partner: { id: budi, name: 'Budi Santoso' } });
    await worker.runOnce();
    expect(fonnte.requests).toHaveLength(1);
    const metrics = (await api.get('/metrics', bearer(READ_TOKEN))).body;
    expect(metrics).toContain('wa_sends_total{provider="fonnte",outcome="sent"} 1');
  });

  test('a partner deleted or merged after it was cached: 202 all the same, linked to whoever holds the number now (regression: 502 for up to 10 minutes)', async () => {
    const [budi] = odoo.double.seed('res.partner', [{ name: 'Budi', mobile: '0812 3456 7890' }]);
    const { api } = await setup();
    const first = await post(api, { phone: '081234567890', message: 'one' });
    expect(record(first.json().data.id)).toMatchObject({ partner_id: budi });

    // Merged into another contact: the cached id now dangles.
    const admin = createOdooClient({ url: odoo.double.url, db: odoo.double.db, username: 'admin', password: 'admin', timeoutMs: 2000 });
    const [merged] = odoo.double.seed('res.partner', [{ name: 'Budi Santoso', phone: '+62 812-3456-7890' }]);
    await admin.call('res.partner', 'unlink', [[budi]]);
    const second = await post(api, { phone: '081234567890', message: 'two' });
    expect(second.statusCode).toBe(202);
    expect(record(second.json().data.id)).toMatchObject({ message: 'two', partner_id: merged });

    // Deleted with no successor: stored unlinked.
    await admin.call('res.partner', 'unlink', [[merged]]);
    const third = await post(api, { phone: '081234567890', message: 'three' });
    expect(third.statusCode).toBe(202);
    expect(record(third.json().data.id)).toMatchObject({ message: 'three', partner_id: null });
    expect(history()).toHaveLength(3);
  });

  test('the 202 wakes the outbox: the message leaves without waiting for the next poll', async () => {
    const { api, worker } = await setup({ wireOutbox: true });
    worker.start();
    await new Promise((r) => setTimeout(r, 30)); // the first (empty) pass
    fonnte.replies.push(FONNTE_OK('80367172'));
    const { id } = (await post(api, { phone: '+62 812 3456 7890', message: 'cepat' })).json().data;
    await until(() => record(id)?.state === 'sent');
    expect(record(id)?.provider_message_id).toBe('80367172');
  });

  test('a .webp is a sticker when sent, as when received: the record says sticker and Meta gets a sticker (regression: the send path typed it an image, the parsers a sticker)', async () => {
    const { api, worker } = await setup({
      config: { SEND_PROVIDER: 'meta', META_GRAPH_URL: fonnte.url, META_ACCESS_TOKEN: 'meta-token', META_PHONE_NUMBER_ID: '200000000000002' },
    });
    const res = await post(api, { phone: '081234567890', message: 'stiker', media_url: 'https://files.example/STK-0001.webp' });
    expect(res.statusCode).toBe(202);
    const { id } = res.json().data;
    // The same type an incoming .webp gets (src/providers/fonnte/parse.test.ts, message-sticker).
    expect(record(id)).toMatchObject({ provider: 'meta', message_type: 'sticker' });
    fonnte.replies.push({ status: 200, json: { messages: [{ id: 'wamid.STICKER' }] } });
    await worker.runOnce();
    // Meta takes WebP only as a sticker (its images are JPEG or PNG), and a sticker has no caption.
    expect(fonnte.requests[0]?.body).toMatchObject({ type: 'sticker', sticker: { link: 'https://files.example/STK-0001.webp' } });
    expect(fonnte.requests[0]?.body.sticker).not.toHaveProperty('caption');
    expect(record(id)).toMatchObject({ state: 'sent', provider_message_id: 'wamid.STICKER', message_type: 'sticker' });
  });

  test('a group chat is a target for Fonnte', async () => {
    const { api, worker } = await setup();
    const res = await post(api, { phone: '120363025246125486@g.us', message: 'Info grup' });
    expect(res.json().data.phone).toBe('120363025246125486@g.us');
    await worker.runOnce();
    expect(fonnte.requests[0]?.body.target).toBe('120363025246125486@g.us');
  });

  test('a number that cannot be normalised is refused before anything is stored', async () => {
    const { api } = await setup();
    const before = odoo.double.log.length;
    expect((await post(api, { phone: '0812', message: 'x' })).statusCode).toBe(400);
    expect(odoo.double.log.length).toBe(before);
    expect(history()).toHaveLength(0);
  });

  test('Odoo down → 503, nothing stored, and the caller may simply retry later', async () => {
    const { api } = await setup();
    await odoo.double.stop();
    try {
      const res = await post(api, { phone: '081234567890', message: 'x' }, { 'idempotency-key': 'order-7-confirmation' });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('odoo_unavailable');
    } finally {
      await odoo.double.restart();
    }
    // The request never reached Odoo, so the key is free again.
    const again = await post(api, { phone: '081234567890', message: 'x' }, { 'idempotency-key': 'order-7-confirmation' });
    expect(again.statusCode).toBe(202);
    expect(history()).toHaveLength(1);
  });
});

describe('Idempotency-Key', () => {
  const body = { phone: '081234567890', message: 'Konfirmasi booking #7' };

  test('the same key returns the same answer and never a second record or send', async () => {
    const { api, worker } = await setup();
    const first = await post(api, body, { 'idempotency-key': 'booking-7' });
    expect(first.statusCode).toBe(202);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const second = await post(api, { ...body, phone: '+62 812-3456-7890' }, { 'idempotency-key': 'booking-7' });
    expect(second.statusCode).toBe(202);
    expect(second.json()).toEqual(first.json());
    expect(second.headers['idempotent-replayed']).toBe('true');
    await worker.runOnce();
    const third = await post(api, body, { 'idempotency-key': 'booking-7' });
    expect(third.json()).toEqual(first.json());
    await worker.runOnce();
    expect(history()).toHaveLength(1);
    expect(fonnte.requests).toHaveLength(1);
  });

  test('the same key with another body → 422, nothing stored', async () => {
    const { api } = await setup();
    await post(api, body, { 'idempotency-key': 'booking-8' });
    const other = await post(api, { ...body, message: 'something else' }, { 'idempotency-key': 'booking-8' });
    expect(other.statusCode).toBe(422);
    expect(other.json().error.code).toBe('idempotency_key_reused');
    expect(history()).toHaveLength(1);
  });

  test('keys belong to a token: another token with the same key is another message', async () => {
    const { api } = await setup();
    await post(api, body, { 'idempotency-key': 'shared-key' });
    const other = await post(api, body, { ...bearer(FULL_TOKEN), 'idempotency-key': 'shared-key' });
    expect(other.statusCode).toBe(202);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(history()).toHaveLength(2);
  });

  test('while the first request runs, a second one with its key → 409 idempotency_in_progress', async () => {
    const { api } = await setup();
    odoo.double.latencyMs = 150;
    try {
      const [a, b] = await Promise.all([
        post(api, body, { 'idempotency-key': 'booking-9' }),
        new Promise((r) => setTimeout(r, 20)).then(() => post(api, body, { 'idempotency-key': 'booking-9' })),
      ]);
      expect([a.statusCode, b.statusCode]).toEqual([202, 409]);
      expect(b.json().error.code).toBe('idempotency_in_progress');
    } finally {
      odoo.double.latencyMs = 0;
    }
    expect(history()).toHaveLength(1);
  });

  test('Odoo did not answer in time: the key refuses to guess (409 idempotency_unknown) instead of risking a duplicate', async () => {
    odoo.odoo = createOdooClient({ url: odoo.double.url, db: odoo.double.db, username: 'gateway', password: 'gateway-password', timeoutMs: 200 });
    const { api } = await setup();
    // The first call (the partner lookup) is best effort; the second is the create.
    odoo.double.inject('hang', 2);
    const timedOut = await post(api, body, { 'idempotency-key': 'booking-10' });
    expect(timedOut.statusCode).toBe(503);
    expect(timedOut.json().error.code).toBe('odoo_timeout');
    const again = await post(api, body, { 'idempotency-key': 'booking-10' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'idempotency_unknown', message: expect.stringContaining('conversation') });
  });

  test('answers survive a restart of the gateway', async () => {
    const first = await setup();
    const dir = first.api.dir;
    const answer = (await post(first.api, body, { 'idempotency-key': 'booking-11' })).json();
    // "Restart": a new app on the same journal file.
    await worker?.stop();
    worker = undefined;
    const oldApi = api;
    api = undefined;
    await oldApi?.app.close();
    oldApi?.journal.close();
    oldApi?.spool.close();
    const second = await setup({ dir });
    const replay = await post(second.api, body, { 'idempotency-key': 'booking-11' });
    expect(replay.json()).toEqual(answer);
    expect(history()).toHaveLength(1);
  });
});

describe('provider outcomes', () => {
  test('Fonnte refuses (HTTP 200, status false): failed with its reason, not retried', async () => {
    const { api, worker } = await setup();
    fonnte.replies.push({ status: 200, json: { reason: 'target invalid', requestid: 1, status: false } });
    const { id } = (await post(api, { phone: '081234567890', message: 'x' })).json().data;
    await drain(worker, api);
    expect(record(id)).toMatchObject({ state: 'failed', error_message: 'Fonnte: target invalid', provider_message_id: null });
    expect(fonnte.requests).toHaveLength(1);
    expect(sent).toEqual([]);
  });

  test('429 twice, then accepted: retried with backoff and sent once', async () => {
    const { api, worker } = await setup();
    fonnte.replies.push({ status: 429, text: 'slow down' }, { status: 429, text: 'slow down' }, FONNTE_OK('80367180'));
    const { id } = (await post(api, { phone: '081234567890', message: 'x' })).json().data;
    await worker.runOnce();
    expect(record(id)).toMatchObject({ state: 'queued' });
    await drain(worker, api);
    expect(fonnte.requests).toHaveLength(3);
    expect(record(id)).toMatchObject({ state: 'sent', provider_message_id: '80367180' });
    const metrics = (await api.get('/metrics', bearer(READ_TOKEN))).body;
    expect(metrics).toContain('wa_sends_total{provider="fonnte",outcome="retried"} 2');
  });

  // Regression: a 5xx used to be retried, and a provider (or its proxy) that had taken the message
  // before failing delivered it twice.
  test.each([500, 502, 503, 504])('HTTP %i after the request went out: sent once, failed as "outcome unknown", never resent', async (status) => {
    const { api, worker } = await setup();
    fonnte.replies.push({ status, text: 'upstream trouble' });
    const { id } = (await post(api, { phone: '081234567890', message: 'x' })).json().data;
    await drain(worker, api);
    await worker.runOnce();
    expect(fonnte.requests).toHaveLength(1);
    expect(record(id)?.state).toBe('failed');
    expect(record(id)?.error_message).toBe(`Fonnte answered HTTP ${status}: upstream trouble; it may or may not have sent the message — not resent automatically`);
    expect((await api.get('/metrics', bearer(READ_TOKEN))).body).toContain('wa_sends_total{provider="fonnte",outcome="unknown"} 1');
  });

  test('a message waiting for a retry that an admin takes out of the queue is not sent', async () => {
    const { api, worker } = await setup();
    fonnte.replies.push({ status: 429, text: 'busy' });
    const { id } = (await post(api, { phone: '081234567890', message: 'x' })).json().data;
    await worker.runOnce();
    const admin = createOdooClient({ url: odoo.double.url, db: odoo.double.db, username: 'admin', password: 'admin' });
    await admin.write('whatsapp.history', [id], { state: 'failed', error_message: 'cancelled by admin' });
    await drain(worker, api);
    expect(fonnte.requests).toHaveLength(1);
    expect(record(id)).toMatchObject({ state: 'failed', error_message: 'cancelled by admin' });
  });

  test('still failing after SEND_MAX_ATTEMPTS: failed, saying why', async () => {
    const { api, worker } = await setup({ maxAttempts: 2 });
    fonnte.fallback = { status: 429, text: 'slow down' };
    const { id } = (await post(api, { phone: '081234567890', message: 'x' })).json().data;
    await drain(worker, api);
    expect(fonnte.requests).toHaveLength(2);
    expect(record(id)?.state).toBe('failed');
    expect(record(id)?.error_message).toMatch(/HTTP 429.*gave up after 2 attempts/);
  });

  test('provider unreachable (connection refused): retried, then failed', async () => {
    const { api, worker } = await setup({ fonnteUrl: await closedPortUrl(), maxAttempts: 2 });
    const { id } = (await post(api, { phone: '081234567890', message: 'x' })).json().data;
    await drain(worker, api);
    expect(record(id)?.error_message).toMatch(/ECONNREFUSED.*gave up after 2 attempts/);
  });

  test('no answer in time: failed as "outcome unknown", never resent', async () => {
    const { api, worker } = await setup();
    fonnte.replies.push({ ...FONNTE_OK('1'), delayMs: 1500 });
    const { id } = (await post(api, { phone: '081234567890', message: 'x' })).json().data;
    await drain(worker, api);
    expect(record(id)?.state).toBe('failed');
    expect(record(id)?.error_message).toMatch(/may or may not have sent.*not resent/);
    await worker.runOnce();
    expect(fonnte.requests).toHaveLength(1);
    expect((await api.get('/metrics', bearer(READ_TOKEN))).body).toContain('wa_sends_total{provider="fonnte",outcome="unknown"} 1');
  });

  test('Odoo down when the outcome is known: kept in the journal and written when Odoo is back', async () => {
    const { api, worker } = await setup();
    fonnte.replies.push(FONNTE_OK('80367190'));
    const { id } = (await post(api, { phone: '081234567890', message: 'x' })).json().data;
    const realWrite = odoo.odoo.write.bind(odoo.odoo);
    let failWrites = true;
    odoo.odoo.write = async (...args) => {
      if (failWrites) {
        await odoo.double.stop();
        try {
          return await realWrite(...args);
        } finally {
          await odoo.double.restart();
        }
      }
      return realWrite(...args);
    };
    await worker.runOnce();
    expect(record(id)?.state).toBe('queued');
    failWrites = false;
    await worker.runOnce();
    expect(record(id)).toMatchObject({ state: 'sent', provider_message_id: '80367190' });
    expect(fonnte.requests).toHaveLength(1);
  });
});

describe('outcomes Odoo refuses to store', () => {
  test('one record whose write Odoo keeps refusing does not hold back the other sends; it is stored once Odoo accepts it', async () => {
    let clock = Date.now();
    const { api, worker } = await setup({ now: () => clock });
    fonnte.replies.push(FONNTE_OK('80367240'), FONNTE_OK('80367241'), FONNTE_OK('80367242'));
    const locked = (await post(api, { phone: '081234567890', message: 'untuk booking yang dikunci' })).json().data.id;
    const other = (await post(api, { phone: '081311112222', message: 'untuk Sari' })).json().data.id;
    // A customization's write override refuses that one record (a UserError, not Odoo being down).
    const realWrite = odoo.odoo.write.bind(odoo.odoo);
    let refusing = true;
    odoo.odoo.write = async (model, ids, values, context) => {
      if (refusing && ids.includes(locked)) throw new OdooError('user', 'This booking is closed: its messages cannot be changed', { faultCode: 2 });
      return realWrite(model, ids, values, context);
    };

    const first = await worker.runOnce();
    expect(first.odooDown).toBe(false);
    expect(record(other)).toMatchObject({ state: 'sent', provider_message_id: '80367241' });
    expect(record(locked)).toMatchObject({ state: 'queued', provider_message_id: null });
    expect(api.journal.get(locked)).toMatchObject({ state: 'settled', outcome: 'sent', providerMessageId: '80367240', recordError: expect.stringContaining('booking is closed') });

    // Later messages still go out, and the refused one is neither resent nor retried on every pass.
    const later = (await post(api, { phone: '081399998888', message: 'pesan berikutnya' })).json().data.id;
    const writesBefore = odoo.double.log.filter((e) => e.modelMethod === 'write').length;
    const second = await worker.runOnce();
    expect(second.odooDown).toBe(false);
    expect(record(later)).toMatchObject({ state: 'sent', provider_message_id: '80367242' });
    expect(odoo.double.log.filter((e) => e.modelMethod === 'write').length - writesBefore).toBe(1); // `later` only
    expect(fonnte.requests.map((r) => r.body.message)).toEqual(['untuk booking yang dikunci', 'untuk Sari', 'pesan berikutnya']);

    // The override is lifted; when its wait is over the outcome is stored, still without a resend.
    refusing = false;
    clock += 2 * 3_600_000;
    await worker.runOnce();
    expect(record(locked)).toMatchObject({ state: 'sent', provider_message_id: '80367240' });
    expect(api.journal.get(locked)).toMatchObject({ state: 'recorded' });
    expect(fonnte.requests).toHaveLength(3);
    expect(sent.map(([, id]) => id).sort()).toEqual(['80367240', '80367241', '80367242']);
  });

  test('Odoo unreachable while storing an outcome still stops the pass: nothing is sent that could not be recorded', async () => {
    const { api, worker } = await setup();
    fonnte.replies.push(FONNTE_OK('80367250'));
    const { id } = (await post(api, { phone: '081234567890', message: 'x' })).json().data;
    api.journal.begin(id, 'fonnte');
    api.journal.settle(id, { outcome: 'sent', providerMessageId: '80367250' });
    const next = (await post(api, { phone: '081311112222', message: 'y' })).json().data.id;
    const realWrite = odoo.odoo.write.bind(odoo.odoo);
    odoo.odoo.write = async () => {
      throw new OdooError('unavailable', 'connect ECONNREFUSED 127.0.0.1:8069');
    };
    expect((await worker.runOnce()).odooDown).toBe(true);
    expect(fonnte.requests).toHaveLength(0);
    odoo.odoo.write = realWrite;
    await worker.runOnce();
    expect(record(id)).toMatchObject({ state: 'sent', provider_message_id: '80367250' });
    expect(record(next)?.state).toBe('sent');
  });
});

describe('order per contact', () => {
  test("one contact's messages go out one after the other, in order; other contacts in parallel", async () => {
    const { api, worker } = await setup();
    fonnte.decide = (request) => (request.body.message === 'budi-1' ? { ...FONNTE_OK('1'), delayMs: 120 } : undefined);
    await post(api, { phone: '081234567890', message: 'budi-1' });
    await post(api, { phone: '081311112222', message: 'sari-1' });
    await post(api, { phone: '+6281234567890', message: 'budi-2' });
    await worker.runOnce();
    const at = (message: string) => fonnte.requests.find((r) => r.body.message === message)!.at;
    expect(fonnte.requests).toHaveLength(3);
    // budi-2 left only after budi-1 was answered; sari-1 did not wait for budi.
    expect(at('budi-2') - at('budi-1')).toBeGreaterThanOrEqual(100);
    expect(at('sari-1') - at('budi-1')).toBeLessThan(100);
  });

  test('a message waiting for a retry holds back the later messages to the same contact only', async () => {
    const { api, worker } = await setup();
    let refused = false;
    fonnte.decide = (request) => {
      if (request.body.message !== 'budi-1' || refused) return undefined;
      refused = true;
      return { status: 429, text: 'busy' };
    };
    const first = (await post(api, { phone: '081234567890', message: 'budi-1' })).json().data.id;
    const second = (await post(api, { phone: '081234567890', message: 'budi-2' })).json().data.id;
    const other = (await post(api, { phone: '081311112222', message: 'sari-1' })).json().data.id;
    await worker.runOnce();
    expect(record(first)?.state).toBe('queued');
    expect(record(second)?.state).toBe('queued');
    expect(record(other)?.state).toBe('sent');
    await drain(worker, api);
    const messages = fonnte.requests.map((r) => r.body.message);
    expect(messages.filter((m) => m !== 'sari-1')).toEqual(['budi-1', 'budi-1', 'budi-2']);
    expect(messages.filter((m) => m === 'sari-1')).toHaveLength(1);
    expect([record(first)?.state, record(second)?.state]).toEqual(['sent', 'sent']);
  });
});

describe('restarts', () => {
  test('queued sends survive a restart of the gateway', async () => {
    const first = await setup();
    const dir = first.api.dir;
    const a = (await post(first.api, { phone: '081234567890', message: 'satu' })).json().data.id;
    const b = (await post(first.api, { phone: '081311112222', message: 'dua' })).json().data.id;
    // Stopped before the outbox ran.
    await worker?.stop();
    worker = undefined;
    const oldApi = api;
    api = undefined;
    await oldApi?.app.close();
    oldApi?.journal.close();
    oldApi?.spool.close();

    const second = await setup({ dir, wireOutbox: true });
    second.worker.start();
    await until(() => record(a)?.state === 'sent' && record(b)?.state === 'sent');
    expect(fonnte.requests.map((r) => r.body.message).sort()).toEqual(['dua', 'satu']);
  });

  test('a crash after the provider answered but before Odoo was told: the known outcome is written, nothing is resent', async () => {
    const first = await setup();
    const dir = first.api.dir;
    const { id } = (await post(first.api, { phone: '081234567890', message: 'sekali saja' })).json().data;
    // What the journal holds when the process dies between steps 2 and 3: settled as sent, Odoo still `queued`.
    first.api.journal.begin(id, 'fonnte');
    first.api.journal.settle(id, { outcome: 'sent', providerMessageId: '80367230' });
    await worker?.stop();
    worker = undefined;
    const oldApi = api;
    api = undefined;
    await oldApi?.app.close();
    oldApi?.journal.close();
    oldApi?.spool.close();

    const second = await setup({ dir });
    expect(record(id)).toMatchObject({ state: 'queued', provider_message_id: null });
    await second.worker.runOnce();
    expect(record(id)).toMatchObject({ state: 'sent', provider_message_id: '80367230' });
    expect(sent).toEqual([['fonnte', '80367230']]);
    await second.worker.runOnce();
    expect(fonnte.requests).toHaveLength(0);
  });

  test('killed (kill -9) while the provider call was in flight: marked failed "outcome unknown", never resent', async () => {
    const { api } = await setup();
    const { id } = (await post(api, { phone: '081234567890', message: 'in flight' })).json().data;
    fonnte.replies.push({ ...FONNTE_OK('1'), delayMs: 30_000 });
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./crash-child.ts', import.meta.url))], {
      env: {
        ...process.env,
        SEND_JOURNAL_PATH: join(api.dir, 'outbox.db'),
        ODOO_URL: odoo.double.url,
        ODOO_DB: odoo.double.db,
        ODOO_USERNAME: 'gateway',
        ODOO_PASSWORD: 'gateway-password',
        FONNTE_BASE_URL: fonnte.url,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += String(c)));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    try {
      await until(() => fonnte.requests.length === 1 || child.exitCode !== null, 15_000);
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`the child never called the provider: ${stderr}`, { cause: error });
    }
    expect(fonnte.requests).toHaveLength(1);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(record(id)?.state).toBe('queued');

    await worker!.runOnce();
    expect(record(id)).toMatchObject({ state: 'failed', error_message: UNKNOWN_AFTER_RESTART, provider_message_id: null });
    await worker!.runOnce();
    expect(fonnte.requests).toHaveLength(1);
  }, 30_000);
});

describe('replies typed in Odoo', () => {
  async function adminClient() {
    return createOdooClient({ url: odoo.double.url, db: odoo.double.db, username: 'admin', password: 'admin' });
  }

  test('an outgoing record created in the Odoo UI is sent too, whatever form the number was typed in', async () => {
    const { worker } = await setup();
    const admin = await adminClient();
    const id = await admin.create('whatsapp.history', { phone: '0813-1111-2222', direction: 'out', message: 'Balasan dari admin', provider: 'fonnte' }, { default_direction: 'out' });
    expect(record(id)?.state).toBe('queued');
    fonnte.replies.push(FONNTE_OK('80367200'));
    await worker.runOnce();
    expect(fonnte.requests[0]?.body).toMatchObject({ target: '6281311112222', message: 'Balasan dari admin' });
    expect(record(id)).toMatchObject({ state: 'sent', provider_message_id: '80367200' });
    expect(sent).toEqual([['fonnte', '80367200']]);
  });

  test('a reply the gateway cannot send fails visibly in Odoo instead of waiting forever', async () => {
    const { worker } = await setup();
    const admin = await adminClient();
    const badNumber = await admin.create('whatsapp.history', { phone: 'Budi', direction: 'out', message: 'x', provider: 'fonnte' });
    const metaOff = await admin.create('whatsapp.history', { phone: '081234567890', direction: 'out', message: 'x', provider: 'meta' });
    const empty = await admin.create('whatsapp.history', { phone: '081234567890', direction: 'out', message: '  ', provider: 'fonnte' });
    await worker.runOnce();
    expect(record(badNumber)).toMatchObject({ state: 'failed', error_message: 'Cannot send: the number "Budi" is not a phone number' });
    expect(record(metaOff)?.error_message).toMatch(/sending through meta is off: set META_ACCESS_TOKEN, META_PHONE_NUMBER_ID/);
    expect(record(empty)?.error_message).toBe('Cannot send: the message has neither text nor media');
    expect(fonnte.requests).toHaveLength(0);
  });

  test("Odoo's Retry on a failed message sends it again", async () => {
    const { api, worker } = await setup();
    fonnte.replies.push({ status: 200, json: { reason: 'device disconnected', status: false } }, FONNTE_OK('80367210'));
    const { id } = (await post(api, { phone: '081234567890', message: 'x' })).json().data;
    await worker.runOnce();
    expect(record(id)?.state).toBe('failed');
    // What the addon's action_retry writes.
    const admin = await adminClient();
    await admin.write('whatsapp.history', [id], { state: 'queued', error_message: false, provider_message_id: false });
    await worker.runOnce();
    expect(record(id)).toMatchObject({ state: 'sent', provider_message_id: '80367210' });
    expect(fonnte.requests).toHaveLength(2);
  });

  test("Odoo's Retry on a message the provider failed AFTER accepting it sends it again, under a new id", async () => {
    const { api, worker } = await setup();
    fonnte.replies.push(FONNTE_OK('80367220'), FONNTE_OK('80367221'));
    const { id } = (await post(api, { phone: '081234567890', message: 'Tiket Anda' })).json().data;
    await worker.runOnce();
    expect(record(id)).toMatchObject({ state: 'sent', provider_message_id: '80367220' });
    // Later a `failed` status arrives (Fonnte: expired; Meta: 131047) and the webhook writer stores it.
    await odoo.odoo.write('whatsapp.history', [id], { state: 'failed', error_message: 'Fonnte: expired' });
    // The admin presses Retry (what the addon's action_retry writes).
    const admin = await adminClient();
    await admin.write('whatsapp.history', [id], { state: 'queued', error_message: false, provider_message_id: false });
    await worker.runOnce();
    expect(fonnte.requests.map((r) => r.body.message)).toEqual(['Tiket Anda', 'Tiket Anda']);
    expect(record(id)).toMatchObject({ state: 'sent', provider_message_id: '80367221', error_message: null });
    expect(sent).toEqual([
      ['fonnte', '80367220'],
      ['fonnte', '80367221'],
    ]);
    // A new attempt, not the old one's count; and sent once per Retry only.
    expect(api.journal.get(id)).toMatchObject({ state: 'recorded', attempts: 1, providerMessageId: '80367221' });
    await worker.runOnce();
    expect(fonnte.requests).toHaveLength(2);
  });

  test('incoming and already-sent records are never picked up', async () => {
    const { worker } = await setup();
    odoo.double.seed('whatsapp.history', [
      { phone: '+6281234567890', direction: 'in', message: 'masuk', provider: 'fonnte', provider_message_id: 'in-1' },
      { phone: '+6281234567890', direction: 'out', state: 'sent', message: 'terkirim', provider: 'fonnte', provider_message_id: 'out-1' },
      { phone: '+6281234567890', direction: 'out', state: 'delivered', message: 'sampai', provider: 'fonnte', provider_message_id: 'out-2' },
    ]);
    await worker.runOnce();
    expect(fonnte.requests).toHaveLength(0);
  });
});
