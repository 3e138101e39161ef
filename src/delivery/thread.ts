/**
 * Runs delivery (thread-entry.ts) in a worker thread and talks to it. A thread that dies is
 * restarted after a second: the spool keeps everything, so nothing is lost meanwhile.
 */
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { spawnWorker } from '../lib/worker-thread.js';
import type { OdooCallObserver } from '../metrics/odoo-calls.js';
import { createKickLatch, type KickLatch } from './kick-latch.js';
import type { Delivery } from './pipeline.js';

export type ToDelivery = { type: 'kick'; hasMedia: boolean } | { type: 'stop' };
export type FromDelivery =
  | { type: 'ready' }
  | { type: 'stopped' }
  | { type: 'odoo-call'; method: string; outcome: 'ok' | 'error'; seconds: number }
  | { type: 'odoo-error'; method: string; kind: string };

const RESTART_DELAY_MS = 1000;

function spawn(config: Config, kicks: KickLatch): Worker {
  return spawnWorker(import.meta.url, './thread-entry', { config, kickBuffer: kicks.buffer });
}

export function startDeliveryThread(
  config: Config,
  logger: Logger,
  odooCalls: OdooCallObserver,
  options: { restartDelayMs?: number } = {},
): Delivery {
  const restartDelayMs = options.restartDelayMs ?? RESTART_DELAY_MS;
  let restarts = 0;
  let worker: Worker | undefined;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let kicks = createKickLatch();

  function launch() {
    // Each thread gets a fresh latch: one that died may have left its latch raised (the new thread
    // starts with a pass anyway).
    kicks = createKickLatch();
    let current: Worker;
    try {
      current = spawn(config, kicks);
    } catch (error) {
      // A throw here (in the restart timer) would end the process; the spool keeps everything.
      logger.error({ err: error }, `delivery thread could not start; retrying in ${restartDelayMs} ms`);
      restarts++;
      restartTimer = setTimeout(launch, restartDelayMs);
      return;
    }
    worker = current;
    current.on('message', (message: FromDelivery) => {
      if (message.type === 'odoo-call') odooCalls.callEnded(message.method, message.outcome, message.seconds);
      else if (message.type === 'odoo-error') odooCalls.callFailed(message.method, message.kind);
      // Its spool is closed and nothing is half-written: idle keep-alive sockets need not hold it open.
      else if (message.type === 'stopped') void current.terminate();
    });
    current.on('error', (error) => logger.error({ err: error }, 'delivery thread failed'));
    current.on('exit', (code) => {
      if (worker === current) worker = undefined;
      if (stopping) return;
      logger.error({ exitCode: code }, `delivery thread stopped unexpectedly; restarting in ${restartDelayMs} ms (the spool keeps everything)`);
      restarts++;
      restartTimer = setTimeout(launch, restartDelayMs);
    });
  }

  return {
    start() {
      if (!worker && !stopping) launch();
    },
    status: () => ({ running: worker !== undefined, restarts }),
    kick(hasMedia) {
      // One kick per writer pass (kick-latch.ts); media kicks are rare and always sent.
      if (hasMedia || kicks.raise()) worker?.postMessage({ type: 'kick', hasMedia } satisfies ToDelivery);
    },
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const current = worker;
      if (!current) return;
      const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
      current.postMessage({ type: 'stop' } satisfies ToDelivery);
      await exited;
    },
  };
}
