/**
 * `npm run bench -- recovery [--messages 2000] [--rate 500] [--down-extra 0] [--max-backoff-ms <WRITER_MAX_BACKOFF_MS>]`
 *
 * Odoo unreachable while N webhooks arrive, then reachable again: how long until all N are in Odoo,
 * and are they there exactly once?
 *
 * Odoo is never stopped (others use it): the gateway reaches Odoo through a TCP proxy on 127.0.0.1
 * (bench/lib/proxy.ts, in its own process) that is cut (listener closed, connections destroyed:
 * ECONNREFUSED, as a stopped Odoo) and restored. Odoo is the real one when ODOO_URL/ODOO_DB/
 * ODOO_USERNAME/ODOO_PASSWORD are set (records are removed afterwards), else the test double.
 *
 * Baseline in the same run, same gateway, same N: the webhooks are acknowledged while the writer is
 * not running, then the writer starts with Odoo up — the clean drain. Then the outage: writer running,
 * proxy cut, N webhooks (open loop at --rate), Odoo kept away --down-extra more seconds, proxy
 * restored; the clock runs from the restore until the spool is empty. Ratio: outage drain / clean drain.
 * Bound: 2 × N webhooks; the drain waits at most WRITER_MAX_BACKOFF_MS + 5 minutes.
 */
import { HISTORY_MODEL } from '../src/odoo/repositories/history-fields.js';
import { startChild, type Child } from './lib/child.js';
import { BENCH_WEBHOOK_SECRET, startBenchGateway, type BenchGateway } from './lib/gateway.js';
import { runPhase, type PhaseResult } from './lib/loadgen.js';
import { clientFor, odooTargetFromEnv, trivialCallMs, unlinkAll, type OdooTarget } from './lib/odoo-target.js';
import { int, machineHeader, ms, numberArg, ratio, seconds, sleep, summarize, table } from './lib/report.js';

interface Drain {
  /** From the start (writer started / proxy restored) to the first record delivered. */
  firstMs: number;
  /** From the start until the spool is empty. */
  totalMs: number;
}

async function measureDrain(bench: BenchGateway, expected: number, startedAt: number, limitMs: number): Promise<Drain> {
  let firstMs = Number.NaN;
  const deadline = startedAt + limitMs;
  for (;;) {
    const pending = bench.gateway.spool.stats().pending;
    const now = performance.now();
    if (Number.isNaN(firstMs) && pending < expected) firstMs = now - startedAt;
    if (pending === 0) return { firstMs, totalMs: now - startedAt };
    if (now > deadline) throw new Error(`spool still holds ${pending} events ${Math.round(limitMs / 1000)} s after the start`);
    await sleep(10);
  }
}

