/**
 * Composition root: creates every dependency from the configuration, wires them, and owns the
 * order of start-up and shutdown. server.ts runs it; tests use it with the Odoo double.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { createReadinessProbe, type ReadinessReport } from './routes/health.js';
import { createOdooClient } from './odoo/xmlrpc-client.js';
import type { OdooClient } from './odoo/types.js';
import { createMediaDownloader, createMediaWorker } from './services/media.js';
import { createPartnerResolver } from './services/partner-resolver.js';
import { createWriter } from './services/writer.js';
import { openSqliteSpool } from './spool/sqlite-spool.js';
import type { Spool } from './spool/types.js';
import type { CountryCode } from './lib/phone.js';

export interface GatewayOverrides {
  odoo?: OdooClient;
  spool?: Spool;
}

export interface Gateway {
  app: FastifyInstance;
  odoo: OdooClient;
  spool: Spool;
  writer: ReturnType<typeof createWriter>;
  media: ReturnType<typeof createMediaWorker>;
  readiness: () => Promise<ReadinessReport>;
  /** Starts the background workers (writer, media). */
  startWorkers(): void;
  /** Stops accepting, finishes in-flight requests and the current writer pass, closes the spool. */
  close(): Promise<void>;
}

export async function createGateway(config: Config, logger: Logger, overrides: GatewayOverrides = {}): Promise<Gateway> {
  const odoo =
    overrides.odoo ??
    createOdooClient({
      url: config.ODOO_URL,
      db: config.ODOO_DB,
      username: config.ODOO_USERNAME,
      password: config.ODOO_PASSWORD,
      timeoutMs: config.ODOO_TIMEOUT_MS,
      logger: logger.child({ component: 'odoo' }),
    });
  const spool = overrides.spool ?? openSqliteSpool(config.SPOOL_PATH);
  const defaultCountry = config.DEFAULT_COUNTRY as CountryCode;
  const metaGraphUrl = config.META_GRAPH_URL.replace(/\/$/, '');

  const writer = createWriter(
    {
      odoo,
      spool,
      logger: logger.child({ component: 'writer' }),
      resolvePartners: createPartnerResolver(odoo, { defaultCountry }),
      mediaUrl: (media) => media.url ?? (media.mediaId ? `${metaGraphUrl}/${media.mediaId}` : null),
    },
    { batchSize: config.WRITER_BATCH_SIZE, maxBackoffMs: config.WRITER_MAX_BACKOFF_MS },
  );
  const media = createMediaWorker({
    spool,
    odoo,
    logger: logger.child({ component: 'media' }),
    download: createMediaDownloader({
      maxBytes: config.MEDIA_MAX_BYTES,
      timeoutMs: config.MEDIA_TIMEOUT_MS,
      metaGraphUrl,
      metaAccessToken: config.META_ACCESS_TOKEN,
      twilioAccountSid: config.TWILIO_ACCOUNT_SID,
      twilioAuthToken: config.TWILIO_AUTH_TOKEN,
    }),
  });

  const readiness = createReadinessProbe({ odoo, spool });
  const app = await buildApp({
    config,
    logger,
    odoo,
    spool,
    readiness,
    onAccepted: () => {
      writer.kick();
      media.kick();
    },
  });

  let closing: Promise<void> | undefined;
  return {
    app,
    odoo,
    spool,
    writer,
    media,
    readiness,
    startWorkers() {
      writer.start();
      media.start();
    },
    close() {
      closing ??= (async () => {
        await app.close();
        await Promise.all([writer.stop(), media.stop()]);
        spool.close();
      })();
      return closing;
    },
  };
}
