/**
 * GET /api/wa/get_history, /api/wa/conversation/:phone and /api/wa/stats against the Odoo 13 double,
 * through the real XML-RPC client logged in as a WhatsApp / Gateway user.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHistoryService } from '../../src/services/history-service.js';
import { bearer, buildApiApp, READ_TOKEN, rpcsSince, startOdoo, type ApiTestApp, type OdooUnderTest } from './helpers.js';
import { createConversationRepository } from '../../src/odoo/repositories/conversation-repository.js';
import { createHistoryRepository } from '../../src/odoo/repositories/history-repository.js';

let odoo: OdooUnderTest;
let api: ApiTestApp;
let ids: Record<string, number>;
let partners: { budi: number; sari: number };

const BUDI = '+6281234567890';
const SARI = '+6281311112222';
const GROUP = '120363025246125486@g.us';
const UK = '+447911123456';

beforeAll(async () => {
  odoo = await startOdoo();
  const [budi, sari] = odoo.double.seed('res.partner', [
    { name: 'Budi Santoso', mobile: '0812-3456-7890' },
    { name: 'Sari Dewi', phone: '+62 813 1111 2222' },
  ]) as [number, number];
  partners = { budi, sari };
  const rows = {
    m1: { phone: BUDI, direction: 'in', state: 'received', message: 'Halo, pesanan saya sudah dikirim?', timestamp: '2024-05-01 08:00:00', partner_id: budi, contact_name: 'Budi', provider: 'fonnte', provider_message_id: '4412', device: '6285700000001' },
    m2: { phone: BUDI, direction: 'out', state: 'delivered', message: 'Sudah, resi JNE 123', timestamp: '2024-05-01 08:05:00', partner_id: budi, provider: 'fonnte', provider_message_id: '80367170' },
    m3: { phone: BUDI, direction: 'in', state: 'received', message: 'Terima kasih, 100% puas', timestamp: '2024-05-02 09:00:00', contact_name: 'Budi S', provider: 'fonnte', provider_message_id: '4413' },
    m4: { phone: SARI, direction: 'in', state: 'received', message: 'Mau booking TOUR Ubud', timestamp: '2024-05-02 09:00:00', partner_id: sari, contact_name: 'Sari', provider: 'meta', provider_message_id: 'wamid.A' },
    m5: { phone: SARI, direction: 'out', state: 'failed', message: 'Harga tour Ubud 500rb', timestamp: '2024-05-03 10:00:00', error_message: 'Fonnte: target invalid', provider: 'fonnte', provider_message_id: '80367171' },
    m6: { phone: GROUP, direction: 'in', state: 'received', message: 'Grup: jadwal besok', timestamp: '2024-05-06 12:00:00', contact_name: 'Agus', provider: 'fonnte', provider_message_id: '4414' },
    m7: { phone: BUDI, direction: 'out', state: 'queued', message: 'Besok dijemput jam 7', timestamp: '2024-05-08 07:00:00', provider: 'fonnte' },
    m8: { phone: UK, direction: 'in', state: 'received', message_type: 'image', media_url: 'https://files.example/photo.jpg', media_mimetype: 'image/jpeg', timestamp: '2024-05-08 07:00:00', provider: 'twilio', provider_message_id: 'SMfake01' },
  };
  const created = odoo.double.seed('whatsapp.history', Object.values(rows));
  ids = Object.fromEntries(Object.keys(rows).map((key, i) => [key, created[i] as number]));
  api = await buildApiApp({ odoo: odoo.odoo });
});

afterAll(async () => {
  await api?.close();
  await odoo?.close();
});

const idsOf = (body: { data: { id: number }[] }) => body.data.map((m) => m.id);
const names = (...keys: string[]) => keys.map((k) => ids[k]);

describe('get_history', () => {
  test('everything, newest first, with meta; one search_read and one search_count', async () => {
    const before = odoo.double.log.length;
    const res = await api.get('/api/wa/get_history', bearer(READ_TOKEN));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.ok).toBe(true);
    // m7 and m8 share a second: the newer id first, so pages never overlap.
    expect(idsOf(body)).toEqual(names('m8', 'm7', 'm6', 'm5', 'm4', 'm3', 'm2', 'm1'));
    expect(body.meta).toEqual({ total: 8, limit: 50, offset: 0 });
    expect(rpcsSince(odoo.double, before).sort()).toEqual(['whatsapp.history.search_count', 'whatsapp.history.search_read']);
  });

  test('a record carries every field, Odoo falses as nulls, the partner as {id, name}, ISO time', async () => {
    const body = (await api.get('/api/wa/get_history?phone=0812-3456-7890&direction=in&order=asc')).json();
    expect(body.data[0]).toEqual({
      id: ids.m1,
      phone: BUDI,
      user_id: null,
      username: null,
      contact_name: 'Budi',
      partner: { id: partners.budi, name: 'Budi Santoso' },
      direction: 'in',
      message: 'Halo, pesanan saya sudah dikirim?',
      message_type: 'text',
      media: null,
      provider: 'fonnte',
      provider_message_id: '4412',
      device: '6285700000001',
      state: 'received',
      error: null,
      timestamp: '2024-05-01T08:00:00Z',
    });
    const media = (await api.get(`/api/wa/get_history?phone=${encodeURIComponent(UK)}`)).json().data[0];
    expect(media).toMatchObject({ message: null, message_type: 'image', media: { url: 'https://files.example/photo.jpg', mimetype: 'image/jpeg', filename: null, attachment_id: null } });
    const failed = (await api.get('/api/wa/get_history?state=failed')).json().data;
    expect(failed).toEqual([expect.objectContaining({ id: ids.m5, state: 'failed', error: 'Fonnte: target invalid', partner: null })]);
  });

  test.each([
    ['phone=0812-3456-7890', ['m7', 'm3', 'm2', 'm1']],
    ['phone=6281234567890', ['m7', 'm3', 'm2', 'm1']],
    [`phone=${encodeURIComponent('+62 812 3456 7890')}`, ['m7', 'm3', 'm2', 'm1']],
    [`phone=${encodeURIComponent('whatsapp:+6281234567890')}`, ['m7', 'm3', 'm2', 'm1']],
    [`phone=${encodeURIComponent(GROUP)}`, ['m6']],
    ['phone=081399998888', []],
    ['direction=out', ['m7', 'm5', 'm2']],
    ['direction=in', ['m8', 'm6', 'm4', 'm3', 'm1']],
    ['state=queued', ['m7']],
    ['state=read', []],
    ['date_from=2024-05-02&date_to=2024-05-03', ['m5', 'm4', 'm3']],
    ['date_from=2024-05-08', ['m8', 'm7']],
    ['date_to=2024-05-01', ['m2', 'm1']],
    ['date_from=2024-05-02T09:00:00Z&date_to=2024-05-02T09:00:00Z', ['m4', 'm3']],
    [`date_to=${encodeURIComponent('2024-05-01T16:04:59+08:00')}`, ['m1']],
    [`date_to=${encodeURIComponent('2024-05-01T16:05:00+08:00')}`, ['m2', 'm1']],
    ['q=tour', ['m5', 'm4']],
    ['q=UBUD', ['m5', 'm4']],
    [`q=${encodeURIComponent('100%')}`, ['m3']],
    [`q=${encodeURIComponent('%')}`, ['m3']],
    ['q=_', []],
    [`q=${encodeURIComponent('jadwal besok')}`, ['m6']],
    [`partner_id=${0}`, null],
    ['direction=in&phone=081234567890', ['m3', 'm1']],
    ['direction=out&state=failed&q=ubud', ['m5']],
    ['date_from=2024-05-01&date_to=2024-05-02&direction=out', ['m2']],
  ])('%s', async (query, expected) => {
    const res = await api.get(`/api/wa/get_history?${query}`);
    if (expected === null) {
      expect(res.statusCode).toBe(400);
      return;
    }
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(idsOf(body)).toEqual(names(...expected));
    expect(body.meta.total).toBe(expected.length);
  });

  test('partner_id filters on the linked partner', async () => {
    expect(idsOf((await api.get(`/api/wa/get_history?partner_id=${partners.budi}`)).json())).toEqual(names('m2', 'm1'));
    expect(idsOf((await api.get(`/api/wa/get_history?partner_id=${partners.sari}`)).json())).toEqual(names('m4'));
    expect((await api.get('/api/wa/get_history?partner_id=999999')).json()).toMatchObject({ data: [], meta: { total: 0 } });
    // The largest id Odoo can hold is a valid filter.
    expect((await api.get('/api/wa/get_history?partner_id=2147483647')).json()).toMatchObject({ data: [], meta: { total: 0 } });
  });

  test.each([
    ['limit=3', ['m8', 'm7', 'm6'], { total: 8, limit: 3, offset: 0 }],
    ['limit=3&offset=6', ['m2', 'm1'], { total: 8, limit: 3, offset: 6 }],
    ['limit=3&offset=8', [], { total: 8, limit: 3, offset: 8 }],
    ['offset=1000', [], { total: 8, limit: 50, offset: 1000 }],
    ['limit=500', ['m8', 'm7', 'm6', 'm5', 'm4', 'm3', 'm2', 'm1'], { total: 8, limit: 500, offset: 0 }],
    ['limit=2&order=asc', ['m1', 'm2'], { total: 8, limit: 2, offset: 0 }],
  ])('pagination %s', async (query, expected, meta) => {
    const body = (await api.get(`/api/wa/get_history?${query}`)).json();
    expect(idsOf(body)).toEqual(names(...expected));
    expect(body.meta).toEqual(meta);
  });

  test('walking one record at a time visits every record once, ties included', async () => {
    for (const order of ['asc', 'desc']) {
      const seen: number[] = [];
      for (let offset = 0; offset < 8; offset++) seen.push(...idsOf((await api.get(`/api/wa/get_history?limit=1&offset=${offset}&order=${order}`)).json()));
      expect(new Set(seen).size).toBe(8);
    }
  });
});

describe('conversation', () => {
  test('one number, any form: oldest first, with the latest contact name and the partner', async () => {
    for (const form of ['0812-3456-7890', encodeURIComponent('+62 812 3456 7890'), '6281234567890', encodeURIComponent('628123456789@s.whatsapp.net'.replace('628123456789', '6281234567890'))]) {
      const res = await api.get(`/api/wa/conversation/${form}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.data.phone).toBe(BUDI);
      expect(body.data.contact_name).toBe('Budi S');
      expect(body.data.partner).toEqual({ id: partners.budi, name: 'Budi Santoso' });
      expect(body.data.messages.map((m: { id: number }) => m.id)).toEqual(names('m1', 'm2', 'm3', 'm7'));
      expect(body.meta).toEqual({ total: 4, limit: 50, offset: 0 });
    }
  });

  test('pages and the reverse order', async () => {
    const page = (await api.get('/api/wa/conversation/081234567890?limit=2&offset=2')).json();
    expect(page.data.messages.map((m: { id: number }) => m.id)).toEqual(names('m3', 'm7'));
    expect(page.data.contact_name).toBe('Budi S');
    expect(page.meta).toEqual({ total: 4, limit: 2, offset: 2 });
    const newest = (await api.get('/api/wa/conversation/081234567890?order=desc&limit=1')).json();
    expect(newest.data.messages.map((m: { id: number }) => m.id)).toEqual(names('m7'));
    const window = (await api.get('/api/wa/conversation/081234567890?date_from=2024-05-02')).json();
    expect(window.data.messages.map((m: { id: number }) => m.id)).toEqual(names('m3', 'm7'));
  });

  test('a group thread, and a number nobody wrote to yet (empty, not 404)', async () => {
    const group = (await api.get(`/api/wa/conversation/${encodeURIComponent(GROUP)}`)).json();
    expect(group.data).toMatchObject({ phone: GROUP, contact_name: 'Agus', partner: null });
    expect(group.data.messages).toHaveLength(1);
    const none = await api.get('/api/wa/conversation/081399998888');
    expect(none.statusCode).toBe(200);
    expect(none.json()).toEqual({
      ok: true,
      data: {
        phone: '+6281399998888',
        identities: { phones: ['+6281399998888'], user_ids: [] },
        contact_name: null,
        partner: null,
        conversation: null,
        conversations: [],
        messages: [],
      },
      meta: { total: 0, limit: 50, offset: 0 },
    });
  });
});

describe('conversation identity', () => {
  test('the name and partner are remembered for 30 s: later pages cost one Odoo call less, changes show after', async () => {
    let clock = 1_000_000;
    const service = createHistoryService({
      history: createHistoryRepository(odoo.odoo),
      conversations: createConversationRepository(odoo.odoo),
      defaultCountry: 'ID',
      now: () => clock,
    });
    const query = { limit: 2, offset: 0, order: 'asc' as const };
    let before = odoo.double.log.length;
    expect((await service.getConversation('081311112222', query)).data.contact_name).toBe('Sari');
    // The page and its count, the name and partner, the identities the thread is stored under, and its inbox state.
    expect(rpcsSince(odoo.double, before).sort()).toEqual([
      'whatsapp.conversation.search_read',
      'whatsapp.history.read_group',
      'whatsapp.history.search_count',
      'whatsapp.history.search_read',
      'whatsapp.history.search_read',
    ]);
    before = odoo.double.log.length;
    await service.getConversation('081311112222', { ...query, offset: 2 });
    // The inbox state changes with every message: read on every page, never remembered.
    expect(rpcsSince(odoo.double, before).sort()).toEqual(['whatsapp.conversation.search_read', 'whatsapp.history.search_count', 'whatsapp.history.search_read']);

    const [id] = odoo.double.seed('whatsapp.history', [
      { phone: SARI, direction: 'in', message: 'nama baru', contact_name: 'Sari Dewi', timestamp: '2024-05-09 00:00:00', provider: 'fonnte', provider_message_id: 'identity-1' },
    ]);
    try {
      expect((await service.getConversation('081311112222', query)).data.contact_name).toBe('Sari');
      clock += 30_001;
      expect((await service.getConversation('081311112222', query)).data.contact_name).toBe('Sari Dewi');
    } finally {
      odoo.double.database.remove('whatsapp.history', [id as number]);
    }
  });
});

describe('stats', () => {
  test('totals, states, unique contacts and a day series, computed with read_group only', async () => {
    const before = odoo.double.log.length;
    const res = await api.get('/api/wa/stats?date_from=2024-05-01&date_to=2024-05-08');
    expect(res.statusCode).toBe(200);
    expect(rpcsSince(odoo.double, before)).toEqual(['whatsapp.history.read_group', 'whatsapp.history.read_group', 'whatsapp.history.read_group']);
    const data = res.json().data;
    expect(data).toMatchObject({
      date_from: '2024-05-01T00:00:00Z',
      date_to: '2024-05-09T00:00:00Z',
      granularity: 'day',
      total: 8,
      incoming: 5,
      outgoing: 3,
      failed: 1,
      unique_contacts: 4,
      by_state: { received: 5, queued: 1, sent: 0, delivered: 1, read: 0, failed: 1 },
    });
    expect(data.series.map((p: { start: string; total: number }) => [p.start.slice(0, 10), p.total])).toEqual([
      ['2024-05-01', 2],
      ['2024-05-02', 2],
      ['2024-05-03', 1],
      ['2024-05-04', 0],
      ['2024-05-05', 0],
      ['2024-05-06', 1],
      ['2024-05-07', 0],
      ['2024-05-08', 2],
    ]);
    expect(data.series[2]).toEqual({ start: '2024-05-03T00:00:00Z', total: 1, incoming: 0, outgoing: 1, failed: 1 });
  });

  test('weeks start on Monday', async () => {
    const data = (await api.get('/api/wa/stats?date_from=2024-05-01&date_to=2024-05-08&granularity=week')).json().data;
    expect(data.series).toEqual([
      { start: '2024-04-29T00:00:00Z', total: 5, incoming: 3, outgoing: 2, failed: 1 },
      { start: '2024-05-06T00:00:00Z', total: 3, incoming: 2, outgoing: 1, failed: 0 },
    ]);
  });

  test('a period with instants counts only what falls inside', async () => {
    const data = (await api.get(`/api/wa/stats?date_from=${encodeURIComponent('2024-05-01T08:05:00Z')}&date_to=${encodeURIComponent('2024-05-02T09:00:00Z')}`)).json().data;
    expect(data).toMatchObject({ total: 3, incoming: 2, outgoing: 1, unique_contacts: 2 });
  });

  test('an empty period: zeros and an all-zero series (Odoo cannot marshal the empty aggregate; the answer is still 0)', async () => {
    const res = await api.get('/api/wa/stats?date_from=2023-01-01&date_to=2023-01-31');
    expect(res.statusCode).toBe(200);
    const data = res.json().data;
    expect(data).toMatchObject({ total: 0, incoming: 0, outgoing: 0, failed: 0, unique_contacts: 0 });
    expect(data.series).toHaveLength(31);
  });

  describe('at the end of the calendar (Odoo holds nothing after 9999-12-31 23:59:59)', () => {
    let edge: number[] = [];
    beforeAll(() => {
      edge = odoo.double.seed(
        'whatsapp.history',
        ['9999-12-20 10:00:00', '9999-12-30 10:00:00', '9999-12-31 23:59:59'].map((timestamp, i) => ({
          phone: BUDI,
          direction: 'in',
          message: `edge ${i}`,
          timestamp,
          provider: 'fonnte',
          provider_message_id: `edge-${i}`,
        })),
      );
    });
    afterAll(() => {
      odoo.double.database.remove('whatsapp.history', edge);
    });

    test('get_history up to its last second, with or without an offset', async () => {
      for (const [dateTo, total] of [['9999-12-31', 3], ['9999-12-31T23:59:59Z', 3], ['9999-12-31T23:59:59+01:00', 2]] as const) {
        const res = await api.get(`/api/wa/get_history?date_from=9999-12-01&date_to=${encodeURIComponent(dateTo)}`);
        expect(res.statusCode, `${dateTo}: ${res.body}`).toBe(200);
        expect(res.json().meta.total, dateTo).toBe(total);
      }
    });

    test('stats up to the last day (week) Odoo can count: valid ISO bounds, the edge message counted', async () => {
      const days = await api.get('/api/wa/stats?date_from=9999-12-01&date_to=9999-12-30');
      expect(days.statusCode, days.body).toBe(200);
      expect(days.json().data).toMatchObject({ date_from: '9999-12-01T00:00:00Z', date_to: '9999-12-31T00:00:00Z', total: 2 });
      expect(days.json().data.series.at(-1)).toEqual({ start: '9999-12-30T00:00:00Z', total: 1, incoming: 1, outgoing: 0, failed: 0 });
      const weeks = await api.get('/api/wa/stats?date_from=9999-12-06&date_to=9999-12-26&granularity=week');
      expect(weeks.statusCode, weeks.body).toBe(200);
      expect(weeks.json().data).toMatchObject({ date_to: '9999-12-27T00:00:00Z', total: 1 });
    });

    test('stats from the first second of 1970', async () => {
      const res = await api.get('/api/wa/stats?date_from=1970-01-01&date_to=1970-01-10&granularity=week');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().data.series.map((p: { start: string }) => p.start)).toEqual(['1969-12-29T00:00:00Z', '1970-01-05T00:00:00Z']);
    });
  });

  test('default: the last 30 days up to now', async () => {
    const recent = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 19).replace('T', ' ');
    const [id] = odoo.double.seed('whatsapp.history', [{ phone: BUDI, direction: 'in', message: 'baru', timestamp: recent, provider: 'fonnte', provider_message_id: 'recent-1' }]);
    try {
      const data = (await api.get('/api/wa/stats')).json().data;
      expect(Date.parse(data.date_to) - Date.parse(data.date_from)).toBe(30 * 86_400_000);
      expect(Math.abs(Date.parse(data.date_to) - Date.now())).toBeLessThan(5000);
      expect(data).toMatchObject({ total: 1, incoming: 1, unique_contacts: 1 });
      expect(data.series.length).toBeGreaterThanOrEqual(30);
      expect(data.series.length).toBeLessThanOrEqual(31);
    } finally {
      odoo.double.database.remove('whatsapp.history', [id as number]);
    }
  });
});
