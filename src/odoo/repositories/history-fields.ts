/**
 * whatsapp.history's vocabulary on the Odoo side: the model name, the field lists, the domains and the
 * mapping between the gateway's domain types and Odoo values. Pure (no I/O); only the repositories in
 * this folder import it — nothing else in the gateway knows a field name.
 */
import type { ContactIdentities, HistoryFilters, HistoryMessage, NewInboundMessage, NewOutgoingMessage } from '../../domain/history.js';
import type { Direction, MessageState } from '../../domain/message.js';
import { parseOdooDatetime, toOdooDatetime } from '../datetime.js';
import type { Domain, DomainLeaf, DomainTerm, OdooValues } from '../types.js';

/** The addon's message model (odoo-addon/whatsapp_headless/models/whatsapp_history.py). */
export const HISTORY_MODEL = 'whatsapp.history';

/** The fields the API reads. Never raw_payload: it is for auditors in Odoo, and heavy. */
export const MESSAGE_FIELDS = [
  'phone',
  'whatsapp_user_id',
  'whatsapp_username',
  'contact_name',
  'partner_id',
  'direction',
  'message',
  'message_type',
  'media_url',
  'media_mimetype',
  'media_filename',
  'attachment_id',
  'provider',
  'provider_message_id',
  'device',
  'state',
  'error_message',
  'timestamp',
] as const;

/** An Odoo record as read by search_read: `false` stands for "empty" in every field type. */
export type OdooMessageRow = { id: number } & Record<(typeof MESSAGE_FIELDS)[number], unknown>;

/** `%` and `_` are LIKE wildcards and Odoo 13 passes them through; escape them so `q` is literal. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Filters → an Odoo domain (implicit AND). `phone =` on the canonical value rides the addon's
 * (phone, timestamp) index; `q` becomes `=ilike %…%` with wildcards escaped (the addon's trigram
 * index serves it); `timestamp` bounds use Odoo's UTC string form.
 */
export function historyDomain(filters: HistoryFilters): Domain {
  const domain: DomainTerm[] = [];
  if (filters.phone !== undefined) domain.push(['phone', '=', filters.phone]);
  if (filters.contact !== undefined) domain.push(...contactDomain(filters.contact));
  if (filters.direction !== undefined) domain.push(['direction', '=', filters.direction]);
  if (filters.state !== undefined) domain.push(['state', '=', filters.state]);
  if (filters.from !== undefined) domain.push(['timestamp', '>=', toOdooDatetime(filters.from)]);
  if (filters.to !== undefined) domain.push(['timestamp', '<=', toOdooDatetime(filters.to)]);
  if (filters.q !== undefined) domain.push(['message', '=ilike', `%${escapeLike(filters.q)}%`]);
  if (filters.partnerId !== undefined) domain.push(['partner_id', '=', filters.partnerId]);
  return domain;
}

/**
 * Records of any of the identities: `=` for one value (the index's favourite), `in` for several, OR
 * between number and user id. A user id's messages in a group belong to the group's conversation, not
 * to the person's: matched by user id only where the record is not a group's.
 */
export function contactDomain(contact: ContactIdentities): Domain {
  const leaf = (field: string, values: string[]): DomainLeaf => (values.length === 1 ? [field, '=', values[0]] : [field, 'in', values]);
  const byPhone: Domain = contact.phones.length > 0 ? [leaf('phone', contact.phones)] : [];
  const byUserId: Domain =
    contact.userIds.length > 0 ? ['&', leaf('whatsapp_user_id', contact.userIds), '|', ['phone', '=', false], ['phone', 'not like', '@g.us']] : [];
  if (byPhone.length > 0 && byUserId.length > 0) return ['|', ...byPhone, ...byUserId];
  if (byPhone.length > 0 || byUserId.length > 0) return [...byPhone, ...byUserId];
  return [['id', '=', 0]]; // nobody: no record
}

/** Odoo order clause; `id` breaks ties between messages of the same second, so pages never overlap. */
export function timestampOrder(order: 'asc' | 'desc'): string {
  return `timestamp ${order}, id ${order}`;
}

