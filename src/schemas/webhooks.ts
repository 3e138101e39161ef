/**
 * The provider webhooks in the OpenAPI document (/docs/json): their bodies as far as the gateway
 * models them, their authentication and their answers. Documentation only — the webhook routes read
 * raw bodies and never validate against these (src/routes/webhooks/index.ts): a provider adding a
 * field, or sending a shape not listed here, is never refused for it.
 */
// Brings @fastify/swagger's route-schema typing (tags, summary, security, consumes…).
import type {} from '@fastify/swagger';
import type { FastifySchema } from 'fastify';
import { errorResponseSchema } from './common.js';

export const WEBHOOK_SECURITY_SCHEMES = {
  fonnteSecret: {
    type: 'apiKey',
    in: 'query',
    name: 'secret',
    description: 'WEBHOOK_SECRET in the URL registered with Fonnte (compared in constant time)',
  },
  fonnteSecretHeader: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Webhook-Secret',
    description: 'WEBHOOK_SECRET as a header, instead of ?secret=',
  },
  metaSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Hub-Signature-256',
    description: '`sha256=` + hex HMAC-SHA256 of the raw body bytes, keyed with META_APP_SECRET',
  },
  twilioSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Twilio-Signature',
    description: 'Base64 HMAC-SHA1, keyed with TWILIO_AUTH_TOKEN, of PUBLIC_URL + path + every form parameter (name + value, names sorted)',
  },
} as const;

const PRINCIPLE =
  'A body that passed authentication is never refused for its shape: what the gateway understands is stored (a message it cannot ' +
  'read is stored as type `other` with the reason in `error_message`); what cannot become any record is kept whole in the spool ' +
  "quarantine (`npm run spool -- quarantine list|show|replay`), the answer says `quarantined: 1`, and a warning names it. " +
  'Only bytes that are not JSON (form, for Twilio) at all are answered 400.';

const acknowledged = {
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

const error = (description: string) => ({ ...errorResponseSchema, description });

const webhookErrors = (notJson: string) =>
  ({
    400: error(`${notJson}; nothing stored`),
    401: error('invalid_signature: the secret or signature is missing or wrong; nothing stored'),
    413: error('payload_too_large: the body is over the limit; nothing stored'),
    429: error('rate_limited: over WEBHOOK_RATE_LIMIT_MAX per IP'),
    503: error('provider_disabled (its secret is not set) or spool_unavailable (the disk cannot take it: the provider retries)'),
  }) as const;

const str = (description?: string) => (description ? { type: 'string', description } : { type: 'string' });
const idLike = (description: string) => ({ oneOf: [{ type: 'string' }, { type: 'integer' }], description });

const fonnteBody = {
  type: 'object',
  description:
    'One URL receives three kinds of body, told apart by their fields: a message (`sender`), a message status ' +
    '(`id`/`stateid` with `status`/`state`), a device connect/disconnect (`status`). Fields of an unexpected type are ' +
    'left out (the message is kept, as type `other` when its content was among them).',
  properties: {
    device: idLike('The business number that received it'),
    sender: idLike('The contact: a number (6281…), a group (…@g.us) or a linked id (…@lid); status@broadcast is ignored (200)'),
    member: idLike('In a group: who wrote'),
    name: str('Push name'),
    message: str('The text or caption'),
    text: str('Title of the button pressed; "non-button message" (Fonnte\'s placeholder) means none'),
    url: str('Attachment URL (expires after ~30 minutes; downloaded at once)'),
    filename: str(),
    extension: str(),
    location: { oneOf: [{ type: 'string' }, { type: 'object' }], description: '"lat,long" or an object' },
    pollname: str(),
    choices: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    timestamp: idLike('Unix seconds (or ms, or ISO); absent or unreadable: the receipt time'),
    inboxid: idLike('Message id when the inbox feature is on; 0, "0", "" or null (inbox off) are no id: a content hash is used'),
    id: idLike('Status: the id Fonnte returned when sending'),
    stateid: idLike('Status: the receipt-stream id'),
    status: str('Status: sent, invalid, expired…; device: connect | disconnect'),
    state: str('Status: WhatsApp receipt sent | delivered | read'),
    reason: str(),
  },
} as const;

export function fonnteWebhookSchema(path: string): FastifySchema {
  return {
    tags: ['webhooks'],
    summary: path === '/api/wa/webhook' ? 'Fonnte webhook (the URL registered with Fonnte)' : 'Fonnte webhook (same as /api/wa/webhook)',
    description:
      'Register `https://<gateway>/api/wa/webhook?secret=<WEBHOOK_SECRET>` for webhook, webhook status and webhook connect. ' + PRINCIPLE,
    security: [{ fonnteSecret: [] }, { fonnteSecretHeader: [] }],
    body: { content: { 'application/json': { schema: fonnteBody } } },
    response: { 200: acknowledged, ...webhookErrors('invalid_json: the body is not JSON') },
  } as FastifySchema;
}

const metaError = {
  type: 'object',
  properties: {
    code: { type: 'integer', description: 'e.g. 131051 (unsupported message type), 131000' },
    title: str(),
    message: str(),
    error_data: { type: 'object', properties: { details: str() } },
  },
} as const;

const bsuid = (what: string) => str(`${what}: a business-scoped user id, CC. + up to 128 letters/digits (US.13491208655302741918)`);

const metaBody = {
  type: 'object',
  required: ['object', 'entry'],
  properties: {
    object: { type: 'string', enum: ['whatsapp_business_account'] },
    entry: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: str('WhatsApp Business Account id'),
          changes: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                field: str('Only `messages` is stored; other fields (templates, account, echoes, calls…) are acknowledged and ignored'),
                value: {
                  type: 'object',
                  properties: {
                    metadata: { type: 'object', properties: { display_phone_number: str(), phone_number_id: str() } },
                    contacts: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          wa_id: str('The number, when the user shows one'),
                          user_id: bsuid('The user'),
                          parent_user_id: str('The portfolio-wide id (CC.ENT.…)'),
                          profile: { type: 'object', properties: { name: str(), username: str() } },
                        },
                      },
                    },
                    messages: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          from: str('The sender’s number; absent for some users with a username'),
                          from_user_id: bsuid('The sender'),
                          from_parent_user_id: str(),
                          id: str('wamid.…'),
                          timestamp: str('Unix seconds'),
                          type: {
                            type: 'string',
                            description:
                              'text, image, video, audio, document, sticker, location, contacts, interactive (button/list/flow reply), button, ' +
                              'reaction, edit, revoke, order, system (user_changed_number, user_changed_user_id…), request_welcome, unsupported; ' +
                              'any other type is stored as `other`',
                          },
                          context: { type: 'object', properties: { id: str('The message replied to'), from: str() } },
                          errors: { type: 'array', items: metaError },
                        },
                      },
                    },
                    statuses: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          id: str('wamid of the message the business sent'),
                          status: str('sent | delivered | read | failed (others are ignored)'),
                          timestamp: str(),
                          recipient_id: str(),
                          recipient_user_id: bsuid('The recipient'),
                          errors: { type: 'array', items: metaError },
                        },
                      },
                    },
                    errors: { type: 'array', items: metaError, description: 'About the webhook itself; logged' },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

