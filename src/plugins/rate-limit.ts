/**
 * Rate limits (@fastify/rate-limit, in-memory fixed windows of RATE_LIMIT_WINDOW_MS):
 * - REST routes: RATE_LIMIT_MAX per token (per client IP when the request has no known token — an
 *   unknown token counts against the IP, so inventing tokens does not buy more requests);
 * - webhooks (/api/wa/webhook…): WEBHOOK_RATE_LIMIT_MAX per IP, counted apart from the REST budget;
 * - /readyz: READYZ_RATE_LIMIT_MAX per IP, counted apart (a probe needs a few a minute; each call
 *   reads the spool and may call Odoo, so it must not be free to flood);
 * - /healthz: not limited (it does nothing).
 * Over the limit: 429, `Retry-After` in seconds, and the usual error envelope with code rate_limited.
 *
 * The limit runs in the onRequest phase, before authentication (which runs at preValidation), so a
 * flood of bad tokens is refused cheaply.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Auth } from './auth.js';

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, max: number) {
    super(429, 'rate_limited', `Too many requests (at most ${max} per window); retry in ${retryAfterSeconds} s`, [
      { retry_after_seconds: retryAfterSeconds, limit: max },
    ]);
  }
}

const UNLIMITED_ROUTES = new Set(['/healthz']);
const READINESS_ROUTE = '/readyz';

const isReadinessRoute = (request: FastifyRequest) => request.routeOptions.url === READINESS_ROUTE;

export const WEBHOOK_PREFIX = '/api/wa/webhook';

export function isWebhookRoute(request: FastifyRequest): boolean {
  const url = request.routeOptions.url ?? request.url;
  return url.startsWith(WEBHOOK_PREFIX);
}

type RateLimitSettings = Pick<Config, 'RATE_LIMIT_MAX' | 'RATE_LIMIT_WINDOW_MS' | 'WEBHOOK_RATE_LIMIT_MAX' | 'READYZ_RATE_LIMIT_MAX'>;

/**
 * Route config for webhook routes: `{ config: webhookRateLimit(config) }` (or merged into it). Routes
 * under /api/wa/webhook get the same limit without it; this makes the choice explicit in the route.
 */
export function webhookRateLimit(config: RateLimitSettings) {
  return {
    rateLimit: {
      max: config.WEBHOOK_RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      keyGenerator: (request: FastifyRequest) => `webhook:${request.ip}`,
    },
  };
}

async function rateLimitPlugin(app: FastifyInstance, opts: { config: RateLimitSettings; auth: Auth }): Promise<void> {
  const { config, auth } = opts;
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    timeWindow: config.RATE_LIMIT_WINDOW_MS,
    max: (request) =>
      isWebhookRoute(request) ? config.WEBHOOK_RATE_LIMIT_MAX : isReadinessRoute(request) ? config.READYZ_RATE_LIMIT_MAX : config.RATE_LIMIT_MAX,
    keyGenerator: (request) => {
      if (isWebhookRoute(request)) return `webhook:${request.ip}`;
      if (isReadinessRoute(request)) return `readyz:${request.ip}`;
      const identity = auth.identify(request);
      return identity ? `token:${identity.fingerprint}` : `ip:${request.ip}`;
    },
    allowList: (request) => UNLIMITED_ROUTES.has(request.routeOptions.url ?? ''),
    errorResponseBuilder: (_request, context) => new RateLimitedError(Math.max(1, Math.ceil(context.ttl / 1000)), context.max),
  });
}

export const rateLimits = fp(rateLimitPlugin, { name: 'wa-rate-limit', dependencies: ['error-handler'] });
