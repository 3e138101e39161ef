/**
 * GET /api/wa/conversations and the conversation state on GET /api/wa/conversation/:phone, against the
 * Odoo 13 double (conversations seeded as the addon's upkeep would leave them), through the real
 * XML-RPC client logged in as a WhatsApp / Gateway user.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bearer, buildApiApp, READ_TOKEN, rpcsSince, SEND_TOKEN, startOdoo, type ApiTestApp, type OdooUnderTest } from './helpers.js';

let odoo: OdooUnderTest;
let api: ApiTestApp;
let agents: { wayan: number; made: number };
let partnerId: number;
let ids: Record<string, number>;

const BUDI = '+6281234567890';
const SARI = '+6281311112222';
const GROUP = '120363025246125486@g.us';
const BSUID = 'US.13491208655302741918';
const DEVICE = '6285700000001';

beforeAll(async () => {
  odoo = await startOdoo();
  agents = {
    wayan: odoo.double.addUser({ login: 'wayan', password: 'w', name: 'Wayan Agent', groups: ['whatsapp_headless.group_whatsapp_agent'] }),
    made: odoo.double.addUser({ login: 'made', password: 'm', name: 'Made Agent', groups: ['whatsapp_headless.group_whatsapp_agent'] }),
  };
  [partnerId] = odoo.double.seed('res.partner', [{ name: 'Budi Santoso', mobile: '0812-3456-7890' }]) as [number];
  const rows = {
    // Waiting, the longest-ago activity among the waiting ones: second.
    budi: {
      identity_key: BUDI, phone: BUDI, device: DEVICE, partner_id: partnerId, whatsapp_name: 'Budi', state: 'open',
      waiting_since: '2024-05-01 08:00:00', last_message_at: '2024-05-01 08:10:00', last_direction: 'in',
      last_message_preview: 'Halo, pesanan saya?', unread_count: 2, user_id: agents.wayan,
    },
    // Waiting, latest activity: first.
    sari: {
      identity_key: SARI, phone: SARI, device: DEVICE, whatsapp_name: 'Sari', state: 'open',
      waiting_since: '2024-05-02 09:00:00', last_message_at: '2024-05-02 09:00:00', last_direction: 'in',
      last_message_preview: 'Mau booking', unread_count: 1,
    },
    // Answered, newest activity of all, but nobody waits: after every waiting one.
    group: {
      identity_key: GROUP, phone: GROUP, device: DEVICE, whatsapp_name: 'Agus', state: 'open',
      last_message_at: '2024-05-09 12:00:00', last_direction: 'out', last_message_preview: 'Siap', unread_count: 0, user_id: agents.made,
    },
    // Closed with an unanswered message: done is never waiting.
    userOnly: {
      identity_key: `user:${BSUID}`, whatsapp_user_id: BSUID, device: DEVICE, state: 'done',
      waiting_since: '2024-05-03 10:00:00', last_message_at: '2024-05-03 10:00:00', last_direction: 'in', unread_count: 0,
    },
    // The same customer on a second business number, answered.
    budiSecond: {
      identity_key: BUDI, phone: BUDI, device: '6285700000002', whatsapp_name: 'Budi', state: 'open',
      last_message_at: '2024-04-01 08:00:00', last_direction: 'out', unread_count: 0,
    },
  };
  const created = odoo.double.seed('whatsapp.conversation', Object.values(rows));
  ids = Object.fromEntries(Object.keys(rows).map((key, i) => [key, created[i] as number]));
  api = await buildApiApp({ odoo: odoo.odoo });
});

afterAll(async () => {
  await api?.close();
  await odoo?.close();
});

const idsOf = (body: { data: { id: number }[] }) => body.data.map((c) => c.id);
const names = (...keys: string[]) => keys.map((k) => ids[k]);

describe('GET /api/wa/conversations', () => {
  test('inbox order: waiting first (latest activity first among them), then the others by last activity; one search_read and one search_count', async () => {
    const before = odoo.double.log.length;
    const res = await api.get('/api/wa/conversations', bearer(READ_TOKEN));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(idsOf(body)).toEqual(names('sari', 'budi', 'group', 'userOnly', 'budiSecond'));
    expect(body.meta).toEqual({ total: 5, limit: 50, offset: 0 });
    expect(rpcsSince(odoo.double, before).sort()).toEqual(['whatsapp.conversation.search_count', 'whatsapp.conversation.search_read']);
  });

  test('a conversation carries its state: waiting, unread, agent, partner, last activity; Odoo falses as nulls, ISO times', async () => {
    const body = (await api.get('/api/wa/conversations')).json();
    const [sari, budi, group, userOnly] = body.data;
    expect(budi).toEqual({
      id: ids.budi,
      name: 'Budi Santoso',
      phone: BUDI,
      user_id: null,
      device: DEVICE,
      contact_name: 'Budi',
      partner: { id: partnerId, name: 'Budi Santoso' },
      state: 'open',
      waiting: true,
      waiting_since: '2024-05-01T08:00:00Z',
      unread_count: 2,
      assigned_user: { id: agents.wayan, name: 'Wayan Agent' },
      last_message_at: '2024-05-01T08:10:00Z',
      last_direction: 'in',
      last_message_preview: 'Halo, pesanan saya?',
    });
    expect(sari).toMatchObject({ name: 'Sari', partner: null, assigned_user: null, waiting: true });
    expect(group).toMatchObject({ waiting: false, waiting_since: null, assigned_user: { id: agents.made, name: 'Made Agent' } });
    expect(userOnly).toMatchObject({ phone: null, user_id: BSUID, name: BSUID, state: 'done', waiting: false, last_message_preview: null });
  });

  test.each([
    ['waiting=true', ['sari', 'budi']],
    ['waiting=false', ['group', 'userOnly', 'budiSecond']],
    ['unread=true', ['sari', 'budi']],
    ['unread=false', ['group', 'userOnly', 'budiSecond']],
    ['assigned=none', ['sari', 'userOnly', 'budiSecond']],
    ['state=done', ['userOnly']],
    ['state=open', ['sari', 'budi', 'group', 'budiSecond']],
    ['state=open&unread=false', ['group', 'budiSecond']],
  ])('?%s', async (query, expected) => {
    const body = (await api.get(`/api/wa/conversations?${query}`)).json();
    expect(idsOf(body)).toEqual(names(...expected));
    expect(body.meta.total).toBe(expected.length);
  });

  test('?assigned=<user id>: the conversations of that agent', async () => {
    expect(idsOf((await api.get(`/api/wa/conversations?assigned=${agents.wayan}`)).json())).toEqual(names('budi'));
    expect(idsOf((await api.get(`/api/wa/conversations?assigned=${agents.made}&waiting=false`)).json())).toEqual(names('group'));
    expect((await api.get('/api/wa/conversations?assigned=999999')).json()).toMatchObject({ data: [], meta: { total: 0 } });
  });

  test('pages like get_history: limit and offset, meta with the total; walking one at a time visits each once in order', async () => {
    const page = (await api.get('/api/wa/conversations?limit=2&offset=1')).json();
    expect(idsOf(page)).toEqual(names('budi', 'group'));
    expect(page.meta).toEqual({ total: 5, limit: 2, offset: 1 });
    const walked: number[] = [];
    for (let offset = 0; offset < 6; offset++) walked.push(...idsOf((await api.get(`/api/wa/conversations?limit=1&offset=${offset}`)).json()));
    expect(walked).toEqual(names('sari', 'budi', 'group', 'userOnly', 'budiSecond'));
  });

  test.each([
    ['waiting=maybe', 'querystring/waiting'],
    ['unread=2', 'querystring/unread'],
    ['assigned=nobody', 'querystring/assigned'],
    ['assigned=0', 'querystring/assigned'],
    ['assigned=-3', 'querystring/assigned'],
    ['assigned=99999999999', 'querystring/assigned'],
    // Ten digits pass the pattern but no Odoo id (a PostgreSQL integer) is that large.
    ['assigned=4294967296', 'querystring/assigned'],
    ['state=pending', 'querystring/state'],
    ['limit=501', 'querystring/limit'],
    ['offset=-1', 'querystring/offset'],
    ['sort=name', 'querystring'],
  ])('?%s → 400 validation_error naming %s, and Odoo is not asked', async (query, field) => {
    const before = odoo.double.log.length;
    const res = await api.get(`/api/wa/conversations?${query}`);
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('validation_error');
    expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: expect.stringContaining(field) })]));
    expect(rpcsSince(odoo.double, before)).toEqual([]);
  });

  test('without a token → 401; with a send-only token → 403 insufficient_scope; Odoo is not asked', async () => {
    const before = odoo.double.log.length;
    const anonymous = await api.inject({ method: 'GET', url: '/api/wa/conversations?waiting=maybe' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('unauthorized');
    const sendOnly = await api.get('/api/wa/conversations', bearer(SEND_TOKEN));
    expect(sendOnly.statusCode).toBe(403);
    expect(sendOnly.json().error).toMatchObject({ code: 'insufficient_scope', message: 'This token lacks the read scope' });
    expect(rpcsSince(odoo.double, before)).toEqual([]);
  });
});

describe('GET /api/wa/conversation/:phone: the conversation state', () => {
  test("the contact's conversations, one per business number, in inbox order; `conversation` is the first", async () => {
    const body = (await api.get('/api/wa/conversation/0812-3456-7890')).json();
    expect(body.data.conversations.map((c: { id: number }) => c.id)).toEqual(names('budi', 'budiSecond'));
    expect(body.data.conversation).toMatchObject({
      id: ids.budi,
      waiting: true,
      waiting_since: '2024-05-01T08:00:00Z',
      unread_count: 2,
      assigned_user: { id: agents.wayan, name: 'Wayan Agent' },
      state: 'open',
      last_message_at: '2024-05-01T08:10:00Z',
      partner: { id: partnerId, name: 'Budi Santoso' },
    });
  });

  test('a contact known by WhatsApp user id only, and a group (never through a member)', async () => {
    const byUserId = (await api.get(`/api/wa/conversation/${BSUID}`)).json();
    expect(byUserId.data.conversation).toMatchObject({ id: ids.userOnly, state: 'done', waiting: false });
    const group = (await api.get(`/api/wa/conversation/${encodeURIComponent(GROUP)}`)).json();
    expect(group.data.conversations.map((c: { id: number }) => c.id)).toEqual(names('group'));
  });

  test('a number without conversation: null and an empty list', async () => {
    const body = (await api.get('/api/wa/conversation/081399998888')).json();
    expect(body.data).toMatchObject({ conversation: null, conversations: [] });
  });

  test('a change in Odoo shows on the next request (the state is never cached)', async () => {
    const [id] = odoo.double.seed('whatsapp.conversation', [{ identity_key: '+6281355550000', phone: '+6281355550000', unread_count: 1, waiting_since: '2024-05-05 00:00:00', last_message_at: '2024-05-05 00:00:00' }]) as [number];
    try {
      expect((await api.get('/api/wa/conversation/081355550000')).json().data.conversation).toMatchObject({ id, unread_count: 1, waiting: true });
      odoo.double.database.updateRow(odoo.double.database.model('whatsapp.conversation'), id, { unread_count: 0, waiting_since: null, is_waiting: false });
      expect((await api.get('/api/wa/conversation/081355550000')).json().data.conversation).toMatchObject({ id, unread_count: 0, waiting: false });
    } finally {
      odoo.double.database.remove('whatsapp.conversation', [id]);
    }
  });
});

describe('OpenAPI', () => {
  test('/docs/json lists GET /api/wa/conversations with its filters and the conversation state on the thread', async () => {
    const doc = (await api.get('/docs/json', {})).json();
    await SwaggerParser.validate(structuredClone(doc));
    const list = doc.paths['/api/wa/conversations'].get;
    expect(list.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['assigned', 'limit', 'offset', 'state', 'unread', 'waiting']);
    expect(list.security).toEqual([{ bearerAuth: [] }]);
    expect(list.tags).toEqual(['conversations']);
    expect(Object.keys(list.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    const item = list.responses['200'].content['application/json'].schema.properties.data.items;
    expect(item.required).toEqual(expect.arrayContaining(['waiting', 'waiting_since', 'unread_count', 'assigned_user', 'state', 'last_message_at', 'partner']));
    const thread = doc.paths['/api/wa/conversation/{phone}'].get.responses['200'].content['application/json'].schema.properties.data;
    expect(thread.required).toEqual(expect.arrayContaining(['conversation', 'conversations']));
  });
});
