/**
 * A provider's send API behind one small interface. A sender never throws for a provider's answer or a
 * network failure: it classifies the result, because what happens next depends on whether the
 * provider may have taken the message.
 */
import type { Provider } from '../domain/message.js';

export interface OutgoingMessage {
  /** Canonical recipient: E.164 (`+6281…`), a group JID (`…@g.us`), or a WhatsApp user id (`US.…`) when no number is known. */
  phone: string;
  text: string;
  mediaUrl?: string;
  filename?: string;
}

export type SendResult =
  /** The provider accepted it; its id links later status webhooks to the record. */
  | { kind: 'sent'; providerMessageId: string }
  /** The provider refused it for a reason that will not change by retrying (bad number, token, quota…). */
  | { kind: 'rejected'; reason: string }
  /** Certainly not taken (the request never left, HTTP 429, a documented throttling code): safe to send again later. */
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  /** The request may have reached the provider but no usable answer came back: never resent automatically. */
  | { kind: 'unknown'; reason: string };

export interface Sender {
  readonly provider: Provider;
  send(message: OutgoingMessage): Promise<SendResult>;
}
