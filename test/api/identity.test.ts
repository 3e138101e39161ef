/**
 * Contacts without a number through the REST API (#9): a WhatsApp user id (BSUID) is accepted where a
 * number is — conversation/:phone, get_history?phone=, send_message — and one contact's records stay
 * one conversation across its number, its user id and their changes. The Odoo 13 double through the
 * real XML-RPC client (Gateway user); a fake Meta / Fonnte on 127.0.0.1 for sending.
 */
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createOdooClient } from '../../src/odoo/xmlrpc-client.js';
import { createOutboxWorker } from '../../src/services/outbox/worker.js';
import { createSendAgent } from '../../src/providers/common/http.js';
import { createSenders } from '../../src/providers/registry.js';
import { startFakeProvider, type FakeProvider } from './fake-provider.js';
import { bearer, buildApiApp, SEND_TOKEN, startOdoo, type ApiTestApp, type OdooUnderTest } from './helpers.js';
import { createHistoryRepository } from '../../src/odoo/repositories/history-repository.js';

const BUDI = '+6281234567890';
const BUDI_NEW = '+6281377778888';
const BUDI_ID = 'US.13491208655302741918';
const GROUP = '120363025246125486@g.us';
const SARI_ID = 'US.55501234';

let odoo: OdooUnderTest;
let provider: FakeProvider;
let api: ApiTestApp | undefined;
const agent = createSendAgent({ timeoutMs: 500 });

beforeAll(async () => {
  odoo = await startOdoo();
  provider = await startFakeProvider();
});
afterAll(async () => {
  await provider.close();
  await odoo.close();
  await agent.close();
});
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** An empty database with a new Gateway user (reset() removes users) and a client logged in as it. */
function freshDatabase(): void {
  odoo.double.reset();
  const user = odoo.double.addGatewayUser('gateway', 'gateway-password');
  odoo.odoo = createOdooClient({ url: odoo.double.url, db: odoo.double.db, username: user.login, password: user.password, timeoutMs: 2000 });
}

const at = (hour: number) => `2024-05-01 ${String(hour).padStart(2, '0')}:00:00`;
const msg = (id: string, hour: number, values: Record<string, unknown>) => ({
  direction: 'in',
  state: 'received',
  provider: 'meta',
  provider_message_id: id,
  message: id,
  timestamp: at(hour),
  ...values,
});

