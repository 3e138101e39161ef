/**
 * The message history in Odoo (`whatsapp.history`): the only code that calls Odoo about it. Services
 * and workers ask in domain terms (src/domain/history.ts) and take only the methods they use
 * (`Pick<HistoryRepository, …>`); the field names, domains and value shapes live in ./history-fields.ts.
 */
import type {
  ContactIdentities,
  HistoryFilters,
  HistoryMessage,
  HistoryPartner,
  IdentityCombination,
  NewInboundMessage,
  NewOutgoingMessage,
  QueuedSend,
  StoredMessageRef,
} from '../../domain/history.js';
import type { MessageState, Provider } from '../../domain/message.js';
import { parseOdooDatetime, toOdooDatetime } from '../datetime.js';
import type { Domain, DomainLeaf, OdooClient, ReadGroupRow } from '../types.js';
import {
  contactDomain,
  historyDomain,
  HISTORY_MODEL,
  inboundMessageValues,
  many2one,
  MESSAGE_FIELDS,
  outgoingMessageValues,
  timestampOrder,
  toHistoryMessage,
  type OdooMessageRow,
} from './history-fields.js';
import { distinctCount, statsGroupBy, toBucketCounts, type BucketCount, type StatsGranularity } from './history-stats.js';

/** The newest contact name and partner among a conversation's records. */
export interface ContactLabel {
  contactName: string | null;
  partner: HistoryPartner | null;
}

export interface HistoryRepository {
  /** One cheap call that proves Odoo answers, the login works and the model is readable. */
  ping(): Promise<void>;

  // ---- the writer
  /** The stored records of these provider ids (one provider). */
  findByProviderIds(provider: Provider, providerMessageIds: string[]): Promise<StoredMessageRef[]>;
  /** Creates the records in one call; ids in the same order. */
  createInbound(messages: NewInboundMessage[]): Promise<number[]>;
  /** Moves records to `state`; a `failed` one gets `error` (or a generic reason) as its error. */
  setState(ids: number[], state: MessageState, error: string | null): Promise<void>;
  /** Stores the contact's WhatsApp user id a receipt named on a record sent by number. */
  setUserId(id: number, userId: string): Promise<void>;

  // ---- the media worker
  /** Whether the record still exists (`missing`), and whether it has its media attached already. */
  attachmentState(id: number): Promise<'missing' | 'attached' | 'none'>;
  /** Creates the attachment and links it in one transaction (the addon's attach_media). */
  attachMedia(id: number, media: { name: string; base64: string; mimetype: string | null; filename: string | null }): Promise<void>;
  /** Notes on the record why its media is missing. */
  noteError(id: number, error: string): Promise<void>;

  // ---- the outbox
  /** When the oldest outgoing message waiting to be sent was queued (its last change); undefined when none. */
  oldestQueuedAt(): Promise<Date | undefined>;
  /** Queued outgoing messages without a provider id, oldest first, minus the excluded records and contacts' numbers. */
  queuedSends(query: { excludeIds: number[]; excludePhones: string[]; limit: number }): Promise<QueuedSend[]>;
  recordSent(id: number, providerMessageId: string | null): Promise<void>;
  /** Sent, but another record holds the provider id already: keeps the state and notes why. */
  recordSentWithTakenId(id: number, note: string): Promise<void>;
  recordFailed(id: number, error: string): Promise<void>;

  // ---- send_message
  createOutgoing(message: NewOutgoingMessage): Promise<number>;

  // ---- reads of the REST API
  page(filters: HistoryFilters, paging: { limit: number; offset: number; order: 'asc' | 'desc' }): Promise<{ messages: HistoryMessage[]; total: number }>;
  /** Distinct identity combinations of the records stored under any of the identities (one row per combination). */
  identityCombinations(contact: ContactIdentities, limit: number): Promise<IdentityCombination[]>;
  /** The contact name and partner of the newest `lookback` records of the conversation that have one. */
  contactLabel(contact: ContactIdentities, lookback: number): Promise<ContactLabel>;
  /** The partner of the newest change-of-identity notice stored under each key (its new number or user id). */
  partnersOfChangeNotices(phones: string[], userIds: string[], limit: number): Promise<{ phone: string | null; userId: string | null; partnerId: number }[]>;

