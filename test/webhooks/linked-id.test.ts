/**
 * A contact WhatsApp shows only by its linked identity (`…@lid`), end to end: the Fonnte webhook,
 * the writer into the Odoo 13 double, then the REST facade reading and answering that thread.
 * The thread is the JID: never linked to a partner, found by conversation/:phone and the phone
 * filter, a Fonnte target, and refused with a clear 400 by providers that only know numbers.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createOutboxWorker } from '../../src/services/outbox/worker.js';
import { createSendAgent } from '../../src/providers/common/http.js';
import { createSenders } from '../../src/providers/registry.js';
import { startFakeProvider, type FakeProvider } from '../api/fake-provider.js';
import { bearer, buildApiApp, FULL_TOKEN, type ApiTestApp } from '../api/helpers.js';
import { buildTestApp } from '../helpers/build.js';
import { fixture, startRig, type Rig } from '../inbound/support.js';
import { expectError } from './support.js';
import { createHistoryRepository } from '../../src/odoo/repositories/history-repository.js';

const LID = '201234567890123@lid';
const LID_PATH = encodeURIComponent(LID);

let rig: Rig;
let fonnte: FakeProvider;
let api: ApiTestApp;
const agent = createSendAgent({ timeoutMs: 500 });

beforeAll(async () => {
  rig = await startRig();
  fonnte = await startFakeProvider({ status: 200, json: { detail: 'success! message in queue', id: ['80367199'], process: 'pending', status: true, target: [LID] } });
  // A partner whose number has the same digits: a linked id must never be matched to it.
  rig.double.seed('res.partner', [{ name: 'Not Rina', mobile: '201234567890123' }]);
  const webhook = await buildTestApp({ odoo: rig.odoo });
  try {
    // Fonnte's retries included: one record.
    for (const sender of [LID, '201234567890123:3@lid', LID]) {
      const payload = { ...(fixture('fonnte', 'message-lid') as object), sender };
      const response = await webhook.app.inject({ method: 'POST', url: `/api/wa/webhook?secret=${webhook.config.WEBHOOK_SECRET}`, payload });
      expect(response.statusCode).toBe(200);
    }
    rig.spool.enqueue(webhook.spool.takeDue('message', 10).map((s) => s.event));
  } finally {
    await webhook.close();
  }
  await rig.writer.runOnce();
  api = await buildApiApp({ odoo: rig.odoo, config: { FONNTE_BASE_URL: fonnte.url } });
});

afterAll(async () => {
  await api?.close();
  await fonnte?.close();
  await rig?.close();
  await agent.close();
});

test('the message is in Odoo under the JID, with no partner', () => {
  expect(rig.history()).toEqual([
    expect.objectContaining({ phone: LID, partner_id: null, contact_name: 'Rina', provider_message_id: '4425', message: 'Halo, masih ada paket snorkeling besok?' }),
  ]);
});

describe('reading the thread', () => {
  test.each([LID, '201234567890123@LID', '201234567890123:3@lid'])('conversation/%s returns it', async (phone) => {
    const response = await api.get(`/api/wa/conversation/${encodeURIComponent(phone)}`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().data).toMatchObject({ phone: LID, contact_name: 'Rina', partner: null, messages: [{ phone: LID, message: 'Halo, masih ada paket snorkeling besok?' }] });
  });

  test('get_history?phone= filters by it', async () => {
    const response = await api.get(`/api/wa/get_history?phone=${LID_PATH}`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().data).toEqual([expect.objectContaining({ phone: LID, partner: null })]);
  });

  test('status@broadcast is no conversation: 400 naming the phone', async () => {
    const error = expectError(await api.get(`/api/wa/conversation/${encodeURIComponent('status@broadcast')}`), 400, 'validation_error');
    expect(JSON.stringify(error.details)).toContain('Status');
  });
});

describe('answering the thread', () => {
  test('Fonnte: 202, stored under the JID without a partner, sent with the JID as the target', async () => {
    const response = await api.inject({ method: 'POST', url: '/api/wa/send_message', headers: bearer(FULL_TOKEN), payload: { phone: '201234567890123@LID', message: 'Masih, kak' } });
    expect(response.statusCode, response.body).toBe(202);
    expect(response.json().data).toMatchObject({ phone: LID, provider: 'fonnte' });
    const worker = createOutboxWorker(
      { history: createHistoryRepository(rig.odoo), journal: api.journal, senders: createSenders(api.config, agent), logger: pino({ level: 'silent' }), defaultCountry: 'ID' },
      { pollMs: 60_000, concurrency: 1, maxAttempts: 1, retryBaseMs: 5, retryMaxMs: 10, idempotencyTtlMs: 86_400_000 },
    );
    await worker.runOnce();
    expect(fonnte.requests.map((r) => r.body.target)).toEqual([LID]);
    expect(rig.history().find((r) => r.direction === 'out')).toMatchObject({ phone: LID, partner_id: null, state: 'sent', provider_message_id: '80367199' });
  });

  test.each(['meta', 'twilio'])('%s: 400 saying it cannot send to a linked id, nothing stored', async (provider) => {
    const other = await buildApiApp({ odoo: rig.odoo, config: { SEND_PROVIDER: provider } });
    try {
      const before = rig.history().length;
      const response = await other.inject({ method: 'POST', url: '/api/wa/send_message', headers: bearer(FULL_TOKEN), payload: { phone: LID, message: 'x' } });
      const error = expectError(response, 400, 'unsupported_target');
      expect(error.details).toEqual([expect.objectContaining({ field: 'body/phone', message: expect.stringContaining('linked id') })]);
      expect(rig.history()).toHaveLength(before);
    } finally {
      await other.close();
    }
  });
});
