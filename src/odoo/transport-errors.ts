/**
 * Classifies errors that are not Odoo faults: the socket, DNS, TLS, a proxy in front of Odoo, or an
 * answer that is not XML-RPC at all. Everything that means "Odoo cannot be reached right now"
 * becomes `unavailable` (retryable); a misconfigured URL that reaches something else is `internal`.
 */
import type { OdooErrorKind } from './errors.js';

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_SOCKET_CLOSED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** A proxy (nginx, a load balancer) answers these while Odoo restarts or is overloaded. */
const UNAVAILABLE_STATUS = new Set([502, 503, 504]);

export interface TransportFailure {
  kind: Extract<OdooErrorKind, 'unavailable' | 'internal' | 'too_large'>;
  message: string;
}

const field = (error: unknown, key: string): unknown =>
  error !== null && typeof error === 'object' ? (error as Record<string, unknown>)[key] : undefined;

/** HTTP status node-xmlrpc attached (non-enumerable `res`) to a response it could not use. */
export function responseStatus(error: unknown): number | undefined {
  const status = field(field(error, 'res'), 'statusCode');
  return typeof status === 'number' ? status : undefined;
}

export function classifyTransportError(error: unknown): TransportFailure {
  const code = field(error, 'code');
  const message = error instanceof Error ? error.message : String(error);
  const status = responseStatus(error);

  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) {
    return { kind: 'unavailable', message: `Odoo is unreachable (${code})` };
  }
  if (/socket hang up|premature close|other side closed/i.test(message)) {
    return { kind: 'unavailable', message: 'Odoo closed the connection before answering' };
  }
  // A proxy's body-size limit (nginx: client_max_body_size, 1 MiB by default). Not an outage: the same
  // request will be refused for ever, a smaller one goes through.
  if (status === 413) {
    return { kind: 'too_large', message: 'A proxy in front of Odoo refused the request as too large (HTTP 413)' };
  }
  if (status !== undefined && UNAVAILABLE_STATUS.has(status)) {
    return { kind: 'unavailable', message: `Odoo is unavailable (HTTP ${status})` };
  }
  if (status === 404 || message === 'Not Found') {
    return { kind: 'internal', message: 'No Odoo XML-RPC endpoint at this URL (HTTP 404): check ODOO_URL' };
  }
  if (status !== undefined && status >= 500) {
    return { kind: 'internal', message: `Odoo answered HTTP ${status}` };
  }
  if (typeof code === 'string' && /CERT|TLS|SSL/.test(code)) {
    return { kind: 'unavailable', message: `TLS handshake with Odoo failed (${code})` };
  }
  if (/XML-RPC|method response|Unknown XML-RPC tag|Unexpected|Invalid/i.test(message)) {
    return {
      kind: 'internal',
      message: `Odoo's answer is not XML-RPC${status !== undefined ? ` (HTTP ${status})` : ''}: check ODOO_URL`,
    };
  }
  return { kind: 'internal', message: `Odoo call failed: ${message}` };
}
