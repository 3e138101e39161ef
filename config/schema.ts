/**
 * Every setting the gateway reads, with its default and a one-line description.
 * This file is the single source of truth: src/config.ts validates the environment against it,
 * and .env.example / the README's configuration table are written from it.
 */
export interface SettingSpec {
  type: 'string' | 'integer' | 'boolean';
  default?: string | number | boolean;
  description: string;
  /** Extra JSON-schema keywords (enum, minimum, pattern…). */
  rules?: Record<string, unknown>;
  /** Shown (and logged) as *** — never printed. */
  secret?: boolean;
  required?: boolean;
}

/** host.example or *.example.com (two labels at least after the wildcard), comma-separated. */
const HOST_NAME = '[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*';
const HOST_PATTERN = `(\\*\\.[A-Za-z0-9-]+\\.${HOST_NAME}|${HOST_NAME})`;
const MEDIA_HOST_LIST_PATTERN = `^\\s*${HOST_PATTERN}(\\s*,\\s*${HOST_PATTERN})*\\s*$`;

export const SETTINGS = {
  // --- server
  HOST: { type: 'string', default: '0.0.0.0', description: 'Interface to listen on' },
  PORT: { type: 'integer', default: 8080, description: 'TCP port', rules: { minimum: 1, maximum: 65535 } },
  LOG_LEVEL: {
    type: 'string',
    default: 'info',
    description: 'pino level: fatal, error, warn, info, debug (Odoo call durations), trace, silent',
    rules: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
  },
  PUBLIC_URL: {
    type: 'string',
    default: '',
    description: 'The URL providers call, e.g. https://wa.example.com (needed for Twilio signatures behind a proxy)',
    rules: { pattern: '^(https?://[^\\s]+)?$' },
  },
  TRUST_PROXY: {
    type: 'string',
    default: '',
    description:
      'Reverse proxies whose X-Forwarded-For/-Proto to believe: empty or false (none), true (any), or comma-separated addresses/CIDRs (e.g. 127.0.0.1,10.0.0.0/8)',
    rules: { pattern: '^(|true|false|[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*)$' },
  },
  BODY_LIMIT_BYTES: {
    type: 'integer',
    default: 1048576,
    description: 'Largest request body accepted (bytes); larger → 413',
    rules: { minimum: 1024 },
  },
  SHUTDOWN_TIMEOUT_MS: {
    type: 'integer',
    default: 10000,
    description: 'On SIGTERM/SIGINT: time allowed to finish in-flight work before exiting',
    rules: { minimum: 100 },
  },

  // --- Odoo
  ODOO_URL: {
    type: 'string',
    required: true,
    description: 'Base URL of Odoo 13, e.g. http://localhost:8069',
    rules: { pattern: '^https?://[^\\s]+$' },
  },
  ODOO_DB: { type: 'string', required: true, description: 'Odoo database name', rules: { minLength: 1 } },
  ODOO_USERNAME: {
    type: 'string',
    required: true,
    description: 'Login of the integration user (member of WhatsApp / Gateway)',
    rules: { minLength: 1 },
  },
  ODOO_PASSWORD: {
    type: 'string',
    required: true,
    secret: true,
    description: 'Password of the integration user',
    rules: { minLength: 1 },
  },
  ODOO_TIMEOUT_MS: {
    type: 'integer',
    default: 15000,
    description: 'Timeout of every Odoo call (ms)',
    rules: { minimum: 100 },
  },

  // --- spool and writer
  SPOOL_PATH: {
    type: 'string',
    default: './data/spool.db',
    description: 'SQLite file holding accepted webhooks until Odoo has them (keep it on a persistent disk)',
    rules: { minLength: 1 },
  },
  WRITER_BATCH_SIZE: {
    type: 'integer',
    default: 200,
    description: 'Messages per Odoo create call (≈200 is fastest on Odoo 13)',
    rules: { minimum: 1, maximum: 5000 },
  },
  WRITER_LINGER_MS: {
    type: 'integer',
    default: 50,
    description: 'After new webhooks, wait this long before writing, so a burst goes to Odoo in one call (bigger batches cost less CPU per message)',
    rules: { minimum: 0, maximum: 10000 },
  },
  WRITER_MAX_BACKOFF_MS: {
    type: 'integer',
    default: 60000,
    description: 'Longest wait between retries while Odoo is down',
    rules: { minimum: 10 },
  },
  DEFAULT_COUNTRY: {
    type: 'string',
    default: 'ID',
    description: 'ISO country for numbers written without a country code (0812… → +62812…)',
    rules: { pattern: '^[A-Z]{2}$' },
  },

  // --- media
  MEDIA_MAX_BYTES: {
    type: 'integer',
    default: 16777216,
    description: 'Largest media file downloaded into Odoo (bytes); larger ones keep only media_url',
    rules: { minimum: 0 },
  },
  MEDIA_TIMEOUT_MS: {
    type: 'integer',
    default: 20000,
    description: 'Total time one media download may take, redirects and all bytes included (ms); then it is retried later',
    rules: { minimum: 100 },
  },
  MEDIA_SPOOL_MAX_BYTES: {
    type: 'integer',
    default: 1073741824,
    description: 'Downloaded media the spool may hold while waiting for Odoo (bytes); past it, messages keep only media_url and the reason',
    rules: { minimum: 0 },
  },
  MEDIA_HOSTS_FONNTE: {
    type: 'string',
    default: '*.fonnte.com',
    description: 'Hosts Fonnte media is downloaded from: comma-separated names, *.example.com for any host under it; others are refused',
    rules: { pattern: MEDIA_HOST_LIST_PATTERN },
  },
  MEDIA_HOSTS_META: {
    type: 'string',
    default: 'lookaside.fbsbx.com,*.fbcdn.net',
    description: "Hosts Meta media is downloaded from (besides META_GRAPH_URL's host, which resolves media ids); same format",
    rules: { pattern: MEDIA_HOST_LIST_PATTERN },
  },
  MEDIA_HOSTS_TWILIO: {
    type: 'string',
    default: 'api.twilio.com,*.twiliocdn.com,s3-external-1.amazonaws.com',
    description: 'Hosts Twilio media is downloaded from, redirects included; same format. The account credentials go to the first URL only',
    rules: { pattern: MEDIA_HOST_LIST_PATTERN },
  },

  // --- REST API
  API_TOKENS: {
    type: 'string',
    default: '',
    secret: true,
    description: 'Comma-separated token:scope+scope entries, scopes read and send (e.g. abc123:read,def456:read+send)',
  },
  RATE_LIMIT_MAX: {
    type: 'integer',
    default: 120,
    description: 'REST requests per RATE_LIMIT_WINDOW_MS per token (per IP when unauthenticated)',
    rules: { minimum: 1 },
  },
  RATE_LIMIT_WINDOW_MS: { type: 'integer', default: 60000, description: 'Rate-limit window (ms)', rules: { minimum: 1000 } },
  WEBHOOK_RATE_LIMIT_MAX: {
    type: 'integer',
    // 2,000/s per provider IP: above the 1,000/s a busy account can post, still a ceiling on a flood.
    default: 120000,
    description: 'Webhook requests per RATE_LIMIT_WINDOW_MS per IP',
    rules: { minimum: 1 },
  },
  WEBHOOK_AUTH_FAILURE_MAX: {
    type: 'integer',
    // Providers never fail authentication once set up; a guesser does, thousands of times a second.
    default: 30,
    description:
      'Failed webhook authentications (401, 403) per RATE_LIMIT_WINDOW_MS per IP; past it that IP gets 429 on every webhook until the window ends (behind a proxy set TRUST_PROXY)',
    rules: { minimum: 1 },
  },

  // --- providers
  WEBHOOK_SECRET: {
    type: 'string',
    default: '',
    secret: true,
    description: 'Fonnte webhook secret, at least 16 characters (?secret=… in the registered URL or X-Webhook-Secret); empty = Fonnte webhook off',
  },
  FONNTE_TOKEN: { type: 'string', default: '', secret: true, description: 'Fonnte device token for sending; empty = Fonnte sending off' },
  FONNTE_BASE_URL: {
    type: 'string',
    default: 'https://api.fonnte.com',
    description: 'Fonnte API base URL',
    rules: { pattern: '^https?://[^\\s]+$' },
  },
  META_APP_SECRET: { type: 'string', default: '', secret: true, description: 'Meta app secret (X-Hub-Signature-256); empty = Meta webhook off' },
  META_VERIFY_TOKEN: { type: 'string', default: '', secret: true, description: 'Meta webhook verify token (GET handshake), at least 16 characters' },
  META_ACCESS_TOKEN: { type: 'string', default: '', secret: true, description: 'Meta Cloud API access token (media downloads, sending)' },
  META_PHONE_NUMBER_ID: { type: 'string', default: '', description: 'Meta phone-number id used for sending' },
  META_GRAPH_URL: {
    type: 'string',
    default: 'https://graph.facebook.com/v25.0',
    description: 'Meta Graph API base URL including version (media downloads, sending); move the version on before Meta retires it',
    rules: { pattern: '^https?://[^\\s]+$' },
  },
  META_BODY_LIMIT_BYTES: {
    type: 'integer',
    // Meta batches many messages into one webhook (bodies of ~3 MB are reported); a 413 makes Meta
    // retry and then drop them all.
    default: 4194304,
    description: 'Largest Meta webhook body accepted (bytes; Meta batches, bodies of ~3 MB are reported); other routes keep BODY_LIMIT_BYTES',
    rules: { minimum: 1024 },
  },
  TWILIO_ACCOUNT_SID: { type: 'string', default: '', description: 'Twilio account SID (sending)' },
  TWILIO_AUTH_TOKEN: { type: 'string', default: '', secret: true, description: 'Twilio auth token (signatures, sending); empty = Twilio webhook off' },
  TWILIO_FROM: { type: 'string', default: '', description: 'Twilio WhatsApp sender, e.g. +14155550100' },
  TWILIO_BASE_URL: {
    type: 'string',
    default: 'https://api.twilio.com',
    description: 'Twilio API base URL',
    rules: { pattern: '^https?://[^\\s]+$' },
  },
  SEND_PROVIDER: {
    type: 'string',
    default: 'fonnte',
    description: 'Provider used by POST /api/wa/send_message: fonnte, meta or twilio',
    rules: { enum: ['fonnte', 'meta', 'twilio'] },
  },

  // --- sending (outbox)
  SEND_JOURNAL_PATH: {
    type: 'string',
    default: './data/outbox.db',
    description: 'SQLite file recording sends in flight and Idempotency-Keys, so nothing is sent twice (keep it on a persistent disk)',
    rules: { minLength: 1 },
  },
  SEND_TIMEOUT_MS: {
    type: 'integer',
    default: 8000,
    description: 'Timeout of one call to a provider send API (ms); no answer in time = outcome unknown, not resent. Keep it below SHUTDOWN_TIMEOUT_MS',
    rules: { minimum: 100 },
  },
  SEND_MAX_ATTEMPTS: {
    type: 'integer',
    default: 5,
    description: 'Attempts per message while the provider is unreachable (the request never left) or throttles (429); then the message is marked failed',
    rules: { minimum: 1, maximum: 100 },
  },
  SEND_RETRY_BASE_MS: {
    type: 'integer',
    default: 2000,
    description: 'First wait before re-sending after a retryable failure; doubles each attempt (with jitter)',
    rules: { minimum: 10 },
  },
  SEND_RETRY_MAX_MS: {
    type: 'integer',
    default: 300000,
    description: 'Longest wait between send attempts (ms)',
    rules: { minimum: 10 },
  },
  OUTBOX_POLL_MS: {
    type: 'integer',
    default: 5000,
    description: 'How often Odoo is asked for queued outgoing messages (replies typed in Odoo, sends left by a restart)',
    rules: { minimum: 50 },
  },
  OUTBOX_CONCURRENCY: {
    type: 'integer',
    default: 4,
    description: 'Messages sent to the provider at the same time',
    rules: { minimum: 1, maximum: 64 },
  },
  OUTBOX_LEASE_TTL_SECONDS: {
    type: 'integer',
    default: 60,
    description:
      'Only one gateway per Odoo database sends: the holder of a lease kept in Odoo, renewed every third of this; another instance takes over this long after the holder stops renewing',
    rules: { minimum: 15, maximum: 3600 },
  },
  IDEMPOTENCY_TTL_HOURS: {
    type: 'integer',
    default: 24,
    description: 'How long an Idempotency-Key of send_message is remembered',
    rules: { minimum: 1, maximum: 8760 },
  },
  METRICS_REQUIRE_TOKEN: {
    type: 'boolean',
    default: true,
    description: 'GET /metrics needs a read-scope Bearer token (false: open, e.g. when only a private network reaches the port)',
  },
  READYZ_RATE_LIMIT_MAX: {
    type: 'integer',
    default: 60,
    description: 'GET /readyz requests per RATE_LIMIT_WINDOW_MS per IP (probes need a few a minute)',
    rules: { minimum: 1, maximum: 1000000 },
  },
  DELIVERY_STALL_SECONDS: {
    type: 'integer',
    default: 300,
    description:
      'GET /readyz fails (delivery stalled) when messages wait in the spool, Odoo answers, and none has reached Odoo for this long; 0 = never',
    rules: { minimum: 0, maximum: 86400 },
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;