export async function run(args: Record<string, string>): Promise<void> {
  const messages = Math.floor(numberArg(args, 'messages', 2000));
  const rate = numberArg(args, 'rate', 500);
  const downExtraMs = args['down-extra'] === undefined ? 0 : numberArg(args, 'down-extra', 1) * 1000;
  const found = odooTargetFromEnv();
  const real: OdooTarget | undefined = 'missing' in found ? undefined : found;

  let double: (Child & { ready: Record<string, unknown> }) | undefined;
  let odoo: { url: string; db: string; username: string; password: string };
  if (real) odoo = real;
  else {
    double = await startChild(new URL('./lib/double-child.ts', import.meta.url));
    odoo = { url: String(double.ready.url), db: String(double.ready.db), username: 'admin', password: 'admin' };
  }
  const odooUrl = new URL(odoo.url);
  const proxy = await startChild(new URL('./lib/proxy-child.ts', import.meta.url), {
    env: { BENCH_PROXY_TARGET: `${odooUrl.hostname}:${odooUrl.port || (odooUrl.protocol === 'https:' ? '443' : '80')}` },
  });
  const proxiedUrl = `${odooUrl.protocol}//${odooUrl.username ? `${odooUrl.username}:${odooUrl.password}@` : ''}127.0.0.1:${String(proxy.ready.port)}${odooUrl.pathname.replace(/\/$/, '')}`;
  const generator = await startChild(new URL('./lib/loadgen-child.ts', import.meta.url));
  const bench = await startBenchGateway({
    odoo: { ...odoo, url: proxiedUrl },
    ...(args['max-backoff-ms'] ? { settings: { WRITER_MAX_BACKOFF_MS: args['max-backoff-ms'] } } : {}),
  });
  const { gateway } = bench;
  const runId = `rec-${Date.now().toString(36)}-`;
  const direct = real ? clientFor(real) : undefined;

  async function countInOdoo(prefix: string): Promise<{ rows: number; distinct: number }> {
    if (double) return double.request({ type: 'count', prefix });
    const rows = await (direct as NonNullable<typeof direct>).searchRead<{ provider_message_id: string }>(
      HISTORY_MODEL,
      [['provider_message_id', '=like', `${prefix}%`]],
      { fields: ['provider_message_id'] },
    );
    return { rows: rows.length, distinct: new Set(rows.map((r) => r.provider_message_id)).size };
  }

  async function send(prefix: string, contentOffset: number): Promise<PhaseResult> {
    const result = await runPhase(generator, {
      baseUrl: bench.baseUrl,
      rate,
      durationMs: (messages * 1000) / rate,
      request: { kind: 'fonnte', path: `/api/wa/webhook?secret=${BENCH_WEBHOOK_SECRET}`, idPrefix: prefix, contentOffset },
      connections: 32,
    });
    if (result.ok !== messages) throw new Error(`only ${result.ok} of ${messages} webhooks were acknowledged: ${JSON.stringify({ ...result.statuses, ...result.errors })}`);
    return result;
  }

  try {
    const callMs = direct ? await trivialCallMs(direct) : Number.NaN;
    console.log(
      machineHeader('recovery', {
        odoo: real
          ? `real Odoo 13 at ${real.url}, db ${real.db}, as ${real.username}; trivial call median ${ms(callMs)} ms`
          : 'test double (test/odoo-double) in its own process (ODOO_URL not set)',
        path: `gateway → TCP proxy 127.0.0.1:${String(proxy.ready.port)} (own process) → Odoo`,
        gateway: `WRITER_BATCH_SIZE=${bench.config.WRITER_BATCH_SIZE}, WRITER_MAX_BACKOFF_MS=${bench.config.WRITER_MAX_BACKOFF_MS}, spool ${bench.dir}/spool.db`,
        webhooks: `${int(messages)} per phase, Fonnte, open loop at ${rate}/s`,
      }),
    );
    // Log in and touch the model before anything is timed.
    const ready = await gateway.readiness();
    if (!ready.ready) throw new Error(`gateway not ready through the proxy: ${JSON.stringify(ready.checks)}`);

    // ---- baseline: N spooled while the writer is stopped, then a clean drain with Odoo up
    const basePrefix = `${runId}base-`;
    await send(basePrefix, 0);
    const baseStart = performance.now();
    gateway.startWorkers();
    const base = await measureDrain(bench, messages, baseStart, 300_000);
    const baseCount = await countInOdoo(basePrefix);

    // ---- outage: proxy cut while N arrive, then restored
    const outPrefix = `${runId}out-`;
    await proxy.request({ type: 'cut' });
    const cutAt = performance.now();
    const sent = await send(outPrefix, messages);
    if (downExtraMs > 0) await sleep(downExtraMs);
    const downMs = performance.now() - cutAt;
    const pendingAtRestore = gateway.spool.stats().pending;
    const restoreAt = performance.now();
    await proxy.request({ type: 'restore' });
    const out = await measureDrain(bench, messages, restoreAt, bench.config.WRITER_MAX_BACKOFF_MS + 300_000);
    const outCount = await countInOdoo(outPrefix);
    const dead = gateway.spool.stats().deadLetters;

    const rows = [
      ['clean drain (Odoo up, writer started)', base, baseCount],
      ['after outage (from restore)', out, outCount],
    ] as const;
    console.log('\n### Results\n');
    console.log(
      table(
        ['phase', 'N', 'first record after', 'all in Odoo after', 'records/s (whole drain)', 'records/s (first→last)', 'in Odoo', 'distinct ids', 'check'],
        rows.map(([label, d, c]) => [
          label,
          int(messages),
          seconds(d.firstMs),
          seconds(d.totalMs),
          int((messages * 1000) / d.totalMs),
          int((messages * 1000) / (d.totalMs - d.firstMs)),
          int(c.rows),
          int(c.distinct),
          c.rows === messages && c.distinct === messages ? 'exactly N' : 'FAILED',
        ]),
      ),
    );
    console.log(
      `\noutage: Odoo unreachable for ${seconds(downMs)} while ${int(sent.ok)} webhooks were acknowledged (p99 ack ${ms(summarize(sent.latenciesMs).p99)} ms);` +
        ` at restore ${int(pendingAtRestore)} events were spooled (the writer, in its own thread, probes Odoo every 2 s while paused);` +
        ` dead letters: ${dead}`,
    );
    console.log(`ratio: drain after outage / clean drain = ${ratio(out.totalMs / base.totalMs)} (time to first record after restore: ${seconds(out.firstMs)})`);
    if (baseCount.rows !== messages || outCount.rows !== messages || baseCount.distinct !== messages || outCount.distinct !== messages) process.exitCode = 1;
  } finally {
    await bench.close();
    await generator.close();
    await proxy.close();
    if (double) await double.close();
    if (real) {
      const removed = await unlinkAll(clientFor(real, 'admin'), [['provider_message_id', '=like', `${runId}%`]]);
      console.log(`clean-up: removed ${int(removed)} records of this run from ${real.db}`);
    }
  }
}
