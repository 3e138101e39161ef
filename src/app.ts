/**
 * Builds the Fastify application from already-built services (src/gateway.ts builds them; routes only
 * translate HTTP). No I/O happens here, so tests build it with the Odoo double and a temporary spool
 * (test/helpers/build.ts).
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { InboundEvent } from './domain/message.js';
import { AccessLog } from './logger.js';
import { createAuth } from './plugins/auth.js';
import { errorHandler } from './plugins/error-handler.js';
import type { Metrics } from './plugins/metrics.js';
import { mountRestApi, type RestServices } from './routes/api/mount.js';
import { healthRoutes } from './routes/health.js';
import type { Readiness } from './services/readiness.js';
import { webhookRoutes } from './routes/webhooks/index.js';
import type { QuarantineInput, Spool } from './spool/types.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  /** Where webhooks are committed when `commitEvents` is absent. */
  spool: Spool;
  /** The REST services (src/gateway.ts, createRestServices). */
  services: RestServices;
  readiness: Readiness;
  metrics: Metrics;
  /**
   * Commits webhook events (and a body to quarantine) durably (the gateway's group committer); the
   * spool's own enqueue when absent.
   */
  commitEvents?: (events: InboundEvent[], quarantine?: QuarantineInput | null) => Promise<number>;
  /** Called after webhook events were committed to the spool (wakes the writer). */
  onAccepted?: (events: InboundEvent[]) => void;
}

/** TRUST_PROXY → Fastify's trustProxy: false, true, or a list of proxy addresses/CIDRs. */
export function trustProxySetting(value: string): boolean | string[] {
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  return value.split(',').map((a) => a.trim());
}

/** Accept a caller's request id only when it is short and harmless; otherwise make one. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    // pino's Logger is wider than FastifyBaseLogger; narrowing keeps the app typed as a plain FastifyInstance.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    // Only believe X-Forwarded-For from configured proxies: otherwise a client could pick its own IP
    // and escape the per-IP rate limit.
    trustProxy: trustProxySetting(config.TRUST_PROXY),
    // false: genReqId reads x-request-id itself, so an unsafe caller id is replaced, not echoed into logs.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
    },
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    return503OnClosing: true,
    logController: new AccessLog(),
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: true } },
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(errorHandler);
  // Rate limits, OpenAPI and HTTP metrics must be in place before any other route is added.
  await mountRestApi(app, deps);
  await app.register(healthRoutes, {
    readiness: deps.readiness,
    auth: createAuth(config.apiTokens),
  });
  await app.register(webhookRoutes, {
    config,
    spool: deps.spool,
    ...(deps.commitEvents ? { commit: deps.commitEvents } : {}),
    ...(deps.onAccepted ? { onAccepted: deps.onAccepted } : {}),
  });

  return app;
}
