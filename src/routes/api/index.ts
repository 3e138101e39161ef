/**
 * The REST facade under /api/wa (paths kept from the seed): get_history, conversation/:phone,
 * conversations, stats (read scope) and send_message (send scope), plus GET /metrics. Every answer is an envelope:
 * `{ok: true, data, meta?}` here, `{ok: false, error}` from the error handler.
 *
 * Authentication runs at preValidation: after the rate limit (onRequest), before the 400s, so an
 * unauthenticated caller learns nothing about parameters.
 */
import type { FastifyInstance } from 'fastify';
import type { Auth } from '../../plugins/auth.js';
import type { Metrics } from '../../plugins/metrics.js';
import type { RequestTypesFromSchema } from '../../schemas/type-provider.js';
import { getConversationsSchema } from '../../schemas/conversations.js';
import {
  getConversationSchema,
  getHistorySchema,
  getStatsSchema,
  sendMessageSchema,
  type SendBody,
  type SendHeaders,
} from '../../schemas/messages.js';
import type { ConversationService } from '../../services/conversation-service.js';
import type { HistoryService } from '../../services/history-service.js';
import type { SendService } from '../../services/send-service.js';
import type { StatsService } from '../../services/stats-service.js';
import { SendingDisabledError } from '../../services/send-service.js';

export interface ApiRouteOptions {
  auth: Auth;
  history: HistoryService;
  conversations: ConversationService;
  stats: StatsService;
  /** Absent when the gateway has no send journal: send_message answers 503. */
  send?: SendService;
  metrics: Metrics;
  /** false: /metrics is open (METRICS_REQUIRE_TOKEN=false). */
  metricsRequireToken: boolean;
}

export async function apiRoutes(fastify: FastifyInstance, opts: ApiRouteOptions): Promise<void> {
  // Params, query, body and headers are typed from the same schemas that validate them: written once.
  const app = fastify.withTypeProvider<RequestTypesFromSchema>();
  const { auth } = opts;
  const canRead = auth.requireScope('read');
  const canSend = auth.requireScope('send');

  app.get('/api/wa/get_history', { schema: getHistorySchema, preValidation: canRead }, async (request) => {
    const page = await opts.history.getHistory(request.query);
    return { ok: true, data: page.data, meta: page.meta };
  });

  app.get(
    '/api/wa/conversation/:phone',
    { schema: getConversationSchema, preValidation: canRead },
    async (request) => {
      const page = await opts.history.getConversation(request.params.phone, request.query);
      return { ok: true, data: page.data, meta: page.meta };
    },
  );

  app.get('/api/wa/conversations', { schema: getConversationsSchema, preValidation: canRead }, async (request) => {
    const page = await opts.conversations.list(request.query);
    return { ok: true, data: page.data, meta: page.meta };
  });

  app.get('/api/wa/stats', { schema: getStatsSchema, preValidation: canRead }, async (request) => {
    return { ok: true, data: await opts.stats.getStats(request.query) };
  });

  // Registered without the type provider: it would restrict reply.status() to the schema's status
  // codes, and a replayed answer carries the status the journal stored.
  fastify.post<{ Body: SendBody; Headers: SendHeaders }>(
    '/api/wa/send_message',
    { schema: sendMessageSchema, preValidation: canSend },
    async (request, reply) => {
      if (!opts.send) throw new SendingDisabledError('no send journal (SEND_JOURNAL_PATH) was given to the app');
      const identity = auth.identify(request);
      const result = await opts.send.send(request.body, {
        tokenFingerprint: identity?.fingerprint ?? '',
        idempotencyKey: request.headers['idempotency-key'],
      });
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      request.log.info({ recordId: result.body.data.id, replayed: result.replayed }, 'send_message accepted');
      return reply.status(result.statusCode).send(result.body);
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics (text exposition format)',
        description: 'Needs a read-scope token unless METRICS_REQUIRE_TOKEN=false.',
        ...(opts.metricsRequireToken ? { security: [{ bearerAuth: [] }] } : {}),
        response: {
          200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } },
        },
      },
      ...(opts.metricsRequireToken ? { preValidation: canRead } : {}),
    },
    async (_request, reply) => {
      const text = await opts.metrics.registry.metrics();
      return reply.type(opts.metrics.registry.contentType).send(text);
    },
  );
}
