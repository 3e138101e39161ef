/**
 * Meta WhatsApp Cloud API: POST {META_GRAPH_URL}/{phone-number-id}/messages with a Bearer token.
 * Success: `{"messages":[{"id":"wamid…"}]}`. Errors: `{"error":{"code":131047,"message":…,"error_data":{"details":…}}}`
 * — decided on `code`, since titles are deprecated. Free-form text only reaches a contact inside the
 * 24-hour window (131047 otherwise; templates are not part of this API).
 */
import type { Dispatcher } from 'undici';
import { isWhatsappUserId, toProviderTarget } from '../../lib/phone.js';
import { classifyHttpFailure, classifyPostError, excerpt, postTo, throttled, type HttpAnswer } from '../common/http.js';
import type { OutgoingMessage, SendResult, Sender } from '../types.js';
import { metaOutgoingMediaType } from './media-types.js';

export interface MetaSenderOptions {
  graphUrl: string;
  phoneNumberId: string;
  accessToken: string;
  timeoutMs: number;
  dispatcher: Dispatcher;
}

/**
 * Meta's throttling codes: the request was refused for its rate, so the message was not sent and
 * trying later works — 4 (application request limit), 17 (user request limit), 613 (calls within one
 * hour exceeded), 80007 (WhatsApp Business Account rate limit), 130429 (Cloud API throughput reached),
 * 131056 (pair rate limit: too many messages to one contact). Server-side codes (1, 2, 131000, 131016,
 * 133004 — "something went wrong", "service unavailable") do not prove the message was not taken:
 * outcome unknown.
 */
export const META_THROTTLING_CODES: ReadonlySet<number> = new Set([4, 17, 613, 80007, 130429, 131056]);

export function metaPayload(message: OutgoingMessage): Record<string, unknown> {
  const target = toProviderTarget(message.phone, 'meta');
  // A contact known only by a WhatsApp user id (BSUID) is addressed with `recipient` instead of `to`.
  const addressee = isWhatsappUserId(target) ? { recipient: target } : { to: target };
  const base = { messaging_product: 'whatsapp', recipient_type: 'individual', ...addressee };
  if (!message.mediaUrl) return { ...base, type: 'text', text: { preview_url: false, body: message.text } };
  const kind = metaOutgoingMediaType(message.mediaUrl);
  const media: Record<string, unknown> = { link: message.mediaUrl };
  // Audio and stickers take no caption; documents also carry their file name.
  if (message.text && kind !== 'audio' && kind !== 'sticker') media.caption = message.text;
  if (kind === 'document' && message.filename) media.filename = message.filename;
  return { ...base, type: kind, [kind]: media };
}

export function interpretMetaAnswer(answer: HttpAnswer): SendResult {
  const body = (answer.json ?? {}) as { messages?: { id?: unknown }[]; error?: { code?: unknown; message?: unknown; error_data?: { details?: unknown } } };
  if (answer.status >= 200 && answer.status < 300) {
    const id = body.messages?.[0]?.id;
    if (typeof id === 'string' && id !== '') return { kind: 'sent', providerMessageId: id };
    return { kind: 'unknown', reason: `Meta accepted the request but returned no message id (${excerpt(answer.text)}); not resent automatically` };
  }
  const error = body.error;
  const code = typeof error?.code === 'number' ? error.code : undefined;
  const details = typeof error?.error_data?.details === 'string' ? error.error_data.details : undefined;
  const message = typeof error?.message === 'string' ? error.message : excerpt(answer.text);
  const reason = `Meta${code !== undefined ? ` ${code}` : ''}: ${details ?? message}`;
  if (code !== undefined && META_THROTTLING_CODES.has(code)) return throttled(answer, reason);
  return classifyHttpFailure(answer, 'Meta', reason);
}

export function createMetaSender(options: MetaSenderOptions): Sender {
  const url = `${options.graphUrl.replace(/\/+$/, '')}/${encodeURIComponent(options.phoneNumberId)}/messages`;
  return {
    provider: 'meta',
    async send(message) {
      const payload = metaPayload(message);
      try {
        const answer = await postTo(options.dispatcher, url, {
          headers: { authorization: `Bearer ${options.accessToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(payload),
          timeoutMs: options.timeoutMs,
        });
        return interpretMetaAnswer(answer);
      } catch (error) {
        return classifyPostError(error, 'Meta');
      }
    },
  };
}
