/**
 * pino options shared by the server and tools. Secrets never reach a log:
 * credentials are redacted by path, and secret-bearing query parameters are masked in URLs.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { LoggerOptions } from 'pino';

/** Query parameters whose name says they carry a secret (secret, hub.verify_token, access_token, api_key…). */
const SECRET_QUERY_PARAMS = /([?&][^=&#]*(?:secret|token|password|passwd|signature|api[_-]?key|auth)[^=&#]*=)[^&#]*/gi;

export function maskUrl(url: string): string {
  return url.replace(SECRET_QUERY_PARAMS, '$1***');
}

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-hub-signature"]',
  'req.headers["x-twilio-signature"]',
  'req.headers["x-webhook-secret"]',
  'req.headers["idempotency-key"]',
  'headers.authorization',
  'password',
  'token',
  'secret',
  'signature',
  '*.password',
  '*.token',
  '*.secret',
  '*.signature',
  '*.authorization',
  '*.Authorization',
  '*.ODOO_PASSWORD',
  '*.API_TOKENS',
  '*.WEBHOOK_SECRET',
  '*.META_APP_SECRET',
  '*.META_VERIFY_TOKEN',
  '*.META_ACCESS_TOKEN',
  '*.TWILIO_AUTH_TOKEN',
  '*.FONNTE_TOKEN',
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '***' },
    serializers: {
      req(req: { method?: string; url?: string; id?: string; ip?: string; headers?: Record<string, unknown> }) {
        return {
          id: req.id,
          method: req.method,
          url: req.url === undefined ? undefined : maskUrl(req.url),
          remoteAddress: req.ip,
          userAgent: req.headers?.['user-agent'],
        };
      },
    },
  };
}

/**
 * One access-log line per request, when it completes (method, masked URL, status, duration), instead
 * of Fastify's two (on arrival and on completion): half the logging work on the event loop that
 * acknowledges webhooks, and half the volume in the operator's logs. Fastify's other lines (errors,
 * 404s) are unchanged.
 */
export class AccessLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    // `req` goes through loggerOptions' serializer, which masks secrets in the URL.
    const line = { req: request, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}
