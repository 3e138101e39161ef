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
import { isWhatsappUserId, nationalSignificantDigits, partnerPhoneMatches, type CountryCode } from '../lib/phone.js';
import type { HistoryRepository } from '../odoo/repositories/history-repository.js';
import type { PartnerRepository } from '../odoo/repositories/partner-repository.js';

/** What the resolver reads: the addon's partner lookup, and change-of-identity notices in the history. */
export interface PartnerResolverRepositories {
  partners: PartnerRepository;
  history: Pick<HistoryRepository, 'partnersOfChangeNotices'>;
}

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

const isLinkableNumber = (key: string) => /^\+[1-9]\d{5,14}$/.test(key);
/** The addon's bounds for a number's national digits (NATIONAL_DIGITS in res_partner.py). */
const MIN_LOOKUP_DIGITS = 4;
const MAX_LOOKUP_DIGITS = 17;

export function createPartnerResolver(repositories: PartnerResolverRepositories, options: PartnerResolverOptions) {
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
    const rows = await repositories.partners.findCandidates(digits, userIds);
    const found = new Map<string, number | null>();
    for (const userId of userIds) found.set(userId, rows.find((r) => r.whatsappUserId === userId)?.id ?? null);
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
    const rows = await repositories.history.partnersOfChangeNotices(phones, userIds, 4 * keys.length);
    const found = new Map<string, number>();
    for (const row of rows) {
      for (const key of [row.phone, row.userId]) if (key !== null && keys.includes(key) && !found.has(key)) found.set(key, row.partnerId);
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
