/**
 * Provider webhooks. Each request is authenticated, normalised and committed to the spool BEFORE it
 * is answered 2xx; Odoo is never touched here (the writer delivers in the background), so a webhook
 * is acknowledged in about a millisecond whether Odoo is up or not.
 *
 * A body that passed its provider's authentication is never refused for its shape: what the adapter
 * understands is stored, and whatever it cannot turn into any record is kept whole in the spool's
 * quarantine (answered 2xx, logged as a warning naming it, listed and replayed with the spool CLI).
 * Only bytes that are no JSON / form at all are answered 400, before any event is taken from them.
 *
 * Bodies are read raw in this scope: Meta signs the exact bytes, Twilio signs the form parameters,
 * and Fonnte's Content-Type is not to be trusted. The route schemas below only describe the webhooks
 * in the OpenAPI document: a no-op validator and plain JSON serializer keep them out of the way.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { InboundEvent } from '../../domain/message.js';
import { limitFailedWebhookAuthentication } from '../../plugins/webhook-auth-limit.js';
import { BadRequestError, ProviderDisabledError, ServiceUnavailableError, UnauthorizedError, ForbiddenError } from '../../errors.js';
import { redactSecretsInJsonText, UNDERSTANDING_WARNINGS, type FieldError } from '../../providers/common.js';
import { PARSERS, readJsonBody } from '../../providers/index.js';
import { looksLikeTwilioSignature, verifyMetaSignature, verifySharedSecret, verifyTwilioSignature } from '../../providers/signatures.js';
import { formToTwilioParams, parseFormFields } from '../../providers/twilio-form.js';
import type { Provider } from '../../domain/message.js';
import { fonnteWebhookSchema, metaHandshakeSchema, metaWebhookSchema, twilioWebhookSchema } from '../../schemas/webhooks.js';
import { describeNotUnderstood } from '../../services/quarantine.js';
import type { QuarantineInput, Spool } from '../../spool/types.js';

export interface WebhookRouteOptions {
  config: Config;
  spool: Spool;
  /**
   * Commits accepted events (and the body to quarantine, if any) durably and resolves with how many
   * events were new; defaults to the spool's own synchronous enqueue. The gateway passes its group
   * committer (src/spool/committer.ts).
   */
  commit?: (events: InboundEvent[], quarantine?: QuarantineInput | null) => Promise<number> | number;
  /** Called with the newly stored events after they were committed (wakes the writer, the media worker). */
  onAccepted?: (events: InboundEvent[]) => void;
  /** Per-route config merged into every webhook route (e.g. the webhook rate limit). */
  routeConfig?: Record<string, unknown>;
}

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/** The webhook route schemas document; they never validate nor reshape (bodies are read raw). */
const DOCS_ONLY = {
  validatorCompiler: () => () => true,
  serializerCompiler: () => (data: unknown) => JSON.stringify(data),
} as const;

