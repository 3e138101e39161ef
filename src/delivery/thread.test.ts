import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, expect, test } from 'vitest';
import { loadConfig } from '../config.js';
import { createMetrics, odooCallObserver } from '../metrics/registry.js';
import type { Delivery } from './pipeline.js';
import { startDeliveryThread } from './thread.js';

let delivery: Delivery | undefined;
let dir: string | undefined;
afterEach(async () => {
  await delivery?.stop();
  delivery = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a delivery thread that dies is reported (not running, restarts counted) and restarted until it runs', async () => {
  dir = mkdtempSync(join(tmpdir(), 'delivery-thread-'));
  const spoolPath = join(dir, 'spool.db');
  mkdirSync(spoolPath); // a directory where the spool file should be: the thread dies while opening it
  const config = loadConfig(
    { ODOO_URL: 'http://127.0.0.1:9', ODOO_DB: 'x', ODOO_USERNAME: 'u', ODOO_PASSWORD: 'p', SPOOL_PATH: spoolPath, LOG_LEVEL: 'silent' },
    {},
  );
  const errors: string[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => errors.push(line) });
  const metrics = createMetrics({ deliveryStatus: () => delivery!.status() });
  delivery = startDeliveryThread(config, logger, odooCallObserver(metrics), { restartDelayMs: 100 });
  delivery.start();

  await expect.poll(() => delivery!.status().restarts, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
  expect(errors.join('\n')).toMatch(/delivery thread stopped unexpectedly/);
  expect(await metrics.registry.getSingleMetricAsString('wa_delivery_thread_restarts_total')).toMatch(/ [1-9]\d*$/);

  rmSync(spoolPath, { recursive: true }); // the disk is fine again: the next restart stays up
  const restartsBefore = delivery.status().restarts;
  await expect.poll(() => delivery!.status().running, { timeout: 10_000 }).toBe(true);
  await new Promise((r) => setTimeout(r, 1500)); // long enough to die again if it were going to
  expect(delivery.status()).toMatchObject({ running: true });
  expect(delivery.status().restarts).toBeLessThanOrEqual(restartsBefore + 1);
}, 30_000);
