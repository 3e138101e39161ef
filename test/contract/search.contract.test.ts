/**
 * Contract: search / search_read / search_count — every domain operator the gateway may use, with
 * Odoo's NULL rules, '&' '|' '!' in prefix notation, many2one by id and by name, order, offset, limit.
 * Five messages are stored once (as admin); every query is AND-ed with their tag.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Domain } from '../../src/odoo/types.js';
import { HISTORY, historyValues, odooError, PARTNER, setupContractEnv } from './harness.js';

const env = await setupContractEnv(import.meta.url);
afterAll(() => env.close());

type Key = 'a' | 'b' | 'c' | 'd' | 'e';
const ids = {} as Record<Key, number>;
const partners = {} as { zeta: number; alpha: number };
const keyOf = (id: number) => (Object.entries(ids).find(([, v]) => v === id)?.[0] ?? `?${id}`) as Key;

beforeAll(async () => {
  // Names sort Alpha < Zeta, the opposite of their ids.
  partners.zeta = await env.admin.create(PARTNER, { name: `Zeta ${env.tag}`, email: `${env.tag}-zeta@example.test` });
  partners.alpha = await env.admin.create(PARTNER, { name: `Alpha ${env.tag}`, email: `${env.tag}-alpha@example.test` });
  const rows: [Key, Record<string, unknown>][] = [
    ['a', { phone: '+6281100000001', contact_name: 'Budi', direction: 'in', message: 'Hello world', provider: 'fonnte', state: 'received', timestamp: '2024-01-01 10:00:00', partner_id: partners.zeta }],
    ['b', { phone: '+6281100000002', contact_name: false, direction: 'out', message: '50% off_today', provider: 'meta', state: 'sent', timestamp: '2024-01-02 10:00:00' }],
    ['c', { phone: '+6281100000003', contact_name: 'budi santoso', direction: 'in', message: 'HELLO again', provider: 'twilio', state: 'read', timestamp: '2024-01-03 23:59:59', partner_id: partners.alpha }],
    ['d', { phone: '+6281100000001', contact_name: 'Ani', direction: 'out', message: false, message_type: 'image', provider: 'fonnte', state: 'failed', timestamp: '2024-01-04 00:00:00', partner_id: partners.zeta, provider_message_id: false }],
    ['e', { phone: '+6281100000004', contact_name: '', direction: 'in', message: 'hello_world', provider: 'meta', state: 'delivered', timestamp: '2024-02-01 12:00:00' }],
  ];
  const created = await env.admin.createMany(
    HISTORY,
    rows.map(([, values]) => historyValues(env, values)),
  );
  rows.forEach(([key], i) => (ids[key] = created[i] as number));
});

const tagged = (domain: Domain): Domain => ['&', ['device', '=', env.tag], ...normalized(domain)];
/** Explicit '&' for an implicit-and domain, so it can be nested. */
function normalized(domain: Domain): Domain {
  if (domain.length === 0) return [['id', '!=', 0]];
  const out: Domain = [];
  let expected = 1;
  for (const term of domain) {
    if (expected === 0) {
      out.unshift('&');
      expected = 1;
    }
    out.push(term);
    expected += Array.isArray(term) ? -1 : term === '!' ? 0 : 1;
  }
  return out;
}

const keys = async (domain: Domain) => (await env.gateway.search(HISTORY, tagged(domain))).map(keyOf).sort();

