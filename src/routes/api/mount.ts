/**
 * Puts the REST facade into the app: rate limits, OpenAPI docs and HTTP metrics (all at the root, so
 * they see every route — call this BEFORE registering other routes), then the /api/wa routes.
 * buildApp (src/app.ts) calls it with the services the gateway (src/gateway.ts) built.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { createAuth } from '../../plugins/auth.js';
import { httpMetrics, type Metrics } from '../../plugins/metrics.js';
import { rateLimits } from '../../plugins/rate-limit.js';
import { openApiDocs } from '../../plugins/swagger.js';
import type { ConversationService } from '../../services/conversation-service.js';
import type { HistoryService } from '../../services/history-service.js';
import type { SendService } from '../../services/send-service.js';
import type { StatsService } from '../../services/stats-service.js';
import { apiRoutes } from './index.js';

/** The services behind /api/wa, built by the composition root (src/gateway.ts, createRestServices). */
export interface RestServices {
  history: HistoryService;
  conversations: ConversationService;
  stats: StatsService;
  /** Absent without a send journal (SEND_JOURNAL_PATH): send_message answers 503 send_disabled. */
  send?: SendService | undefined;
}

function packageVersion(): string {
  // src/routes/api → ../../../package.json; dist/src/routes/api → ../../../../package.json
  for (const relative of ['../../../package.json', '../../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'whatsapp-headless' && pkg.version) return pkg.version;
    } catch {
      // try the next
    }
  }
  return '0.0.0';
}

export async function mountRestApi(
  app: FastifyInstance,
  deps: { config: Config; logger: Logger; services: RestServices; metrics: Metrics },
): Promise<void> {
  const { config, services } = deps;
  const auth = createAuth(config.apiTokens);
  if (config.apiTokens.length === 0) {
    deps.logger.warn('API_TOKENS is empty: every REST request will be refused with 401');
  }

  await app.register(rateLimits, { config, auth });
  await app.register(openApiDocs, { version: packageVersion(), ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}) });
  await app.register(httpMetrics, { metrics: deps.metrics });

  await app.register(apiRoutes, {
    auth,
    metrics: deps.metrics,
    metricsRequireToken: config.METRICS_REQUIRE_TOKEN,
    history: services.history,
    conversations: services.conversations,
    stats: services.stats,
    ...(services.send ? { send: services.send } : {}),
  });
}
