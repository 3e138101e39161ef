/**
 * The HTTP side shared by every sender: one undici Agent (kept-alive pools per provider origin, connect/
 * headers/body timeouts) and the rule that decides, for a failed request, whether the provider may have
 * received it.
 */
import { Agent, request, type Dispatcher, type FormData } from 'undici';
import type { SendResult } from './types.js';

export interface HttpOptions {
  /** Whole-request budget (ms): connect + headers + body. */
  timeoutMs: number;
}

export function createSendAgent(options: HttpOptions): Agent {
  return new Agent({
    connectTimeout: Math.min(options.timeoutMs, 10_000),
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    // Idle sockets are dropped before typical server-side keep-alive limits (5–60 s), so a send rarely
    // lands on a socket the provider is closing (an error we could not safely retry).
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 30_000,
    connections: 16,
  });
}

/** Errors raised before a single byte of the request could have reached the provider. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  // undici wraps system errors; the code may sit on the error or its cause.
  for (let depth = 0; depth < 3 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A request that failed without an HTTP answer. Connection failures are retried; anything that may
 * have happened after the request was written (timeouts waiting for the answer, a connection closed
 * mid-way) is "unknown": resending could deliver the message twice.
 */
export function classifyNetworkError(error: unknown, provider: string): SendResult {
  const code = errorCode(error);
  if (code && NOT_SENT_CODES.has(code)) return { kind: 'retry', reason: `${provider} unreachable (${code})` };
  if (code && /^ERR_TLS|CERT|SSL/.test(code)) return { kind: 'retry', reason: `TLS with ${provider} failed (${code})` };
  const what = code ?? (error instanceof Error ? error.name : 'error');
  return {
    kind: 'unknown',
    reason: `${provider} did not answer (${what}); it may or may not have sent the message — not resent automatically`,
  };
}

/** Retry-After in seconds or as an HTTP date → ms. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or undefined when the body is not JSON. */
  json: unknown;
  text: string;
}

/** Longest provider answer we read; their answers are tiny. */
const MAX_ANSWER_BYTES = 256 * 1024;

export async function postTo(
  dispatcher: Dispatcher,
  url: string,
  init: { headers: Record<string, string>; body: string | FormData; timeoutMs: number },
): Promise<HttpAnswer> {
  const response = await request(url, {
    method: 'POST',
    dispatcher,
    headers: init.headers,
    body: init.body,
    signal: AbortSignal.timeout(init.timeoutMs),
  });
  let text = '';
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > MAX_ANSWER_BYTES) {
      response.body.destroy();
      break;
    }
    text += (chunk as Buffer).toString('utf8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, json, text };
}

/** What to do with an HTTP answer that is not a success, for providers that use HTTP statuses. */
export function classifyHttpFailure(answer: HttpAnswer, provider: string, reason: string): SendResult {
  if (answer.status === 429 || answer.status === 408 || answer.status >= 500) {
    const after = retryAfterMs(answer.headers['retry-after']);
    return { kind: 'retry', reason: `${provider} answered HTTP ${answer.status}: ${reason}`, ...(after !== undefined ? { retryAfterMs: after } : {}) };
  }
  return { kind: 'rejected', reason };
}

/** A short, log- and Odoo-safe excerpt of an unexpected answer. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
