/**
 * The HTTP side shared by every sender: one undici Agent (kept-alive pools per provider origin, connect/
 * headers/body timeouts) and the rule that decides, for a failed request, whether the provider may have
 * received it.
 *
 * "Never sent twice" rests on one rule: a send is retried only when the failure proves the provider did
 * not take the message — the request never fully left the gateway (refused or reset connection, DNS,
 * TLS), or the provider said so (HTTP 429, or a throttling code the provider documents as "not
 * processed"). Anything else after the request went out — a 5xx (the provider or a proxy in front of
 * it may have taken the message before failing), a 408, a timeout, a connection dropped while waiting —
 * is *outcome unknown*: recorded as failed, never resent automatically.
 */
import { Agent, Dispatcher, request, type FormData } from 'undici';
import type { SendResult } from '../types.js';

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
 * A request that failed without an HTTP answer. `requestWritten` says whether the whole request had
 * been handed to the socket (see postTo): before that, the provider cannot have acted on it (an
 * incomplete request is never processed), so it is retried; after, it is "unknown".
 */
export function classifyNetworkError(error: unknown, provider: string, requestWritten: boolean): SendResult {
  const code = errorCode(error);
  const what = code ?? (error instanceof Error ? error.name : 'error');
  if (!requestWritten) {
    return { kind: 'retry', reason: `${provider} could not be reached (${what}); the request never left, so it is retried` };
  }
  return {
    kind: 'unknown',
    reason: `${provider} did not answer (${what}); it may or may not have sent the message — not resent automatically`,
  };
}

/** A failed POST, and whether the whole request had been written to the socket when it failed. */
export class SendRequestError extends Error {
  constructor(
    readonly failure: unknown,
    readonly requestWritten: boolean,
  ) {
    super(failure instanceof Error ? failure.message : String(failure), { cause: failure });
    this.name = 'SendRequestError';
  }
}

/** The legacy handler hook undici calls once the whole request (headers and body) is on the socket. */
type HandlerWithRequestSent = Dispatcher.DispatchHandler & { onRequestSent?: () => void };

/**
 * Passes every request to `inner`, noting when the request was completely written. undici calls
 * `onRequestSent` on the handler it was given; a Proxy adds that one hook and forwards the rest
 * unchanged (the handler must stay a legacy one, so undici does not re-wrap it).
 */
class WriteObservingDispatcher extends Dispatcher {
  requestWritten = false;

  constructor(private readonly inner: Dispatcher) {
    super();
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const onWritten = () => {
      this.requestWritten = true;
    };
    const observed = new Proxy<HandlerWithRequestSent>(handler, {
      get(target, property) {
        if (property === 'onRequestSent') {
          return () => {
            onWritten();
            return target.onRequestSent?.();
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    return this.inner.dispatch(options, observed);
  }

  override close(): Promise<void> {
    return Promise.resolve(); // the shared agent is closed by its owner
  }

  override destroy(): Promise<void> {
    return Promise.resolve();
  }
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
  const observed = new WriteObservingDispatcher(dispatcher);
  let text = '';
  let response;
  try {
    response = await request(url, {
      method: 'POST',
      dispatcher: observed,
      headers: init.headers,
      body: init.body,
      signal: AbortSignal.timeout(init.timeoutMs),
    });
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_ANSWER_BYTES) {
        response.body.destroy();
        break;
      }
      text += (chunk as Buffer).toString('utf8');
    }
  } catch (error) {
    // An answer that had started: the provider got the whole request (a server answers after reading it).
    throw new SendRequestError(error, observed.requestWritten || response !== undefined);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, json, text };
}

/** A "slow down" answer: not processed, safe to send again (after Retry-After when given). */
export function throttled(answer: HttpAnswer, reason: string): SendResult {
  const after = retryAfterMs(answer.headers['retry-after']);
  return { kind: 'retry', reason, ...(after !== undefined ? { retryAfterMs: after } : {}) };
}

/**
 * What to do with an HTTP answer that is not a success, for providers that use HTTP statuses:
 * 429 is retried; a 5xx or 408 may come after the provider (or a proxy in front of it) took the
 * message, so the outcome is unknown; any other 4xx is a refusal.
 */
export function classifyHttpFailure(answer: HttpAnswer, provider: string, reason: string): SendResult {
  // Name the status once, whether or not the provider's reason already does.
  const said = reason.includes(`HTTP ${answer.status}`) ? reason : `${provider} answered HTTP ${answer.status}: ${reason}`;
  if (answer.status === 429) return throttled(answer, said);
  if (answer.status === 408 || answer.status >= 500) {
    return { kind: 'unknown', reason: `${said}; it may or may not have sent the message — not resent automatically` };
  }
  return { kind: 'rejected', reason };
}

/** The network-failure result of a postTo call (a SendRequestError, or anything else as "written"). */
export function classifyPostError(error: unknown, provider: string): SendResult {
  if (error instanceof SendRequestError) return classifyNetworkError(error.failure, provider, error.requestWritten);
  return classifyNetworkError(error, provider, true);
}

/** A short, log- and Odoo-safe excerpt of an unexpected answer. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
