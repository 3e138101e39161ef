/**
 * Contract: the REST facade (GET get_history, conversation/:phone, stats; POST send_message) built
 * with buildApp on the harness's WhatsApp / Gateway client — against the double in `npm test`, and
 * against a real Odoo 13 in `npm run test:live`. What is held to real Odoo here is what the services
 * ask of it: `=ilike` with escaped `%` `_` `\`, timestamp bounds to the second, `timestamp, id`
 * ordering with offset/limit, many2one partners, read_group day/week buckets in UTC with their
 * `__domain` bounds, count_distinct, and the empty-period aggregate.
 *
 * Isolation in a shared Odoo: the 31 messages live in a three-week window picked at random in the past
 * (2000–2019) and checked empty first, so every query is scoped by dates (stats cannot be scoped
 * otherwise) and parallel runs or leftovers never collide; the numbers are random per run too. All
 * records carry the harness tag and are deleted afterwards (as admin). No message is sent: the app has
 * no outbox worker, and Fonnte points at a closed local port.
 */
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ConversationSummary } from '../../src/domain/conversation.js';
import { normalizePhone } from '../../src/lib/phone.js';
import { closedPortUrl } from '../api/fake-provider.js';
import { bearer, buildApiApp, FULL_TOKEN, SEND_TOKEN, type ApiTestApp } from '../api/helpers.js';
import { HISTORY, historyValues, PARTNER, setupContractEnv } from './harness.js';

const env = await setupContractEnv(import.meta.url);
let api: ApiTestApp | undefined;
// Registered first, so that the live users are removed whatever fails below.
afterAll(async () => {
  try {
    await api?.close();
  } finally {
    await env.close();
  }
});

const DAY_MS = 86_400_000;
const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');

/** Indonesian mobile numbers nobody else uses: +62 8xx + 8 random digits. */
function randomNumber(prefix: '812' | '813' | '857' | '821') {
  const rest = digits(8);
  const e164 = `+62${prefix}${rest}`;
  const check = normalizePhone(e164, 'ID');
  if (!check.ok || check.kind !== 'phone' || check.e164 !== e164) throw new Error(`generated an invalid number ${e164}`);
  return { e164, national: `0${prefix}-${rest.slice(0, 4)}-${rest.slice(4)}`, spaced: `+62 ${prefix} ${rest.slice(0, 4)} ${rest.slice(4)}`, bare: `62${prefix}${rest}` };
}
const BUDI = randomNumber('812');
const SARI = randomNumber('813');
const KOMANG = randomNumber('857');
const NOBODY = randomNumber('821');

/**
 * A Monday at 00:00 UTC, 2000–2019, such that [W − 7 d, W + 28 d) holds no message at all (checked as
 * admin, who sees every record): the seed fills [W − 1 s, W + 21 d], the empty-period test looks before.
 */
async function pickEmptyWindow(): Promise<number> {
  const firstMonday = Date.UTC(2000, 0, 3);
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const start = firstMonday + randomInt(1000) * 7 * DAY_MS;
    const taken = await env.admin.searchCount(HISTORY, [
      ['timestamp', '>=', odooTime(start - 7 * DAY_MS)],
      ['timestamp', '<', odooTime(start + 28 * DAY_MS)],
    ]);
    if (taken === 0) return start;
  }
  throw new Error('no empty three-week window found in 2000–2019 of this Odoo');
}
const odooTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const W = await pickEmptyWindow();

/** Day `d` of the window as the API takes it (`YYYY-MM-DD`), and an instant on it. */
const day = (d: number) => new Date(W + d * DAY_MS).toISOString().slice(0, 10);
const isoAt = (d: number, time = '00:00:00') => `${day(d)}T${time}Z`;
const odooAt = (d: number, time: string) => `${day(d)} ${time}`;

type Who = 'budi' | 'sari' | 'komang';
const phoneOf: Record<Who, string> = { budi: BUDI.e164, sari: SARI.e164, komang: KOMANG.e164 };

interface Seed {
  who: Who;
  direction: 'in' | 'out';
  state: 'received' | 'queued' | 'sent' | 'delivered' | 'read' | 'failed';
  day: number;
  time: string;
  message: string;
  contact?: string;
  /** Linked to Budi's partner. */
  partner?: true;
  error?: string;
}