describe('domain operators', () => {
  const cases: [string, () => Domain, Key[]][] = [
    ['= on a char', () => [['phone', '=', '+6281100000001']], ['a', 'd']],
    ['!= includes NULLs', () => [['contact_name', '!=', 'Budi']], ['b', 'c', 'd', 'e']],
    ['= False is IS NULL (an empty string is not NULL)', () => [['contact_name', '=', false]], ['b']],
    ['!= False is IS NOT NULL', () => [['contact_name', '!=', false]], ['a', 'c', 'd', 'e']],
    ['in', () => [['provider', 'in', ['meta', 'twilio']]], ['b', 'c', 'e']],
    ['not in', () => [['provider', 'not in', ['meta']]], ['a', 'c', 'd']],
    ['in with False also matches NULL', () => [['contact_name', 'in', ['Ani', false]]], ['b', 'd']],
    ['not in keeps NULLs…', () => [['contact_name', 'not in', ['Ani']]], ['a', 'b', 'c', 'e']],
    ['…unless False is in the list', () => [['contact_name', 'not in', ['Ani', false]]], ['a', 'c', 'e']],
    ['in [] matches nothing', () => [['provider_message_id', 'in', []]], []],
    ['not in [] matches everything', () => [['provider_message_id', 'not in', []]], ['a', 'b', 'c', 'd', 'e']],
    ['<', () => [['timestamp', '<', '2024-01-02 10:00:00']], ['a']],
    ['<=', () => [['timestamp', '<=', '2024-01-02 10:00:00']], ['a', 'b']],
    ['> a bare date means after that whole day', () => [['timestamp', '>', '2024-01-03']], ['d', 'e']],
    ['>= a bare date means from midnight', () => [['timestamp', '>=', '2024-01-03']], ['c', 'd', 'e']],
    ['< a bare date', () => [['timestamp', '<', '2024-01-03']], ['a', 'b']],
    ['>= a JS Date', () => [['timestamp', '>=', new Date('2024-01-04T00:00:00Z')]], ['d', 'e']],
    ['like is case-sensitive and wraps in %', () => [['message', 'like', 'hello']], ['e']],
    ['ilike ignores case', () => [['message', 'ilike', 'hello']], ['a', 'c', 'e']],
    ['not like keeps NULLs', () => [['message', 'not like', 'hello']], ['a', 'b', 'c', 'd']],
    ['not ilike keeps NULLs', () => [['message', 'not ilike', 'hello']], ['b', 'd']],
    ['like: % and _ in the value are wildcards', () => [['message', 'like', '0%off_']], ['b']],
    ['=like takes the pattern as given', () => [['message', '=like', 'hello%']], ['e']],
    ['=ilike takes the pattern as given, ignoring case', () => [['message', '=ilike', 'hello%']], ['a', 'c', 'e']],
    ['=like anchored at the end', () => [['message', '=like', '%world']], ['a', 'e']],
    ['=like with _ for one character', () => [['phone', '=like', '+628110000000_']], ['a', 'b', 'c', 'd', 'e']],
    ['ilike with an empty string matches everything, NULLs too', () => [['contact_name', 'ilike', '']], ['a', 'b', 'c', 'd', 'e']],
    ['many2one = id', () => [['partner_id', '=', partners.zeta]], ['a', 'd']],
    ['many2one = False', () => [['partner_id', '=', false]], ['b', 'e']],
    ['many2one in ids', () => [['partner_id', 'in', [partners.zeta, partners.alpha]]], ['a', 'c', 'd']],
    ['many2one != id keeps the empty ones', () => [['partner_id', '!=', partners.zeta]], ['b', 'c', 'e']],
    ['id in', () => [['id', 'in', [ids.a, ids.b]]], ['a', 'b']],
    ['implicit &', () => [['direction', '=', 'in'], ['provider', '=', 'fonnte']], ['a']],
    ['|', () => ['|', ['provider', '=', 'meta'], ['state', '=', 'read']], ['b', 'c', 'e']],
    ['! negates', () => ['!', ['provider', '=', 'fonnte']], ['b', 'c', 'e']],
    ['! of = becomes != and so keeps NULLs', () => ['!', ['contact_name', '=', 'Budi']], ['b', 'c', 'd', 'e']],
    ['! of |', () => ['!', '|', ['provider', '=', 'meta'], ['direction', '=', 'in']], ['d']],
    ['nested & and |', () => ['&', '|', ['provider', '=', 'fonnte'], ['provider', '=', 'meta'], ['direction', '=', 'out']], ['b', 'd']],
    ['| with an implicit & after it', () => ['|', ['state', '=', 'sent'], ['state', '=', 'failed'], ['phone', '=', '+6281100000001']], ['d']],
  ];

  test.each(cases)('%s', async (_name, domain, expected) => {
    expect(await keys(domain())).toEqual(expected);
  });

  // Both search res.partner as the caller: the Gateway group cannot (it reads no contact), an admin can.
  test.each<[string, () => Domain, Key[]]>([
    ['many2one by name (name_search)', () => [['partner_id', 'ilike', `Alpha ${env.tag}`]], ['c']],
    ['many2one path', () => [['partner_id.name', '=', `Zeta ${env.tag}`]], ['a', 'd']],
  ])('%s: as admin; refused to the Gateway user', async (_name, domain, expected) => {
    expect((await env.admin.search(HISTORY, tagged(domain()))).map(keyOf).sort()).toEqual(expected);
    const error = await odooError(() => env.gateway.search(HISTORY, tagged(domain())));
    expect(error.kind).toBe('access');
    expect(error.message).toMatch(/^Sorry, you are not allowed to access documents of type 'Contact' \(res\.partner\)\./);
  });

  test('search_count agrees with search', async () => {
    expect(await env.gateway.searchCount(HISTORY, tagged([['direction', '=', 'in']]))).toBe(3);
  });

  test('the caller’s domain is not changed by the call', async () => {
    const domain: Domain = tagged([['timestamp', '>=', new Date('2024-01-04T00:00:00Z')]]);
    const snapshot = structuredClone(domain);
    await env.gateway.searchRead(HISTORY, domain, { fields: ['id'] });
    await env.gateway.searchCount(HISTORY, domain);
    expect(domain).toEqual(snapshot);
  });

  test('an unknown field is refused', async () => {
    const error = await odooError(() => env.gateway.search(HISTORY, [['no_such_field', '=', 1]]));
    expect(error.kind).toBe('internal');
    expect(error.message).toContain("Invalid field 'no_such_field'");
  });
});

