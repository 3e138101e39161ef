/** Meta's webhook and handshake in the OpenAPI document: the body as far as the gateway models it, the signature, the answers. */
// Brings @fastify/swagger's route-schema typing (tags, summary, security, consumes…).
import type {} from '@fastify/swagger';
import type { FastifySchema } from 'fastify';
import type { SecurityScheme } from '../types.js';
import { acknowledged, error, PRINCIPLE, str, webhookErrors } from '../common/webhook-schema.js';

export const SECURITY_SCHEMES = {
  metaSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Hub-Signature-256',
    description: '`sha256=` + hex HMAC-SHA256 of the raw body bytes, keyed with META_APP_SECRET',
  },
} as const satisfies Record<string, SecurityScheme>;

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
};

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
};
