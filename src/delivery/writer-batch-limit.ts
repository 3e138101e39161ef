/**
 * How many messages the writer puts in one create: the configured batch size, or fewer since a proxy
 * in front of Odoo refused a bigger batch as too large (HTTP 413, nginx's 1 MiB default). The smaller
 * size is kept, and twice as many are tried again every `regrowMs` (the proxy's limit may have been
 * raised, or the big messages are gone).
 */
import type { Logger } from 'pino';

export interface BatchLimit {
  /** The size for the next batch (grown back first, when it is time to probe a bigger one). */
  next(): number;
  /** The size now, without growing it. */
  current(): number;
  /** A batch of `refusedSize` was refused as too large: halve it (never below 1). */
  shrink(refusedSize: number): void;
}

export function createBatchLimit(options: { batchSize: number; regrowMs: number; now: () => number; logger: Pick<Logger, 'warn'> }): BatchLimit {
  const { batchSize, regrowMs, now, logger } = options;
  let limit = batchSize;
  let changedAt = 0;
  return {
    next() {
      if (limit < batchSize && now() - changedAt >= regrowMs) {
        limit = Math.min(batchSize, limit * 2);
        changedAt = now();
      }
      return limit;
    },
    current: () => limit,
    shrink(refusedSize) {
      const smaller = Math.max(1, Math.ceil(refusedSize / 2));
      if (smaller >= limit) return;
      limit = smaller;
      changedAt = now();
      logger.warn(
        { refusedBatch: refusedSize, batchSize: limit, configuredBatchSize: batchSize },
        'a proxy in front of Odoo refused a batch as too large (HTTP 413); sending smaller batches (raise its body limit, e.g. nginx client_max_body_size)',
      );
    },
  };
}
