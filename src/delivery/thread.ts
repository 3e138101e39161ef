/**
 * Runs delivery (thread-entry.ts) in a worker thread and talks to it. A thread that dies is
 * restarted after a second: the spool keeps everything, so nothing is lost meanwhile.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Metrics } from '../plugins/metrics.js';
import type { Delivery } from './pipeline.js';

export type ToDelivery = { type: 'kick'; hasMedia: boolean } | { type: 'stop' };
export type FromDelivery =
  | { type: 'ready' }
  | { type: 'stopped' }
  | { type: 'odoo-call'; labels: Record<string, string>; seconds: number }
  | { type: 'odoo-error'; labels: Record<string, string> };

const RESTART_DELAY_MS = 1000;

function spawn(config: Config): Worker {
  const workerData = { config };
  if (import.meta.url.endsWith('.js')) return new Worker(new URL('./thread-entry.js', import.meta.url), { workerData });
  // Running from TypeScript sources (npm run dev, tests): a worker thread does not inherit tsx's
  // loader hooks on Node 20, so the thread registers them itself before importing its entry.
  const tsxApi = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./thread-entry.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`, {
    eval: true,
    workerData,
  });
}

export function startDeliveryThread(
  config: Config,
  logger: Logger,
  metrics: Pick<Metrics, 'odooDuration' | 'odooErrors'>,
): Delivery {
  let worker: Worker | undefined;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;

  function launch() {
    const current = spawn(config);
    worker = current;
    current.on('message', (message: FromDelivery) => {
      if (message.type === 'odoo-call') metrics.odooDuration.observe(message.labels, message.seconds);
      else if (message.type === 'odoo-error') metrics.odooErrors.inc(message.labels);
      // Its spool is closed and nothing is half-written: idle keep-alive sockets need not hold it open.
      else if (message.type === 'stopped') void current.terminate();
    });
    current.on('error', (error) => logger.error({ err: error }, 'delivery thread failed'));
    current.on('exit', (code) => {
      if (worker === current) worker = undefined;
      if (stopping) return;
      logger.error({ exitCode: code }, `delivery thread stopped unexpectedly; restarting in ${RESTART_DELAY_MS} ms (the spool keeps everything)`);
      restartTimer = setTimeout(launch, RESTART_DELAY_MS);
    });
  }

  return {
    start() {
      if (!worker && !stopping) launch();
    },
    kick(hasMedia) {
      worker?.postMessage({ type: 'kick', hasMedia } satisfies ToDelivery);
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
