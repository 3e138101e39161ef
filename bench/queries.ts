/**
 * `npm run bench -- queries [--runs 30] [--warmup 5] [--naive-runs 5] [--min-rows 1000000]`
 *
 * REST reads against a real Odoo 13 holding ≥ 1,000,000 whatsapp.history rows (`npm run bench -- seed`
 * first, in a database of its own). For each query, the gateway's REST endpoint (app.listen on
 * 127.0.0.1, a read token, one kept-alive connection) against the SAME Odoo calls sent straight to
 * Odoo with the gateway's XML-RPC client — same domains, fields, limits, orders, and the same calls
 * in parallel as the service makes (built with the service's own helpers) — so the ratio is what the
 * gateway adds. Then GET /api/wa/stats against the naive way: fetch every row of the window and count
 * in the client.
 *
 * Runs alternate (gateway first, then direct first) after a warm-up; medians are compared.
 * History and conversation rotate over 30 numbers with ~100+ messages each, given in national form
 * (0812…) to the gateway, E.164 to Odoo. Bound: (warm-up + runs) × 2 calls per query; naive stats
 * --naive-runs times.
 */
import { Pool } from 'undici';
import { HISTORY_MODEL } from '../src/odoo/repositories/history-fields.js';
import type { XmlRpcOdooClient } from '../src/odoo/xmlrpc-client.js';
import type { Domain } from '../src/odoo/types.js';
import { historyDomain, MESSAGE_FIELDS, timestampOrder } from '../src/odoo/repositories/history-fields.js';
import { statsGroupBy } from '../src/odoo/repositories/history-stats.js';
import { statsWindow } from '../src/services/stats-service.js';
import { toOdooDatetime } from '../src/odoo/datetime.js';
import { COMMON_WORD, phoneOf, RARE_WORD } from './lib/corpus.js';
import { BENCH_READ_TOKEN, startBenchGateway } from './lib/gateway.js';
import { clientFor, odooTargetFromEnv, skipMessage, trivialCallMs } from './lib/odoo-target.js';
import { int, machineHeader, median, ms, numberArg, percentileSorted, ratio, table } from './lib/report.js';
import { countSeeded } from './seed.js';

const TARGET_RATIO = 1.2;
/** The history service reads this many of a thread's newest records for its identity (history-service.ts). */
const IDENTITY_LOOKBACK = 5;
/** Contacts with ~100–130 messages each in the seeded distribution (bench/lib/corpus.ts). */
const PHONE_INDEXES = Array.from({ length: 30 }, (_, i) => 500 + i);

const national = (e164: string) => `0${e164.slice(3)}`;

interface Case {
  name: string;
  /** Gateway path for run i. */
  path(i: number): string;
  /** The service's Odoo calls for run i; resolves to the total it reports. */
  direct(odoo: XmlRpcOdooClient, i: number): Promise<number>;
  /** The total in the gateway's answer. */
  total(body: GatewayBody): number;
}

interface GatewayBody {
  ok: boolean;
  data: unknown;
  meta?: { total: number };
}

function pageCalls(odoo: XmlRpcOdooClient, domain: Domain, limit: number, order: 'asc' | 'desc') {
  return Promise.all([
    odoo.searchRead(HISTORY_MODEL, domain, { fields: [...MESSAGE_FIELDS], limit, offset: 0, order: timestampOrder(order) }),
    odoo.searchCount(HISTORY_MODEL, domain),
  ]);
}

function statsCalls(odoo: XmlRpcOdooClient) {
  const window = statsWindow({ granularity: 'day' }, new Date(), []);
  const domain: Domain = [
    ['timestamp', '>=', toOdooDatetime(window.from)],
    ['timestamp', '<', toOdooDatetime(window.to)],
  ];
  const context = { tz: 'UTC' };
  return {
    window,
    domain,
    run: () =>
      Promise.all([
        odoo.readGroup(HISTORY_MODEL, domain, ['direction', 'state'], statsGroupBy('day'), { lazy: false, context }),
        odoo.readGroup(HISTORY_MODEL, domain, ['n:count_distinct(phone)'], [], { context }),
      ]),
  };
}

