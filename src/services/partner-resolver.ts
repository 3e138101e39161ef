/**
 * Links a number to the res.partner whose phone or mobile holds it in any usual form
 * (`0812-3456-7890`, `62812…`, `+62 812 …`). One search_read per batch finds candidates by a digit
 * pattern; each candidate is then confirmed by normalising its stored number.
 *
 * Cache: a found partner is remembered for `hitTtlMs`; "no partner" only for `missTtlMs`, so a
 * partner created in Odoo later is found within a minute.
 */
import { PARTNER_MODEL } from '../domain/message.js';
import { partnerPhoneDomain, partnerPhoneMatches, type CountryCode } from '../lib/phone.js';
import type { Domain, OdooClient } from '../odoo/types.js';

export interface PartnerResolverOptions {
  defaultCountry: CountryCode;
  hitTtlMs?: number;
  missTtlMs?: number;
  /** Numbers looked up per Odoo call (the domain grows with each). */
  chunkSize?: number;
  maxCacheEntries?: number;
  now?: () => number;
}

/** What the writer and send_message take: numbers → partner ids (null: none), plus `forget` for a stale answer. */
export type PartnerResolver = ((phones: string[]) => Promise<Map<string, number | null>>) & {
  /** Drops a cached answer (the partner was deleted or merged meanwhile). */
  forget?: (phone: string) => void;
};

interface PartnerRow {
  id: number;
  phone: string | false;
  mobile: string | false;
  [key: string]: unknown;
}

export function createPartnerResolver(odoo: Pick<OdooClient, 'searchRead'>, options: PartnerResolverOptions) {
  const hitTtlMs = options.hitTtlMs ?? 10 * 60_000;
  const missTtlMs = options.missTtlMs ?? 60_000;
  const chunkSize = options.chunkSize ?? 40;
  const maxEntries = options.maxCacheEntries ?? 50_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { partnerId: number | null; expires: number }>();

  function remember(phone: string, partnerId: number | null) {
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string); // oldest first (insertion order)
    cache.set(phone, { partnerId, expires: now() + (partnerId === null ? missTtlMs : hitTtlMs) });
  }

  async function lookup(phones: string[]): Promise<Map<string, number | null>> {
    const terms = phones.map((p) => partnerPhoneDomain(p));
    const domain: Domain = [...Array<'|'>(Math.max(0, terms.length - 1)).fill('|'), ...terms.flat()];
    const rows = await odoo.searchRead<PartnerRow>(PARTNER_MODEL, domain, { fields: ['id', 'phone', 'mobile'], order: 'id' });
    const found = new Map<string, number | null>();
    for (const phone of phones) {
      const match = rows.find(
        (r) => partnerPhoneMatches(r.mobile, phone, options.defaultCountry) || partnerPhoneMatches(r.phone, phone, options.defaultCountry),
      );
      found.set(phone, match?.id ?? null);
    }
    return found;
  }

  async function resolvePartners(phones: string[]): Promise<Map<string, number | null>> {
    const result = new Map<string, number | null>();
    const missing: string[] = [];
    for (const phone of new Set(phones)) {
      const hit = cache.get(phone);
      if (hit && hit.expires > now()) result.set(phone, hit.partnerId);
      else missing.push(phone);
    }
    // Chunks go to Odoo side by side: a cold batch of 200 numbers is one round trip, not five.
    const chunks: string[][] = [];
    for (let i = 0; i < missing.length; i += chunkSize) chunks.push(missing.slice(i, i + chunkSize));
    for (const found of await Promise.all(chunks.map(lookup))) {
      for (const [phone, partnerId] of found) {
        remember(phone, partnerId);
        result.set(phone, partnerId);
      }
    }
    return result;
  }

  return Object.assign(resolvePartners, {
    /** Drops the cached answer for a number (its partner was deleted or merged). */
    forget(phone: string) {
      cache.delete(phone);
    },
  });
}
