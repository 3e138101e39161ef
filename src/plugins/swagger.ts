/**
 * OpenAPI 3 from the route schemas themselves (@fastify/swagger), served as a UI at /docs and as JSON
 * at /docs/json (@fastify/swagger-ui). Registered before the routes so it sees each one.
 *
 * /docs is public: it describes the API, holds no data and no secret, and integrators need it before
 * they have a token. The provider webhooks are described too (tag `webhooks`): their bodies as far
 * as modelled, their authentication (secret, signatures) and their answers.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { WEBHOOK_SECURITY_SCHEMES } from '../providers/registry.js';

export const DOCS_PREFIX = '/docs';

async function swaggerPlugin(app: FastifyInstance, opts: { version: string; publicUrl?: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'whatsapp-headless REST API',
        version: opts.version,
        description:
          'Read and send the WhatsApp conversations stored in Odoo 13. ' +
          'Every answer is an envelope: {"ok": true, "data": …, "meta": {…}} or ' +
          '{"ok": false, "error": {"code", "message", "details"}}. ' +
          'Authenticate with `Authorization: Bearer <token>`; tokens carry the scopes read and/or send. ' +
          'Requests are rate-limited per token (429 with Retry-After).',
      },
      ...(opts.publicUrl ? { servers: [{ url: opts.publicUrl }] } : {}),
      tags: [
        { name: 'messages', description: 'History, conversations and sending' },
        { name: 'conversations', description: 'The Odoo inbox: one conversation per contact and business number, waiting first' },
        { name: 'statistics', description: 'Counts computed in Odoo' },
        { name: 'operations', description: 'Health and metrics' },
        { name: 'webhooks', description: 'Called by the providers (Fonnte, Meta, Twilio), authenticated by their secret or signature' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'A token from API_TOKENS' },
          ...WEBHOOK_SECURITY_SCHEMES,
        },
      },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    uiConfig: { docExpansion: 'list', deepLinking: false },
    staticCSP: true,
  });
}

export const openApiDocs = fp(swaggerPlugin, { name: 'wa-openapi' });
