/**
 * Pure mapping from normalized events to `whatsapp.history` values, and the forward-only state rule.
 */
import { STATE_RANK, type MessageEvent, type MessageState, type StatusEvent } from '../domain/message.js';
import { toOdooDatetime } from '../odoo/datetime.js';

export interface MediaUrlResolver {
  /** Where a human (or the media worker) can find the file: the provider URL, or Meta's Graph URL of the media id. */
  (media: NonNullable<MessageEvent['media']>): string | null;
}

export function messageValues(
  event: MessageEvent,
  partnerId: number | null,
  mediaUrl: MediaUrlResolver,
): Record<string, unknown> {
  return {
    ...identityValues(event),
    contact_name: event.contactName || false,
    partner_id: partnerId ?? false,
    direction: event.direction,
    message: event.text ?? false,
    message_type: event.messageType,
    media_url: (event.media && mediaUrl(event.media)) || false,
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
export function identityValues(event: MessageEvent): Record<string, string | false> {
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

/** The contact keys a message may be linked to a partner by, best first: user ids survive a change of number. */
export function partnerKeys(event: MessageEvent): string[] {
  const change = event.identityChange ?? null;
  const keys = [
    change?.newUserId,
    event.userId,
    change?.previousUserId,
    change?.newPhone,
    event.phone,
    change?.previousPhone,
  ];
  return [...new Set(keys.filter((k): k is string => typeof k === 'string' && k !== ''))];
}

/**
 * Outgoing states only move forward: queued → sent → delivered → read. `failed` may replace
 * queued or sent (the provider gave up), never a delivered or read message.
 */
export function nextState(current: MessageState, incoming: StatusEvent['state']): MessageState | null {
  if (current === 'received') return null; // statuses never apply to incoming messages
  if (incoming === 'failed') return current === 'queued' || current === 'sent' ? 'failed' : null;
  if (current === 'failed') return null;
  return STATE_RANK[incoming] > STATE_RANK[current] ? incoming : null;
}
