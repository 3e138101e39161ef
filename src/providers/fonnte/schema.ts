/** Fonnte's webhook in the OpenAPI document: its body as far as the gateway models it, its secret, its answers. */
// Brings @fastify/swagger's route-schema typing (tags, summary, security, consumes…).
import type {} from '@fastify/swagger';
import type { FastifySchema } from 'fastify';
import type { SecurityScheme } from '../types.js';
import { acknowledged, idLike, PRINCIPLE, str, webhookErrors } from '../common/webhook-schema.js';

export const SECURITY_SCHEMES = {
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
} as const satisfies Record<string, SecurityScheme>;

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
  };
}