/**
 * Seeded in this order (so ids rise in it): Komang, Sari, Budi. Messages of the same second
 * (d1 09:00 s1 s2 b4; d8 12:00 k4 b8; d12 15:00 s6 s11; d15 08:00 k8 s8) are ordered by id.
 * b0 is the last second before the window, s9 the first second after it.
 */
const SEED = {
  k1: { who: 'komang', direction: 'in', state: 'received', day: 0, time: '12:00:00', message: 'Ada kamar kosong?' },
  k2: { who: 'komang', direction: 'out', state: 'sent', day: 0, time: '12:10:00', message: 'Ada, 2 kamar' },
  k3: { who: 'komang', direction: 'in', state: 'received', day: 4, time: '07:00:00', message: 'Rp 1.500.000 (50 persen DP)' },
  k4: { who: 'komang', direction: 'out', state: 'read', day: 8, time: '12:00:00', message: 'DP diterima, terima kasih' },
  k5: { who: 'komang', direction: 'in', state: 'received', day: 13, time: '20:00:00', message: 'Bisa check-in jam 12?' },
  k6: { who: 'komang', direction: 'out', state: 'queued', day: 19, time: '09:00:00', message: 'Check-in jam 14' },
  k7: { who: 'komang', direction: 'out', state: 'failed', day: 20, time: '00:00:00', message: 'Pengingat', error: 'device offline' },
  k8: { who: 'komang', direction: 'in', state: 'received', day: 15, time: '08:00:00', message: 'Tiba 15 Agustus' },

  s1: { who: 'sari', direction: 'in', state: 'received', day: 1, time: '09:00:00', message: 'Harga 500 ribu per orang?', contact: 'Sari' },
  s2: { who: 'sari', direction: 'out', state: 'sent', day: 1, time: '09:00:00', message: 'Betul, 500rb sudah termasuk makan' },
  s3: { who: 'sari', direction: 'in', state: 'received', day: 6, time: '23:00:00', message: 'Saya kirim fileXa.pdf', contact: 'Sari' },
  s4: { who: 'sari', direction: 'out', state: 'delivered', day: 6, time: '23:30:00', message: 'KAFÉ kami buka jam 8' },
  s5: { who: 'sari', direction: 'in', state: 'received', day: 7, time: '00:00:00', message: 'Ok', contact: 'Sari' },
  s6: { who: 'sari', direction: 'out', state: 'failed', day: 12, time: '15:00:00', message: 'Booking ulang', error: 'number not on WhatsApp' },
  s7: { who: 'sari', direction: 'out', state: 'read', day: 13, time: '15:00:00', message: 'Booking berhasil' },
  s8: { who: 'sari', direction: 'in', state: 'received', day: 15, time: '08:00:00', message: 'Foto di folder C:\\tour\\bali', contact: 'Sari Dewi' },
  s9: { who: 'sari', direction: 'out', state: 'sent', day: 21, time: '00:00:00', message: 'Sesudah jendela' },
  s10: { who: 'sari', direction: 'out', state: 'delivered', day: 18, time: '18:00:00', message: 'Semoga 100% puas!' },
  s11: { who: 'sari', direction: 'in', state: 'received', day: 12, time: '15:00:00', message: 'Kenapa gagal?', contact: 'Sari' },

  b0: { who: 'budi', direction: 'in', state: 'received', day: -1, time: '23:59:59', message: 'Sebelum jendela', contact: 'Budi', partner: true },
  b1: { who: 'budi', direction: 'in', state: 'received', day: 0, time: '00:00:00', message: 'Halo, mau tanya paket Ubud', contact: 'Budi', partner: true },
  b2: { who: 'budi', direction: 'out', state: 'delivered', day: 0, time: '00:05:00', message: 'Paket Ubud 2 hari 1 malam', partner: true },
  b3: { who: 'budi', direction: 'in', state: 'received', day: 0, time: '23:59:59', message: 'Diskon 50% masih berlaku?', contact: 'Budi', partner: true },
  b4: { who: 'budi', direction: 'out', state: 'read', day: 1, time: '09:00:00', message: 'Ya, diskon 50% sampai Jumat', partner: true },
  b5: { who: 'budi', direction: 'in', state: 'received', day: 4, time: '10:00:00', message: 'Sudah saya kirim file_a.pdf', contact: 'Budi', partner: true },
  b6: { who: 'budi', direction: 'out', state: 'failed', day: 4, time: '10:30:00', message: 'Tiket Anda', error: 'Fonnte: target invalid', partner: true },
  b7: { who: 'budi', direction: 'out', state: 'sent', day: 7, time: '08:00:00', message: 'Jemput jam 7 di lobi' },
  b8: { who: 'budi', direction: 'in', state: 'received', day: 8, time: '12:00:00', message: 'Terima kasih!', contact: 'Budi', partner: true },
  b9: { who: 'budi', direction: 'out', state: 'queued', day: 14, time: '00:00:00', message: 'Mohon konfirmasi pembayaran' },
  b10: { who: 'budi', direction: 'in', state: 'received', day: 20, time: '23:59:59', message: 'Sampai jumpa di Ubud', contact: 'Budi Santoso', partner: true },
  b11: { who: 'budi', direction: 'in', state: 'received', day: 19, time: '10:00:00', message: 'kafé di Ubud buka?', contact: 'Budi Santoso', partner: true },
} satisfies Record<string, Seed>;
type Key = keyof typeof SEED;

