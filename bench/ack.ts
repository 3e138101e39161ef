/**
 * `npm run bench -- ack [--rates 250,500,1000,1500] [--duration 10] [--warmup 3] [--connections 64] [--log-level info]`
 *
 * Webhook acknowledgement latency (p50/p99/max) and achieved throughput at fixed offered rates.
 *
 * Set-up, all on 127.0.0.1: the real gateway (createGateway + app.listen) with its SQLite spool
 * (WAL, synchronous=FULL) on local disk, committed by its committer thread, and the delivery thread
 * running; the Odoo 13 double in a process of
 * its own behind it; an open-loop generator (bench/lib/loadgen.ts) in a third process sending
 * distinct Fonnte incoming-message webhooks (unique inboxid, the right ?secret) over kept-alive
 * connections. Latency is measured from each request's scheduled send time.
 *
 * Baseline, same run, same rates, same generator: GET /healthz (no body, no spool, no Odoo). The
 * ratio webhook p99 / healthz p99 is what the webhook path itself adds. At each rate the baseline
 * runs first, then the webhooks; the next phase starts only when the writer has emptied the spool.
 *
 * Count check, per webhook phase, once the writer has emptied the spool: every acknowledged webhook
 * reached the double, exactly once. The double scans all its rows on every call (fine for tests, not
 * for 10,000s of rows), so during webhook phases the run's ids are collected and the double emptied
 * every second; its CPU time per phase is printed (it shares the 2 cores with the gateway).
 * Diagnostic option `--writer off`: the writer does not run during the phases (it drains the spool
 * between them), which shows what delivery (its thread's CPU and the double's) costs the acknowledgements.
 * Bound: Σ rates × duration × 2 requests (65,000 with the defaults), about 2 minutes.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { InboundEvent } from '../src/domain/message.js';
import { parseFonnte } from '../src/providers/fonnte/parse.js';
import { openSqliteSpool } from '../src/spool/sqlite-spool.js';
import { startChild } from './lib/child.js';
import { fonnteBody } from './lib/corpus.js';
import { BENCH_WEBHOOK_SECRET, startBenchGateway, inlineWriter } from './lib/gateway.js';
import { runPhase, type LoadRequest, type PhaseResult } from './lib/loadgen.js';
import { int, listArg, machineHeader, ms, numberArg, ratio, seconds, summarize, table, waitFor, type Summary } from './lib/report.js';

const TARGET_RATE = 1000;
const TARGET_P99_MS = 10;

interface Row {
  rate: number;
  path: 'healthz' | 'webhook';
  result: PhaseResult;
  latency: Summary;
  gatewayCpuPct: number;
  /** The gateway's event-loop delay p99 during the phase (ms). */
  loopDelayP99: number;
  doubleCpuS: number;
  maxSpoolDepth: number;
  drainMs: number;
  /** Acknowledged webhooks of this phase, and how many of them the double lacks / holds twice. */
  acked: number;
  missing: number;
  duplicates: number;
  /** Odoo RPCs the writer made for this phase (all kinds) and how many of them were batch creates. */
  writerCalls: { rpcs: number; creates: number };
}

