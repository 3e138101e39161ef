/**
 * A tight limit on FAILED webhook authentications per client IP, next to the generous limit on all
 * webhook requests (WEBHOOK_RATE_LIMIT_MAX, sized for provider bursts of ~2,000/s — which would also
 * allow 2,000 guesses of a secret per second).
 *
 * Only answers 401 (wrong secret or signature) and 403 (wrong Meta verify token) count; past
 * WEBHOOK_AUTH_FAILURE_MAX of them in RATE_LIMIT_WINDOW_MS, every webhook from that IP is answered 429
 * `auth_rate_limited` until the window ends — checked in onRequest, before the body is read, and
 * before the secret is compared (an answer that still told a right guess from a wrong one would let the
 * guessing go on). A provider that authenticates never counts, however fast it posts.
 *
 * Counters live in @fastify/rate-limit's store, per IPv4 address or IPv6 /64: peeked without counting
 * on every request, counted only on a failure (its `{ increment: false }` API, made for failed logins).
 */
import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

export class AuthRateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, max: number) {
    super(
      429,
      'auth_rate_limited',
      `Too many failed webhook authentications from this address (at most ${max} per window); retry in ${retryAfterSeconds} s`,
      [{ retry_after_seconds: retryAfterSeconds, limit: max }],
    );
  }
}

type Settings = Pick<Config, 'WEBHOOK_AUTH_FAILURE_MAX' | 'RATE_LIMIT_WINDOW_MS'>;

const FAILED_AUTHENTICATION = new Set([401, 403]);
/** One IPv6 client usually holds a whole /64: counted per address, it could rotate through them to reset its count. */
const IPV6_PREFIX = 64;

/** Adds the hooks to `app`'s scope (the webhook routes). Needs @fastify/rate-limit registered above it. */
export function limitFailedWebhookAuthentication(app: FastifyInstance, settings: Settings): void {
  if (!app.hasDecorator('createRateLimit')) throw new Error('register @fastify/rate-limit (src/plugins/rate-limit.ts) before the webhook routes');
  const max = settings.WEBHOOK_AUTH_FAILURE_MAX;
  const failures = app.createRateLimit({
    max,
    timeWindow: settings.RATE_LIMIT_WINDOW_MS,
    keyGenerator: (request: FastifyRequest) => `webhook-auth:${normalizeIP(request.ip, IPV6_PREFIX)}`,
    allowList: () => false,
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const status = await failures(request, { increment: false });
    if (status.isAllowed || status.remaining > 0 || status.ttl <= 0) return;
    const retryAfter = Math.max(1, status.ttlInSeconds);
    void reply.header('retry-after', String(retryAfter));
    throw new AuthRateLimitedError(retryAfter, max);
  });

  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!FAILED_AUTHENTICATION.has(reply.statusCode)) return;
    try {
      const status = await failures(request);
      // From here on the address is refused in onRequest, so this is logged about once per window.
      if (!status.isAllowed && status.remaining === 0) {
        request.log.warn(
          { ip: request.ip, failures: max, windowMs: settings.RATE_LIMIT_WINDOW_MS },
          'webhook authentication failed too often from this address; its webhooks get 429 until the window ends',
        );
      }
    } catch (error) {
      request.log.error({ err: error }, 'counting a failed webhook authentication failed');
    }
  });
}
