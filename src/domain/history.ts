/**
 * The stored message history as the gateway's services and workers see it: what they ask the history
 * repository (src/odoo/repositories/history-repository.ts) for, and what it answers. No Odoo field
 * names here; the repository translates.
 */
import type { Direction, MessageEvent, MessageState, MessageType, Provider } from './message.js';

/**
 * Every identity one contact's conversation is stored under: numbers or JIDs (`phones`) and WhatsApp
 * user ids (`userIds`). See history-service's conversationIdentities.
 */
export interface ContactIdentities {
  phones: string[];
  userIds: string[];
}

/** What a history page is filtered by (all optional; AND between them). */
export interface HistoryFilters {
  /** Canonical: E.164 or a group JID. */
  phone?: string;
  /** A conversation stored under several identities (a number and its user id, an old and a new number). */
  contact?: ContactIdentities;
  direction?: Direction;
  state?: MessageState;
  from?: Date;
  to?: Date;
  q?: string;
  partnerId?: number;
}

export interface HistoryPartner {
  id: number;
  name: string;
}

/** One stored message, in the shape the REST API shows it. */
export interface HistoryMessage {
  id: number;
  /** Null when WhatsApp showed only the contact's user id. */
  phone: string | null;
  /** The contact's WhatsApp user id (BSUID), when known. */
  user_id: string | null;
  username: string | null;
  contact_name: string | null;
  partner: HistoryPartner | null;
  direction: Direction;
  message: string | null;
  message_type: string | null;
  media: { url: string | null; mimetype: string | null; filename: string | null; attachment_id: number | null } | null;
  provider: string;
  provider_message_id: string | null;
  device: string | null;
  state: MessageState;
  error: string | null;
  timestamp: string;
}

/** One combination of identities the records of a conversation are stored under. */
export interface IdentityCombination {
  phone: string | null;
  userId: string | null;
  previousPhone: string | null;
  previousUserId: string | null;
}

/** A message from a webhook, to be stored: the event, its partner (if any) and where its media is. */
export interface NewInboundMessage {
  event: MessageEvent;
  partnerId: number | null;
  mediaUrl: string | null;
}

/** A message queued by POST /api/wa/send_message (the outbox sends it). */
export interface NewOutgoingMessage {
  /** The number or JID; null when the contact is addressed by user id. */
  phone: string | null;
  userId: string | null;
  provider: Provider;
  text: string;
  messageType: MessageType;
  mediaUrl: string | null;
  filename: string | null;
  partnerId: number | null;
  timestamp: Date;
}

/** A stored record as the writer needs it: to complete a duplicate, fold a status, learn a user id. */
export interface StoredMessageRef {
  id: number;
  providerMessageId: string;
  state: MessageState;
  userId: string | null;
}

/** An outgoing message waiting in Odoo's send queue. Empty fields are '' (as typed in Odoo). */
export interface QueuedSend {
  id: number;
  phone: string;
  userId: string;
  text: string;
  mediaUrl: string;
  mediaFilename: string;
  /** As stored: normally a Provider, but an admin may have typed anything. */
  provider: string;
}