export const metaWebhookSchema: FastifySchema = {
  tags: ['webhooks'],
  summary: 'Meta WhatsApp Cloud API webhook',
  description:
    'Register `https://<gateway>/api/wa/webhook/meta` with verify token META_VERIFY_TOKEN and subscribe to `messages`. ' +
    'Bodies up to META_BODY_LIMIT_BYTES (4 MiB by default: Meta batches). ' +
    PRINCIPLE,
  security: [{ metaSignature: [] }],
  body: { content: { 'application/json': { schema: metaBody } } },
  response: { 200: acknowledged, ...webhookErrors('invalid_json: the body is not JSON') },
} as FastifySchema;

export const metaHandshakeSchema: FastifySchema = {
  tags: ['webhooks'],
  summary: 'Meta webhook verification (the GET handshake)',
  description: 'Meta calls it once when the webhook is registered; the gateway answers the challenge when the verify token is META_VERIFY_TOKEN.',
  querystring: {
    type: 'object',
    properties: {
      'hub.mode': { type: 'string', enum: ['subscribe'] },
      'hub.verify_token': str('META_VERIFY_TOKEN'),
      'hub.challenge': str('Echoed back as text/plain'),
    },
  },
  response: {
    200: { description: 'The challenge, as text/plain', content: { 'text/plain': { schema: { type: 'string' } } } },
    400: error('invalid_handshake: hub.mode=subscribe, hub.verify_token and hub.challenge are expected'),
    403: error('invalid_verify_token'),
    503: error('provider_disabled: META_VERIFY_TOKEN is not set'),
  },
} as FastifySchema;

const twilioBody = {
  type: 'object',
  description: 'Form parameters. A status callback has MessageStatus (other than received); anything else with a MessageSid is a message.',
  properties: {
    MessageSid: str(),
    From: str('whatsapp:+6281…, or whatsapp:US.… (a business-scoped user id) for users with a username'),
    To: str('The business (on a status callback: the recipient)'),
    ExternalUserId: str('The contact’s business-scoped user id, when Twilio gives one'),
    Body: str(),
    ProfileName: str(),
    WaId: str(),
    NumMedia: str('0–10; each MediaUrlN becomes its own message'),
    MediaUrl0: str(),
    MediaContentType0: str(),
    Latitude: str(),
    Longitude: str(),
    Address: str(),
    Label: str(),
    ButtonText: str(),
    ButtonPayload: str(),
    ListTitle: str(),
    MessageStatus: str('sent | delivered | read | failed | undelivered (others are ignored)'),
    ErrorCode: str(),
    ErrorMessage: str(),
  },
} as const;

export const twilioWebhookSchema: FastifySchema = {
  tags: ['webhooks'],
  summary: 'Twilio WhatsApp webhook (incoming messages and status callbacks)',
  description:
    'Register `https://<gateway>/api/wa/webhook/twilio` as the sender’s “A message comes in” and status callback URL; behind a proxy ' +
    'set PUBLIC_URL, which the signature covers. ' +
    PRINCIPLE,
  security: [{ twilioSignature: [] }],
  body: { content: { 'application/x-www-form-urlencoded': { schema: twilioBody } } },
  response: {
    200: { description: 'Acknowledged (empty TwiML): on disk before this answer', content: { 'text/xml': { schema: { type: 'string' } } } },
    ...webhookErrors('invalid_form: the body holds no form parameters'),
  },
} as FastifySchema;
