/**
 * What the provider webhooks' OpenAPI descriptions share (each provider's own is in its folder,
 * <provider>/schema.ts): the principle, the acknowledgement, the errors. Documentation only — the
 * webhook routes read raw bodies and never validate against these (src/routes/webhooks/index.ts): a
 * provider adding a field, or sending a shape not listed here, is never refused for it.
 */
// Brings @fastify/swagger's route-schema typing (tags, summary, security, consumes…).
import type {} from '@fastify/swagger';
import { errorResponseSchema } from '../../schemas/common.js';

export const PRINCIPLE =
  'A body that passed authentication is never refused for its shape: what the gateway understands is stored (a message it cannot ' +
  'read is stored as type `other` with the reason in `error_message`); what cannot become any record is kept whole in the spool ' +
  "quarantine (`npm run spool -- quarantine list|show|replay`), the answer says `quarantined: 1`, and a warning names it. " +
  'Only bytes that are not JSON (form, for Twilio) at all are answered 400.';

export const acknowledged = {
  description: 'Acknowledged: on disk before this answer (the provider must not resend it)',
  type: 'object',
  required: ['ok', 'data'],
  properties: {
    ok: { type: 'boolean', enum: [true] },
    data: {
      type: 'object',
      required: ['accepted', 'duplicates', 'events'],
      properties: {
        accepted: { type: 'integer', description: 'Events new to the spool' },
        duplicates: { type: 'integer', description: 'Events the spool already held (a provider retry)' },
        events: { type: 'integer', description: 'Events taken from the body (messages, statuses, device events)' },
        quarantined: {
          type: 'integer',
          enum: [1],
          description: 'Present when the body, or part of it, could not be understood: it is kept in the quarantine',
        },
      },
    },
  },
} as const;

export const error = (description: string) => ({ ...errorResponseSchema, description });

export const webhookErrors = (notJson: string) =>
  ({
    400: error(`${notJson}; nothing stored`),
    401: error('invalid_signature: the secret or signature is missing or wrong; nothing stored'),
    413: error('payload_too_large: the body is over the limit; nothing stored'),
    429: error('rate_limited: over WEBHOOK_RATE_LIMIT_MAX per IP'),
    503: error('provider_disabled (its secret is not set) or spool_unavailable (the disk cannot take it: the provider retries)'),
  }) as const;

export const str = (description?: string) => (description ? { type: 'string', description } : { type: 'string' });
export const idLike = (description: string) => ({ oneOf: [{ type: 'string' }, { type: 'integer' }], description });

