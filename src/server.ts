/**
 * Entry point: `npm start` (built) or `npm run dev`. Configuration problems, a SQLite binding that
 * would abort on this Node, and a spool or send journal file that cannot be used, end the process with
 * one message and exit code 1; Odoo being down does not (the gateway runs, /readyz says why).
 */
import { pino } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createGateway, type Gateway } from './gateway.js';
import { sqliteBindingProblem } from './lib/sqlite-binding.js';
import { StoreFileError } from './lib/sqlite-store.js';
import { loggerOptions } from './logger.js';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

const bindingProblem = sqliteBindingProblem();
if (bindingProblem) {
  process.stderr.write(`${bindingProblem}\n`);
  process.exit(1);
}

const logger = pino(loggerOptions(config.LOG_LEVEL));
let gateway: Gateway;
try {
  gateway = await createGateway(config, logger);
} catch (error) {
  // A spool or send journal that cannot be used: the message says which file and what to do.
  if (error instanceof StoreFileError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

let shuttingDown = false;
async function shutdown(reason: string, exitCode: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  logger.info({ reason }, 'shutting down: no new requests, finishing in-flight work');
  const timer = setTimeout(() => {
    // Everything acknowledged is already committed to the spool, so leaving now loses nothing.
    logger.warn({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown took too long; exiting anyway');
    process.exit(exitCode);
  }, config.SHUTDOWN_TIMEOUT_MS);
  timer.unref();
  try {
    await gateway.close();
    logger.info('stopped cleanly');
  } catch (error) {
    logger.error({ err: error }, 'error while shutting down');
  }
  process.exit(exitCode);
}

process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
process.once('SIGINT', () => void shutdown('SIGINT', 0));
process.on('unhandledRejection', (reason) => {
  logger.error({ err: reason }, 'unhandled promise rejection (kept running)');
});
process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'uncaught exception; shutting down');
  void shutdown('uncaughtException', 1);
});

try {
  await gateway.app.listen({ host: config.HOST, port: config.PORT });
} catch (error) {
  logger.fatal({ err: error }, `cannot listen on ${config.HOST}:${config.PORT}`);
  process.exit(1);
}
gateway.startWorkers();

const ready = await gateway.readiness();
if (ready.ready) {
  logger.info({ odooLatencyMs: ready.checks.odoo.latencyMs, spool: ready.spool }, 'gateway ready: Odoo reachable and logged in');
} else {
  logger.warn(
    { odoo: ready.checks.odoo, spool: ready.checks.spool },
    'gateway started but NOT ready: webhooks are still accepted into the spool; see GET /readyz',
  );
}