const ids = {} as Record<Key, number>;
let partnerId = 0;
const partnerName = `Budi Santoso ${env.tag}`;

beforeAll(async () => {
  // Budi's partner holds his number the way people type it; the gateway user may read it.
  partnerId = await env.admin.create(PARTNER, { name: partnerName, mobile: BUDI.national, email: `${env.tag}-budi@example.test` });
  const entries = Object.entries(SEED) as [Key, Seed][];
  const created = await env.gateway.createMany(
    HISTORY,
    entries.map(([, s]) =>
      historyValues(env, {
        phone: phoneOf[s.who],
        direction: s.direction,
        state: s.state,
        timestamp: odooAt(s.day, s.time),
        message: s.message,
        contact_name: s.contact ?? false,
        partner_id: s.partner ? partnerId : false,
        error_message: s.error ?? false,
      }),
    ),
  );
  entries.forEach(([key], i) => (ids[key] = created[i] as number));
  api = await buildApiApp({ odoo: env.gateway, config: { FONNTE_BASE_URL: await closedPortUrl() } });
});

const app = (): ApiTestApp => {
  if (!api) throw new Error('the app was not built (see beforeAll)');
  return api;
};
const keyOf = (id: number): string => (Object.entries(ids).find(([, v]) => v === id)?.[0] ?? `new:${id}`);
const keysOf = (messages: { id: number }[]) => messages.map((m) => keyOf(m.id));
/** Every get_history query is kept inside the (otherwise empty) window; a test's own dates override it. */
const WINDOW = () => ({ date_from: day(-7), date_to: day(27) });

