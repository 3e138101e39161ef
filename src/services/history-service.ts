/**
 * Reads of the message history: the filtered list (GET /api/wa/get_history) and one contact's thread
 * (GET /api/wa/conversation/:phone). Each page is one search_read plus one search_count, in parallel.
 *
 * One conversation, several identities: a contact may be stored under a number, a WhatsApp user id
 * (BSUID), or both, and may change either (Meta's user_changed_number / user_changed_user_id notices,
 * stored with previous_phone / previous_whatsapp_user_id). A lookup by any of them returns the records
 * of all of them: the identities are widened through the stored records themselves — a record holding
 * a number and a user id ties the two, a change notice ties old and new — never through a group
 * (a group's members are not the group's conversation). Bounded: a few rounds, a few identities.
 *
 * The thread also carries the contact's conversation state in the Odoo inbox (waiting, unread, agent),
 * read fresh on every page: it changes with every message, unlike the name and partner.
 */
import type { ConversationSummary } from '../domain/conversation.js';
import type { ContactIdentities, HistoryFilters } from '../domain/history.js';
import { isWhatsappUserId, type CountryCode } from '../lib/phone.js';
import type { ConversationRepository } from '../odoo/repositories/conversation-repository.js';
import type { HistoryRepository } from '../odoo/repositories/history-repository.js';
import type { ConversationQuery, HistoryQuery } from '../schemas/messages.js';
import { parseDateRange, parsePhoneFilter, validationError, type ApiMessage, type ApiPartner, type FieldProblem } from './query-fns.js';

export interface Page<T> {
  data: T;
  meta: { total: number; limit: number; offset: number };
}

export interface Conversation {
  /** The identity asked for, normalised: E.164, a JID, or a WhatsApp user id. */
  phone: string;
  /** Every identity the conversation's records are stored under (see the module comment). */
  identities: { phones: string[]; user_ids: string[] };
  contact_name: string | null;
  partner: ApiPartner | null;
  /** The contact's conversation in the inbox: the first of `conversations`, or null. */
  conversation: ConversationSummary | null;
  /** One per business number, in inbox order. */
  conversations: ConversationSummary[];
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
/** Widening rounds (number → user id → new number …) and identities per conversation, at most. */
const MAX_WIDENING_ROUNDS = 3;
const MAX_IDENTITIES = 20;
/** Business numbers one contact's conversations are listed for, at most. */
const MAX_CONVERSATIONS = 20;

const isGroup = (phone: string) => phone.endsWith('@g.us');

interface Identity {
  contactName: string | null;
  partner: ApiPartner | null;
}

export function createHistoryService(deps: {
  history: Pick<HistoryRepository, 'page' | 'identityCombinations' | 'contactLabel'>;
  conversations: Pick<ConversationRepository, 'ofContact'>;
  defaultCountry: CountryCode;
  now?: () => number;
}) {
  const { history, defaultCountry } = deps;
  const now = deps.now ?? Date.now;
  const identities = new Map<string, { identity: Identity; expires: number }>();
  const widened = new Map<string, { contact: ContactIdentities; expires: number }>();

  function remember<V>(cache: Map<string, { expires: number } & V>, key: string, entry: V) {
    cache.delete(key);
    if (cache.size >= IDENTITY_CACHE_SIZE) cache.delete(cache.keys().next().value as string); // oldest first
    cache.set(key, { ...entry, expires: now() + IDENTITY_TTL_MS });
  }

  /** The identities of the conversation `id` (canonical number, JID or user id) is part of. */
  async function conversationIdentities(id: string): Promise<ContactIdentities> {
    const cached = widened.get(id);
    if (cached && cached.expires > now()) return cached.contact;
    const phones = new Set<string>();
    const userIds = new Set<string>();
    (isWhatsappUserId(id) ? userIds : phones).add(id);
    for (let round = 0; round < MAX_WIDENING_ROUNDS; round++) {
      const before = phones.size + userIds.size;
      // Distinct identity combinations only (one row per combination, not per message).
      const rows = await history.identityCombinations({ phones: [...phones], userIds: [...userIds] }, 4 * MAX_IDENTITIES);
      for (const row of rows) {
        if (row.phone !== null && isGroup(row.phone)) continue; // a group ties nobody to anybody
        for (const value of [row.phone, row.previousPhone]) if (value !== null) phones.add(value);
        for (const value of [row.userId, row.previousUserId]) if (value !== null) userIds.add(value);
      }
      if (phones.size + userIds.size === before || phones.size + userIds.size >= MAX_IDENTITIES) break;
    }
    const contact = { phones: [...phones].slice(0, MAX_IDENTITIES), userIds: [...userIds].slice(0, MAX_IDENTITIES) };
    remember(widened, id, { contact });
    return contact;
  }

  async function identityOf(key: string, contact: ContactIdentities): Promise<Identity> {
    const cached = identities.get(key);
    if (cached && cached.expires > now()) return cached.identity;
    const identity: Identity = await history.contactLabel(contact, IDENTITY_LOOKBACK);
    remember(identities, key, { identity });
    return identity;
  }

  const page = (filters: HistoryFilters, paging: { limit: number; offset: number; order: 'asc' | 'desc' }) => history.page(filters, paging);

  return {
    async getHistory(query: HistoryQuery): Promise<Page<ApiMessage[]>> {
      const problems: FieldProblem[] = [];
      const range = parseDateRange(query, problems);
      const phone = query.phone === undefined ? undefined : parsePhoneFilter(query.phone, defaultCountry, 'querystring/phone', problems);
      if (problems.length > 0) throw validationError(problems);
      const contact = phone !== undefined ? await conversationIdentities(phone) : undefined;
      const filters: HistoryFilters = {
        ...(contact !== undefined ? { contact } : {}),
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
      const contact = await conversationIdentities(phone);
      const filters: HistoryFilters = { contact, ...(range.from ? { from: range.from } : {}), ...(range.to ? { to: range.to } : {}) };
      // The thread's identity comes from its newest records, whatever page is asked for.
      const [{ messages, total }, identity, conversations] = await Promise.all([
        page(filters, query),
        identityOf(phone, contact),
        deps.conversations.ofContact(contact, MAX_CONVERSATIONS),
      ]);
      return {
        data: {
          phone,
          identities: { phones: contact.phones, user_ids: contact.userIds },
          contact_name: identity.contactName,
          partner: identity.partner,
          conversation: conversations[0] ?? null,
          conversations,
          messages,
        },
        meta: { total, limit: query.limit, offset: query.offset },
      };
    },
  };
}

export type HistoryService = ReturnType<typeof createHistoryService>;
