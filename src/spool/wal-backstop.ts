/**
 * Keeps the spool's write-ahead log bounded when the delivery thread does not.
 *
 * The webhook committer never checkpoints (a checkpoint's fsyncs would delay acknowledgements); the
 * delivery thread does, every second. While that thread is down or crash-looping, webhooks are still
 * acknowledged and the log would grow for as long as they come (hundreds of MB a minute under load).
 * This timer, on the gateway's own connection, checkpoints only once the log has grown well past
 * what the delivery thread lets it reach, so in normal operation it never touches the disk.
 */
import type { Logger } from 'pino';
import { WAL_RESTART_BYTES } from './sqlite-spool.js';
import type { Spool } from './types.js';

/** Past this the delivery thread is evidently not checkpointing (it resets the log past a quarter of it). */
export const WAL_BACKSTOP_BYTES = 4 * WAL_RESTART_BYTES;
const CHECK_EVERY_MS = 5000;

export interface WalBackstop {
  /** Checkpoints now if the log is past the limit; true if it did. */
  check(): boolean;
  stop(): void;
}

export function startWalBackstop(
  spool: Pick<Spool, 'walBytes' | 'checkpoint'>,
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
