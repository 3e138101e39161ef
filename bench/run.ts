/**
 * `npm run bench -- <name> [--option value …]` — benchmarks run on demand, never by `npm test`.
 *
 *   ack       webhook acknowledgement latency and throughput at fixed offered rates (Odoo double)
 *   ingest    batched writer vs one create per message, into a real Odoo 13 (ODOO_* variables)
 *   recovery  Odoo unreachable while webhooks arrive, then back: time to drain, count check
 *   queries   REST reads through the gateway vs the same calls straight to Odoo (1M-row database)
 *   seed      fill ODOO_DB with the 1,000,000 records the queries benchmark needs (resumable)
 *
 * Every benchmark prints absolute figures and ratios against a baseline measured in the same run,
 * is bounded in time and request count, and only talks to 127.0.0.1 (and ODOO_URL when given).
 * Shared statistics and table helpers: bench/lib/report.ts.
 */
import { parseArgs } from './lib/report.js';

const BENCHMARKS: Record<string, { describe: string; load: () => Promise<{ run(args: Record<string, string>): Promise<void> }> }> = {
  ack: { describe: 'webhook ack latency p50/p99/max + throughput vs GET /healthz', load: () => import('./ack.js') },
  ingest: { describe: 'batched writer vs one create per message (real Odoo)', load: () => import('./ingest.js') },
  recovery: { describe: 'Odoo cut off while N webhooks arrive, then restored: drain time', load: () => import('./recovery.js') },
  queries: { describe: 'REST reads via the gateway vs straight to Odoo (1M rows)', load: () => import('./queries.js') },
  seed: { describe: 'seed ODOO_DB with 1,000,000 messages (resumable)', load: () => import('./seed.js') },
};

function usage(): string {
  return [
    'usage: npm run bench -- <name> [--option value …]',
    ...Object.entries(BENCHMARKS).map(([name, b]) => `  ${name.padEnd(9)} ${b.describe}`),
    'Options are described at the top of each bench/<name>.ts.',
  ].join('\n');
}

const [name, ...rest] = process.argv.slice(2);
const bench = name === undefined ? undefined : BENCHMARKS[name];
if (!bench) {
  console.error(name === undefined ? usage() : `unknown benchmark ${JSON.stringify(name)}\n${usage()}`);
  process.exit(name === undefined || name === '--help' ? 0 : 2);
}
try {
  const module = await bench.load();
  await module.run(parseArgs(rest));
  // Pools and keep-alive sockets must not hold the process open after the figures are printed.
  process.exit(0);
} catch (error) {
  console.error(`bench ${name} failed:`, error);
  process.exit(1);
}
