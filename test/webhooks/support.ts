/**
 * What the webhook route tests share: signing the way each provider does (written here from the
 * providers' documentation, independently of src/providers/common/verify.ts), form encoding, reading
 * back what the spool holds, and capturing log lines.
 */
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { pino, type Logger } from 'pino';
import { expect } from 'vitest';
import type { InboundEvent } from '../../src/domain/message.js';
import { loggerOptions } from '../../src/logger.js';
import type { Spool } from '../../src/spool/types.js';
import { TEST_PUBLIC_URL, TEST_SECRETS } from '../helpers/build.js';

/** Meta: `sha256=` + hex HMAC-SHA256 of the exact body bytes, keyed with the app secret. */
export function metaSignature(body: string | Buffer, secret: string = TEST_SECRETS.META_APP_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export type FormParams = Record<string, string | string[]>;

/**
 * Twilio: Base64 HMAC-SHA1, keyed with the auth token, of the URL it called followed by every
 * parameter as name+value, names sorted; a repeated name's values sorted.
 */
export function twilioSignature(url: string, params: FormParams, token: string = TEST_SECRETS.TWILIO_AUTH_TOKEN): string {
  const names = Object.keys(params).sort();
  let data = url;
  for (const name of names) {
    const value = params[name] ?? '';
    for (const v of Array.isArray(value) ? [...value].sort() : [value]) data += name + v;
  }
  return createHmac('sha1', token).update(Buffer.from(data, 'utf8')).digest('base64');
}

export const TWILIO_PATH = '/api/wa/webhook/twilio';
export const TWILIO_URL = `${TEST_PUBLIC_URL}${TWILIO_PATH}`;

/** application/x-www-form-urlencoded, a repeated name for each value of an array. */
export function formEncode(params: FormParams): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) search.append(name, v);
  }
  return search.toString();
}

/** The parameters a form body carries, as any form parser reads them (what Twilio signed when it sent them). */
export function formParams(body: string): FormParams {
  const params: FormParams = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const prior = params[name];
    params[name] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
  }
  return params;
}

/** A fixture's values as form parameters (Twilio posts strings only). */
export function toFormParams(fixture: unknown): FormParams {
  const params: FormParams = {};
  for (const [name, value] of Object.entries(fixture as Record<string, unknown>)) {
    params[name] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return params;
}

/** Every event waiting in the spool (messages, then statuses), oldest first. */
export function spooled(spool: Spool): InboundEvent[] {
  return [...spool.takeDue('message', 10_000), ...spool.takeDue('status', 10_000)].map((s) => s.event);
}

/**
 * Empties the spool through its public API, as if the writer had delivered everything, so one app
 * can serve many tests (building an app costs tens of milliseconds, a drain microseconds).
 */
export function drainSpool(spool: Spool): void {
  const everything = Number.MAX_SAFE_INTEGER;
  for (const kind of ['message', 'status'] as const) spool.complete(spool.takeDue(kind, everything, everything).map((s) => s.id));
  for (const job of spool.takeMediaToFetch(everything, everything)) spool.completeMediaJob(job.id);
  spool.discardQuarantined(spool.quarantinedIds());
  const left = spool.stats();
  if (left.pending !== 0 || left.mediaPending !== 0 || left.quarantined !== 0) throw new Error(`spool not drained: ${JSON.stringify(left)}`);
}

/** What the quarantine holds: provider, the reason, and the body as received. */
export function quarantined(spool: Spool) {
  return spool.quarantined(10_000).map((q) => ({ provider: q.provider, reason: q.reason, body: q.body, input: q.input }));
}

/** The fields a user of the stored record notices. */
export function summary(event: InboundEvent) {
  switch (event.kind) {
    case 'message':
      return { kind: event.kind, provider: event.provider, providerMessageId: event.providerMessageId, phone: event.phone, messageType: event.messageType };
    case 'status':
      return { kind: event.kind, provider: event.provider, providerMessageId: event.providerMessageId, aliasId: event.aliasId, state: event.state };
    case 'device':
      return { kind: event.kind, provider: event.provider, device: event.device, status: event.status };
  }
}

/** Asserts the error envelope, and returns it. */
export function expectError(response: LightMyRequestResponse, status: number, code: string) {
  expect({ status: response.statusCode, code: safeJson(response.body)?.error?.code }, response.body.slice(0, 500)).toEqual({ status, code });
  const body = response.json<{ ok: false; error: { code: string; message: string; details: unknown[] } }>();
  expect(body).toEqual({ ok: false, error: { code, message: expect.any(String), details: expect.any(Array) } });
  expect(body.error.message.length).toBeGreaterThan(5);
  return body.error;
}

function safeJson(text: string): { error?: { code?: string } } | undefined {
  try {
    return JSON.parse(text) as { error?: { code?: string } };
  } catch {
    return undefined;
  }
}

/** A logger configured as in production (src/logger.ts), at trace level, writing every line into `lines`. */
export function captureLogs(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  // pino writes synchronously to a plain Writable, so the lines are there when a request returns.
  return { logger: pino({ ...loggerOptions('trace') }, stream), lines };
}