export async function run(args: Record<string, string>): Promise<void> {
  const rates = listArg(args, 'rates', [250, 500, 1000, 1500]);
  const durationMs = numberArg(args, 'duration', 10) * 1000;
  const warmupMs = numberArg(args, 'warmup', 3) * 1000;
  const connections = numberArg(args, 'connections', 64);
  const logLevel = args['log-level'] ?? 'info';
  // Diagnostic: `--writer off` leaves the writer stopped during the phases (the spool is emptied by
  // writer.runOnce() between phases), to see what delivery's CPU on the shared cores costs the acks.
  const writerOn = args.writer !== 'off';

  const double = await startChild(new URL('./lib/double-child.ts', import.meta.url));
  const generator = await startChild(new URL('./lib/loadgen-child.ts', import.meta.url));
  const bench = await startBenchGateway({
    odoo: { url: String(double.ready.url), db: String(double.ready.db), username: 'admin', password: 'admin' },
    logLevel,
  });
  const { gateway } = bench;
  const writer = inlineWriter(gateway, bench.config);
  if (writerOn) gateway.startWorkers();

  console.log(
    machineHeader('ack', {
      gateway: `pid ${process.pid}, listening ${bench.baseUrl}, LOG_LEVEL=${logLevel} (sync file), WRITER_BATCH_SIZE=${bench.config.WRITER_BATCH_SIZE}, spool ${bench.dir}/spool.db (WAL, synchronous=FULL)`,
      odoo: `test double (test/odoo-double) in its own process, pid ${double.pid}`,
      generator: `open loop, undici Pool (${connections} keep-alive connections), own process pid ${generator.pid}`,
      phases: `rates ${rates.join(', ')}/s × ${durationMs / 1000} s, GET /healthz then POST /api/wa/webhook (Fonnte) at each; warm-up ${warmupMs / 1000} s of each at 250/s`,
      ...(writerOn ? {} : { 'DIAGNOSTIC': 'writer OFF during the phases (--writer off); the spool is drained between phases' }),
    }),
  );

  console.log(`${describeCommitCost(bench.dir)}\n`);

  const runId = `ack-${Date.now().toString(36)}-`;
  const webhookPath = `/api/wa/webhook?secret=${BENCH_WEBHOOK_SECRET}`;
  const rows: Row[] = [];

  let maxDepth = 0;
  const depthPoll = setInterval(() => {
    maxDepth = Math.max(maxDepth, gateway.spool.stats().pending);
  }, 250);

  // The double scans all its rows on every search and unique check (~0.3 s per 200-id search_read and
  // ~1.7 s per 200-record create at 20,000 rows, measured), unlike Odoo with its indexes; left to fill
  // up it would eat a core and starve the gateway. So every second the run's ids are collected and the
  // double emptied (both in one step in its process); the count check uses the collected ids.
  /** Each webhook phase continues the corpus where the last one stopped (new senders, new texts). */
  let contentOffset = 0;
  const harvested = new Map<string, number>();
  const odooCalls = { rpcs: 0, creates: 0 };
  let harvestTimer: NodeJS.Timeout | undefined;
  let harvesting: Promise<void> = Promise.resolve();
  async function harvest(prefix: string): Promise<void> {
    await harvesting;
    harvesting = (async () => {
      const got = await double.request<{ ids: string[]; rpcs: number; creates: number }>({ type: 'harvest', prefix });
      for (const id of got.ids) harvested.set(id, (harvested.get(id) ?? 0) + 1);
      odooCalls.rpcs += got.rpcs;
      odooCalls.creates += got.creates;
    })();
    await harvesting;
  }
  function startHarvest(prefix: string): void {
    harvestTimer = setInterval(() => void harvest(prefix), 1000);
  }
  function stopHarvest(): void {
    clearInterval(harvestTimer);
  }

  async function phase(rate: number, path: 'healthz' | 'webhook', phaseMs: number, tag: string): Promise<Row> {
    const prefix = `${runId}${tag}-`;
    const request: LoadRequest =
      path === 'healthz' ? { kind: 'get', path: '/healthz' } : { kind: 'fonnte', path: webhookPath, idPrefix: prefix, contentOffset };
    if (path === 'webhook') contentOffset += Math.round((rate * phaseMs) / 1000);
    maxDepth = 0;
    const doubleCpuBefore = await double.request<number>({ type: 'cpu' });
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    if (path === 'webhook') {
      await double.request({ type: 'reset' });
      odooCalls.rpcs = 0;
      odooCalls.creates = 0;
      startHarvest(prefix);
    }
    const cpuBefore = process.cpuUsage();
    const result = await runPhase(generator, { baseUrl: bench.baseUrl, rate, durationMs: phaseMs, request, connections });
    const cpu = process.cpuUsage(cpuBefore);
    loopDelay.disable();
    const ended = performance.now();
    if (!writerOn) {
      for (;;) {
        const pass = await writer.runOnce();
        if (pass.retryAfterError) throw pass.retryAfterError;
        if (!pass.worked) break;
      }
    }
    await waitFor(() => gateway.spool.stats().pending === 0, 300_000, 'the writer to empty the spool', 50);
    const drainMs = writerOn ? performance.now() - ended : Number.NaN;
    const doubleCpuS = ((await double.request<number>({ type: 'cpu' })) - doubleCpuBefore) / 1000;

    // Count check of this phase: every acknowledged webhook reached the double, exactly once.
    let acked = 0;
    let missing = 0;
    let duplicates = 0;
    if (path === 'webhook') {
      stopHarvest();
      await harvest(prefix);
      const failed = new Set(result.failedIndices);
      for (let k = 0; k < result.scheduled; k++) {
        if (failed.has(k)) continue;
        acked++;
        if (!harvested.has(`${prefix}${k}`)) missing++;
      }
      for (const n of harvested.values()) if (n > 1) duplicates += n - 1;
      harvested.clear();
    }
    const writerCalls = { ...odooCalls };
    return {
      rate,
      path,
      result,
      latency: summarize(result.latenciesMs),
      gatewayCpuPct: ((cpu.user + cpu.system) / 1000 / result.wallMs) * 100,
      loopDelayP99: loopDelay.percentile(99) / 1e6,
      doubleCpuS,
      maxSpoolDepth: maxDepth,
      drainMs,
      acked,
      missing,
      duplicates,
      writerCalls,
    };
  }

  try {
    await phase(250, 'healthz', warmupMs, 'warmup-h');
    const warm = await phase(250, 'webhook', warmupMs, 'warmup');
    const started = performance.now();
    for (const rate of rates) {
      rows.push(await phase(rate, 'healthz', durationMs, `h${rate}`));
      rows.push(await phase(rate, 'webhook', durationMs, `r${rate}`));
      const last = rows[rows.length - 1] as Row;
      console.log(
        `  ${rate}/s: healthz p99 ${ms((rows[rows.length - 2] as Row).latency.p99)} ms, webhook p99 ${ms(last.latency.p99)} ms (${int(last.result.ok)}/${int(last.result.scheduled)} acknowledged)`,
      );
    }
    const benchMs = performance.now() - started;
    clearInterval(depthPoll);
    const checked = [warm, ...rows.filter((r) => r.path === 'webhook')];
    const ackedTotal = checked.reduce((n, r) => n + r.acked, 0);
    const missing = checked.reduce((n, r) => n + r.missing, 0);
    const duplicates = checked.reduce((n, r) => n + r.duplicates, 0);

    console.log('\n### Results\n');
    console.log(
      table(
        ['offered/s', 'request', 'sent', '2xx', 'achieved/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'gateway CPU', 'loop delay p99', 'double CPU', 'max spool depth', 'drain after', 'Odoo RPCs (creates)'],
        rows.map((r) => [
          int(r.rate),
          r.path === 'healthz' ? 'GET /healthz' : 'POST webhook',
          int(r.result.scheduled),
          int(r.result.ok),
          int((r.result.ok * 1000) / r.result.wallMs),
          ms(r.latency.p50),
          ms(r.latency.p99),
          ms(r.latency.max),
          describeErrors(r.result),
          `${Math.round(r.gatewayCpuPct)} %`,
          `${ms(r.loopDelayP99)} ms`,
          `${r.doubleCpuS.toFixed(1)} s`,
          r.path === 'webhook' ? int(r.maxSpoolDepth) : '–',
          r.path === 'webhook' ? seconds(r.drainMs) : '–',
          r.path === 'webhook' ? `${int(r.writerCalls.rpcs)} (${int(r.writerCalls.creates)})` : '–',
        ]),
      ),
    );
    console.log('\n### Webhook vs /healthz (same rate, same run)\n');
    console.log(
      table(
        ['offered/s', 'p50 ratio', 'p99 ratio', 'webhook p99 ms', `target p99 ≤ ${TARGET_P99_MS} ms`],
        rates.map((rate) => {
          const h = rows.find((r) => r.rate === rate && r.path === 'healthz') as Row;
          const w = rows.find((r) => r.rate === rate && r.path === 'webhook') as Row;
          return [int(rate), ratio(w.latency.p50 / h.latency.p50), ratio(w.latency.p99 / h.latency.p99), ms(w.latency.p99), w.latency.p99 <= TARGET_P99_MS ? 'met' : 'MISSED'];
        }),
      ),
    );
    const lagWorst = rows.reduce((m, r) => Math.max(m, r.result.sendLagMs.p99), 0);
    const genCpu = rows.reduce((s, r) => s + r.result.generatorCpuMs, 0);
    console.log(
      `\ngenerator: worst p99 send lag ${ms(lagWorst)} ms behind schedule; generator CPU ${seconds(genCpu)} over ${seconds(benchMs)} (phases + drains); load average now ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' / ')}`,
    );
    const target = rows.find((r) => r.rate === TARGET_RATE && r.path === 'webhook');
    if (target) {
      console.log(`target (p99 ≤ ${TARGET_P99_MS} ms at ${TARGET_RATE}/s): ${target.latency.p99 <= TARGET_P99_MS ? 'MET' : 'MISSED'} — p99 ${ms(target.latency.p99)} ms`);
    }
    console.log(
      `count check (per phase, warm-up included): ${int(ackedTotal)} webhooks acknowledged, ${missing} of them missing in the double, ${duplicates} duplicates → ${missing === 0 && duplicates === 0 ? 'OK' : 'FAILED'}`,
    );
    if (missing > 0 || duplicates > 0) process.exitCode = 1;
  } finally {
    stopHarvest();
    clearInterval(depthPoll);
    await bench.close();
    await generator.close();
    await double.close();
  }
}

function describeErrors(result: PhaseResult): string {
  const parts = [
    ...Object.entries(result.statuses)
      .filter(([status]) => !status.startsWith('2'))
      .map(([status, n]) => `${n}×${status}`),
    ...Object.entries(result.errors).map(([code, n]) => `${n}×${code}`),
  ];
  return parts.length ? parts.join(', ') : '0';
}

/**
 * What one durable spool commit costs on this disk right now (every webhook waits for one before its
 * answer; the committer thread puts webhooks that arrive together into one): 300 commits of one
 * event, then 30 commits of ten, into a scratch spool next to the real one.
 */
function describeCommitCost(dir: string): string {
  const spool = openSqliteSpool(join(dir, 'commit-probe.db'));
  const now = new Date();
  const event = (k: number): InboundEvent => {
    const parsed = parseFonnte(JSON.parse(fonnteBody('probe-', k, Math.floor(now.getTime() / 1000))), { defaultCountry: 'ID', receivedAt: now });
    if (!parsed.ok || !parsed.events[0]) throw new Error('probe payload rejected');
    return parsed.events[0];
  };
  const single: number[] = [];
  const grouped: number[] = [];
  let k = 0;
  for (let i = 0; i < 300; i++) {
    const e = event(k++);
    const started = performance.now();
    spool.enqueue([e]);
    single.push(performance.now() - started);
  }
  for (let i = 0; i < 30; i++) {
    const events = Array.from({ length: 10 }, () => event(k++));
    const started = performance.now();
    spool.enqueue(events);
    grouped.push(performance.now() - started);
  }
  spool.close();
  const one = summarize(single);
  const ten = summarize(grouped);
  return (
    `spool commit on this disk (WAL, synchronous=FULL), measured now: 1 event per commit p50 ${ms(one.p50)} ms, p99 ${ms(one.p99)} ms, max ${ms(one.max)} ms` +
    ` (≈ ${int(1000 / one.p50)} commits/s in one thread); 10 events per commit p50 ${ms(ten.p50)} ms`
  );
}
