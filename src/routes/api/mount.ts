/**
 * Puts the REST facade into the app: rate limits, OpenAPI docs and HTTP metrics (all at the root, so
 * they see every route — call this BEFORE registering other routes), then the /api/wa routes.
 * buildApp (src/app.ts) calls it; the gateway (src/gateway.ts) hands over the optional extras.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { OdooClient } from '../../odoo/types.js';
import { createAuth } from '../../plugins/auth.js';
import { createMetrics, httpMetrics, type Metrics } from '../../plugins/metrics.js';
import { rateLimits } from '../../plugins/rate-limit.js';
import { openApiDocs } from '../../plugins/swagger.js';
import { createHistoryService } from '../../services/history-service.js';
import type { IdempotencyKeys } from '../../services/outbox/journal.js';
import { createPartnerResolver } from '../../services/partner-resolver.js';
import { createSendService } from '../../services/send-service.js';
import { whySendingDisabled } from '../../providers/registry.js';
import { createStatsService } from '../../services/stats-service.js';
import type { Spool } from '../../spool/types.js';
import { apiRoutes } from './index.js';

export interface RestApiDeps {
  /** Prometheus instruments; made here (with spool gauges) when absent. */
  metrics?: Metrics;
  /** The send journal (SEND_JOURNAL_PATH); without it send_message answers 503 send_disabled. */
  sendJournal?: IdempotencyKeys;
  /** The outbox worker, woken after each 202 so the message leaves at once. */
  outbox?: { kick(): void };
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
  deps: { config: Config; logger: Logger; odoo: OdooClient; spool: Spool; api?: RestApiDeps | undefined },
): Promise<void> {
  const { config } = deps;
  const api = deps.api ?? {};
  const defaultCountry = config.DEFAULT_COUNTRY;
  const metrics = api.metrics ?? createMetrics({ spoolStats: () => deps.spool.stats() });
  const auth = createAuth(config.apiTokens);
  if (config.apiTokens.length === 0) {
    deps.logger.warn('API_TOKENS is empty: every REST request will be refused with 401');
  }

  await app.register(rateLimits, { config, auth });
  await app.register(openApiDocs, { version: packageVersion(), ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}) });
  await app.register(httpMetrics, { metrics });

  const idempotencyTtlMs = config.IDEMPOTENCY_TTL_HOURS * 3_600_000;
  const journal = api.sendJournal;
  const outbox = api.outbox;
  await app.register(apiRoutes, {
    auth,
    metrics,
    metricsRequireToken: config.METRICS_REQUIRE_TOKEN,
    history: createHistoryService({ odoo: deps.odoo, defaultCountry }),
    stats: createStatsService({ odoo: deps.odoo }),
    ...(journal
      ? {
          send: createSendService({
            odoo: deps.odoo,
            journal,
            provider: config.SEND_PROVIDER,
            defaultCountry,
            whyDisabled: (provider) => whySendingDisabled(config, provider),
            ...(outbox ? { kick: () => outbox.kick() } : {}),
            resolvePartners: createPartnerResolver(deps.odoo, { defaultCountry }),
            idempotencyTtlMs,
          }),
        }
      : {}),
  });
}
