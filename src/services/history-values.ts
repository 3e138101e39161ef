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
    phone: event.phone ?? false,
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
 * Outgoing states only move forward: queued → sent → delivered → read. `failed` may replace
 * queued or sent (the provider gave up), never a delivered or read message.
 */
export function nextState(current: MessageState, incoming: StatusEvent['state']): MessageState | null {
  if (current === 'received') return null; // statuses never apply to incoming messages
  if (incoming === 'failed') return current === 'queued' || current === 'sent' ? 'failed' : null;
  if (current === 'failed') return null;
  return STATE_RANK[incoming] > STATE_RANK[current] ? incoming : null;
}
