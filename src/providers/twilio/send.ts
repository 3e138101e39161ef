/**
 * Twilio: POST {TWILIO_BASE_URL}/2010-04-01/Accounts/{sid}/Messages.json, HTTP Basic (sid:auth token),
 * form fields From/To (`whatsapp:+…`), Body, MediaUrl, StatusCallback. Success 201 with the Message
 * resource (`sid`); errors `{code, message, more_info, status}`.
 */
import type { Dispatcher } from 'undici';
import { toProviderTarget } from '../../lib/phone.js';
import { classifyHttpFailure, classifyPostError, excerpt, postTo, throttled, type HttpAnswer } from '../common/http.js';
import type { OutgoingMessage, SendResult, Sender } from '../types.js';

export interface TwilioSenderOptions {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  /** The WhatsApp sender, E.164 (`+14155550100`) or already `whatsapp:+…`. */
  from: string;
  /** Where Twilio posts delivery statuses (the gateway's webhook), when PUBLIC_URL is known. */
  statusCallbackUrl?: string;
  timeoutMs: number;
  dispatcher: Dispatcher;
}

/** Twilio's "Too Many Requests" error code. */
const TWILIO_TOO_MANY_REQUESTS = 20429;

export function twilioForm(message: OutgoingMessage, options: Pick<TwilioSenderOptions, 'from' | 'statusCallbackUrl'>): URLSearchParams {
  const form = new URLSearchParams();
  form.set('From', options.from.startsWith('whatsapp:') ? options.from : `whatsapp:${options.from}`);
  form.set('To', toProviderTarget(message.phone, 'twilio'));
  if (message.text) form.set('Body', message.text);
  if (message.mediaUrl) form.set('MediaUrl', message.mediaUrl);
  if (options.statusCallbackUrl) form.set('StatusCallback', options.statusCallbackUrl);
  return form;
}

export function interpretTwilioAnswer(answer: HttpAnswer): SendResult {
  const body = (answer.json ?? {}) as { sid?: unknown; code?: unknown; message?: unknown };
  if (answer.status >= 200 && answer.status < 300) {
    if (typeof body.sid === 'string' && body.sid !== '') return { kind: 'sent', providerMessageId: body.sid };
    return { kind: 'unknown', reason: `Twilio accepted the request but returned no sid (${excerpt(answer.text)}); not resent automatically` };
  }
  const reason = `Twilio${typeof body.code === 'number' ? ` ${body.code}` : ''}: ${typeof body.message === 'string' ? body.message : excerpt(answer.text)}`;
  // 20429 (too many concurrent requests) is documented as "never processed, always safe to retry",
  // whatever status carries it; other 429s are retried by classifyHttpFailure.
  if (body.code === TWILIO_TOO_MANY_REQUESTS) return throttled(answer, reason);
  return classifyHttpFailure(answer, 'Twilio', reason);
}

export function createTwilioSender(options: TwilioSenderOptions): Sender {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const basic = Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64');
  return {
    provider: 'twilio',
    async send(message) {
      try {
        const answer = await postTo(options.dispatcher, url, {
          headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: twilioForm(message, options).toString(),
          timeoutMs: options.timeoutMs,
        });
        return interpretTwilioAnswer(answer);
      } catch (error) {
        return classifyPostError(error, 'Twilio');
      }
    },
  };
}
