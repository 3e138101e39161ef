/**
 * The providers the gateway speaks, one line each. The webhook routes register every adapter's
 * endpoints, the quarantine replay reads bodies with its parser, the send path types media with its
 * knowledge, the senders and the media downloader are built from it. Adding a provider: a folder
 * with its adapter (./types.ts), and a line here.
 */
import type { Dispatcher } from 'undici';
import type { Provider } from '../domain/message.js';
import { createSendAgent } from './common/http.js';
import { fonnteAdapter } from './fonnte/index.js';
import { metaAdapter } from './meta/index.js';
import { twilioAdapter } from './twilio/index.js';
import type { MediaAccess, ProviderAdapter, ProviderSettings, SecurityScheme, Sender, SendSettings } from './types.js';

export type { OutgoingMessage, SendResult, Sender } from './types.js';

const ADAPTERS: Readonly<Record<Provider, ProviderAdapter>> = {
  fonnte: fonnteAdapter,
  meta: metaAdapter,
  twilio: twilioAdapter,
};

/** Every provider's adapter, in a stable order. */
export const PROVIDER_ADAPTERS: readonly ProviderAdapter[] = Object.values(ADAPTERS);

export function providerAdapter(provider: Provider): ProviderAdapter {
  return ADAPTERS[provider];
}

/** The OpenAPI security schemes of every provider's webhooks. */
export const WEBHOOK_SECURITY_SCHEMES: Readonly<Record<string, SecurityScheme>> = Object.assign(
  {},
  ...PROVIDER_ADAPTERS.map((adapter) => adapter.securitySchemes),
) as Record<string, SecurityScheme>;

/** Each provider's media hosts and credentials, from the settings. */
export function mediaAccessByProvider(settings: ProviderSettings): Record<Provider, MediaAccess> {
  return Object.fromEntries(PROVIDER_ADAPTERS.map((adapter) => [adapter.id, adapter.mediaAccess(settings)])) as Record<Provider, MediaAccess>;
}

export interface SenderRegistry {
  get(provider: Provider): Sender | undefined;
  /** Why `provider` cannot send (the settings to set), or undefined when it can. */
  whyDisabled(provider: Provider): string | undefined;
  /** Closes the kept-alive connections. */
  close(): Promise<void>;
}

type SenderSettings = SendSettings & { SEND_TIMEOUT_MS: number };

/** The settings `provider` needs for sending that are not set. */
export function missingSendSettings(settings: SendSettings, provider: Provider): string[] {
  return ADAPTERS[provider].sending.requiredSettings.filter((name) => !settings[name]);
}

/** Why `provider` cannot send (the settings to set), or undefined when it can. One wording for send_message's 503 and the outbox's failure. */
export function whySendingDisabled(settings: SendSettings, provider: Provider): string | undefined {
  const missing = missingSendSettings(settings, provider);
  return missing.length === 0 ? undefined : `sending through ${provider} is off: set ${missing.join(', ')}`;
}

/** The senders the configuration enables: a provider whose credentials are not set has none (`whyDisabled` says which to set). */
export function createSenders(settings: SenderSettings, dispatcher?: Dispatcher): SenderRegistry {
  const ownAgent = dispatcher ? undefined : createSendAgent({ timeoutMs: settings.SEND_TIMEOUT_MS });
  const deps = { dispatcher: (dispatcher ?? ownAgent) as Dispatcher, timeoutMs: settings.SEND_TIMEOUT_MS };
  const senders = new Map<Provider, Sender>();
  for (const adapter of PROVIDER_ADAPTERS) {
    if (missingSendSettings(settings, adapter.id).length === 0) senders.set(adapter.id, adapter.sending.createSender(settings, deps));
  }
  return {
    get: (provider) => senders.get(provider),
    whyDisabled: (provider) => whySendingDisabled(settings, provider),
    async close() {
      await ownAgent?.close();
    },
  };
}
