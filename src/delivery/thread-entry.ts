/**
 * The delivery thread: its own Odoo client and its own connection to the spool file (SQLite WAL
 * allows it), so XML-RPC serialisation (~6 ms per 50 records) and media base64 never block the
 * event loop that acknowledges webhooks. Messages from the main thread: kick, stop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import type { Config } from '../config.js';
import { lowerThisThreadPriority } from '../lib/worker-thread.js';
import { loggerOptions } from '../logger.js';
import { createOdooClient } from '../odoo/xmlrpc-client.js';
import { instrumentOdooClient } from '../metrics/odoo-calls.js';
import { openSqliteSpool } from '../spool/sqlite-spool.js';
import type { DeliverySpool, MediaSpool } from '../spool/types.js';
import { startWalCheckpointer, WAL_CHECKPOINTS } from '../spool/wal-policy.js';
import { createKickLatch } from './kick-latch.js';
import { createDeliveryPipeline } from './pipeline.js';
import type { FromDelivery, ToDelivery } from './thread.js';

const port = parentPort;
if (!port) throw new Error('thread-entry.ts runs as a worker thread only');
const { config, kickBuffer } = workerData as { config: Config; kickBuffer: SharedArrayBuffer };
const kicks = createKickLatch(kickBuffer);
const post = (message: FromDelivery) => port.postMessage(message);

const logger = pino(loggerOptions(config.LOG_LEVEL)).child({ thread: 'delivery' });
// Background work: the event loop and the spool committer, which answer providers, come first.
lowerThisThreadPriority(logger);
const rawOdoo = createOdooClient({
  url: config.ODOO_URL,
  db: config.ODOO_DB,
  username: config.ODOO_USERNAME,
  password: config.ODOO_PASSWORD,
  timeoutMs: config.ODOO_TIMEOUT_MS,
  logger: logger.child({ component: 'odoo' }),
});
// Odoo call timings go to the main thread's /metrics.
const odoo = instrumentOdooClient(rawOdoo, {
  callEnded: (method, outcome, seconds) => post({ type: 'odoo-call', method, outcome, seconds }),
  callFailed: (method, kind) => post({ type: 'odoo-error', method, kind }),
});
// Its writes need not wait for fsync: see SpoolOptions.durability.
const spoolConnection = openSqliteSpool(config.SPOOL_PATH, { durability: 'normal', checkpoints: WAL_CHECKPOINTS.delivery });
// The kick latch is lowered right before each read of due events (see kick-latch.ts).
const spool: DeliverySpool & MediaSpool = {
  ...spoolConnection,
  takeDue(kind, limit, now) {
    kicks.lower();
    return spoolConnection.takeDue(kind, limit, now);
  },
};
const delivery = createDeliveryPipeline(config, logger, odoo, spool);
// This low-priority thread keeps the write-ahead log short (src/spool/wal-policy.ts).
const checkpointer = startWalCheckpointer(spoolConnection, logger);
delivery.start();

port.on('message', (message: ToDelivery) => {
  if (message.type === 'kick') delivery.kick(message.hasMedia);
  if (message.type === 'stop') {
    void delivery
      .stop()
      .catch((error: unknown) => logger.error({ err: error }, 'error while stopping delivery'))
      .finally(() => {
        checkpointer.stop();
        spoolConnection.close();
        post({ type: 'stopped' });
        port.close();
      });
  }
});
post({ type: 'ready' });
