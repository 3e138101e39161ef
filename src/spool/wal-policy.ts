/**
 * The one owner of the spool's write-ahead log policy: which connection checkpoints, how often, and
 * when the log is reset or checkpointed by force. sqlite-spool.ts carries the checkpoint out.
 *
 * - The webhook committer never checkpoints: a checkpoint's fsyncs would delay acknowledgements.
 * - The delivery thread, at low priority, checkpoints every second, Odoo up or down
 *   (startWalCheckpointer); past WAL_RESTART_BYTES that checkpoint resets the log.
 * - The gateway's own connection is used on the event loop: it checkpoints only when it is the only
 *   connection (inline delivery: tests, overrides). Otherwise its backstop (startWalBackstop)
 *   checkpoints only once the log has grown well past what the delivery thread lets it reach — while
 *   that thread is down or crash-looping webhooks are still acknowledged, and the log would grow for
 *   as long as they come (hundreds of MB a minute under load). In normal operation it never touches
 *   the disk.
 */
import type { Logger } from 'pino';
import type { WalMaintenance } from './types.js';

/**
 * Above this size the write-ahead log is reset even if that briefly holds up writers (see
 * Spool.checkpoint()); it is also the size the log file is truncated back to after a reset.
 */
export const WAL_RESTART_BYTES = 32 * 1024 * 1024;

/** How each connection to the spool treats the log (SpoolOptions.checkpoints). */
export const WAL_CHECKPOINTS = {
  /** The webhook committer thread. */
  committer: false,
  /** The delivery thread: SQLite's automatic checkpoints, and startWalCheckpointer every second. */
  delivery: true,
  /** The gateway's connection on the event loop, beside the delivery thread. */
  eventLoop: false,
  /** The gateway's connection when delivery runs inline on the event loop: nobody else checkpoints. */
  eventLoopAlone: true,
} as const;

/** How often the delivery thread checkpoints. */
export const CHECKPOINT_EVERY_MS = 1000;

/** The delivery thread's checkpoints: every second, whatever Odoo does. */
export function startWalCheckpointer(
  spool: Pick<WalMaintenance, 'checkpoint'>,
  logger: Pick<Logger, 'warn'>,
  everyMs = CHECKPOINT_EVERY_MS,
): { stop(): void } {
  const timer = setInterval(() => {
    try {
      spool.checkpoint(WAL_RESTART_BYTES);
    } catch (error) {
      logger.warn({ err: error }, 'spool checkpoint failed; retrying in a second');
    }
  }, everyMs);
  return { stop: () => clearInterval(timer) };
}

/** Past this the delivery thread is evidently not checkpointing (it resets the log past a quarter of it). */
export const WAL_BACKSTOP_BYTES = 4 * WAL_RESTART_BYTES;
const CHECK_EVERY_MS = 5000;

export interface WalBackstop {
  /** Checkpoints now if the log is past the limit; true if it did. */
  check(): boolean;
  stop(): void;
}

export function startWalBackstop(
  spool: WalMaintenance,
  logger: Pick<Logger, 'warn'>,
  options: { limitBytes?: number; everyMs?: number } = {},
): WalBackstop {
  const limitBytes = options.limitBytes ?? WAL_BACKSTOP_BYTES;
  function check(): boolean {
    try {
      const walBytes = spool.walBytes();
      if (walBytes <= limitBytes) return false;
      const { restarted } = spool.checkpoint(0);
      logger.warn(
        { walBytes, restarted },
        `the spool's write-ahead log is over ${Math.round(limitBytes / 1048576)} MiB: the delivery thread is not checkpointing it (see /readyz delivery); checkpointed it here`,
      );
      return true;
    } catch (error) {
      logger.warn({ err: error }, 'spool write-ahead log backstop checkpoint failed; retrying later');
      return false;
    }
  }
  const timer = setInterval(check, options.everyMs ?? CHECK_EVERY_MS);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
