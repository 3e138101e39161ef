/**
 * One provider behind one interface. Each provider's folder (fonnte/, meta/, twilio/) exports one
 * `ProviderAdapter`: its webhook endpoints with their verification, its parser, its sender, its media
 * access and its media-type knowledge, its OpenAPI schemas. The registry (./registry.ts) lists them;
 * the webhook routes, the quarantine replay, the senders and the media downloader loop over it, so
 * adding a provider means adding a folder and one registry line.
 *
 * An adapter is a definition, not an instance: what depends on the configuration (secrets, tokens,
 * host lists) takes the settings as an argument, so code without a configuration (the quarantine
 * replay, the send path's media type) uses the same adapter.
 */
import type { FastifySchema } from 'fastify';
import type { Dispatcher } from 'undici';
import type { Config } from '../config.js';
import type { Provider } from '../domain/message.js';
import type { MediaType } from './common/media-types.js';
import type { ProviderParser } from './common/parse.js';

/** The settings sending reads (credentials, API addresses, PUBLIC_URL for status callbacks). */
export type SendSettings = Pick<
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
>;

/** The settings providers read: sending's, plus webhook secrets, body limits and media hosts. */
export type ProviderSettings = SendSettings &
  Pick<
    Config,
    'WEBHOOK_SECRET' | 'META_APP_SECRET' | 'META_VERIFY_TOKEN' | 'META_BODY_LIMIT_BYTES' | 'MEDIA_HOSTS_FONNTE' | 'MEDIA_HOSTS_META' | 'MEDIA_HOSTS_TWILIO'
  >;

/** A webhook request as an adapter sees it: no framework, only what verification and reading need. */
export interface WebhookRequest {
  /** Path and query string as received (`/api/wa/webhook/twilio?x=1`). */
  url: string;
  /** `scheme://host` the request reached the gateway at (behind a proxy, PUBLIC_URL is the truth). */
  origin: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body bytes (every webhook body is read raw). */
  body: Buffer;
}

/** What the quarantine keeps of a body: its text (credentials masked) and, for form bodies, the parameters as read. */
export interface KeptBody {
  body: string;
  input: string | null;
}

/** A body read for the parser, and (computed only when needed) what the quarantine keeps of it. */
export interface ReceivedBody {
  body: unknown;
  kept(this: void): KeptBody;
}

/**
 * The verdict on a webhook's authenticity. `read` turns the authenticated bytes into the parser's
 * input — it may throw 400 (not JSON / no form) or 413, never for the body's shape. `reason` says
 * what was missing or wrong, never the value given.
 */
export type Verification = { ok: true; read(): ReceivedBody } | { ok: false; reason: string };

interface EndpointBase {
  /** Every path the endpoint answers on (Fonnte keeps its historical `/api/wa/webhook`). */
  paths: readonly string[];
  /** The OpenAPI description of the endpoint at `path` (documentation only: bodies are read raw). */
  schema(path: string): FastifySchema;
  /** The setting that turns the endpoint on when it is empty (503 provider_disabled), or undefined when it is set. */
  missingSetting(settings: ProviderSettings): string | undefined;
}

/** A POST the provider delivers events to. */
export interface EventEndpoint extends EndpointBase {
  method: 'POST';
  /** A body limit of its own (Meta batches), instead of BODY_LIMIT_BYTES. */
  bodyLimit?(settings: ProviderSettings): number;
  /** Checks the signature or secret (the header, the secret, the signed URL are the adapter's knowledge). */
  verify(request: WebhookRequest, settings: ProviderSettings): Verification;
  /** The answer the provider expects for an accepted body. */
  acknowledge(accepted: WebhookAccepted): { contentType?: string; payload: unknown };
}

/** A GET the provider calls to prove the URL is ours (Meta's verification handshake). */
export interface HandshakeEndpoint extends EndpointBase {
  method: 'GET';
  /** The answer to the handshake; throws 400/403 AppErrors when it does not pass. */
  answer(request: WebhookRequest, settings: ProviderSettings): { contentType: string; headers?: Record<string, string>; payload: string };
}

export type WebhookEndpoint = EventEndpoint | HandshakeEndpoint;

/** What the route tells the provider about an accepted body. */
export interface WebhookAccepted {
  accepted: number;
  duplicates: number;
  events: number;
  quarantined?: 1;
}

/** An OpenAPI security scheme (how a webhook authenticates), for the docs. */
export interface SecurityScheme {
  type: 'apiKey';
  in: 'query' | 'header';
  name: string;
  description: string;
}

/** Where a provider's media may be fetched from, and the credentials those hosts (and only those) get. */
export interface MediaAccess {
  hosts: readonly string[];
  /** The setting listing the hosts, named in refusals so an admin knows what to extend. */
  hostsSetting: string;
  /** Headers sent with the media URLs its webhooks carry, to its hosts only (Twilio's Basic auth when the account enforces it). */
  credentials?: Record<string, string>;
  /** For a provider whose webhooks carry media ids instead of URLs (Meta): how an id becomes a file URL. */
  idLookup?: MediaIdLookup;
}

/**
 * Looking up a media id: a small JSON answer from `url(id)` (only that URL's host is allowed), which
 * `readAnswer` turns into the file's URL — fetched from the provider's hosts with the same credentials.
 * `unavailable` says which setting is missing when ids cannot be looked up.
 */
export type MediaIdLookup =
  | {
      url(mediaId: string): string;
      /** The setting naming the lookup host, for refusals. */
      urlSetting: string;
      credentials: Record<string, string>;
      /** The file's URL (and MIME type, when told) from the answer; throws PermanentMediaError when it holds none. */
      readAnswer(answer: Buffer): { url: string; mimetype: string | null };
    }
  | { unavailable: string };

/** The shared HTTP plumbing a sender is built with. */
export interface SenderDeps {
  dispatcher: Dispatcher;
  timeoutMs: number;
}

export interface ProviderAdapter {
  readonly id: Provider;
  /** As named in messages (`The Fonnte webhook is disabled…`). */
  readonly name: string;
  readonly webhooks: readonly WebhookEndpoint[];
  /** OpenAPI security schemes its webhooks use (referenced by name from its endpoint schemas). */
  readonly securitySchemes: Readonly<Record<string, SecurityScheme>>;
  /** Warnings about its configuration, logged once when the webhook routes are registered. */
  configurationWarnings?(settings: ProviderSettings): string[];
  /** The body → inbound events (or what to quarantine). Never throws. */
  parse: ProviderParser;
  /** A quarantined body as its webhook route read it (what a replay parses again). */
  readKept(kept: KeptBody): unknown;
  /** Sending: the settings it needs, and the sender (built only when they are all set). */
  readonly sending: {
    requiredSettings: readonly (keyof SendSettings)[];
    createSender(settings: SendSettings, deps: SenderDeps): Sender;
  };
  /** Its media hosts and credentials. */
  mediaAccess(settings: ProviderSettings): MediaAccess;
  /** The message type of an outgoing media URL, as this provider will send it (its media-type knowledge). */
  outgoingMediaType(mediaUrl: string): MediaType;
}

// ---------------------------------------------------------------- sending
/*
 * A provider's send API behind one small interface. A sender never throws for a provider's answer or a
 * network failure: it classifies the result, because what happens next depends on whether the
 * provider may have taken the message.
 */

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
