/**
 * JSON schemas shared by the REST routes: they validate requests (ajv, via Fastify), shape responses
 * (fast-json-stringify) and become the OpenAPI document at /docs/json (@fastify/swagger) — one source.
 *
 * Schemas are inlined rather than `$ref`'d so that every route, encapsulated or not, sees the same
 * text and the OpenAPI document needs no reference resolution.
 */
import { DIRECTIONS, MESSAGE_STATES, MESSAGE_TYPES, PROVIDERS } from '../domain/message.js';

/** `{"ok": false, "error": {code, message, details}}` — what src/plugins/error-handler.ts sends. */
export const errorResponseSchema = {
  type: 'object',
  description: 'Every error, whatever its status',
  required: ['ok', 'error'],
  properties: {
    ok: { type: 'boolean', enum: [false] },
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', description: 'Stable, machine-readable, e.g. validation_error, unauthorized, rate_limited' },
        message: { type: 'string', description: 'For humans' },
        details: {
          type: 'array',
          description: 'For validation errors: one {field, message} per problem',
          items: {},
        },
      },
    },
  },
} as const;

/** The error statuses every authenticated REST route can answer, for the OpenAPI document. */
export const standardErrorResponses = {
  400: { ...errorResponseSchema, description: 'Invalid parameters (validation_error names each)' },
  401: { ...errorResponseSchema, description: 'Missing or unknown token' },
  403: { ...errorResponseSchema, description: 'The token lacks the scope this route needs' },
  429: { ...errorResponseSchema, description: 'Too many requests; see the Retry-After header' },
  503: { ...errorResponseSchema, description: 'Odoo (or the provider setup) cannot serve the request now' },
} as const;

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;
/** Offsets past this make PostgreSQL walk millions of rows; narrow the filters instead. */
export const MAX_OFFSET = 1_000_000;
/** Odoo ids are PostgreSQL integers; a larger number reaches Odoo as XML-RPC it cannot parse (`<int>1e+21</int>`). */
export const MAX_ODOO_ID = 2_147_483_647;

/** limit/offset of every paginated list; the answer's `meta` echoes them. */
export const paginationProperties = {
  limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
  offset: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0 },
} as const;

export const paginationMetaSchema = {
  type: 'object',
  required: ['total', 'limit', 'offset'],
  properties: {
    total: { type: 'integer', description: 'Records matching the filters, all pages together' },
    limit: { type: 'integer' },
    offset: { type: 'integer' },
  },
} as const;

export const partnerRefSchema = {
  type: ['object', 'null'],
  description: 'The Odoo contact (res.partner) linked to the number, if any',
  required: ['id', 'name'],
  properties: { id: { type: 'integer' }, name: { type: 'string' } },
} as const;

/** One `whatsapp.history` record as the API shows it. */
export const messageRecordSchema = {
  type: 'object',
  required: [
    'id',
    'phone',
    'user_id',
    'username',
    'contact_name',
    'partner',
    'direction',
    'message',
    'message_type',
    'media',
    'provider',
    'provider_message_id',
    'device',
    'state',
    'error',
    'timestamp',
  ],
  properties: {
    id: { type: 'integer', description: 'Odoo record id' },
    phone: { type: ['string', 'null'], description: 'E.164 (+6281234567890), or a group id ending in @g.us; null when WhatsApp showed only the user id' },
    user_id: { type: ['string', 'null'], description: "The contact's WhatsApp user id (BSUID, e.g. US.13491208655302741918), when known" },
    username: { type: ['string', 'null'], description: "The contact's WhatsApp username, when known" },
    contact_name: { type: ['string', 'null'], description: 'The WhatsApp push name' },
    partner: partnerRefSchema,
    direction: { type: 'string', enum: [...DIRECTIONS] },
    message: { type: ['string', 'null'], description: 'Text, or the caption of the media' },
    message_type: { type: ['string', 'null'], enum: [...MESSAGE_TYPES, null] },
    media: {
      type: ['object', 'null'],
      properties: {
        url: { type: ['string', 'null'] },
        mimetype: { type: ['string', 'null'] },
        filename: { type: ['string', 'null'] },
        attachment_id: { type: ['integer', 'null'], description: 'ir.attachment holding the downloaded file' },
      },
    },
    provider: { type: 'string', enum: [...PROVIDERS] },
    provider_message_id: { type: ['string', 'null'] },
    device: { type: ['string', 'null'], description: 'The business number or account' },
    state: { type: 'string', enum: [...MESSAGE_STATES] },
    error: { type: ['string', 'null'], description: "The provider's reason when state is failed" },
    timestamp: { type: 'string', format: 'date-time', description: 'ISO 8601, UTC' },
  },
} as const;

/** Dates in query strings: a day (2024-05-01) or an instant with its offset (2024-05-01T08:00:00+08:00). */
export const apiDateSchema = {
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:?\\d{2}))?$',
  description:
    'ISO 8601: a day (YYYY-MM-DD, a whole UTC day) or a date-time with Z or an offset. ' +
    'Both bounds are inclusive: date_to=2024-05-31 includes that whole day. ' +
    'Between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z (the last second Odoo can hold).',
} as const;

export const bearerSecurity = [{ bearerAuth: [] }];