function single(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

export async function webhookRoutes(app: FastifyInstance, opts: WebhookRouteOptions): Promise<void> {
  const { config, spool } = opts;
  const commit = opts.commit ?? ((events: InboundEvent[], quarantine?: QuarantineInput | null) => spool.enqueue(events, quarantine));
  const ctxCountry = config.DEFAULT_COUNTRY;

  // Wrong secrets and signatures are counted per IP and cut off far below the request limit (guessing).
  limitFailedWebhookAuthentication(app, config);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.BODY_LIMIT_BYTES }, (_request, body, done) => done(null, body));
  // Fastify answers 415 to a malformed Content-Type (empty, `json`) before any parser runs; a provider
  // retries that, then drops the message. Every body here is read raw, so the declared type is moot.
  app.addHook('onRequest', async (request) => {
    if (request.headers['content-type'] !== undefined) request.headers['content-type'] = 'application/octet-stream';
  });

  /**
   * Normalise, then commit to the spool — the events understood, and the body itself into quarantine
   * when some of it (or all) could not become any record. Never a 4xx: the body is authenticated and
   * was JSON/form. 503 if the disk fails, so the provider retries.
   */
  async function accept(request: FastifyRequest, provider: Provider, body: unknown, received: () => { body: string; input: string | null }) {
    const receivedAt = new Date();
    const result = PARSERS[provider](body, { defaultCountry: ctxCountry, receivedAt });
    const events = result.ok ? result.events : [];
    const notUnderstood: FieldError[] = result.ok ? (result.notUnderstood ?? []) : result.errors;
    for (const warning of result.ok ? result.warnings : []) {
      if (UNDERSTANDING_WARNINGS.has(warning.code)) request.log.warn({ provider, warning }, 'webhook content not understood; the message is kept');
      else request.log.info({ provider, warning }, 'webhook content not stored');
    }
    for (const event of events) if (event.kind === 'device') logDeviceEvent(request.log as unknown as Logger, event);
    const quarantine: QuarantineInput | null =
      notUnderstood.length === 0
        ? null
        : { provider, ...received(), reason: describeNotUnderstood(notUnderstood), receivedAt: receivedAt.toISOString() };
    if (quarantine) {
      request.log.warn(
        { provider, notUnderstood: notUnderstood.slice(0, 5), events: events.length },
        'webhook body not understood: acknowledged and kept in the quarantine (npm run spool -- quarantine list)',
      );
    }
    let added: number;
    try {
      added = await commit(events, quarantine);
    } catch (error) {
      request.log.error({ err: error }, 'spool write failed; webhook NOT acknowledged so the provider retries');
      throw new ServiceUnavailableError('The gateway cannot store the event right now; retry later', 'spool_unavailable');
    }
    const stored = events.filter((e) => e.kind !== 'device').length;
    if (added > 0) {
      try {
        opts.onAccepted?.(events);
      } catch (error) {
        // The events are committed; a failing wake-up must not turn the acknowledgement into a 5xx.
        request.log.error({ err: error }, 'waking the writer failed; it will find the events on its next poll');
      }
    }
    request.log.debug({ provider, events: events.length, added, quarantined: quarantine !== null }, 'webhook accepted');
    return { accepted: added, duplicates: stored - added, events: events.length, ...(quarantine ? { quarantined: 1 } : {}) };
  }

  /** What the quarantine keeps of a JSON body (computed only when needed): its text, credentials (a Fonnte device token) masked. */
  const jsonReceived = (body: unknown) => () => ({ body: redactSecretsInJsonText(Buffer.isBuffer(body) ? body.toString('utf8') : ''), input: null });

  function logDeviceEvent(log: Logger, event: Extract<InboundEvent, { kind: 'device' }>) {
    const level = event.status === 'disconnect' ? 'warn' : 'info';
    log[level]({ provider: event.provider, device: event.device, status: event.status, reason: event.reason }, `WhatsApp device ${event.status}ed`);
  }

  function rejectAuth(request: FastifyRequest, provider: Provider, what: string): never {
    // Never log the value we were given, only that it was wrong or missing.
    request.log.warn({ provider, ip: request.ip }, `webhook rejected: ${what}`);
    throw new UnauthorizedError(`${what}`, 'invalid_signature');
  }

  // ---------------------------------------------------------------- Fonnte
  const fonnteHandler = async (request: FastifyRequest) => {
    if (!config.WEBHOOK_SECRET) throw new ProviderDisabledError('Fonnte', 'WEBHOOK_SECRET');
    const given = single((request.query as Record<string, unknown>).secret) ?? single(request.headers['x-webhook-secret']);
    if (!verifySharedSecret(given, config.WEBHOOK_SECRET)) {
      rejectAuth(request, 'fonnte', given === undefined ? 'Missing webhook secret (?secret= or X-Webhook-Secret)' : 'Wrong webhook secret');
    }
    const body = readJsonBody(Buffer.isBuffer(request.body) ? request.body : undefined, 'fonnte');
    return { ok: true, data: await accept(request, 'fonnte', body, jsonReceived(request.body)) };
  };
  app.post('/api/wa/webhook', { config: opts.routeConfig, schema: fonnteWebhookSchema('/api/wa/webhook'), ...DOCS_ONLY }, fonnteHandler);
  app.post('/api/wa/webhook/fonnte', { config: opts.routeConfig, schema: fonnteWebhookSchema('/api/wa/webhook/fonnte'), ...DOCS_ONLY }, fonnteHandler);

  // ---------------------------------------------------------------- Meta
  app.get('/api/wa/webhook/meta', { config: opts.routeConfig, schema: metaHandshakeSchema, ...DOCS_ONLY }, async (request: FastifyRequest, reply: FastifyReply) => {
    if (!config.META_VERIFY_TOKEN) throw new ProviderDisabledError('Meta', 'META_VERIFY_TOKEN');
    const query = request.query as Record<string, unknown>;
    const mode = single(query['hub.mode']);
    const challenge = single(query['hub.challenge']);
    if (mode !== 'subscribe' || challenge === undefined) {
      throw new BadRequestError('Expected hub.mode=subscribe, hub.verify_token and hub.challenge', [], 'invalid_handshake');
    }
    if (!verifySharedSecret(single(query['hub.verify_token']), config.META_VERIFY_TOKEN)) {
      request.log.warn({ provider: 'meta' }, 'webhook verification rejected: wrong verify token');
      throw new ForbiddenError('Wrong hub.verify_token', 'invalid_verify_token');
    }
    // The challenge is echoed as given: plain text that no browser may sniff into HTML or script.
    return reply.type('text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(challenge);
  });

  // Meta batches: bodies of ~3 MB are reported, so this route has its own, larger limit.
  const metaRoute = { config: opts.routeConfig, schema: metaWebhookSchema, bodyLimit: config.META_BODY_LIMIT_BYTES, ...DOCS_ONLY };
  app.post('/api/wa/webhook/meta', metaRoute, async (request: FastifyRequest) => {
    if (!config.META_APP_SECRET) throw new ProviderDisabledError('Meta', 'META_APP_SECRET');
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const header = single(request.headers['x-hub-signature-256']);
    if (!verifyMetaSignature(raw, header, config.META_APP_SECRET)) {
      rejectAuth(request, 'meta', header === undefined ? 'Missing X-Hub-Signature-256' : 'Wrong X-Hub-Signature-256');
    }
    return { ok: true, data: await accept(request, 'meta', readJsonBody(raw, 'meta'), jsonReceived(raw)) };
  });

  // ---------------------------------------------------------------- Twilio
  if (config.TWILIO_AUTH_TOKEN && !config.PUBLIC_URL) {
    app.log.warn(
      'TWILIO_AUTH_TOKEN is set but PUBLIC_URL is not: Twilio signs the URL it called, which the gateway then rebuilds from the request; ' +
        'behind a TLS proxy (https outside, http inside) every Twilio webhook fails with 401. Set PUBLIC_URL to the URL Twilio calls.',
    );
  }
  app.post('/api/wa/webhook/twilio', { config: opts.routeConfig, schema: twilioWebhookSchema, ...DOCS_ONLY }, async (request: FastifyRequest, reply: FastifyReply) => {
    if (!config.TWILIO_AUTH_TOKEN) throw new ProviderDisabledError('Twilio', 'TWILIO_AUTH_TOKEN');
    const header = single(request.headers['x-twilio-signature']);
    // Without anything shaped like a signature, refuse before reading one field of the body.
    if (!looksLikeTwilioSignature(header)) rejectAuth(request, 'twilio', header === undefined ? 'Missing X-Twilio-Signature' : 'Wrong X-Twilio-Signature');
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    // One linear pass, capped (413 too_many_fields): the signature covers every field, so they are read first.
    const fields = parseFormFields(raw);
    // Twilio signs the URL it called; behind a proxy only PUBLIC_URL knows it.
    const base = config.PUBLIC_URL ? config.PUBLIC_URL.replace(/\/$/, '') : `${request.protocol}://${request.host}`;
    if (!verifyTwilioSignature(`${base}${request.url}`, fields, header, config.TWILIO_AUTH_TOKEN)) {
      rejectAuth(request, 'twilio', 'Wrong X-Twilio-Signature');
    }
    const params = formToTwilioParams(fields, raw);
    // Kept as received, and the parameters as read (what a replay parses again).
    const received = () => ({ body: raw.toString('utf8'), input: JSON.stringify(params) });
    await accept(request, 'twilio', params, received);
    return reply.type('text/xml').send(EMPTY_TWIML);
  });
}
