/** Normalized events as the provider parsers produce them, for tests of the spool, writer and committer. */
import type { MessageEvent, StatusEvent } from '../../src/domain/message.js';

/** An incoming Fonnte text message with provider id `id`. */
export function inboundMessage(id: string, extra: Partial<MessageEvent> = {}): MessageEvent {
  return {
    kind: 'message',
    provider: 'fonnte',
    providerMessageId: id,
    direction: 'in',
    phone: '+6281299990000',
    contactName: 'Budi',
    device: '+6285700000001',
    messageType: 'text',
    text: `pesan ${id}`,
    media: null,
    timestamp: '2026-01-29T09:20:00.000Z',
    raw: { inboxid: id },
    ...extra,
  };
}

/** A Fonnte delivery receipt for message `id` (or, with id null, for an alias given in `extra`). */
export function statusEvent(id: string | null, state: StatusEvent['state'], extra: Partial<StatusEvent> = {}): StatusEvent {
  return { kind: 'status', provider: 'fonnte', providerMessageId: id, aliasId: null, state, error: null, timestamp: '2026-01-29T09:21:00.000Z', raw: {}, ...extra };
}