const CASES: Case[] = [
  {
    name: 'history of one number, 50 newest',
    path: (i) => `/api/wa/get_history?phone=${national(phoneOf(PHONE_INDEXES[i % PHONE_INDEXES.length] as number))}&limit=50`,
    direct: async (odoo, i) => (await pageCalls(odoo, historyDomain({ phone: phoneOf(PHONE_INDEXES[i % PHONE_INDEXES.length] as number) }), 50, 'desc'))[1],
    total: (b) => b.meta?.total ?? -1,
  },
  {
    name: 'conversation, 100 oldest first',
    path: (i) => `/api/wa/conversation/${national(phoneOf(PHONE_INDEXES[i % PHONE_INDEXES.length] as number))}?limit=100`,
    direct: async (odoo, i) => {
      const phone = phoneOf(PHONE_INDEXES[i % PHONE_INDEXES.length] as number);
      const [[, total]] = await Promise.all([
        pageCalls(odoo, historyDomain({ phone }), 100, 'asc'),
        odoo.searchRead(HISTORY_MODEL, [['phone', '=', phone], '|', ['contact_name', '!=', false], ['partner_id', '!=', false]], {
          fields: ['contact_name', 'partner_id'],
          limit: IDENTITY_LOOKBACK,
          order: timestampOrder('desc'),
        }),
      ]);
      return total;
    },
    total: (b) => b.meta?.total ?? -1,
  },
  {
    name: `text search, common word (q=${COMMON_WORD})`,
    path: () => `/api/wa/get_history?q=${COMMON_WORD}&limit=50`,
    direct: async (odoo) => (await pageCalls(odoo, historyDomain({ q: COMMON_WORD }), 50, 'desc'))[1],
    total: (b) => b.meta?.total ?? -1,
  },
  {
    name: `text search, rare word (q=${RARE_WORD})`,
    path: () => `/api/wa/get_history?q=${RARE_WORD}&limit=50`,
    direct: async (odoo) => (await pageCalls(odoo, historyDomain({ q: RARE_WORD }), 50, 'desc'))[1],
    total: (b) => b.meta?.total ?? -1,
  },
  {
    name: 'stats, last 30 days (2 read_group)',
    path: () => '/api/wa/stats',
    direct: async (odoo) => {
      const [grouped] = await statsCalls(odoo).run();
      return grouped.reduce((sum, row) => sum + (typeof row.__count === 'number' ? row.__count : 0), 0);
    },
    total: (b) => (b.data as { total: number }).total,
  },
];

interface Measured {
  name: string;
  gateway: number[];
  direct: number[];
  totals: { gateway: number; direct: number };
}

