/**
 * Contacts (`res.partner`) as the gateway may see them: only through the addon's lookup method
 * (`whatsapp_headless_find_partners`, odoo-addon/whatsapp_headless/models/res_partner.py) — the
 * integration user may not read contacts itself.
 */
import type { OdooClient } from '../types.js';

export const PARTNER_MODEL = 'res.partner';
/** The addon's lookup method. */
export const PARTNER_LOOKUP_METHOD = 'whatsapp_headless_find_partners';

/** One candidate of the lookup. Empty fields are null. */
export interface PartnerCandidate {
  id: number;
  name: string | null;
  phone: string | null;
  mobile: string | null;
  whatsappUserId: string | null;
}

export interface PartnerRepository {
  /**
   * Partners whose phone or mobile may hold one of the numbers (given as national significant digits:
   * candidates only, to be confirmed by the caller) or who remember one of the WhatsApp user ids.
   */
  findCandidates(nationalNumbers: string[], userIds: string[]): Promise<PartnerCandidate[]>;
}

/** The lookup's rows: exactly the fields the addon returns. */
interface LookupRow {
  id: number;
  name: string | false;
  phone: string | false;
  mobile: string | false;
  whatsapp_user_id: string | false;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

export function createPartnerRepository(odoo: Pick<OdooClient, 'call'>): PartnerRepository {
  return {
    async findCandidates(nationalNumbers, userIds) {
      const rows = (await odoo.call<LookupRow[]>(PARTNER_MODEL, PARTNER_LOOKUP_METHOD, [nationalNumbers, userIds])) ?? [];
      return rows.map((row) => ({ id: row.id, name: text(row.name), phone: text(row.phone), mobile: text(row.mobile), whatsappUserId: text(row.whatsapp_user_id) }));
    },
  };
}
