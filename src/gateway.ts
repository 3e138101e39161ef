/**
 * Composition root: creates every dependency from the configuration, wires them, and owns the
 * order of start-up and shutdown. server.ts runs it; tests use it with the Odoo double.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { createRepositories, type Repositories } from './odoo/repositories/index.js';
import { createLeaseRepository } from './odoo/repositories/lease-repository.js';
import { createOdooClient } from './odoo/xmlrpc-client.js';
import { instrumentOdooClient } from './metrics/odoo-calls.js';
import { createMetrics, odooCallObserver } from './metrics/registry.js';
import type { RestServices } from './routes/api/mount.js';
import { createConversationService } from './services/conversation-service.js';
import { createHistoryService } from './services/history-service.js';
import { openSendJournal, type IdempotencyKeys } from './services/outbox/journal.js';
import { createPartnerResolver } from './services/partner-resolver.js';
import { createReadinessProbe, type ReadinessReport } from './services/readiness.js';
import { createSendService } from './services/send-service.js';
import { createStatsService } from './services/stats-service.js';
import { createLease, type Lease } from './services/outbox/lease.js';
import { createOutboxWorker } from './services/outbox/worker.js';
import { createSenders, whySendingDisabled } from './providers/registry.js';
import type { OdooClient } from './odoo/types.js';
import { createDeliveryPipeline, type Delivery } from './delivery/pipeline.js';
import { startDeliveryThread } from './delivery/thread.js';
import { startSpoolCommitter } from './spool/committer.js';
import { startWalBackstop, WAL_CHECKPOINTS } from './spool/wal-policy.js';
import { openSqliteSpool } from './spool/sqlite-spool.js';
import { EVENT_LOOP_BUSY_TIMEOUT_MS } from './lib/sqlite-store.js';
import type { QuarantineInput, Spool } from './spool/types.js';
import type { InboundEvent } from './domain/message.js';

export interface GatewayOverrides {
  /** An injected client (tests); with `call` (like the XML-RPC client) it also holds the outbox lease. */
  odoo?: OdooClient;
  spool?: Spool;
}

/**
 * The services behind /api/wa. Without a send journal, send_message answers 503; `outbox` is woken
 * after each accepted send. (Exported for tests that build the app without the rest of the gateway.)
 */
export function createRestServices(
  config: Config,
  repositories: Repositories,
  extras: { sendJournal?: IdempotencyKeys | undefined; outbox?: { kick(): void } | undefined } = {},
): RestServices {
  const defaultCountry = config.DEFAULT_COUNTRY;
  const { sendJournal, outbox } = extras;
  return {
    history: createHistoryService({ history: repositories.history, conversations: repositories.conversations, defaultCountry }),
    conversations: createConversationService({ conversations: repositories.conversations }),
    stats: createStatsService({ history: repositories.history }),
    ...(sendJournal
      ? {
          send: createSendService({
            history: repositories.history,
            journal: sendJournal,
            provider: config.SEND_PROVIDER,
            defaultCountry,
            whyDisabled: (provider) => whySendingDisabled(config, provider),
            ...(outbox ? { kick: () => outbox.kick() } : {}),
            resolvePartners: createPartnerResolver(repositories, { defaultCountry }),
            idempotencyTtlMs: config.IDEMPOTENCY_TTL_HOURS * 3_600_000,
          }),
        }
      : {}),
  };
}

/** Time a send may take: the provider call, then writing its outcome to Odoo. */
const sendBudgetMs = (config: Config) => config.SEND_TIMEOUT_MS + config.ODOO_TIMEOUT_MS;

export interface Gateway {
  app: FastifyInstance;
  odoo: OdooClient;
  spool: Spool;
  /** Writer + media worker: a worker thread, or inline when odoo/spool are overridden. */
  delivery: Delivery;
  readiness: () => Promise<ReadinessReport>;
  /** The outbox lease (only its holder sends); undefined when the Odoo client cannot call addon methods. */
  lease: Lease | undefined;
  /** Starts the background workers (delivery thread, outbox). */
  startWorkers(): void;
  /** Stops accepting, finishes in-flight requests and the current writer pass, closes the spool. */
  close(): Promise<void>;
}