export async function run(args: Record<string, string>): Promise<void> {
  const target = odooTargetFromEnv();
  if ('missing' in target) {
    console.log(skipMessage('queries', target.missing));
    return;
  }
  const runs = Math.floor(numberArg(args, 'runs', 30));
  const warmup = Math.floor(numberArg(args, 'warmup', 5));
  const naiveRuns = Math.floor(numberArg(args, 'naive-runs', 5));
  const minRows = Math.floor(numberArg(args, 'min-rows', 1_000_000));

  const odoo = clientFor(target, 'user', 120_000);
  const rows = await odoo.searchCount(HISTORY_MODEL, []);
  const seeded = await countSeeded(odoo);
  if (rows < minRows) {
    console.log(
      `bench queries needs ≥ ${int(minRows)} whatsapp.history rows in ${target.db}; it has ${int(rows)} (${int(seeded)} seeded).\n` +
        'Seed them first (resumable): npm run bench -- seed   — or pass --min-rows to measure a smaller database.',
    );
    return;
  }

  const bench = await startBenchGateway({ odoo: target });
  const http = new Pool(bench.baseUrl, { connections: 1, pipelining: 1, keepAliveTimeout: 60_000 });
  const headers = { authorization: `Bearer ${BENCH_READ_TOKEN}` };

  async function viaGateway(path: string): Promise<{ ms: number; body: GatewayBody }> {
    const started = performance.now();
    const res = await http.request({ path, method: 'GET', headers });
    const body = (await res.body.json()) as GatewayBody;
    const elapsed = performance.now() - started;
    if (res.statusCode !== 200 || !body.ok) throw new Error(`GET ${path} → ${res.statusCode} ${JSON.stringify(body).slice(0, 300)}`);
    return { ms: elapsed, body };
  }

  async function viaOdoo(fn: () => Promise<number>): Promise<{ ms: number; total: number }> {
    const started = performance.now();
    const total = await fn();
    return { ms: performance.now() - started, total };
  }

  try {
    const callMs = await trivialCallMs(odoo);
    console.log(
      machineHeader('queries', {
        odoo: `real Odoo 13 at ${target.url}, db ${target.db}: ${int(rows)} whatsapp.history rows (${int(seeded)} seeded), as ${target.username}; trivial call median ${ms(callMs)} ms`,
        gateway: `listening ${bench.baseUrl}, LOG_LEVEL=${bench.config.LOG_LEVEL} (sync file), one kept-alive connection, read token`,
        method: `${warmup} warm-up + ${runs} measured runs per query, gateway and direct alternating; medians`,
      }),
    );

    const results: Measured[] = [];
    for (const c of CASES) {
      const m: Measured = { name: c.name, gateway: [], direct: [], totals: { gateway: -1, direct: -1 } };
      for (let i = 0; i < warmup + runs; i++) {
        const gatewayFirst = i % 2 === 0;
        const a = gatewayFirst ? await viaGateway(c.path(i)) : undefined;
        const d = await viaOdoo(() => c.direct(odoo, i));
        const g = a ?? (await viaGateway(c.path(i)));
        if (i === warmup) m.totals = { gateway: c.total(g.body), direct: d.total };
        if (i < warmup) continue;
        m.gateway.push(g.ms);
        m.direct.push(d.ms);
      }
      results.push(m);
      console.log(`  ${c.name}: gateway ${ms(median(m.gateway))} ms, direct ${ms(median(m.direct))} ms`);
    }

    // Stats vs the naive way: every row of the window over XML-RPC, counted here.
    const stats = statsCalls(odoo);
    const naive: number[] = [];
    const statsGateway: number[] = [];
    let naiveSummary = { rows: 0, incoming: 0, outgoing: 0, failed: 0, contacts: 0 };
    let gatewayStats = { total: 0, incoming: 0, outgoing: 0, failed: 0, unique_contacts: 0 };
    for (let i = 0; i < naiveRuns + 1; i++) {
      const started = performance.now();
      const all = await odoo.searchRead<{ id: number; phone: string; direction: string; state: string; timestamp: string }>(HISTORY_MODEL, stats.domain, {
        fields: ['phone', 'direction', 'state', 'timestamp'],
      });
      const perDay = new Map<string, number>();
      const contacts = new Set<string>();
      let incoming = 0;
      let failed = 0;
      for (const row of all) {
        contacts.add(row.phone);
        if (row.direction === 'in') incoming++;
        if (row.state === 'failed') failed++;
        const day = row.timestamp.slice(0, 10);
        perDay.set(day, (perDay.get(day) ?? 0) + 1);
      }
      const elapsed = performance.now() - started;
      // The same window as the naive fetch (date_to is inclusive, whole seconds).
      const g = await viaGateway(
        `/api/wa/stats?date_from=${stats.window.from.toISOString()}&date_to=${new Date(stats.window.to.getTime() - 1000).toISOString()}`,
      );
      if (i === 0) {
        naiveSummary = { rows: all.length, incoming, outgoing: all.length - incoming, failed, contacts: contacts.size };
        gatewayStats = g.body.data as typeof gatewayStats;
        continue; // warm-up
      }
      naive.push(elapsed);
      statsGateway.push(g.ms);
    }

    console.log('\n### Gateway vs the same calls straight to Odoo\n');
    console.log(
      table(
        ['query', 'runs', 'gateway median ms', 'gateway p90 ms', 'direct median ms', 'direct p90 ms', 'ratio (medians)', `≤ ${TARGET_RATIO}×`, 'total (gw / direct)'],
        results.map((m) => {
          const r = median(m.gateway) / median(m.direct);
          return [
            m.name,
            int(m.gateway.length),
            ms(median(m.gateway)),
            ms(percentileSorted([...m.gateway].sort((a, b) => a - b), 90)),
            ms(median(m.direct)),
            ms(percentileSorted([...m.direct].sort((a, b) => a - b), 90)),
            ratio(r),
            r <= TARGET_RATIO ? 'met' : 'MISSED',
            `${int(m.totals.gateway)} / ${int(m.totals.direct)}`,
          ];
        }),
      ),
    );
    const naiveMedian = median(naive);
    const statsMedian = median(statsGateway);
    console.log('\n### Stats: computed in Odoo (gateway) vs fetching every row of the window\n');
    console.log(
      table(
        ['way', 'runs', 'median ms', 'rows moved', 'total / in / out / failed / contacts'],
        [
          ['GET /api/wa/stats, same window (read_group ×2)', int(statsGateway.length), ms(statsMedian), '0', `${int(gatewayStats.total)} / ${int(gatewayStats.incoming)} / ${int(gatewayStats.outgoing)} / ${int(gatewayStats.failed)} / ${int(gatewayStats.unique_contacts)}`],
          ['naive: search_read all rows + count here', int(naive.length), ms(naiveMedian), int(naiveSummary.rows), `${int(naiveSummary.rows)} / ${int(naiveSummary.incoming)} / ${int(naiveSummary.outgoing)} / ${int(naiveSummary.failed)} / ${int(naiveSummary.contacts)}`],
        ],
      ),
    );
    console.log(`\nratio naive / gateway stats: ${ratio(naiveMedian / statsMedian, 1)} (window ${stats.window.from.toISOString()} … ${stats.window.to.toISOString()})`);
    const mismatched = results.filter((m) => m.totals.gateway !== m.totals.direct);
    const statsAgree = gatewayStats.total === naiveSummary.rows && gatewayStats.unique_contacts === naiveSummary.contacts && gatewayStats.failed === naiveSummary.failed;
    console.log(
      `answers agree: ${mismatched.length === 0 ? 'every query reported the same total via the gateway and directly' : `DIFFERENT totals for ${mismatched.map((m) => m.name).join(', ')}`}; stats vs naive ${statsAgree ? 'agree' : 'DIFFER'}`,
    );
  } finally {
    await http.close();
    await bench.close();
  }
}