/** Odoo's UTC `YYYY-MM-DD HH:MM:SS` → ISO 8601 with Z. */
export function odooToIso(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const date = parseOdooDatetime(value);
  return date ? date.toISOString().replace('.000Z', 'Z') : null;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** A many2one as Odoo returns it: `[id, display_name]` or `false`. */
export function many2one(value: unknown): { id: number; name: string } | null {
  if (!Array.isArray(value) || typeof value[0] !== 'number') return null;
  return { id: value[0], name: typeof value[1] === 'string' ? value[1] : '' };
}

export function toHistoryMessage(row: OdooMessageRow): HistoryMessage {
  const attachment = many2one(row.attachment_id);
  const media = {
    url: text(row.media_url),
    mimetype: text(row.media_mimetype),
    filename: text(row.media_filename),
    attachment_id: attachment?.id ?? null,
  };
  const hasMedia = Object.values(media).some((v) => v !== null);
  return {
    id: row.id,
    phone: text(row.phone),
    user_id: text(row.whatsapp_user_id),
    username: text(row.whatsapp_username),
    contact_name: text(row.contact_name),
    partner: many2one(row.partner_id),
    direction: row.direction as Direction,
    message: text(row.message),
    message_type: text(row.message_type),
    media: hasMedia ? media : null,
    provider: text(row.provider) ?? '',
    provider_message_id: text(row.provider_message_id),
    device: text(row.device),
    state: row.state as MessageState,
    error: text(row.error_message),
    // `timestamp` is required in the addon; a record without one would be a broken database.
    timestamp: odooToIso(row.timestamp) ?? '',
  };
}

/** A message from a webhook → the values of its new record. */
export function inboundMessageValues(message: NewInboundMessage): OdooValues {
  const { event, partnerId, mediaUrl } = message;
  return {
    ...identityValues(event),
    contact_name: event.contactName || false,
    partner_id: partnerId ?? false,
    direction: event.direction,
    message: event.text ?? false,
    message_type: event.messageType,
    media_url: mediaUrl || false,
    media_mimetype: event.media?.mimetype || false,
    media_filename: event.media?.filename || false,
    provider: event.provider,
    provider_message_id: event.providerMessageId,
    device: event.device || false,
    state: event.direction === 'in' ? 'received' : 'sent',
    // What the provider said was wrong with the message, or what the gateway could not understand of it.
    error_message: event.providerError || false,
    timestamp: toOdooDatetime(new Date(event.timestamp)),
    raw_payload: JSON.stringify(event.raw),
  };
}

/**
 * Who the message is from or to. A change-of-identity notice is stored under the contact's new
 * number and user id, with the old ones in previous_phone / previous_whatsapp_user_id: that record is
 * what ties the two identities into one conversation (history-service) and moves the partner's
 * remembered user id (the addon).
 */
export function identityValues(event: NewInboundMessage['event']): Record<string, string | false> {
  const change = event.identityChange ?? null;
  const phone = change?.newPhone ?? event.phone;
  const userId = change?.newUserId ?? event.userId ?? null;
  const previousPhone = change?.previousPhone ?? null;
  const previousUserId = change?.previousUserId ?? null;
  const values: Record<string, string | false> = { phone: phone ?? false };
  // Only what is known: most messages carry none of these, and an empty key is one more field to write.
  if (userId) values.whatsapp_user_id = userId;
  if (event.parentUserId) values.whatsapp_parent_user_id = event.parentUserId;
  if (event.username) values.whatsapp_username = event.username;
  if (previousPhone && previousPhone !== phone) values.previous_phone = previousPhone;
  if (previousUserId && previousUserId !== userId) values.previous_whatsapp_user_id = previousUserId;
  return values;
}

/** A message POST /api/wa/send_message queues → the values of its record (the outbox sends it). */
export function outgoingMessageValues(message: NewOutgoingMessage): OdooValues {
  return {
    ...(message.userId !== null ? { phone: false, whatsapp_user_id: message.userId } : { phone: message.phone ?? false }),
    direction: 'out',
    state: 'queued',
    provider: message.provider,
    message: message.text,
    message_type: message.messageType,
    media_url: message.mediaUrl ?? false,
    media_filename: message.filename ?? false,
    partner_id: message.partnerId ?? false,
    timestamp: toOdooDatetime(message.timestamp),
  };
}