  // ---- GET /api/wa/stats (period [from, to), buckets in UTC)
  countByBucket(window: { from: Date; to: Date }, granularity: StatsGranularity): Promise<BucketCount[]>;
  /** Distinct numbers in the period (0 when it has no message). */
  distinctPhones(window: { from: Date; to: Date }): Promise<number>;
  /** Distinct user ids of messages without a number in the period (0 when it has no message). */
  distinctUserIdsWithoutPhone(window: { from: Date; to: Date }): Promise<number>;
}

type HistoryOdoo = Pick<OdooClient, 'searchRead' | 'searchCount' | 'readGroup' | 'create' | 'createMany' | 'write' | 'call'>;

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The send queue: outgoing, queued, no provider id yet (the addon's partial index on state serves it). */
const QUEUED: Domain = [
  ['direction', '=', 'out'],
  ['state', '=', 'queued'],
  ['provider_message_id', '=', false],
];

const IDENTITY_FIELDS = ['phone', 'whatsapp_user_id', 'previous_phone', 'previous_whatsapp_user_id'];

// Day/week buckets in UTC, whatever the integration user's timezone.
const UTC = { tz: 'UTC' };

const windowDomain = (window: { from: Date; to: Date }): Domain => [
  ['timestamp', '>=', toOdooDatetime(window.from)],
  ['timestamp', '<', toOdooDatetime(window.to)],
];

export function createHistoryRepository(odoo: HistoryOdoo): HistoryRepository {
  return {
    async ping() {
      await odoo.searchCount(HISTORY_MODEL, [['id', '=', 0]]);
    },

    async findByProviderIds(provider, providerMessageIds) {
      const rows = await odoo.searchRead<{ id: number; provider_message_id: string; state: MessageState; whatsapp_user_id: string | false }>(
        HISTORY_MODEL,
        [
          ['provider', '=', provider],
          ['provider_message_id', 'in', [...new Set(providerMessageIds)]],
        ],
        { fields: ['id', 'provider_message_id', 'state', 'whatsapp_user_id'] },
      );
      return rows.map((row) => ({ id: row.id, providerMessageId: row.provider_message_id, state: row.state, userId: row.whatsapp_user_id || null }));
    },

    createInbound(messages) {
      return odoo.createMany(HISTORY_MODEL, messages.map(inboundMessageValues));
    },

    async setState(ids, state, error) {
      await odoo.write(HISTORY_MODEL, ids, {
        state,
        ...(state === 'failed' ? { error_message: error ?? 'The provider reported a failure' } : {}),
      });
    },

    async setUserId(id, userId) {
      await odoo.write(HISTORY_MODEL, [id], { whatsapp_user_id: userId });
    },

    async attachmentState(id) {
      const [record] = await odoo.searchRead<{ id: number; attachment_id: [number, string] | false }>(HISTORY_MODEL, [['id', '=', id]], {
        fields: ['attachment_id'],
      });
      if (!record) return 'missing';
      return record.attachment_id ? 'attached' : 'none';
    },

    async attachMedia(id, media) {
      await odoo.call(HISTORY_MODEL, 'attach_media', [[id], media.name, media.base64, media.mimetype || false, media.filename || false]);
    },

    async noteError(id, error) {
      await odoo.write(HISTORY_MODEL, [id], { error_message: error });
    },

    async oldestQueuedAt() {
      const [oldest] = await odoo.searchRead<{ id: number; write_date: unknown }>(HISTORY_MODEL, QUEUED, {
        fields: ['write_date'],
        order: 'write_date asc, id asc',
        limit: 1,
      });
      return typeof oldest?.write_date === 'string' ? parseOdooDatetime(oldest.write_date) : undefined;
    },

    async queuedSends({ excludeIds, excludePhones, limit }) {
      const rows = await odoo.searchRead<{ id: number } & Record<string, unknown>>(
        HISTORY_MODEL,
        [
          ...QUEUED,
          ...(excludeIds.length > 0 ? [['id', 'not in', excludeIds] as DomainLeaf] : []),
          // Odoo's `not in` keeps NULLs: records known by user id pass here (the outbox holds them back).
          ...(excludePhones.length > 0 ? [['phone', 'not in', excludePhones] as DomainLeaf] : []),
        ],
        { fields: ['phone', 'whatsapp_user_id', 'message', 'media_url', 'media_filename', 'provider'], order: 'id asc', limit },
      );
      return rows.map((row) => ({
        id: row.id,
        phone: str(row.phone),
        userId: str(row.whatsapp_user_id),
        text: str(row.message),
        mediaUrl: str(row.media_url),
        mediaFilename: str(row.media_filename),
        provider: str(row.provider),
      }));
    },

    async recordSent(id, providerMessageId) {
      await odoo.write(HISTORY_MODEL, [id], { state: 'sent', provider_message_id: providerMessageId, error_message: false });
    },

    async recordSentWithTakenId(id, note) {
      await odoo.write(HISTORY_MODEL, [id], { state: 'sent', error_message: note });
    },

    async recordFailed(id, error) {
      await odoo.write(HISTORY_MODEL, [id], { state: 'failed', error_message: error });
    },

    createOutgoing(message) {
      return odoo.create(HISTORY_MODEL, outgoingMessageValues(message));
    },

    async page(filters, paging) {
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
      return { messages: rows.map(toHistoryMessage), total };
    },

    async identityCombinations(contact, limit) {
      const leaves: DomainLeaf[] = [];
      if (contact.phones.length > 0) leaves.push(['phone', 'in', contact.phones], ['previous_phone', 'in', contact.phones]);
      if (contact.userIds.length > 0) leaves.push(['whatsapp_user_id', 'in', contact.userIds], ['previous_whatsapp_user_id', 'in', contact.userIds]);
      if (leaves.length === 0) return [];
      const domain: Domain = [...Array<'|'>(leaves.length - 1).fill('|'), ...leaves];
      const rows = await odoo.readGroup(HISTORY_MODEL, domain, IDENTITY_FIELDS, IDENTITY_FIELDS, { lazy: false, limit });
      return rows.map((row) => ({
        phone: text(row.phone),
        userId: text(row.whatsapp_user_id),
        previousPhone: text(row.previous_phone),
        previousUserId: text(row.previous_whatsapp_user_id),
      }));
    },

    async contactLabel(contact, lookback) {
      const rows = await odoo.searchRead<OdooMessageRow>(
        HISTORY_MODEL,
        ['&', ...contactDomain(contact), '|', ['contact_name', '!=', false], ['partner_id', '!=', false]],
        { fields: ['contact_name', 'partner_id'], limit: lookback, order: timestampOrder('desc') },
      );
      return {
        contactName: rows.map((r) => text(r.contact_name)).find((v) => v !== null) ?? null,
        partner: rows.map((r) => many2one(r.partner_id)).find((p) => p !== null) ?? null,
      };
    },

    async partnersOfChangeNotices(phones, userIds, limit) {
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
        { fields: ['phone', 'whatsapp_user_id', 'partner_id'], order: 'timestamp desc, id desc', limit },
      );
      return rows.flatMap((row) => (row.partner_id ? [{ phone: text(row.phone), userId: text(row.whatsapp_user_id), partnerId: row.partner_id[0] }] : []));
    },

    async countByBucket(window, granularity) {
      const rows = await odoo.readGroup(HISTORY_MODEL, windowDomain(window), ['direction', 'state'], statsGroupBy(granularity), { lazy: false, context: UTC });
      return toBucketCounts(rows);
    },

    async distinctPhones(window) {
      return distinctCount(await odoo.readGroup(HISTORY_MODEL, windowDomain(window), ['n:count_distinct(phone)'], [], { context: UTC }));
    },

    async distinctUserIdsWithoutPhone(window) {
      const rows: ReadGroupRow[] = await odoo.readGroup(
        HISTORY_MODEL,
        [...windowDomain(window), ['phone', '=', false]],
        ['n:count_distinct(whatsapp_user_id)'],
        [],
        { context: UTC },
      );
      return distinctCount(rows);
    },
  };
}