describe('order, offset, limit', () => {
  const ordered = async (order?: string, paging: { offset?: number; limit?: number } = {}) =>
    (await env.gateway.search(HISTORY, tagged([]), { ...(order ? { order } : {}), ...paging })).map(keyOf);

  test('by default newest first (the model’s _order: timestamp desc, id desc)', async () => {
    expect(await ordered()).toEqual(['e', 'd', 'c', 'b', 'a']);
  });

  test('several keys, each with its direction', async () => {
    expect(await ordered('phone asc, timestamp desc')).toEqual(['d', 'a', 'b', 'c', 'e']);
  });

  test('strings sort by code point (C collation) and NULLs come last ascending', async () => {
    expect(await ordered('contact_name asc, id asc')).toEqual(['e', 'd', 'a', 'c', 'b']);
  });

  test('…and first descending', async () => {
    expect(await ordered('contact_name desc, id asc')).toEqual(['b', 'c', 'a', 'd', 'e']);
  });

  test('a many2one sorts by the partner’s name, empty last', async () => {
    expect(await ordered('partner_id, timestamp')).toEqual(['c', 'a', 'd', 'b', 'e']);
  });

  test('offset and limit page through the order', async () => {
    expect(await ordered('timestamp asc', { offset: 1, limit: 2 })).toEqual(['b', 'c']);
    expect(await ordered('timestamp asc', { offset: 4, limit: 2 })).toEqual(['e']);
    expect(await ordered('timestamp asc', { offset: 5 })).toEqual([]);
  });

  test('limit 0 means no limit, as in Odoo', async () => {
    expect(await ordered('timestamp asc', { limit: 0 })).toHaveLength(5);
  });

  test('an unknown order field is refused', async () => {
    const error = await odooError(() => env.gateway.search(HISTORY, tagged([]), { order: 'no_such_field desc' }));
    expect(error.kind).toBe('internal');
  });
});

describe('search_read', () => {
  test('returns exactly the asked fields plus id, many2one as [id, display name]', async () => {
    const rows = await env.gateway.searchRead(HISTORY, tagged([['partner_id', '!=', false]]), {
      fields: ['phone', 'partner_id', 'message'],
      order: 'timestamp asc',
    });
    expect(rows).toEqual([
      { id: ids.a, phone: '+6281100000001', partner_id: [partners.zeta, `Zeta ${env.tag}`], message: 'Hello world' },
      { id: ids.c, phone: '+6281100000003', partner_id: [partners.alpha, `Alpha ${env.tag}`], message: 'HELLO again' },
      { id: ids.d, phone: '+6281100000001', partner_id: [partners.zeta, `Zeta ${env.tag}`], message: false },
    ]);
  });

  test('empty values read as False, and the preview shows the media type', async () => {
    const [row] = await env.gateway.searchRead(HISTORY, [['id', '=', ids.d]], { fields: ['message', 'provider_message_id', 'message_preview', 'display_name'] });
    expect(row).toEqual({ id: ids.d, message: false, provider_message_id: false, message_preview: '[Image]', display_name: '+6281100000001 – [Image]' });
  });

  test('paging applies to search_read too', async () => {
    const rows = await env.gateway.searchRead<{ id: number }>(HISTORY, tagged([]), { fields: ['id'], order: 'timestamp desc', offset: 1, limit: 2 });
    expect(rows.map((r) => keyOf(r.id))).toEqual(['d', 'c']);
  });

  test('nothing found is an empty list', async () => {
    expect(await env.gateway.searchRead(HISTORY, tagged([['phone', '=', '+0']]), { fields: ['phone'] })).toEqual([]);
  });
});
