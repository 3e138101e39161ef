/**
 * REST facade vs Odoo: each read through the gateway (HTTP on 127.0.0.1, auth, validation, envelope)
 * against the same Odoo calls made straight from this process with the same XML-RPC client, measured
 * alternately in one run and printed as ratios (target ≤ 1.2). Also stats vs the naive way (fetching
 * every row of the period and counting in the client).
 *
 *   ODOO_URL=… ODOO_DB=… ODOO_USERNAME=… ODOO_PASSWORD=… npx tsx bench/rest-api.ts [--iterations 20] [--phone +6281210000000]
 *
 * Seed first with bench/seed-1m.ts. Say in the results whether Odoo ran with db_name set (it changes
 * every RPC's cost; see ../shared/reference/odoo13-performance.md).
 */
import { pino } from 'pino';
import { request } from 'undici';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { HISTORY_MODEL } from '../src/domain/message.js';
import { toOdooDatetime } from '../src/odoo/datetime.js';
import { createOdooClient } from '../src/odoo/xmlrpc-client.js';
import type { Domain } from '../src/odoo/types.js';
import { MESSAGE_FIELDS, timestampOrder } from '../src/services/query-fns.js';
import { statsGroupBy } from '../src/services/stats-fns.js';
import { openSendJournal } from '../src/services/outbox/journal.js';
import { openSqliteSpool } from '../src/spool/sqlite-spool.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TOKEN = 'bench-read-token-0123456789abcdef';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback);
}

const iterations = Number(option('iterations', '20'));
const phone = option('phone', '+6281210000000');

const settings = {
  ODOO_URL: process.env.ODOO_URL ?? '',
  ODOO_DB: process.env.ODOO_DB ?? '',
  ODOO_USERNAME: process.env.ODOO_USERNAME ?? '',
  ODOO_PASSWORD: process.env.ODOO_PASSWORD ?? '',
};
if (Object.values(settings).some((v) => !v)) {
  console.error('Set ODOO_URL, ODOO_DB, ODOO_USERNAME and ODOO_PASSWORD (seed first: bench/seed-1m.ts).');
  process.exit(1);
}

const config = loadConfig(
  { ...settings, API_TOKENS: `${TOKEN}:read`, LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '1000000', ODOO_TIMEOUT_MS: '120000' },
  {},
);
const gatewayOdoo = createOdooClient({ url: config.ODOO_URL, db: config.ODOO_DB, username: config.ODOO_USERNAME, password: config.ODOO_PASSWORD, timeoutMs: 120_000 });
const directOdoo = createOdooClient({ url: config.ODOO_URL, db: config.ODOO_DB, username: config.ODOO_USERNAME, password: config.ODOO_PASSWORD, timeoutMs: 120_000 });

const dir = mkdtempSync(join(tmpdir(), 'wa-bench-'));
const spool = openSqliteSpool(join(dir, 'spool.db'));
const journal = openSendJournal(join(dir, 'outbox.db'));
const app = await buildApp({ config, logger: pino({ level: 'silent' }), odoo: gatewayOdoo, spool, api: { sendJournal: journal } });
const base = await app.listen({ host: '127.0.0.1', port: 0 });

