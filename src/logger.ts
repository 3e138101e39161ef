/**
 * pino options shared by the server and tools. Secrets never reach a log:
 * credentials are redacted by path, and secret-bearing query parameters are masked in URLs.
 */
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
