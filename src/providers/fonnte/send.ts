/**
 * Fonnte: POST {FONNTE_BASE_URL}/send, `Authorization: <device token>` (no Bearer), multipart fields as
 * in Fonnte's documentation. Fonnte answers HTTP 200 even when it refuses: the body's `status` decides
 * (`{"status":true,"id":["80367170"],…}` or `{"status":false,"reason":"target invalid"}`).
 */
import { FormData, type Dispatcher } from 'undici';
import { toProviderTarget } from '../../lib/phone.js';
import { classifyHttpFailure, classifyPostError, excerpt, postTo } from '../common/http.js';
import type { OutgoingMessage, SendResult, Sender } from '../types.js';

export interface FonnteSenderOptions {
  baseUrl: string;
  token: string;
  timeoutMs: number;
  dispatcher: Dispatcher;
}

/**
 * Fonnte's `id` is an array parallel to the targets, of strings or numbers. A number beyond 2^53 was
 * rounded by JSON.parse (two messages could then share an id), so its digits are taken from the raw text.
 */
function firstId(value: unknown, text: string): string | undefined {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string' && first !== '') return first;
  if (typeof first === 'number' && Number.isSafeInteger(first)) return String(first);
  if (typeof first === 'number') return /"id"\s*:\s*\[?\s*(\d+)/.exec(text)?.[1];
  return undefined;
}

export function interpretFonnteAnswer(status: number, json: unknown, text: string): SendResult | undefined {
  if (status !== 200) return undefined;
  if (json === null || typeof json !== 'object') {
    // A 200 we cannot read: Fonnte may well have queued the message.
    return { kind: 'unknown', reason: `Fonnte answered 200 with an unreadable body (${excerpt(text)}); not resent automatically` };
  }
  const body = json as Record<string, unknown>;
  if (body.status === true) {
    const id = firstId(body.id, text);
    if (id) return { kind: 'sent', providerMessageId: id };
    return { kind: 'unknown', reason: 'Fonnte accepted the message but returned no id; not resent automatically' };
  }
  const reason = typeof body.reason === 'string' && body.reason !== '' ? body.reason : excerpt(text);
  return { kind: 'rejected', reason: `Fonnte: ${reason}` };
}

export function createFonnteSender(options: FonnteSenderOptions): Sender {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/send`;
  return {
    provider: 'fonnte',
    async send(message: OutgoingMessage): Promise<SendResult> {
      const form = new FormData();
      form.set('target', toProviderTarget(message.phone, 'fonnte'));
      form.set('message', message.text);
      // The target is already international; stop Fonnte from rewriting a leading 0.
      form.set('countryCode', '0');
      if (message.mediaUrl) form.set('url', message.mediaUrl);
      if (message.filename) form.set('filename', message.filename);
      let answer;
      try {
        answer = await postTo(options.dispatcher, url, {
          headers: { authorization: options.token, accept: 'application/json' },
          body: form,
          timeoutMs: options.timeoutMs,
        });
      } catch (error) {
        return classifyPostError(error, 'Fonnte');
      }
      return (
        interpretFonnteAnswer(answer.status, answer.json, answer.text) ??
        classifyHttpFailure(answer, 'Fonnte', `Fonnte answered HTTP ${answer.status}: ${excerpt(answer.text)}`)
      );
    },
  };
}