export async function createGateway(config: Config, logger: Logger, overrides: GatewayOverrides = {}): Promise<Gateway> {
  const rawOdoo =
    overrides.odoo ??
    createOdooClient({
      url: config.ODOO_URL,
      db: config.ODOO_DB,
      username: config.ODOO_USERNAME,
      password: config.ODOO_PASSWORD,
      timeoutMs: config.ODOO_TIMEOUT_MS,
      logger: logger.child({ component: 'odoo' }),
    });
  // With delivery in its own thread, that thread checkpoints the log (src/spool/wal-policy.ts).
  const deliveryThreaded = !overrides.odoo && !overrides.spool;
  // Both files are opened before any thread starts: one that cannot be used ends start-up cleanly.
  const sendJournal = openSendJournal(config.SEND_JOURNAL_PATH);
  // This connection is used on the event loop: it must not wait long for the threads' locks.
  let spool: Spool;
  try {
    spool = overrides.spool ?? openSqliteSpool(config.SPOOL_PATH, {
        checkpoints: deliveryThreaded ? WAL_CHECKPOINTS.eventLoop : WAL_CHECKPOINTS.eventLoopAlone,
        busyTimeoutMs: EVENT_LOOP_BUSY_TIMEOUT_MS,
      });
  } catch (error) {
    sendJournal.close();
    throw error;
  }
  // Webhooks are committed by a thread of their own, several per fsync (src/spool/committer.ts); an
  // injected spool (tests) is committed to directly.
  const committer = overrides.spool ? undefined : startSpoolCommitter(config.SPOOL_PATH, logger.child({ component: 'spool' }));
  // Should the delivery thread not checkpoint (down, crash-looping), this keeps the log bounded.
  const walBackstop = committer ? startWalBackstop(spool, logger.child({ component: 'spool' })) : undefined;
  // deliveryStatus is read at scrape time, once `delivery` (which reports Odoo calls here) exists.
  const metrics = createMetrics({
    spoolStats: () => spool.stats(),
    deliveryStatus: () => delivery.status(),
    // Read at scrape time, once the outbox and its lease exist.
    outboxStatus: () => ({ oldestQueuedAt: outbox.queueStatus().oldestQueuedAt, leaseHeld: lease ? lease.status().held : true }),
    collectDefault: true,
  });
  // Every Odoo call is timed and counted for /metrics, whoever makes it.
  const odoo = instrumentOdooClient(rawOdoo, odooCallObserver(metrics));
  const repositories = createRepositories(odoo);
  const defaultCountry = config.DEFAULT_COUNTRY;

  // Delivery (writer + media) runs in its own thread so Odoo's XML-RPC work never delays an
  // acknowledgement; with an injected client or spool (tests) it runs inline on this loop.
  const delivery =
    deliveryThreaded ? startDeliveryThread(config, logger, odooCallObserver(metrics)) : createDeliveryPipeline(config, logger, odoo, spool);

  const senders = createSenders(config);
  // One sender per Odoo database: the outbox runs only while this instance holds the lease in Odoo.
  const lease =
    typeof rawOdoo.call === 'function'
      ? createLease(
          { leases: createLeaseRepository(rawOdoo), logger: logger.child({ component: 'outbox-lease' }), onAcquired: () => outbox.kick() },
          { ttlMs: config.OUTBOX_LEASE_TTL_SECONDS * 1000, sendBudgetMs: sendBudgetMs(config) },
        )
      : undefined;
  const outbox = createOutboxWorker(
    {
      history: repositories.history,
      journal: sendJournal,
      idempotencyKeys: sendJournal,
      senders,
      logger: logger.child({ component: 'outbox' }),
      defaultCountry,
      countSend: (provider, outcome) => metrics.sends.inc({ provider, outcome }),
      // A delivery receipt may have arrived before the send was recorded: apply it now.
      onSent: (provider, providerMessageId) => {
        try {
          spool.wake(provider, providerMessageId);
        } catch (error) {
          // The spool was busy past EVENT_LOOP_BUSY_TIMEOUT_MS: the receipt is applied at its next retry instead.
          logger.warn({ err: error, provider }, 'could not wake an early delivery receipt now; it is retried later');
        }
        delivery.kick(false);
      },
      ...(lease ? { mayStartSend: () => lease.mayStartSend() } : {}),
    },
    {
      pollMs: config.OUTBOX_POLL_MS,
      concurrency: config.OUTBOX_CONCURRENCY,
      maxAttempts: config.SEND_MAX_ATTEMPTS,
      retryBaseMs: config.SEND_RETRY_BASE_MS,
      retryMaxMs: config.SEND_RETRY_MAX_MS,
      idempotencyTtlMs: config.IDEMPOTENCY_TTL_HOURS * 3_600_000,
    },
  );

  const readiness = createReadinessProbe({
    history: repositories.history,
    spool,
    stores: [
      { name: 'send journal', probe: () => sendJournal.probe() },
      ...(committer ? [{ name: 'spool committer', probe: () => committer.probe() }] : []),
    ],
    delivery: () => delivery.status(),
    ...(lease ? { lease: () => lease.status() } : {}),
    outboxQueue: () => outbox.queueStatus(),
    stallAfterMs: config.DELIVERY_STALL_SECONDS * 1000,
  });
  const app = await buildApp({
    config,
    logger,
    spool,
    services: createRestServices(config, repositories, { sendJournal, outbox }),
    readiness,
    metrics,
    ...(committer ? { commitEvents: (events: InboundEvent[], quarantine?: QuarantineInput | null) => committer.enqueue(events, quarantine) } : {}),
    // Only media needs the media worker; waking it for every text would cost two queries per webhook.
    onAccepted: (events) => delivery.kick(events.some((e) => e.kind === 'message' && e.media !== null)),
  });

  let closing: Promise<void> | undefined;
  return {
    app,
    odoo,
    spool,
    delivery,
    readiness,
    lease,
    startWorkers() {
      delivery.start();
      lease?.start();
      outbox.start();
    },
    close() {
      closing ??= (async () => {
        await app.close();
        await committer?.close();
        await Promise.all([delivery.stop(), outbox.stop()]);
        // After the outbox stopped sending: the next instance may take over at once.
        await lease?.stop();
        await senders.close();
        walBackstop?.stop();
        sendJournal.close();
        spool.close();
      })();
      return closing;
    },
  };
}
