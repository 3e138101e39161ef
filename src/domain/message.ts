/**
 * The gateway's own vocabulary for WhatsApp traffic, independent of any provider's wire format.
 * Provider adapters (src/providers/*) turn webhooks into `InboundEvent`s; the spool stores them
 * as JSON; the writer turns them into `whatsapp.history` values.
 */
export {
  DIRECTIONS,
  MESSAGE_STATES,
  MESSAGE_TYPES,
  PROVIDERS,
  type Direction,
  type MessageState,
  type MessageType,
  type Provider,
} from './selections.js';
import type { Direction, MessageState, MessageType, Provider } from './selections.js';

/** Media as the provider announced it; the writer downloads it into an ir.attachment. */
export interface MediaRef {
  /** A URL to download from (Fonnte, Twilio), if the provider gave one. */
  url?: string;
  /** Meta's media id, resolved to a short-lived URL with the access token. */
  mediaId?: string;
  mimetype?: string;
  filename?: string;
}

/** A message a contact sent to the business (or, rarely, an echo of one the business sent). */
export interface MessageEvent {
  kind: 'message';
  provider: Provider;
  /** Provider's id (wamid, MessageSid, Fonnte inboxid) or a stable content hash when it gives none. */
  providerMessageId: string;
  direction: Direction;
  /**
   * E.164 (`+62812…`); for conversations without a number, the JID: a group (`…@g.us`) or a linked id
   * (`…@lid`). Null only when the contact shows no number at all and `userId` identifies them instead.
   * Invariant: `phone ?? userId` is never null.
   */
  phone: string | null;
  /**
   * Meta's business-scoped user id (BSUID: `CC.` + up to 128 letters/digits, e.g. `US.13491208655302741918`),
   * sent for users who adopted a WhatsApp username (Meta `from_user_id` / `contacts[].user_id`, Twilio
   * `whatsapp:US.…` or `ExternalUserId`). Null when the provider gave none.
   */
  userId?: string | null;
  /** Meta's parent (portfolio-wide) user id (`US.ENT.…`), when given. */
  parentUserId?: string | null;
  /** The user's WhatsApp username (`contacts[].profile.username`), when given. */
  username?: string | null;
  /**
   * A system message that announces the contact changed number or user id (Meta `user_changed_number`,
   * `user_changed_user_id`): the old and new identities stay one conversation and one partner.
   */
  identityChange?: IdentityChange | null;
  contactName: string | null;
  /** The business number/account that received it. */
  device: string | null;
  messageType: MessageType;
  /** Body, caption, or a textual rendering (location, reaction, poll, button…). */
  text: string | null;
  media: MediaRef | null;
  /** ISO 8601 UTC: when the provider says it happened. */
  timestamp: string;
  /**
   * What the provider said was wrong with this message, or what the gateway could not understand of it
   * (Meta's `errors[]` on an `unsupported` message, a content field of an unknown shape): kept as the
   * record's `error_message`. Null or absent when the message was understood.
   */
  providerError?: string | null;
  /**
   * The provider id of the message this one edits, deletes, reacts to or replies to (Meta
   * `edit.original_message_id`, `revoke.original_message_id`, `reaction.message_id`, `context.id`).
   */
  relatesTo?: string | null;
  /** The provider's original event, for audit (stored in raw_payload). */
  raw: unknown;
}

/** Old and new identity of a contact, as announced by a provider's system message. */
export interface IdentityChange {
  previousPhone: string | null;
  newPhone: string | null;
  previousUserId: string | null;
  newUserId: string | null;
}

/** A delivery receipt for a message the business sent. */
export interface StatusEvent {
  kind: 'status';
  provider: Provider;
  /** The id the provider returned when the message was sent; absent on Fonnte's stateid-only calls. */
  providerMessageId: string | null;
  /** Fonnte's receipt-stream id (`stateid`), linked to providerMessageId on the first status call. */
  aliasId: string | null;
  state: 'sent' | 'delivered' | 'read' | 'failed';
  error: string | null;
  /** The recipient's BSUID (Meta `recipient_user_id`), when the provider named one. */
  recipientUserId?: string | null;
  timestamp: string;
  raw: unknown;
}

/** A provider device/account connected or disconnected (logged, not stored in Odoo). */
export interface DeviceEvent {
  kind: 'device';
  provider: Provider;
  device: string | null;
  status: 'connect' | 'disconnect';
  reason: string | null;
  timestamp: string;
}

export type InboundEvent = MessageEvent | StatusEvent | DeviceEvent;

/** Forward-only order of outgoing states; `failed` can follow any state but `read`. */
export const STATE_RANK: Record<MessageState, number> = {
  received: 0,
  queued: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  failed: 5,
};