async function history(params: Record<string, string | number>) {
  const query = new URLSearchParams(Object.entries({ ...WINDOW(), ...params }).map(([k, v]): [string, string] => [k, String(v)]));
  const res = await app().get(`/api/wa/get_history?${query.toString()}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ ok: true; data: { id: number; [key: string]: unknown }[]; meta: { total: number; limit: number; offset: number } }>();
}

describe('get_history', () => {
  test('a record as the API gives it: Odoo falses as nulls, the partner as {id, name}, ISO time', async () => {
    const body = await history({ state: 'failed', phone: BUDI.e164 });
    expect(body.data).toEqual([
      {
        id: ids.b6,
        phone: BUDI.e164,
        user_id: null,
        username: null,
        contact_name: null,
        partner: { id: partnerId, name: partnerName },
        direction: 'out',
        message: 'Tiket Anda',
        message_type: 'text',
        media: null,
        provider: 'fonnte',
        provider_message_id: expect.stringContaining(env.tag),
        device: env.tag,
        state: 'failed',
        error: 'Fonnte: target invalid',
        timestamp: isoAt(4, '10:30:00'),
      },
    ]);
    expect(body.meta).toEqual({ total: 1, limit: 50, offset: 0 });
  });

  test('everything in the window, newest first; messages of the same second by id, newest first', async () => {
    const body = await history({ limit: 500 });
    expect(keysOf(body.data)).toEqual([
      's9', 'b10', 'k7', 'b11', 'k6', 's10', 's8', 'k8', 'b9', 'k5', 's7', 's11', 's6', 'b8', 'k4', 'b7', 's5', 's4', 's3',
      'b6', 'b5', 'k3', 'b4', 's2', 's1', 'b3', 'k2', 'k1', 'b2', 'b1', 'b0',
    ]);
    expect(body.meta).toEqual({ total: 31, limit: 500, offset: 0 });
  });

  const BUDI_NEWEST_FIRST = ['b10', 'b11', 'b9', 'b8', 'b7', 'b6', 'b5', 'b4', 'b3', 'b2', 'b1', 'b0'];
  test.each([
    ['E.164', () => BUDI.e164],
    ['national with dashes', () => BUDI.national],
    ['spaced international', () => BUDI.spaced],
    ['bare international digits', () => BUDI.bare],
    ['00 prefix', () => `00${BUDI.bare}`],
    ['whatsapp: prefix', () => `whatsapp:${BUDI.e164}`],
    ['a person JID', () => `${BUDI.bare}@s.whatsapp.net`],
  ])('phone as %s: that number only', async (_form, phone) => {
    const body = await history({ phone: phone() });
    expect(keysOf(body.data)).toEqual(BUDI_NEWEST_FIRST);
    expect(body.meta.total).toBe(12);
  });

  test('a number with no messages: an empty page, total 0', async () => {
    const body = await history({ phone: NOBODY.national });
    expect(body.data).toEqual([]);
    expect(body.meta.total).toBe(0);
  });

  const cases: [string, Record<string, string | number>, string[]][] = [
    ['direction=in', { direction: 'in' }, ['b10', 'b11', 's8', 'k8', 'k5', 's11', 'b8', 's5', 's3', 'b5', 'k3', 's1', 'b3', 'k1', 'b1', 'b0']],
    ['direction=out, one number', { direction: 'out', phone: KOMANG.e164 }, ['k7', 'k6', 'k4', 'k2']],
    ['state=failed', { state: 'failed' }, ['k7', 's6', 'b6']],
    ['state=queued', { state: 'queued' }, ['k6', 'b9']],
    ['state=read', { state: 'read' }, ['s7', 'k4', 'b4']],
    ['state=delivered, direction=in (none)', { state: 'delivered', direction: 'in' }, []],
    // Dates: a bare date_to is its whole day; bounds are inclusive to the second.
    ['one day: from its first to its last second', { date_from: day(0), date_to: day(0) }, ['b3', 'k2', 'k1', 'b2', 'b1']],
    ['the last day of the window', { date_from: day(20), date_to: day(20) }, ['b10', 'k7']],
    ['bounds inclusive at both ends', { date_from: isoAt(20, '23:59:59'), date_to: isoAt(21) }, ['s9', 'b10']],
    ['one second inside each end of a day', { date_from: isoAt(0, '00:00:01'), date_to: isoAt(0, '23:59:58') }, ['k2', 'k1', 'b2']],
    ['an offset in date_to (+08:00 → the previous UTC day)', { date_from: day(-7), date_to: `${day(0)}T07:59:59+08:00` }, ['b0']],
    ['one instant given with an offset', { date_from: `${day(1)}T17:00:00+08:00`, date_to: `${day(1)}T17:00:00+08:00` }, ['b4', 's2', 's1']],
    // Text: case-insensitive substring; % _ and \ are literal characters.
    ['q ignores case', { q: 'DISKON' }, ['b4', 'b3']],
    ['q ignores case beyond ASCII', { q: 'Kafé' }, ['b11', 's4']],
    ['q with a literal %', { q: '50%' }, ['b4', 'b3']],
    ['q that is just %', { q: '%' }, ['s10', 'b4', 'b3']],
    ['q with a literal _', { q: 'file_a' }, ['b5']],
    ['q that is just _', { q: '_' }, ['b5']],
    ['q with a backslash', { q: 'C:\\tour' }, ['s8']],
    ['q over several messages', { q: 'ubud' }, ['b10', 'b11', 'b2', 'b1']],
    ['q matching nothing', { q: '50%_' }, []],
    // Partner: only the messages linked to it (b7 and b9 are Budi's but unlinked).
    ['partner_id', { partner_id: -1 }, ['b10', 'b11', 'b8', 'b6', 'b5', 'b4', 'b3', 'b2', 'b1', 'b0']],
    ['filters combine with AND', { phone: BUDI.national, direction: 'in', q: 'diskon' }, ['b3']],
    ['order=asc, one number', { phone: KOMANG.bare, order: 'asc' }, ['k1', 'k2', 'k3', 'k4', 'k5', 'k8', 'k6', 'k7']],
    ['order=asc, ties by id ascending', { date_from: day(1), date_to: day(1), order: 'asc' }, ['s1', 's2', 'b4']],
  ];
  test.each(cases)('%s', async (_name, params, expected) => {
    const resolved = { ...params, ...(params.partner_id === -1 ? { partner_id: partnerId } : {}) };
    const body = await history(resolved);
    expect(keysOf(body.data)).toEqual(expected);
    expect(body.meta.total).toBe(expected.length);
  });

  test.each([
    [0, ['b10', 'b11', 'b9', 'b8', 'b7']],
    [5, ['b6', 'b5', 'b4', 'b3', 'b2']],
    [10, ['b1', 'b0']],
    [12, []],
    [40, []],
  ])('limit 5, offset %i: that page, total of all', async (offset, expected) => {
    const body = await history({ phone: BUDI.e164, limit: 5, offset });
    expect(keysOf(body.data)).toEqual(expected);
    expect(body.meta).toEqual({ total: 12, limit: 5, offset });
  });

  test('pages split inside a second neither overlap nor skip', async () => {
    const range = { date_from: day(0), date_to: day(4), order: 'asc', limit: 6 };
    const first = await history({ ...range, offset: 0 });
    const second = await history({ ...range, offset: 6 });
    expect(keysOf(first.data)).toEqual(['b1', 'b2', 'k1', 'k2', 'b3', 's1']);
    expect(keysOf(second.data)).toEqual(['s2', 'b4', 'k3', 'b5', 'b6']);
    expect(second.meta.total).toBe(11);
  });
});

describe('conversation/:phone', () => {
  const conversation = async (phone: string, query = '') => {
    const res = await app().get(`/api/wa/conversation/${encodeURIComponent(phone)}${query ? `?${query}` : ''}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{
      data: {
        phone: string;
        contact_name: string | null;
        partner: { id: number; name: string } | null;
        conversation: ConversationSummary | null;
        conversations: ConversationSummary[];
        messages: { id: number; timestamp: string }[];
      };
      meta: { total: number; limit: number; offset: number };
    }>();
  };

  test('oldest to newest, with the latest contact name and the partner', async () => {
    const body = await conversation(BUDI.national);
    expect(body.data.phone).toBe(BUDI.e164);
    expect(body.data.contact_name).toBe('Budi Santoso');
    expect(body.data.partner).toEqual({ id: partnerId, name: partnerName });
    expect(keysOf(body.data.messages)).toEqual(['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'b8', 'b9', 'b11', 'b10']);
    expect(body.meta).toEqual({ total: 12, limit: 50, offset: 0 });
  });

  test('a later page keeps the thread’s name and partner', async () => {
    const body = await conversation(BUDI.spaced, 'limit=5&offset=5');
    expect(keysOf(body.data.messages)).toEqual(['b5', 'b6', 'b7', 'b8', 'b9']);
    expect(body.data).toMatchObject({ contact_name: 'Budi Santoso', partner: { id: partnerId, name: partnerName } });
    expect(body.meta).toEqual({ total: 12, limit: 5, offset: 5 });
  });

  test('newest first on request', async () => {
    const body = await conversation(BUDI.e164, 'order=desc&limit=3');
    expect(keysOf(body.data.messages)).toEqual(['b10', 'b11', 'b9']);
    expect(body.meta.total).toBe(12);
  });

  test('a date range', async () => {
    const body = await conversation(BUDI.bare, `date_from=${day(0)}&date_to=${day(1)}`);
    expect(keysOf(body.data.messages)).toEqual(['b1', 'b2', 'b3', 'b4']);
    expect(body.meta.total).toBe(4);
  });

  test('the name is the newest one given, even when newer messages have none', async () => {
    const body = await conversation(SARI.national);
    expect(body.data).toMatchObject({ phone: SARI.e164, contact_name: 'Sari Dewi', partner: null });
    expect(keysOf(body.data.messages)).toEqual(['s1', 's2', 's3', 's4', 's5', 's6', 's11', 's7', 's8', 's10', 's9']);
  });

  test('no name and no partner: nulls', async () => {
    const body = await conversation(`${KOMANG.bare}@c.us`);
    expect(body.data).toMatchObject({ phone: KOMANG.e164, contact_name: null, partner: null });
    expect(keysOf(body.data.messages)).toEqual(['k1', 'k2', 'k3', 'k4', 'k5', 'k8', 'k6', 'k7']);
  });

  // The double does not imitate the addon's upkeep: only a real Odoo has made conversations from the messages.
  test.skipIf(env.mode === 'double')("the thread carries the conversation the addon keeps: the customer wrote last, nobody answered", async () => {
    const body = await conversation(BUDI.national);
    const newest = body.data.messages.at(-1);
    expect(keysOf(newest ? [newest] : [])).toEqual(['b10']);
    expect(body.data.conversations).toHaveLength(1);
    expect(body.data.conversation).toMatchObject({
      phone: BUDI.e164,
      device: env.tag,
      partner: { id: partnerId, name: partnerName },
      state: 'open',
      waiting: true,
      last_direction: 'in',
      last_message_at: newest?.timestamp,
      assigned_user: null,
    });
    expect(body.data.conversation?.unread_count).toBeGreaterThan(0);
  });

  test('a number with no messages: an empty thread', async () => {
    const body = await conversation(NOBODY.e164);
    expect(body.data).toEqual({
      phone: NOBODY.e164,
      identities: { phones: [NOBODY.e164], user_ids: [] },
      contact_name: null,
      partner: null,
      conversation: null,
      conversations: [],
      messages: [],
    });
    expect(body.meta.total).toBe(0);
  });
});

describe('stats', () => {
  const stats = async (query: string) => {
    const res = await app().get(`/api/wa/stats?${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data as {
      date_from: string;
      date_to: string;
      granularity: string;
      total: number;
      incoming: number;
      outgoing: number;
      failed: number;
      unique_contacts: number;
      by_state: Record<string, number>;
      series: { start: string; total: number; incoming: number; outgoing: number; failed: number }[];
    };
  };
  /** [total, incoming, outgoing, failed] per bucket, oldest first. */
  const series = (firstDay: number, stepDays: number, counts: [number, number, number, number][]) =>
    counts.map(([total, incoming, outgoing, failed], i) => ({ start: isoAt(firstDay + i * stepDays), total, incoming, outgoing, failed }));

  test('the window by day: totals, states, contacts, every day including empty ones', async () => {
    const data = await stats(`date_from=${day(0)}&date_to=${day(20)}`);
    expect(data).toEqual({
      date_from: isoAt(0),
      date_to: isoAt(21),
      granularity: 'day',
      total: 29,
      incoming: 15,
      outgoing: 14,
      failed: 3,
      unique_contacts: 3,
      by_state: { received: 15, queued: 2, sent: 3, delivered: 3, read: 3, failed: 3 },
      series: series(0, 1, [
        [5, 3, 2, 0], // d0: b1 b2 b3 k1 k2 (b0, one second earlier, is outside)
        [3, 1, 2, 0], // d1: s1 s2 b4
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [3, 2, 1, 1], // d4: k3 b5 b6
        [0, 0, 0, 0],
        [2, 1, 1, 0], // d6: s3 s4
        [2, 1, 1, 0], // d7: s5 b7
        [2, 1, 1, 0], // d8: k4 b8
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [2, 1, 1, 1], // d12: s6 s11
        [2, 1, 1, 0], // d13: s7 k5
        [1, 0, 1, 0], // d14: b9
        [2, 2, 0, 0], // d15: k8 s8
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [1, 0, 1, 0], // d18: s10
        [2, 1, 1, 0], // d19: k6 b11
        [2, 1, 1, 1], // d20: k7 b10 (s9, one second later, is outside)
      ]),
    });
  });

  test('the window by week: Monday buckets', async () => {
    const data = await stats(`date_from=${day(0)}&date_to=${day(20)}&granularity=week`);
    expect(data).toMatchObject({ total: 29, incoming: 15, outgoing: 14, failed: 3, unique_contacts: 3, granularity: 'week' });
    expect(data.series).toEqual(series(0, 7, [[13, 7, 6, 1], [8, 4, 4, 1], [8, 4, 4, 1]]));
  });

  test('weeks of a period starting mid-week: the first bucket starts on its Monday, counts from date_from', async () => {
    const data = await stats(`date_from=${day(2)}&date_to=${day(8)}&granularity=week`);
    expect(data).toMatchObject({ date_from: isoAt(2), date_to: isoAt(9), total: 9, incoming: 5, outgoing: 4, failed: 1, unique_contacts: 3 });
    expect(data.series).toEqual(series(0, 7, [[5, 3, 2, 1], [4, 2, 2, 0]]));
  });

  test('a wider period takes in the seconds just outside the window', async () => {
    const data = await stats(`date_from=${day(-1)}&date_to=${day(21)}&granularity=week`);
    expect(data).toMatchObject({ total: 31, incoming: 16, outgoing: 15, failed: 3, unique_contacts: 3 });
    expect(data.series).toEqual(series(-7, 7, [[1, 1, 0, 0], [13, 7, 6, 1], [8, 4, 4, 1], [8, 4, 4, 1], [1, 0, 1, 0]]));
  });

  test('bounds to the second: date_to is inclusive, date_from too', async () => {
    const inside = await stats(`date_from=${encodeURIComponent(isoAt(0, '00:05:00'))}&date_to=${encodeURIComponent(isoAt(0, '23:59:58'))}`);
    expect(inside).toMatchObject({ date_from: isoAt(0, '00:05:00'), date_to: isoAt(0, '23:59:59'), total: 3, incoming: 1, outgoing: 2, unique_contacts: 2 });
    expect(inside.series).toEqual(series(0, 1, [[3, 1, 2, 0]]));
    const edges = await stats(`date_from=${encodeURIComponent(isoAt(0, '00:00:00'))}&date_to=${encodeURIComponent(isoAt(0, '23:59:59'))}`);
    expect(edges).toMatchObject({ total: 5, incoming: 3, outgoing: 2 });
  });

  test.each([
    ['two numbers', `date_from=${day(15)}&date_to=${day(18)}`, { total: 3, unique_contacts: 2 }],
    ['one number', `date_from=${day(14)}&date_to=${day(14)}`, { total: 1, unique_contacts: 1 }],
  ])('unique contacts: %s', async (_name, query, expected) => {
    expect(await stats(query)).toMatchObject(expected);
  });

  test('an empty period: zeros, and a zero for every day', async () => {
    const data = await stats(`date_from=${day(-7)}&date_to=${day(-2)}`);
    expect(data).toEqual({
      date_from: isoAt(-7),
      date_to: isoAt(-1),
      granularity: 'day',
      total: 0,
      incoming: 0,
      outgoing: 0,
      failed: 0,
      unique_contacts: 0,
      by_state: { received: 0, queued: 0, sent: 0, delivered: 0, read: 0, failed: 0 },
      series: series(-7, 1, Array.from({ length: 6 }, () => [0, 0, 0, 0] as [number, number, number, number])),
    });
  });
});

describe('send_message', () => {
  test('stores the outgoing message as queued in Odoo, linked to the partner, and answers 202 with its id', async () => {
    const before = Date.now();
    const message = `Konfirmasi DP 50% ${env.tag}`;
    const send = () =>
      app().inject({
        method: 'POST',
        url: '/api/wa/send_message',
        headers: { ...bearer(SEND_TOKEN), 'idempotency-key': `${env.tag}-send` },
        payload: { phone: BUDI.spaced, message },
      });
    const res = await send();
    expect(res.statusCode, res.body).toBe(202);
    const body = res.json();
    expect(body).toEqual({ ok: true, data: { id: expect.any(Number), state: 'queued', phone: BUDI.e164, provider: 'fonnte' } });
    const id = body.data.id as number;
    env.track(HISTORY, id);

    // The same key again: the same answer, and still one record.
    const again = await send();
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual(body);
    const stored = await env.admin.searchRead<Record<string, unknown>>(HISTORY, [['message', '=', message]], {
      fields: ['phone', 'direction', 'state', 'provider', 'provider_message_id', 'message_type', 'partner_id', 'timestamp'],
    });
    expect(stored).toEqual([
      {
        id,
        phone: BUDI.e164,
        direction: 'out',
        state: 'queued',
        provider: 'fonnte',
        provider_message_id: false,
        message_type: 'text',
        partner_id: [partnerId, partnerName],
        timestamp: expect.any(String),
      },
    ]);
    const at = Date.parse(`${String(stored[0]?.timestamp).replace(' ', 'T')}Z`);
    expect(at).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(at).toBeLessThanOrEqual(Date.now());

    // The read API shows it as the thread's newest message.
    const thread = await app().get(`/api/wa/conversation/${encodeURIComponent(BUDI.national)}?order=desc&limit=1`, bearer(FULL_TOKEN));
    expect(thread.json().data.messages).toEqual([
      expect.objectContaining({ id, direction: 'out', state: 'queued', message, partner: { id: partnerId, name: partnerName }, provider_message_id: null }),
    ]);
    expect(thread.json().meta.total).toBe(13);
  });
});
