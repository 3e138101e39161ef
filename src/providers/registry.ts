/**
 * The senders the configuration enables. A provider whose credentials are not set has no sender, and
 * `whyDisabled` says which settings to fill in.
 */
import type { Dispatcher } from 'undici';
import type { Config } from '../config.js';
import type { Provider } from '../domain/message.js';
import { createFonnteSender } from './fonnte/send.js';
import { createSendAgent } from './common/http.js';
import { createMetaSender } from './meta/send.js';
import { createTwilioSender } from './twilio/send.js';
import type { Sender } from './types.js';

export type { OutgoingMessage, SendResult, Sender } from './types.js';

export interface SenderRegistry {
  get(provider: Provider): Sender | undefined;
  /** Why `provider` cannot send (the settings to set), or undefined when it can. */
  whyDisabled(provider: Provider): string | undefined;
  /** Closes the kept-alive connections. */
  close(): Promise<void>;
}

type SenderSettings = Pick<
  Config,
  | 'FONNTE_TOKEN'
  | 'FONNTE_BASE_URL'
  | 'META_ACCESS_TOKEN'
  | 'META_PHONE_NUMBER_ID'
  | 'META_GRAPH_URL'
  | 'TWILIO_ACCOUNT_SID'
  | 'TWILIO_AUTH_TOKEN'
  | 'TWILIO_FROM'
  | 'TWILIO_BASE_URL'
  | 'PUBLIC_URL'
  | 'SEND_TIMEOUT_MS'
>;

/** The settings each provider needs for sending, by name. */
export function missingSendSettings(config: SenderSettings, provider: Provider): string[] {
  const required: Record<Provider, (keyof SenderSettings)[]> = {
    fonnte: ['FONNTE_TOKEN'],
    meta: ['META_ACCESS_TOKEN', 'META_PHONE_NUMBER_ID'],
    twilio: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'],
  };
  return required[provider].filter((name) => !config[name]);
}

/** Why `provider` cannot send (the settings to set), or undefined when it can. One wording for send_message's 503 and the outbox's failure. */
export function whySendingDisabled(config: SenderSettings, provider: Provider): string | undefined {
  const missing = missingSendSettings(config, provider);
  return missing.length === 0 ? undefined : `sending through ${provider} is off: set ${missing.join(', ')}`;
}

export function createSenders(config: SenderSettings, dispatcher?: Dispatcher): SenderRegistry {
  const ownAgent = dispatcher ? undefined : createSendAgent({ timeoutMs: config.SEND_TIMEOUT_MS });
  const agent = (dispatcher ?? ownAgent) as Dispatcher;
  const timeoutMs = config.SEND_TIMEOUT_MS;
  const senders = new Map<Provider, Sender>();
  if (missingSendSettings(config, 'fonnte').length === 0) {
    senders.set('fonnte', createFonnteSender({ baseUrl: config.FONNTE_BASE_URL, token: config.FONNTE_TOKEN, timeoutMs, dispatcher: agent }));
  }
  if (missingSendSettings(config, 'meta').length === 0) {
    senders.set(
      'meta',
      createMetaSender({
        graphUrl: config.META_GRAPH_URL,
        phoneNumberId: config.META_PHONE_NUMBER_ID,
        accessToken: config.META_ACCESS_TOKEN,
        timeoutMs,
        dispatcher: agent,
      }),
    );
  }
  if (missingSendSettings(config, 'twilio').length === 0) {
    const publicUrl = config.PUBLIC_URL.replace(/\/+$/, '');
    senders.set(
      'twilio',
      createTwilioSender({
        baseUrl: config.TWILIO_BASE_URL,
        accountSid: config.TWILIO_ACCOUNT_SID,
        authToken: config.TWILIO_AUTH_TOKEN,
        from: config.TWILIO_FROM,
        ...(publicUrl ? { statusCallbackUrl: `${publicUrl}/api/wa/webhook/twilio` } : {}),
        timeoutMs,
        dispatcher: agent,
      }),
    );
  }
  return {
    get: (provider) => senders.get(provider),
    whyDisabled: (provider) => whySendingDisabled(config, provider),
    async close() {
      await ownAgent?.close();
    },
  };
}
