/**
 * Request and response schemas of the REST facade (/api/wa/…). `additionalProperties: false` on every
 * query string and body: an unknown parameter is a 400 that names it, never silently ignored.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { DIRECTIONS, MESSAGE_STATES, PROVIDERS } from '../domain/message.js';
import {
  apiDateSchema,
  bearerSecurity,
  MAX_ODOO_ID,
  messageRecordSchema,
  paginationMetaSchema,
  paginationProperties,
  partnerRefSchema,
  standardErrorResponses,
} from './common.js';
import { conversationSummarySchema } from './conversations.js';


const phoneParam = {
  type: 'string',
  minLength: 1,
  // A WhatsApp user id is up to 131 characters (US. + 128); numbers and JIDs are far shorter.
  maxLength: 140,
  description:
    'Any usual form: 0812-3456-7890, 6281234567890, +62 812 3456 7890, a group id …@g.us, ' +
    'or a WhatsApp user id (BSUID) such as US.13491208655302741918 for a contact who shows no number',
} as const;

export const historyQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    phone: phoneParam,
    direction: { type: 'string', enum: [...DIRECTIONS] },
    state: { type: 'string', enum: [...MESSAGE_STATES] },
    date_from: apiDateSchema,
    date_to: apiDateSchema,
    q: { type: 'string', minLength: 1, maxLength: 200, description: 'Text contained in the message (case-insensitive)' },
    partner_id: { type: 'integer', minimum: 1, maximum: MAX_ODOO_ID, description: 'Odoo res.partner id' },
    ...paginationProperties,
    order: { type: 'string', enum: ['asc', 'desc'], default: 'desc', description: 'By timestamp' },
  },
} as const;

/** The query as the service sees it: validated, defaults filled in (so limit, offset and order are always there). */
export type HistoryQuery = FromSchema<typeof historyQuerySchema>;

const listResponse = {
  type: 'object',
  required: ['ok', 'data', 'meta'],
  properties: {
    ok: { type: 'boolean', enum: [true] },
    data: { type: 'array', items: messageRecordSchema },
    meta: paginationMetaSchema,
  },
} as const;

export const getHistorySchema = {
  tags: ['messages'],
  summary: 'Search the message history',
  description: 'Newest first by default. Every filter is optional; filters combine with AND. Needs the read scope.',
  security: bearerSecurity,
  querystring: historyQuerySchema,
  response: { 200: listResponse, ...standardErrorResponses },
} as const;

export const conversationParamsSchema = {
  type: 'object',
  required: ['phone'],
  additionalProperties: false,
  properties: { phone: phoneParam },
} as const;

export const conversationQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    date_from: apiDateSchema,
    date_to: apiDateSchema,
    ...paginationProperties,
    order: { type: 'string', enum: ['asc', 'desc'], default: 'asc', description: 'By timestamp; oldest first by default' },
  },
} as const;

export type ConversationParams = FromSchema<typeof conversationParamsSchema>;
export type ConversationQuery = FromSchema<typeof conversationQuerySchema>;

export const getConversationSchema = {
  tags: ['messages'],
  summary: "One contact's thread",
  description:
    'Oldest to newest by default, paginated, with the contact name, the linked partner and the conversation\'s state in ' +
    'the Odoo inbox (waiting, unread, assigned agent, open/done). The contact may be named by ' +
    'number or by WhatsApp user id: the thread holds the records of every identity the stored messages tie to it ' +
    '(a number and its user id, an old and a new number or user id after a change), listed in identities. Needs the read scope.',
  security: bearerSecurity,
  params: conversationParamsSchema,
  querystring: conversationQuerySchema,
  response: {
    200: {
      type: 'object',
      required: ['ok', 'data', 'meta'],
      properties: {
        ok: { type: 'boolean', enum: [true] },
        data: {
          type: 'object',
          required: ['phone', 'identities', 'contact_name', 'partner', 'conversation', 'conversations', 'messages'],
          properties: {
            phone: { type: 'string', description: 'The number or WhatsApp user id asked for, normalised' },
            identities: {
              type: 'object',
              required: ['phones', 'user_ids'],
              description: 'Every number (or JID) and WhatsApp user id the thread is stored under',
              properties: {
                phones: { type: 'array', items: { type: 'string' } },
                user_ids: { type: 'array', items: { type: 'string' } },
              },
            },
            contact_name: { type: ['string', 'null'], description: 'The latest WhatsApp push name seen' },
            partner: partnerRefSchema,
            conversation: {
              ...conversationSummarySchema,
              type: ['object', 'null'],
              description:
                "The contact's conversation in the Odoo inbox (the first of conversations); null when the addon keeps none for it",
            },
            conversations: {
              type: 'array',
              items: conversationSummarySchema,
              description: 'One per business number the contact wrote to or was written from, in inbox order (usually one)',
            },
            messages: { type: 'array', items: messageRecordSchema },
          },
        },
        meta: paginationMetaSchema,
      },
    },
    ...standardErrorResponses,
  },
} as const;

export const STATS_GRANULARITIES = ['day', 'week'] as const;
export type StatsGranularity = (typeof STATS_GRANULARITIES)[number];

