/**
 * Conversations in Odoo (`whatsapp.conversation`, odoo-addon/whatsapp_headless/models/
 * whatsapp_conversation.py): the only code that names that model and its fields. Read-only: the addon
 * keeps conversations up to date when messages are created; the gateway's user (group Gateway) may
 * only read them.
 */
import type { ConversationFilters, ConversationState, ConversationSummary } from '../../domain/conversation.js';
import type { ContactIdentities } from '../../domain/history.js';
import type { Direction } from '../../domain/message.js';
import type { Domain, DomainLeaf, OdooClient } from '../types.js';
import { many2one, odooToIso } from './history-fields.js';

export const CONVERSATION_MODEL = 'whatsapp.conversation';

/**
 * The inbox order, as the model's `_order`: waiting customers first, then the latest activity; `id`
 * breaks ties so pages never overlap. Served by the addon's (is_waiting, last_message_at) index.
 */
export const INBOX_ORDER = 'is_waiting desc, last_message_at desc, id desc';

/** The addon's prefix of the identity key of a contact known only by WhatsApp user id. */
const USER_ID_KEY_PREFIX = 'user:';

export const CONVERSATION_FIELDS = [
  'name',
  'phone',
  'whatsapp_user_id',
  'device',
  'whatsapp_name',
  'partner_id',
  'state',
  'is_waiting',
  'waiting_since',
  'unread_count',
  'user_id',
  'last_message_at',
  'last_direction',
  'last_message_preview',
] as const;

export type OdooConversationRow = { id: number } & Record<(typeof CONVERSATION_FIELDS)[number], unknown>;

export interface ConversationRepository {
  /** One page in inbox order, and how many match. */
  page(filters: ConversationFilters, paging: { limit: number; offset: number }): Promise<{ conversations: ConversationSummary[]; total: number }>;
  /** The conversations (one per business number) of a contact stored under any of these identities, in inbox order. */
  ofContact(contact: ContactIdentities, limit: number): Promise<ConversationSummary[]>;
}

/** Filters → an Odoo domain (implicit AND). */
export function conversationDomain(filters: ConversationFilters): Domain {
  const domain: DomainLeaf[] = [];
  if (filters.waiting !== undefined) domain.push(['is_waiting', '=', filters.waiting]);
  if (filters.unread !== undefined) domain.push(['unread_count', filters.unread ? '>' : '=', 0]);
  if (filters.assigned !== undefined) domain.push(['user_id', '=', filters.assigned === 'none' ? false : filters.assigned]);
  if (filters.state !== undefined) domain.push(['state', '=', filters.state]);
  return domain;
}

/**
 * A contact's conversations: by identity key (the number or group id, or `user:<user id>`), or by the
 * user id a conversation started with a number also holds — but never a group's conversation through a
 * member's user id.
 */
export function conversationContactDomain(contact: ContactIdentities): Domain {
  const keys = [...contact.phones, ...contact.userIds.map((id) => USER_ID_KEY_PREFIX + id)];
  if (keys.length === 0) return [['id', '=', 0]];
  const byKey: DomainLeaf = ['identity_key', 'in', keys];
  if (contact.userIds.length === 0) return [byKey];
  return ['|', byKey, '&', ['whatsapp_user_id', 'in', contact.userIds], ['identity_key', 'not like', '@g.us']];
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

export function toConversationSummary(row: OdooConversationRow): ConversationSummary {
  return {
    id: row.id,
    name: text(row.name),
    phone: text(row.phone),
    user_id: text(row.whatsapp_user_id),
    device: text(row.device),
    contact_name: text(row.whatsapp_name),
    partner: many2one(row.partner_id),
    state: (text(row.state) ?? 'open') as ConversationState,
    waiting: row.is_waiting === true,
    waiting_since: odooToIso(row.waiting_since),
    unread_count: typeof row.unread_count === 'number' ? row.unread_count : 0,
    assigned_user: many2one(row.user_id),
    last_message_at: odooToIso(row.last_message_at),
    last_direction: text(row.last_direction) as Direction | null,
    last_message_preview: text(row.last_message_preview),
  };
}

export function createConversationRepository(odoo: Pick<OdooClient, 'searchRead' | 'searchCount'>): ConversationRepository {
  return {
    async page(filters, paging) {
      const domain = conversationDomain(filters);
      const [rows, total] = await Promise.all([
        odoo.searchRead<OdooConversationRow>(CONVERSATION_MODEL, domain, {
          fields: [...CONVERSATION_FIELDS],
          limit: paging.limit,
          offset: paging.offset,
          order: INBOX_ORDER,
        }),
        odoo.searchCount(CONVERSATION_MODEL, domain),
      ]);
      return { conversations: rows.map(toConversationSummary), total };
    },

    async ofContact(contact, limit) {
      const rows = await odoo.searchRead<OdooConversationRow>(CONVERSATION_MODEL, conversationContactDomain(contact), {
        fields: [...CONVERSATION_FIELDS],
        limit,
        order: INBOX_ORDER,
      });
      return rows.map(toConversationSummary);
    },
  };
}
