/**
 * Links a contact to its res.partner: a WhatsApp user id (BSUID, `US.…`) to the partner that
 * remembers it (`whatsapp_user_id`, set by the addon when a message with that id is linked), a number
 * to the partner whose phone or mobile holds it in any usual form (`0812-3456-7890`, `62812…`,
 * `+62 812 …`). One call of the addon's lookup method (`res.partner.whatsapp_headless_find_partners`:
 * the gateway may not read contacts itself) per chunk finds candidates by the number's digits; each
 * number candidate is then confirmed by normalising its stored number.
 *
 * A number or user id no partner holds may still be a contact's new identity: a change-of-identity
 * notice (Meta `user_changed_number` / `user_changed_user_id`) stored under it with a partner links it to
 * that partner, so old and new identity stay one partner even before anybody edits the contact.
 *
 * Cache: a found partner is remembered for `hitTtlMs`; "no partner" only for `missTtlMs`, so a
 * partner created in Odoo later is found within a minute.
 */
import { HISTORY_MODEL, PARTNER_MODEL } from '../domain/message.js';
import { isWhatsappUserId, nationalSignificantDigits, partnerPhoneMatches, type CountryCode } from '../lib/phone.js';
import type { OdooClient } from '../odoo/types.js';

/** The addon's lookup method (odoo-addon/whatsapp_headless/models/res_partner.py). */
export const PARTNER_LOOKUP_METHOD = 'whatsapp_headless_find_partners';

export interface PartnerResolverOptions {
  defaultCountry: CountryCode;
  hitTtlMs?: number;
  missTtlMs?: number;
  /** Numbers looked up per Odoo call (the domain grows with each). */
  chunkSize?: number;
  maxCacheEntries?: number;
  now?: () => number;
}

/**
 * What the writer and send_message take: contact keys (E.164 numbers and WhatsApp user ids) → partner
 * ids (null: none), plus `forget` for a stale answer. Other keys (group or linked-id JIDs) get null.
 */
export type PartnerResolver = ((keys: string[]) => Promise<Map<string, number | null>>) & {
  /** Drops a cached answer (the partner was deleted or merged meanwhile). */
  forget?: (key: string) => void;
};

/** One row of the lookup: exactly the fields the addon returns. */
export interface PartnerCandidate {
  id: number;
  name: string | false;
  phone: string | false;
  mobile: string | false;
  whatsapp_user_id: string | false;
}

const isLinkableNumber = (key: string) => /^\+[1-9]\d{5,14}$/.test(key);
/** The addon's bounds for a number's national digits (NATIONAL_DIGITS in res_partner.py). */
const MIN_LOOKUP_DIGITS = 4;
const MAX_LOOKUP_DIGITS = 17;

export function createPartnerResolver(odoo: Pick<OdooClient, 'call' | 'searchRead'>, options: PartnerResolverOptions) {
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

  async function lookup(keys: string[]): Promise<Map<string, number | null>> {
    const userIds = keys.filter(isWhatsappUserId);
    const numbers = keys.filter((k) => !isWhatsappUserId(k));
    // The lookup refuses runs of digits too short to tell partners apart (or longer than any number): such
    // a number simply finds no partner, rather than failing the batch.
    const digits = [...new Set(numbers.map(nationalSignificantDigits))].filter((d) => d.length >= MIN_LOOKUP_DIGITS && d.length <= MAX_LOOKUP_DIGITS);
    const rows = (await odoo.call<PartnerCandidate[]>(PARTNER_MODEL, PARTNER_LOOKUP_METHOD, [digits, userIds])) ?? [];
    const found = new Map<string, number | null>();
    for (const userId of userIds) found.set(userId, rows.find((r) => r.whatsapp_user_id === userId)?.id ?? null);
    for (const phone of numbers) {
      const match = rows.find(
        (r) => partnerPhoneMatches(r.mobile, phone, options.defaultCountry) || partnerPhoneMatches(r.phone, phone, options.defaultCountry),
      );
      found.set(phone, match?.id ?? null);
    }
    const unmatched = [...found].filter(([, id]) => id === null).map(([key]) => key);
    if (unmatched.length > 0) for (const [key, id] of await partnersOfChangeNotices(unmatched)) found.set(key, id);
    return found;
  }

  /** The partner of the newest change-of-identity notice stored under each key (its new number or user id). */
  async function partnersOfChangeNotices(keys: string[]): Promise<Map<string, number>> {
    const phones = keys.filter((k) => !isWhatsappUserId(k));
    const userIds = keys.filter(isWhatsappUserId);
    const rows = await odoo.searchRead<{ id: number; phone: string | false; whatsapp_user_id: string | false; partner_id: [number, string] | false }>(
      HISTORY_MODEL,
      [
        ['partner_id', '!=', false],
        '|',
        ['previous_phone', '!=', false],
        ['previous_whatsapp_user_id', '!=', false],
        '|',
        ['phone', 'in', phones],
        ['whatsapp_user_id', 'in', userIds],
      ],
      { fields: ['phone', 'whatsapp_user_id', 'partner_id'], order: 'timestamp desc, id desc', limit: 4 * keys.length },
    );
    const found = new Map<string, number>();
    for (const row of rows) {
      if (!row.partner_id) continue;
      for (const key of [row.phone, row.whatsapp_user_id]) if (typeof key === 'string' && keys.includes(key) && !found.has(key)) found.set(key, row.partner_id[0]);
    }
    return found;
  }

  async function resolvePartners(keys: string[]): Promise<Map<string, number | null>> {
    const result = new Map<string, number | null>();
    const missing: string[] = [];
    for (const key of new Set(keys)) {
      if (!isLinkableNumber(key) && !isWhatsappUserId(key)) {
        result.set(key, null); // a group or linked-id JID is never a partner
        continue;
      }
      const hit = cache.get(key);
      if (hit && hit.expires > now()) result.set(key, hit.partnerId);
      else missing.push(key);
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
    /** Drops the cached answer for a number or user id (its partner was deleted or merged). */
    forget(key: string) {
      cache.delete(key);
    },
  });
}
