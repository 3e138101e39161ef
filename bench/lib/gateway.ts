/**
 * The real gateway (src/gateway.ts) as the benchmarks run it: configuration through loadConfig, a
 * SQLite spool (WAL, synchronous=FULL) in a fresh directory on local disk, a pino logger at the
 * production default level writing synchronously to a file (as the server writes to stdout), and
 * the HTTP server listening on 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../src/config.js';
import { createGateway, type Gateway, type GatewayOverrides } from '../../src/gateway.js';
import { createWriter } from '../../src/delivery/writer.js';
import { createPartnerResolver } from '../../src/services/partner-resolver.js';
import { loggerOptions } from '../../src/logger.js';
import { createHistoryRepository } from '../../src/odoo/repositories/history-repository.js';
import { createRepositories } from '../../src/odoo/repositories/index.js';

export const BENCH_WEBHOOK_SECRET = 'bench-fonnte-secret-8d1f0c';
export const BENCH_READ_TOKEN = 'bench-read-token-4b7e9a2c51';

export interface BenchGateway {
  gateway: Gateway;
  config: Config;
  baseUrl: string;
  dir: string;
  logFile: string;
  close(): Promise<void>;
}

export interface BenchGatewayOptions {
  odoo: { url: string; db: string; username: string; password: string };
  logLevel?: string;
  /** Extra settings (environment strings), e.g. WRITER_MAX_BACKOFF_MS. */
  settings?: Record<string, string>;
  overrides?: GatewayOverrides;
  listen?: boolean;
}

export async function startBenchGateway(options: BenchGatewayOptions): Promise<BenchGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'wa-bench-'));
  const logFile = join(dir, 'gateway.log');
  const config = loadConfig(
    {
      ODOO_URL: options.odoo.url,
      ODOO_DB: options.odoo.db,
      ODOO_USERNAME: options.odoo.username,
      ODOO_PASSWORD: options.odoo.password,
      SPOOL_PATH: join(dir, 'spool.db'),
      SEND_JOURNAL_PATH: join(dir, 'outbox.db'),
      LOG_LEVEL: options.logLevel ?? 'info',
      WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET,
      API_TOKENS: `${BENCH_READ_TOKEN}:read`,
      // The benchmarks offer far more than the default budgets (6,000 webhooks and 120 REST calls per
      // minute per client); the limiter itself still runs on every request.
      WEBHOOK_RATE_LIMIT_MAX: '100000000',
      RATE_LIMIT_MAX: '100000000',
      HOST: '127.0.0.1',
      ...options.settings,
    },
    {},
  );
  const logger = pino(loggerOptions(config.LOG_LEVEL), pino.destination({ dest: logFile, sync: true, mkdir: true }));
  const gateway = await createGateway(config, logger, options.overrides);
  let baseUrl = '';
  if (options.listen !== false) {
    const address = await gateway.app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = address;
  } else {
    await gateway.app.ready();
  }
  return {
    gateway,
    config,
    baseUrl,
    dir,
    logFile,
    async close() {
      try {
        await gateway.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A writer on this thread over the gateway's own client and spool, for benchmarks that drive passes
 * themselves (the gateway's delivery normally runs in its own thread).
 */
export function inlineWriter(gateway: Gateway, config: Config) {
  return createWriter(
    {
      history: createHistoryRepository(gateway.odoo),
      spool: gateway.spool,
      logger: pino({ level: 'silent' }),
      resolvePartners: createPartnerResolver(createRepositories(gateway.odoo), { defaultCountry: config.DEFAULT_COUNTRY }),
      mediaUrl: (media) => media.url ?? null,
    },
    { batchSize: config.WRITER_BATCH_SIZE, maxBackoffMs: config.WRITER_MAX_BACKOFF_MS },
  );
}
