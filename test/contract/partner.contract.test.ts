/**
 * Contract: the res.partner reads the gateway makes — the fields it reads, the digit pattern that
 * finds a number however it was typed (src/lib/phone.ts), display names of a company's contacts,
 * and archived partners staying out of searches.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { partnerPhoneDomain } from '../../src/lib/phone.js';
import type { Domain } from '../../src/odoo/types.js';
import { PARTNER, setupContractEnv } from './harness.js';

const env = await setupContractEnv(import.meta.url);
afterAll(() => env.close());

const p = {} as Record<'company' | 'dashes' | 'spaces' | 'mobileOnly' | 'other' | 'archived', number>;
const scope = (): Domain => [['email', '=like', `${env.tag}%`]];

beforeAll(async () => {
  const email = (name: string) => `${env.tag}-${name}@example.test`;
  p.company = await env.admin.create(PARTNER, { name: `Bali Tours ${env.tag}`, is_company: true, email: email('company'), color: 3 });
  p.dashes = await env.admin.create(PARTNER, { name: 'Wayan', parent_id: p.company, phone: '0812-3456-7890', email: email('dashes'), color: 2 });
  p.spaces = await env.admin.create(PARTNER, { name: 'Made', phone: '+62 812 3456 7890 (WA)', email: email('spaces') });
  p.mobileOnly = await env.admin.create(PARTNER, { name: 'Nyoman', mobile: '6281234567890', email: email('mobile') });
  p.other = await env.admin.create(PARTNER, { name: 'Ketut', phone: '0361 123456', email: email('other'), color: 5 });
  p.archived = await env.admin.create(PARTNER, { name: 'Putu', phone: '0812 3456 7890', email: email('archived'), active: false });
});

describe('res.partner as the gateway reads it', () => {
  test('the digit pattern finds the number in phone or mobile, however it was written', async () => {
    const domain: Domain = ['&', ...scope(), ...partnerPhoneDomain('+6281234567890')];
    const rows = await env.gateway.searchRead<{ id: number }>(PARTNER, domain, { fields: ['id', 'phone', 'mobile'], order: 'id' });
    expect(rows.map((r) => r.id)).toEqual([p.dashes, p.spaces, p.mobileOnly]);
  });

  test('reads id, name, display_name, phone and mobile; a company contact shows as "Company, Name"', async () => {
    const rows = await env.gateway.searchRead(PARTNER, [...scope(), ['id', 'in', [p.dashes, p.mobileOnly]]], {
      fields: ['name', 'display_name', 'phone', 'mobile'],
      order: 'id',
    });
    expect(rows).toEqual([
      { id: p.dashes, name: 'Wayan', display_name: `Bali Tours ${env.tag}, Wayan`, phone: '0812-3456-7890', mobile: false },
      { id: p.mobileOnly, name: 'Nyoman', display_name: 'Nyoman', phone: false, mobile: '6281234567890' },
    ]);
  });

  test('archived partners are left out unless asked for', async () => {
    expect(await env.gateway.searchCount(PARTNER, scope())).toBe(5);
    expect(await env.gateway.searchCount(PARTNER, [...scope(), ['active', '=', false]])).toBe(1);
    expect(await env.gateway.searchCount(PARTNER, scope(), { active_test: false })).toBe(6);
  });

  test('the default order is by display name', async () => {
    const ids = await env.gateway.search(PARTNER, scope());
    expect(ids).toEqual([p.company, p.dashes, p.other, p.spaces, p.mobileOnly]);
  });

  test('a boolean = False', async () => {
    const ids = await env.gateway.search(PARTNER, [...scope(), ['is_company', '=', false]], { order: 'id' });
    expect(ids).toEqual([p.dashes, p.spaces, p.mobileOnly, p.other]);
  });

  test('read_group sums an integer field by default and groups booleans', async () => {
    const rows = await env.gateway.readGroup(PARTNER, scope(), ['color'], ['is_company'], { orderby: 'is_company' });
    expect(rows.map(({ is_company, is_company_count, color }) => ({ is_company, is_company_count, color }))).toEqual([
      { is_company: false, is_company_count: 4, color: 7 },
      { is_company: true, is_company_count: 1, color: 3 },
    ]);
  });
});
