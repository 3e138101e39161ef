/**
 * Runs delivery (thread-entry.ts) in a worker thread and talks to it. A thread that dies is
 * restarted after a second: the spool keeps everything, so nothing is lost meanwhile.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { superviseThread } from '../lib/thread-supervisor.js';
import { spawnWorker } from '../lib/worker-thread.js';
import type { OdooCallObserver } from '../metrics/odoo-calls.js';
import { createKickLatch } from './kick-latch.js';
import type { Delivery } from './pipeline.js';

export type ToDelivery = { type: 'kick'; hasMedia: boolean } | { type: 'stop' };
export type FromDelivery =
  | { type: 'ready' }
  | { type: 'stopped' }
  | { type: 'odoo-call'; method: string; outcome: 'ok' | 'error'; seconds: number }
  | { type: 'odoo-error'; method: string; kind: string };

const RESTART_DELAY_MS = 1000;

export function startDeliveryThread(
  config: Config,
  logger: Logger,
  odooCalls: OdooCallObserver,
  options: { restartDelayMs?: number } = {},
): Delivery {
  let kicks = createKickLatch();
  const thread = superviseThread<FromDelivery, ToDelivery>({
    name: 'delivery thread',
    whileDown: 'the spool keeps everything',
    spawn() {
      // Each thread gets a fresh latch: one that died may have left its latch raised (the new thread
      // starts with a pass anyway).
      kicks = createKickLatch();
      return spawnWorker(import.meta.url, './thread-entry', { config, kickBuffer: kicks.buffer });
    },
    stopMessage: { type: 'stop' },
    restartDelayMs: options.restartDelayMs ?? RESTART_DELAY_MS,
    logger,
    onMessage(message) {
      if (message.type === 'odoo-call') odooCalls.callEnded(message.method, message.outcome, message.seconds);
      else if (message.type === 'odoo-error') odooCalls.callFailed(message.method, message.kind);
    },
  });
  return {
    start: () => thread.start(),
    status: () => ({ running: thread.current() !== undefined, restarts: thread.restarts() }),
    kick(hasMedia) {
      // One kick per writer pass (kick-latch.ts); media kicks are rare and always sent.
      if (hasMedia || kicks.raise()) thread.post({ type: 'kick', hasMedia });
    },
    stop: () => thread.stop(),
  };
}