describe('reading a contact known by number and by user id', () => {
  beforeEach(() => {
    freshDatabase();
    odoo.double.seed('whatsapp.history', [
      msg('by-number', 1, { phone: BUDI }),
      msg('both', 2, { phone: BUDI, whatsapp_user_id: BUDI_ID }),
      msg('by-user-id', 3, { phone: false, whatsapp_user_id: BUDI_ID, contact_name: 'Budi' }),
      // Meta's user_changed_number notice: stored under the new number, with the old one.
      msg('changed', 4, { phone: BUDI_NEW, previous_phone: BUDI, message_type: 'other' }),
      msg('new-number', 5, { phone: BUDI_NEW }),
      // The same user writing in a group: the group is not Budi's conversation, nor he the group's.
      msg('in-group', 6, { phone: GROUP, whatsapp_user_id: BUDI_ID }),
      msg('sari', 7, { phone: false, whatsapp_user_id: SARI_ID }),
    ]);
  });

  const conversation = async (id: string) => {
    api ??= await buildApiApp({ odoo: odoo.odoo });
    const res = await api.get(`/api/wa/conversation/${encodeURIComponent(id)}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data as { phone: string; identities: { phones: string[]; user_ids: string[] }; contact_name: string | null; messages: { message: string; phone: string | null; user_id: string | null }[] };
  };

  test.each([BUDI, '0812-3456-7890', BUDI_ID, BUDI_NEW])('conversation/%s is the whole thread of all his identities, without the group', async (id) => {
    const thread = await conversation(id);
    expect(thread.messages.map((m) => m.message)).toEqual(['by-number', 'both', 'by-user-id', 'changed', 'new-number']);
    expect(thread.identities).toEqual({ phones: expect.arrayContaining([BUDI, BUDI_NEW]), user_ids: [BUDI_ID] });
    expect(thread.contact_name).toBe('Budi');
  });

  test('the message without a number shows null as its phone and its user id', async () => {
    const thread = await conversation(BUDI_ID);
    expect(thread.phone).toBe(BUDI_ID);
    expect(thread.messages.find((m) => m.message === 'by-user-id')).toMatchObject({ phone: null, user_id: BUDI_ID });
  });

  test("the group's thread is the group's only", async () => {
    const thread = await conversation(GROUP);
    expect(thread.messages.map((m) => m.message)).toEqual(['in-group']);
    expect(thread.identities).toEqual({ phones: [GROUP], user_ids: [] });
  });

  test('get_history?phone= takes a user id, too', async () => {
    api = await buildApiApp({ odoo: odoo.odoo });
    const res = await api.get(`/api/wa/get_history?phone=${SARI_ID}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual([expect.objectContaining({ message: 'sari', phone: null, user_id: SARI_ID })]);
  });

  test('stats count a contact seen only by user id as a contact', async () => {
    api = await buildApiApp({ odoo: odoo.odoo });
    const res = await api.get('/api/wa/stats?date_from=2024-05-01&date_to=2024-05-01');
    expect(res.statusCode, res.body).toBe(200);
    // Numbers: Budi's old and new ones and the group (3); user ids of messages without a number: Sari's and
    // Budi's (2) — Budi also counts by number: read_group cannot tell (README, stats).
    expect(res.json().data).toMatchObject({ total: 7, unique_contacts: 3 + 2 });
  });

  test('something that is neither a number nor a user id is a 400 naming both', async () => {
    api = await buildApiApp({ odoo: odoo.odoo });
    const res = await api.get(`/api/wa/conversation/${encodeURIComponent('US.ENT.1349')}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([{ field: 'params/phone', message: 'is not a phone number nor a WhatsApp user id' }]);
  });
});

describe('sending to a contact known only by user id', () => {
  beforeEach(() => {
    freshDatabase();
    provider.requests.length = 0;
    provider.replies.length = 0;
    provider.fallback = { status: 200, json: { messaging_product: 'whatsapp', messages: [{ id: 'wamid.SENT1' }] } };
  });

  const META = { SEND_PROVIDER: 'meta', META_ACCESS_TOKEN: 'meta-token-for-tests-1', META_PHONE_NUMBER_ID: '2000' };
  const post = (app: ApiTestApp, phone: string) =>
    app.inject({ method: 'POST', url: '/api/wa/send_message', headers: bearer(SEND_TOKEN), payload: { phone, message: 'Halo Budi' } });
  const outboxFor = (app: ApiTestApp) =>
    createOutboxWorker(
      { history: createHistoryRepository(odoo.odoo), journal: app.journal, senders: createSenders(app.config, agent), logger: pino({ level: 'silent' }), defaultCountry: 'ID' },
      { pollMs: 60_000, concurrency: 1, maxAttempts: 1, retryBaseMs: 5, retryMaxMs: 10, idempotencyTtlMs: 86_400_000 },
    );

  test('Meta: 202, stored with the user id and no number, linked to the partner that remembers it, sent with `recipient`', async () => {
    const [partnerId] = odoo.double.seed('res.partner', [{ name: 'Budi', whatsapp_user_id: BUDI_ID }]);
    api = await buildApiApp({ odoo: odoo.odoo, config: { ...META, META_GRAPH_URL: `${provider.url}/v25.0` } });
    const res = await post(api, BUDI_ID);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().data).toMatchObject({ phone: BUDI_ID, provider: 'meta', state: 'queued' });
    const id = res.json().data.id as number;
    expect(odoo.double.records('whatsapp.history').find((r) => r.id === id)).toMatchObject({ phone: null, whatsapp_user_id: BUDI_ID, partner_id: partnerId });

    await outboxFor(api).runOnce();
    expect(provider.requests).toHaveLength(1);
    expect(provider.requests[0]?.body).toMatchObject({ recipient: BUDI_ID, type: 'text', text: { body: 'Halo Budi' } });
    expect(provider.requests[0]?.body).not.toHaveProperty('to');
    expect(odoo.double.records('whatsapp.history').find((r) => r.id === id)).toMatchObject({ state: 'sent', provider_message_id: 'wamid.SENT1' });
  });

  test.each(['fonnte', 'twilio'])('%s: 400 unsupported_target before anything is stored', async (name) => {
    api = await buildApiApp({ odoo: odoo.odoo, config: { SEND_PROVIDER: name } });
    const before = odoo.double.log.length;
    const res = await post(api, BUDI_ID);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'unsupported_target',
      details: [{ field: 'body/phone', message: `${name} cannot send to a WhatsApp user id (BSUID) without a phone number; only Meta can` }],
    });
    expect(odoo.double.log.length).toBe(before);
  });

  test('queued in Odoo for Fonnte with only a user id: failed with the reason, nothing sent', async () => {
    api = await buildApiApp({ odoo: odoo.odoo, config: { FONNTE_BASE_URL: provider.url } });
    const [id] = odoo.double.seed('whatsapp.history', [
      { phone: false, whatsapp_user_id: BUDI_ID, direction: 'out', provider: 'fonnte', message: 'Halo', timestamp: at(9) },
    ]);
    await outboxFor(api).runOnce();
    expect(provider.requests).toHaveLength(0);
    expect(odoo.double.records('whatsapp.history').find((r) => r.id === id)).toMatchObject({
      state: 'failed',
      error_message: 'Cannot send: fonnte cannot send to a WhatsApp user id (BSUID) without a phone number; only Meta can',
    });
  });

  test('a record with a number and a user id is sent by number (`to`), even on Meta', async () => {
    api = await buildApiApp({ odoo: odoo.odoo, config: { ...META, META_GRAPH_URL: `${provider.url}/v25.0` } });
    odoo.double.seed('whatsapp.history', [{ phone: BUDI, whatsapp_user_id: BUDI_ID, direction: 'out', provider: 'meta', message: 'Halo', timestamp: at(9) }]);
    await outboxFor(api).runOnce();
    expect(provider.requests[0]?.body).toMatchObject({ to: '6281234567890' });
    expect(provider.requests[0]?.body).not.toHaveProperty('recipient');
  });
});
