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
 * and Fonnte's Content-Type is not to be trusted. What is provider-specific — paths, which header or
 * secret, the signed URL, how the body is read, the answer — is each adapter's (src/providers/<p>/);
 * this file registers every adapter's endpoints the same way. The route schemas only describe the
 * webhooks in the OpenAPI document: a no-op validator and plain JSON serializer keep them out of the way.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { InboundEvent, Provider } from '../../domain/message.js';
import { limitFailedWebhookAuthentication } from '../../plugins/webhook-auth-limit.js';
import { AppError, ProviderDisabledError, ServiceUnavailableError, UnauthorizedError } from '../../errors.js';
import { UNDERSTANDING_WARNINGS, type FieldError } from '../../providers/common/parse.js';
import { PROVIDER_ADAPTERS } from '../../providers/registry.js';
import type { EventEndpoint, HandshakeEndpoint, ProviderAdapter, ReceivedBody, WebhookAccepted, WebhookRequest } from '../../providers/types.js';
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

/** The webhook route schemas document; they never validate nor reshape (bodies are read raw). */
const DOCS_ONLY = {
  validatorCompiler: () => () => true,
  serializerCompiler: () => (data: unknown) => JSON.stringify(data),
} as const;

/** The request as the adapters see it (no framework types). */
function webhookRequest(request: FastifyRequest): WebhookRequest {
  return {
    url: request.url,
    origin: `${request.protocol}://${request.host}`,
    query: request.query as Record<string, unknown>,
    headers: request.headers,
    body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
  };
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
  async function accept(request: FastifyRequest, adapter: ProviderAdapter, { body, kept }: ReceivedBody): Promise<WebhookAccepted> {
    const provider = adapter.id;
    const receivedAt = new Date();
    const result = adapter.parse(body, { defaultCountry: ctxCountry, receivedAt });
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
        : { provider, ...kept(), reason: describeNotUnderstood(notUnderstood), receivedAt: receivedAt.toISOString() };
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

  function logDeviceEvent(log: Logger, event: Extract<InboundEvent, { kind: 'device' }>) {
    const level = event.status === 'disconnect' ? 'warn' : 'info';
    log[level]({ provider: event.provider, device: event.device, status: event.status, reason: event.reason }, `WhatsApp device ${event.status}ed`);
  }

  function rejectAuth(request: FastifyRequest, provider: Provider, what: string): never {
    // Never log the value we were given, only that it was wrong or missing.
    request.log.warn({ provider, ip: request.ip }, `webhook rejected: ${what}`);
    throw new UnauthorizedError(`${what}`, 'invalid_signature');
  }

  /** A provider's event POST: enabled? authentic? then read, normalise, commit, and answer as the provider expects. */
  function eventHandler(adapter: ProviderAdapter, endpoint: EventEndpoint) {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const missing = endpoint.missingSetting(config);
      if (missing) throw new ProviderDisabledError(adapter.name, missing);
      const verification = endpoint.verify(webhookRequest(request), config);
      if (!verification.ok) rejectAuth(request, adapter.id, verification.reason);
      const answer = endpoint.acknowledge(await accept(request, adapter, verification.read()));
      if (answer.contentType) reply.type(answer.contentType);
      return reply.send(answer.payload);
    };
  }

  /** A provider's GET handshake (Meta's verification): the adapter answers or refuses. */
  function handshakeHandler(adapter: ProviderAdapter, endpoint: HandshakeEndpoint) {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const missing = endpoint.missingSetting(config);
      if (missing) throw new ProviderDisabledError(adapter.name, missing);
      let answer: ReturnType<HandshakeEndpoint['answer']>;
      try {
        answer = endpoint.answer(webhookRequest(request), config);
      } catch (error) {
        if (error instanceof AppError && error.statusCode === 403) request.log.warn({ provider: adapter.id }, 'webhook verification rejected: wrong verify token');
        throw error;
      }
      reply.type(answer.contentType);
      for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
      return reply.send(answer.payload);
    };
  }

  // One generic registration per adapter endpoint and path: a new provider needs no code here.
  for (const adapter of PROVIDER_ADAPTERS) {
    for (const warning of adapter.configurationWarnings?.(config) ?? []) app.log.warn(warning);
    for (const endpoint of adapter.webhooks) {
      const handler = endpoint.method === 'GET' ? handshakeHandler(adapter, endpoint) : eventHandler(adapter, endpoint);
      const bodyLimit = endpoint.method === 'POST' ? endpoint.bodyLimit?.(config) : undefined;
      for (const path of endpoint.paths) {
        app.route({
          method: endpoint.method,
          url: path,
          config: opts.routeConfig,
          schema: endpoint.schema(path),
          ...(bodyLimit !== undefined ? { bodyLimit } : {}),
          ...DOCS_ONLY,
          handler,
        });
      }
    }
  }
}
