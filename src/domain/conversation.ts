/**
 * Conversations as the gateway's REST API shows them: one per contact identity (number, group or
 * WhatsApp user id) and business number, kept up to date by the addon whenever a message is stored
 * (odoo-addon/whatsapp_headless/models/whatsapp_conversation.py). The gateway only reads them. No Odoo
 * field names here; src/odoo/repositories/conversation-repository.ts translates.
 */
import type { Direction } from './message.js';

/** The conversation's `state` selection, as the addon declares it (open = still to be worked on). */
export const CONVERSATION_STATE_SELECTION = [
  ['open', 'Open'],
  ['done', 'Done'],
] as const;
export const CONVERSATION_STATES = CONVERSATION_STATE_SELECTION.map(([key]) => key) as ['open', 'done'];
export type ConversationState = (typeof CONVERSATION_STATES)[number];

/** What the conversation list is filtered by (all optional; AND between them). */
export interface ConversationFilters {
  /** true: the customer wrote last and nobody answered (an open conversation); false: the others. */
  waiting?: boolean;
  /** true: messages received since an agent last opened it; false: none. */
  unread?: boolean;
  /** An Odoo user id (the agent it is assigned to), or `none` for unassigned conversations. */
  assigned?: number | 'none';
  state?: ConversationState;
}

export interface ConversationRef {
  id: number;
  name: string;
}

/** One conversation's state, in the shape the REST API shows it. */
export interface ConversationSummary {
  id: number;
  /** The partner's name, else the WhatsApp name, else the number or user id. */
  name: string | null;
  /** E.164 or a group id; null when WhatsApp shows only the user id. */
  phone: string | null;
  user_id: string | null;
  /** The business number or account the customer writes to. */
  device: string | null;
  /** The WhatsApp push name from the customer's last message. */
  contact_name: string | null;
  partner: ConversationRef | null;
  state: ConversationState;
  /** The customer wrote last and nobody answered yet (and the conversation is open). */
  waiting: boolean;
  /** When the first unanswered message arrived (ISO 8601, UTC); null when nobody is waiting. */
  waiting_since: string | null;
  unread_count: number;
  /** The agent (Odoo user) it is assigned to. */
  assigned_user: ConversationRef | null;
  last_message_at: string | null;
  last_direction: Direction | null;
  last_message_preview: string | null;
}
