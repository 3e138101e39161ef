/** Twilio's webhook in the OpenAPI document: its form parameters as far as the gateway models them, the signature, the answers. */
// Brings @fastify/swagger's route-schema typing (tags, summary, security, consumes…).
import type {} from '@fastify/swagger';
import type { FastifySchema } from 'fastify';
import type { SecurityScheme } from '../types.js';
import { PRINCIPLE, str, webhookErrors } from '../common/webhook-schema.js';

export const SECURITY_SCHEMES = {
  twilioSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Twilio-Signature',
    description: 'Base64 HMAC-SHA1, keyed with TWILIO_AUTH_TOKEN, of PUBLIC_URL + path + every form parameter (name + value, names sorted)',
  },
} as const satisfies Record<string, SecurityScheme>;

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
};
