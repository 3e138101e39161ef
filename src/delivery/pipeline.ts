/**
 * Delivery: the writer (spool → Odoo) and the media worker, built from the configuration. It runs in
 * its own thread in production (thread.ts), or inline on the caller's event loop (tests, overrides).
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createHistoryRepository } from '../odoo/repositories/history-repository.js';
import { createPartnerRepository } from '../odoo/repositories/partner-repository.js';
import type { OdooClient } from '../odoo/types.js';
import { createMediaDownloader, createMediaWorker } from './media.js';
import { mediaAccessByProvider } from '../providers/registry.js';
import { createPartnerResolver } from '../services/partner-resolver.js';
import { createWriter } from './writer.js';
import type { DeliverySpool, MediaSpool } from '../spool/types.js';
import type { DeliveryStatus } from '../metrics/registry.js';

export interface Delivery {
  start(): void;
  /** Events were stored: the writer runs soon; the media worker too when some carry media. */
  kick(hasMedia: boolean): void;
  /** Finishes the current passes and stops. */
  stop(): Promise<void>;
  /** Whether delivery is running now, and how often its thread had to be restarted (for /readyz, /metrics). */
  status(): DeliveryStatus;
}

export type { DeliveryStatus };

export function createDeliveryPipeline(config: Config, logger: Logger, odoo: OdooClient, spool: DeliverySpool & MediaSpool): Delivery {
  const metaGraphUrl = config.META_GRAPH_URL.replace(/\/$/, '');
  const history = createHistoryRepository(odoo);
  const writer = createWriter(
    {
      history,
      spool,
      logger: logger.child({ component: 'writer' }),
      resolvePartners: createPartnerResolver({ history, partners: createPartnerRepository(odoo) }, { defaultCountry: config.DEFAULT_COUNTRY }),
      mediaUrl: (media) => media.url ?? (media.mediaId ? `${metaGraphUrl}/${media.mediaId}` : null),
    },
    { batchSize: config.WRITER_BATCH_SIZE, maxBackoffMs: config.WRITER_MAX_BACKOFF_MS, lingerMs: config.WRITER_LINGER_MS },
  );
  const media = createMediaWorker({
    spool,
    history,
    logger: logger.child({ component: 'media' }),
    download: createMediaDownloader({
      maxBytes: config.MEDIA_MAX_BYTES,
      timeoutMs: config.MEDIA_TIMEOUT_MS,
      mediaAccess: mediaAccessByProvider(config),
    }),
  }, { spoolMaxBytes: config.MEDIA_SPOOL_MAX_BYTES });
  let running = false;
  return {
    start() {
      running = true;
      writer.start();
      media.start();
    },
    status: () => ({ running, restarts: 0 }),
    kick(hasMedia) {
      writer.kick();
      if (hasMedia) media.kick();
    },
    async stop() {
      running = false;
      await Promise.all([writer.stop(), media.stop()]);
    },
  };
}
