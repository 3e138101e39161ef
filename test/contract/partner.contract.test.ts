/**
 * Contract: how the gateway finds contacts. It cannot read res.partner; the addon's lookup method
 * (`res.partner.whatsapp_headless_find_partners`) finds candidates by a number's national digits
 * however they were typed (src/lib/phone.ts confirms each one), or by the WhatsApp user id a partner
 * remembers, and leaves archived and private contacts out. The res.partner semantics the double
 * models for other readers (display names, default order, read_group) are checked as admin.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { nationalSignificantDigits } from '../../src/lib/phone.js';
import type { Domain } from '../../src/odoo/types.js';
import { createRepositories } from '../../src/odoo/repositories/index.js';
import { PARTNER_LOOKUP_METHOD } from '../../src/odoo/repositories/partner-repository.js';
import { createPartnerResolver } from '../../src/services/partner-resolver.js';
import { HISTORY, historyValues, PARTNER, setupContractEnv } from './harness.js';

const env = await setupContractEnv(import.meta.url);
afterAll(() => env.close());

const p = {} as Record<'company' | 'dashes' | 'spaces' | 'mobileOnly' | 'other' | 'archived' | 'username', number>;
const scope = (): Domain => [['email', '=like', `${env.tag}%`]];
/** A number no other test file uses, so that the lookup (which cannot be scoped by tag) sees only ours. */
const NUMBER = '+6281277776543';
const OTHER_NUMBER = '+62361123456';
const USER_ID = `US.${Date.now()}${Math.floor(Math.random() * 1e6)}`;
/** One row of the lookup as the addon returns it: exactly these fields. */
interface PartnerCandidate {
  id: number;
  name: string | false;
  phone: string | false;
  mobile: string | false;
  whatsapp_user_id: string | false;
}
const lookup = (numbers: string[], userIds: string[] = []) =>
  env.gateway.call<PartnerCandidate[]>(PARTNER, PARTNER_LOOKUP_METHOD, [numbers.map(nationalSignificantDigits), userIds]);

beforeAll(async () => {
  const email = (name: string) => `${env.tag}-${name}@example.test`;
  p.company = await env.admin.create(PARTNER, { name: `Bali Tours ${env.tag}`, is_company: true, email: email('company'), color: 3 });
  p.dashes = await env.admin.create(PARTNER, { name: 'Wayan', parent_id: p.company, phone: '0812-7777-6543', email: email('dashes'), color: 2 });
  p.spaces = await env.admin.create(PARTNER, { name: 'Made', phone: '+62 812 7777 6543 (WA)', email: email('spaces') });
  p.mobileOnly = await env.admin.create(PARTNER, { name: 'Nyoman', mobile: '6281277776543', email: email('mobile') });
  p.other = await env.admin.create(PARTNER, { name: 'Ketut', phone: '0361 123456', email: email('other'), color: 5 });
  p.archived = await env.admin.create(PARTNER, { name: 'Putu', phone: '0812 7777 6543', email: email('archived'), active: false });
  p.username = await env.admin.create(PARTNER, { name: 'Kadek', email: email('username') });
});

describe('the partner lookup', () => {
  test('finds the number in phone or mobile, however it was written; archived contacts stay out', async () => {
    const rows = await lookup([NUMBER]);
    expect(rows?.map((r) => r.id)).toEqual([p.dashes, p.spaces, p.mobileOnly]);
  });

  test('returns id, name, phone, mobile and the WhatsApp user id, nothing else', async () => {
    const rows = await lookup([NUMBER]);
    expect(rows?.[0]).toEqual({ id: p.dashes, name: 'Wayan', phone: '0812-7777-6543', mobile: false, whatsapp_user_id: false });
  });

  test('numbers and user ids in one call', async () => {
    const rows = await lookup([NUMBER, OTHER_NUMBER], ['US.0']);
    expect(rows?.map((r) => r.id)).toEqual([p.dashes, p.spaces, p.mobileOnly, p.other]);
  });

  test('a partner linked to a message by user id is found by it later, without a number', async () => {
    await env.gateway.create(HISTORY, historyValues(env, { phone: false, whatsapp_user_id: USER_ID, partner_id: p.username }));
    expect((await lookup([], [USER_ID]))?.map((r) => r.id)).toEqual([p.username]);
    // The gateway's resolver on top of it: the user id and a number in one batch.
    const resolve = createPartnerResolver(createRepositories(env.gateway), { defaultCountry: 'ID' });
    const found = await resolve([USER_ID, NUMBER, '120363025246125486@g.us']);
    expect(Object.fromEntries(found)).toEqual({ [USER_ID]: p.username, [NUMBER]: p.dashes, '120363025246125486@g.us': null });
  });

  test('nothing asked, nothing found', async () => {
    expect(await lookup([])).toEqual([]);
  });
});

describe('res.partner for other readers', () => {
  test('a company contact shows as "Company, Name"', async () => {
    const rows = await env.admin.searchRead(PARTNER, [...scope(), ['id', 'in', [p.dashes, p.mobileOnly]]], {
      fields: ['name', 'display_name', 'phone', 'mobile'],
      order: 'id',
    });
    expect(rows).toEqual([
      { id: p.dashes, name: 'Wayan', display_name: `Bali Tours ${env.tag}, Wayan`, phone: '0812-7777-6543', mobile: false },
      { id: p.mobileOnly, name: 'Nyoman', display_name: 'Nyoman', phone: false, mobile: '6281277776543' },
    ]);
  });

  test('archived partners are left out unless asked for', async () => {
    expect(await env.admin.searchCount(PARTNER, scope())).toBe(6);
    expect(await env.admin.searchCount(PARTNER, [...scope(), ['active', '=', false]])).toBe(1);
    expect(await env.admin.searchCount(PARTNER, scope(), { active_test: false })).toBe(7);
  });

  test('the default order is by display name', async () => {
    const ids = await env.admin.search(PARTNER, scope());
    expect(ids).toEqual([p.company, p.dashes, p.username, p.other, p.spaces, p.mobileOnly]);
  });

  test('a boolean = False', async () => {
    const ids = await env.admin.search(PARTNER, [...scope(), ['is_company', '=', false]], { order: 'id' });
    expect(ids).toEqual([p.dashes, p.spaces, p.mobileOnly, p.other, p.username]);
  });

  test('read_group sums an integer field by default and groups booleans', async () => {
    const rows = await env.admin.readGroup(PARTNER, scope(), ['color'], ['is_company'], { orderby: 'is_company' });
    expect(rows.map(({ is_company, is_company_count, color }) => ({ is_company, is_company_count, color }))).toEqual([
      { is_company: false, is_company_count: 5, color: 7 },
      { is_company: true, is_company_count: 1, color: 3 },
    ]);
  });
});
