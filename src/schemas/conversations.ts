/**
 * Schemas of the conversation list (GET /api/wa/conversations) and of a conversation's state, which the
 * thread (GET /api/wa/conversation/:phone) also returns. One source: validation, OpenAPI and the
 * request types (json-schema-to-ts).
 */
import type { FromSchema } from 'json-schema-to-ts';
import { CONVERSATION_STATES } from '../domain/conversation.js';
import { DIRECTIONS } from '../domain/message.js';
import { bearerSecurity, paginationMetaSchema, paginationProperties, partnerRefSchema, standardErrorResponses } from './common.js';

const refSchema = (description: string) =>
  ({
    type: ['object', 'null'],
    description,
    required: ['id', 'name'],
    properties: { id: { type: 'integer' }, name: { type: 'string' } },
  }) as const;

/** One `whatsapp.conversation` as the API shows it (src/domain/conversation.ts, ConversationSummary). */
export const conversationSummarySchema = {
  type: 'object',
  required: [
    'id',
    'name',
    'phone',
    'user_id',
    'device',
    'contact_name',
    'partner',
    'state',
    'waiting',
    'waiting_since',
    'unread_count',
    'assigned_user',
    'last_message_at',
    'last_direction',
    'last_message_preview',
  ],
  properties: {
    id: { type: 'integer', description: 'Odoo whatsapp.conversation id' },
    name: { type: ['string', 'null'], description: "The partner's name, else the WhatsApp name, else the number or user id" },
    phone: { type: ['string', 'null'], description: 'E.164, or a group id ending in @g.us; null when WhatsApp shows only the user id' },
    user_id: { type: ['string', 'null'], description: "The contact's WhatsApp user id (BSUID), when known" },
    device: { type: ['string', 'null'], description: 'The business number or account the customer writes to' },
    contact_name: { type: ['string', 'null'], description: "The WhatsApp push name from the customer's last message" },
    partner: partnerRefSchema,
    state: { type: 'string', enum: [...CONVERSATION_STATES], description: 'open: still to be worked on; done: closed by an agent (a new message reopens it)' },
    waiting: { type: 'boolean', description: 'The customer wrote last and nobody has answered yet (open conversations only)' },
    waiting_since: { type: ['string', 'null'], format: 'date-time', description: 'When the first unanswered message arrived; null when nobody is waiting' },
    unread_count: { type: 'integer', description: 'Messages received since an agent last opened the conversation in Odoo' },
    assigned_user: refSchema('The agent (Odoo user) the conversation is assigned to; null when unassigned'),
    last_message_at: { type: ['string', 'null'], format: 'date-time', description: 'Last activity (ISO 8601, UTC)' },
    last_direction: { type: ['string', 'null'], enum: [...DIRECTIONS, null], description: 'Who wrote the last message' },
    last_message_preview: { type: ['string', 'null'], description: 'The start of the last message (or its type, e.g. [Image])' },
  },
} as const;

/** `assigned`: an Odoo user id, or `none` for unassigned conversations. */
export const ASSIGNED_PATTERN = '^(none|[1-9][0-9]{0,9})$';

export const conversationsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    waiting: { type: 'boolean', description: 'true: the customer wrote last and nobody answered; false: the others' },
    unread: { type: 'boolean', description: 'true: with messages no agent has seen; false: all read' },
    assigned: {
      type: 'string',
      pattern: ASSIGNED_PATTERN,
      description: "The Odoo user id of the agent (res.users), or 'none' for unassigned conversations",
    },
    state: { type: 'string', enum: [...CONVERSATION_STATES] },
    ...paginationProperties,
  },
} as const;

export type ConversationsQuery = FromSchema<typeof conversationsQuerySchema>;

export const getConversationsSchema = {
  tags: ['conversations'],
  summary: 'List conversations, as the Odoo inbox sorts them',
  description:
    'One conversation per contact (number, group or WhatsApp user id) and business number, kept by the Odoo addon. ' +
    'Waiting customers first, then by last activity (newest first). Every filter is optional; filters combine with AND. ' +
    'Needs the read scope.',
  security: bearerSecurity,
  querystring: conversationsQuerySchema,
  response: {
    200: {
      type: 'object',
      required: ['ok', 'data', 'meta'],
      properties: {
        ok: { type: 'boolean', enum: [true] },
        data: { type: 'array', items: conversationSummarySchema },
        meta: paginationMetaSchema,
      },
    },
    ...standardErrorResponses,
  },
} as const;