export const statsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    date_from: { ...apiDateSchema, description: `${apiDateSchema.description} Default: 30 days before date_to.` },
    date_to: {
      ...apiDateSchema,
      description: `${apiDateSchema.description} Default: now. A period must end before the last day (week) of 9999, which Odoo cannot count.`,
    },
    granularity: { type: 'string', enum: [...STATS_GRANULARITIES], default: 'day', description: 'Series buckets (weeks start on Monday, UTC)' },
  },
} as const;

export type StatsQuery = FromSchema<typeof statsQuerySchema>;

const countsProperties = {
  total: { type: 'integer' },
  incoming: { type: 'integer' },
  outgoing: { type: 'integer' },
  failed: { type: 'integer', description: 'Outgoing messages the provider could not deliver' },
} as const;

export const getStatsSchema = {
  tags: ['statistics'],
  summary: 'Message statistics for a period',
  description: 'Computed in Odoo (read_group, search_count), never by fetching rows. Needs the read scope.',
  security: bearerSecurity,
  querystring: statsQuerySchema,
  response: {
    200: {
      type: 'object',
      required: ['ok', 'data'],
      properties: {
        ok: { type: 'boolean', enum: [true] },
        data: {
          type: 'object',
          required: ['date_from', 'date_to', 'granularity', 'total', 'incoming', 'outgoing', 'failed', 'unique_contacts', 'by_state', 'series'],
          properties: {
            date_from: { type: 'string', format: 'date-time' },
            date_to: { type: 'string', format: 'date-time', description: 'Exclusive' },
            granularity: { type: 'string', enum: [...STATS_GRANULARITIES] },
            ...countsProperties,
            unique_contacts: { type: 'integer', description: 'Distinct numbers (and groups) that wrote or were written to' },
            by_state: {
              type: 'object',
              properties: Object.fromEntries(MESSAGE_STATES.map((s) => [s, { type: 'integer' }])),
            },
            series: {
              type: 'array',
              description: 'One entry per day or week of the period, empty ones included, oldest first',
              items: {
                type: 'object',
                required: ['start', 'total', 'incoming', 'outgoing', 'failed'],
                properties: { start: { type: 'string', format: 'date-time', description: 'Bucket start (UTC)' }, ...countsProperties },
              },
            },
          },
        },
      },
    },
    ...standardErrorResponses,
  },
} as const;

export const MAX_MESSAGE_LENGTH = 4096;

export const sendBodySchema = {
  type: 'object',
  required: ['phone', 'message'],
  additionalProperties: false,
  properties: {
    phone: phoneParam,
    message: {
      type: 'string',
      maxLength: MAX_MESSAGE_LENGTH,
      description: 'The text, or the caption of the media. May be empty only when media_url is given.',
    },
    media_url: {
      type: 'string',
      maxLength: 2048,
      pattern: '^https?://[^\\s]+$',
      description: 'A public http(s) URL of an image, video, audio or document the provider fetches',
    },
    filename: { type: 'string', minLength: 1, maxLength: 255, description: 'File name shown for a document' },
  },
} as const;

export type SendBody = FromSchema<typeof sendBodySchema>;

export const IDEMPOTENCY_KEY_PATTERN = '^[\\x21-\\x7E]{1,255}$';

const sendHeadersSchema = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      pattern: IDEMPOTENCY_KEY_PATTERN,
      description: 'Up to 255 printable ASCII characters, unique per logical message (e.g. a UUID). Remembered 24 h by default.',
    },
  },
} as const;

/** Only the header the route reads; Fastify passes the others through (the schema allows them). */
export type SendHeaders = Pick<FromSchema<typeof sendHeadersSchema>, 'idempotency-key'>;

export const sendMessageSchema = {
  tags: ['messages'],
  summary: 'Send a WhatsApp message',
  description:
    'Stores the outgoing message in Odoo (state queued) and answers 202 with its id; the gateway then sends it ' +
    'through the configured provider and records sent + provider_message_id, or failed + the reason. ' +
    'With an Idempotency-Key header, repeating the request returns the first answer and never sends twice; ' +
    'the same key with a different body is a 422, and a key whose first request is still running a 409. ' +
    'Needs the send scope.',
  security: bearerSecurity,
  headers: sendHeadersSchema,
  body: sendBodySchema,
  response: {
    202: {
      type: 'object',
      required: ['ok', 'data'],
      properties: {
        ok: { type: 'boolean', enum: [true] },
        data: {
          type: 'object',
          required: ['id', 'state', 'phone', 'provider'],
          properties: {
            id: { type: 'integer', description: 'Odoo record id; follow it with get_history or conversation' },
            state: { type: 'string', enum: ['queued'] },
            phone: { type: 'string', description: 'The recipient, normalised: E.164, a group id, or the WhatsApp user id given' },
            provider: { type: 'string', enum: [...PROVIDERS] },
          },
        },
      },
    },
    ...standardErrorResponses,
    409: { ...standardErrorResponses[400], description: 'A request with this Idempotency-Key is still running, or its outcome is unknown' },
    422: { ...standardErrorResponses[400], description: 'This Idempotency-Key was used with a different body' },
  },
} as const;
