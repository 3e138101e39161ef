/**
 * Reads of the message history: the filtered list (GET /api/wa/get_history) and one number's thread
 * (GET /api/wa/conversation/:phone). Each page is one search_read plus one search_count, in parallel.
 */
import { HISTORY_MODEL } from '../domain/message.js';
import type { CountryCode } from '../lib/phone.js';
import type { OdooClient } from '../odoo/types.js';
import type { ConversationQuery, HistoryQuery } from '../schemas/messages.js';
import {
  historyDomain,
  many2one,
  MESSAGE_FIELDS,
  parseDateRange,
  parsePhoneFilter,
  timestampOrder,
  toApiMessage,
  validationError,
  type ApiMessage,
  type ApiPartner,
  type FieldProblem,
  type HistoryFilters,
  type OdooMessageRow,
} from './query-fns.js';

export interface Page<T> {
  data: T;
  meta: { total: number; limit: number; offset: number };
}

export interface Conversation {
  phone: string;
  contact_name: string | null;
  partner: ApiPartner | null;
  messages: ApiMessage[];
}

/** How many of the newest records to look at for the thread's contact name and partner. */
const IDENTITY_LOOKBACK = 5;
/**
 * A thread's name and partner change rarely; remembering them briefly saves one Odoo call on every
 * further page of the same conversation (a new name or partner shows within this time).
 */
const IDENTITY_TTL_MS = 30_000;
const IDENTITY_CACHE_SIZE = 5000;

interface Identity {
  contactName: string | null;
  partner: ApiPartner | null;
}

export function createHistoryService(deps: {
  odoo: Pick<OdooClient, 'searchRead' | 'searchCount'>;
  defaultCountry: CountryCode;
  now?: () => number;
}) {
  const { odoo, defaultCountry } = deps;
  const now = deps.now ?? Date.now;
  const identities = new Map<string, { identity: Identity; expires: number }>();

  async function identityOf(phone: string): Promise<Identity> {
    const cached = identities.get(phone);
    if (cached && cached.expires > now()) return cached.identity;
    const rows = await odoo.searchRead<OdooMessageRow>(
      HISTORY_MODEL,
      [['phone', '=', phone], '|', ['contact_name', '!=', false], ['partner_id', '!=', false]],
      { fields: ['contact_name', 'partner_id'], limit: IDENTITY_LOOKBACK, order: timestampOrder('desc') },
    );
    const identity: Identity = {
      contactName: rows.map((r) => r.contact_name).find((v): v is string => typeof v === 'string' && v !== '') ?? null,
      partner: rows.map((r) => many2one(r.partner_id)).find((p) => p !== null) ?? null,
    };
    identities.delete(phone);
    if (identities.size >= IDENTITY_CACHE_SIZE) identities.delete(identities.keys().next().value as string); // oldest first
    identities.set(phone, { identity, expires: now() + IDENTITY_TTL_MS });
    return identity;
  }

  async function page(filters: HistoryFilters, paging: { limit: number; offset: number; order: 'asc' | 'desc' }) {
    const domain = historyDomain(filters);
    const [rows, total] = await Promise.all([
      odoo.searchRead<OdooMessageRow>(HISTORY_MODEL, domain, {
        fields: [...MESSAGE_FIELDS],
        limit: paging.limit,
        offset: paging.offset,
        order: timestampOrder(paging.order),
      }),
      odoo.searchCount(HISTORY_MODEL, domain),
    ]);
    return { messages: rows.map(toApiMessage), total };
  }

  return {
    async getHistory(query: HistoryQuery): Promise<Page<ApiMessage[]>> {
      const problems: FieldProblem[] = [];
      const range = parseDateRange(query, problems);
      const phone = query.phone === undefined ? undefined : parsePhoneFilter(query.phone, defaultCountry, 'querystring/phone', problems);
      if (problems.length > 0) throw validationError(problems);
      const filters: HistoryFilters = {
        ...(phone !== undefined ? { phone } : {}),
        ...(query.direction !== undefined ? { direction: query.direction } : {}),
        ...(query.state !== undefined ? { state: query.state } : {}),
        ...(range.from ? { from: range.from } : {}),
        ...(range.to ? { to: range.to } : {}),
        ...(query.q !== undefined ? { q: query.q } : {}),
        ...(query.partner_id !== undefined ? { partnerId: query.partner_id } : {}),
      };
      const { messages, total } = await page(filters, query);
      return { data: messages, meta: { total, limit: query.limit, offset: query.offset } };
    },

    async getConversation(phoneInput: string, query: ConversationQuery): Promise<Page<Conversation>> {
      const problems: FieldProblem[] = [];
      const phone = parsePhoneFilter(phoneInput, defaultCountry, 'params/phone', problems);
      const range = parseDateRange(query, problems);
      if (problems.length > 0 || phone === undefined) throw validationError(problems);
      const filters: HistoryFilters = { phone, ...(range.from ? { from: range.from } : {}), ...(range.to ? { to: range.to } : {}) };
      // The thread's identity comes from its newest records, whatever page is asked for.
      const [{ messages, total }, identity] = await Promise.all([page(filters, query), identityOf(phone)]);
      return {
        data: { phone, contact_name: identity.contactName, partner: identity.partner, messages },
        meta: { total, limit: query.limit, offset: query.offset },
      };
    },
  };
}

export type HistoryService = ReturnType<typeof createHistoryService>;