async function viaGateway(path: string): Promise<unknown> {
  const res = await request(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const body = (await res.body.json()) as { ok: boolean; error?: unknown };
  if (res.statusCode !== 200 || !body.ok) throw new Error(`${path} → ${res.statusCode} ${JSON.stringify(body.error)}`);
  return body;
}

const fields = [...MESSAGE_FIELDS];
const page = (domain: Domain, order: 'asc' | 'desc', limit: number) =>
  Promise.all([
    directOdoo.searchRead(HISTORY_MODEL, domain, { fields, limit, offset: 0, order: timestampOrder(order) }),
    directOdoo.searchCount(HISTORY_MODEL, domain),
  ]);

const now = new Date();
const to = new Date(Math.floor(now.getTime() / 1000) * 1000 + 1000);
const from = new Date(to.getTime() - 30 * 86_400_000);
const window: Domain = [
  ['timestamp', '>=', toOdooDatetime(from)],
  ['timestamp', '<', toOdooDatetime(to)],
];

interface Case {
  name: string;
  gateway: () => Promise<unknown>;
  direct: () => Promise<unknown>;
  directLabel?: string;
}

const cases: Case[] = [
  {
    name: 'history by number (50 newest)',
    gateway: () => viaGateway(`/api/wa/get_history?phone=${encodeURIComponent(phone)}&limit=50`),
    direct: () => page([['phone', '=', phone]], 'desc', 50),
  },
  {
    name: 'conversation (100 oldest)',
    gateway: () => viaGateway(`/api/wa/conversation/${encodeURIComponent(phone)}?limit=100`),
    direct: () => page([['phone', '=', phone]], 'asc', 100),
  },
  {
    name: 'text search, common word',
    gateway: () => viaGateway('/api/wa/get_history?q=pesanan&limit=50'),
    direct: () => page([['message', '=ilike', '%pesanan%']], 'desc', 50),
  },
  {
    name: 'text search, rare word',
    gateway: () => viaGateway('/api/wa/get_history?q=langka7&limit=50'),
    direct: () => page([['message', '=ilike', '%langka7%']], 'desc', 50),
  },
  {
    name: 'stats, 30 days by day',
    gateway: () => viaGateway(`/api/wa/stats?date_from=${encodeURIComponent(from.toISOString())}&date_to=${encodeURIComponent(new Date(to.getTime() - 1000).toISOString())}`),
    direct: () =>
      Promise.all([
        directOdoo.readGroup(HISTORY_MODEL, window, ['direction', 'state'], statsGroupBy('day'), { lazy: false, context: { tz: 'UTC' } }),
        directOdoo.readGroup(HISTORY_MODEL, window, ['n:count_distinct(phone)'], [], { context: { tz: 'UTC' } }),
      ]),
  },
  {
    name: 'stats vs fetching every row',
    gateway: () => viaGateway(`/api/wa/stats?date_from=${encodeURIComponent(from.toISOString())}&date_to=${encodeURIComponent(new Date(to.getTime() - 1000).toISOString())}`),
    directLabel: 'naive search_read',
    direct: async () => {
      const rows = await directOdoo.searchRead<{ direction: string; state: string; phone: string }>(HISTORY_MODEL, window, {
        fields: ['direction', 'state', 'phone', 'timestamp'],
      });
      return { total: rows.length, contacts: new Set(rows.map((r) => r.phone)).size };
    },
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)] as number;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

try {
  const total = await directOdoo.searchCount(HISTORY_MODEL, []);
  const forPhone = await directOdoo.searchCount(HISTORY_MODEL, [['phone', '=', phone]]);
  console.log(`Odoo ${config.ODOO_URL} db ${config.ODOO_DB}: ${total} messages, ${forPhone} for ${phone}; ${iterations} iterations per case\n`);
  console.log('case                              gateway p50   p95  |  direct p50   p95  | ratio p50');
  for (const c of cases) {
    for (let i = 0; i < 3; i++) {
      await c.gateway();
      await c.direct();
    }
    const g: number[] = [];
    const d: number[] = [];
    for (let i = 0; i < iterations; i++) {
      // Alternate the order so drift (caches, other load) hits both sides alike.
      if (i % 2 === 0) {
        g.push(await time(c.gateway));
        d.push(await time(c.direct));
      } else {
        d.push(await time(c.direct));
        g.push(await time(c.gateway));
      }
    }
    const ratio = median(g) / median(d);
    const label = c.directLabel ? ` (${c.directLabel})` : '';
    console.log(
      `${c.name.padEnd(32)} ${median(g).toFixed(1).padStart(8)} ${p95(g).toFixed(1).padStart(6)}  | ${median(d).toFixed(1).padStart(8)} ${p95(d).toFixed(1).padStart(6)}  | ${ratio.toFixed(2)}${label}`,
    );
  }
  console.log('\nms; ratio = gateway p50 / direct p50 (≤ 1.2 is the target; for "vs fetching every row" lower is better).');
} finally {
  await app.close();
  spool.close();
  journal.close();
  rmSync(dir, { recursive: true, force: true });
}
