/**
 * `npm run bench -- ingest [--messages 3000] [--rounds 3] [--warmup 200] [--batch <WRITER_BATCH_SIZE>]`
 *
 * End-to-end ingestion into a REAL Odoo 13 (ODOO_URL, ODOO_DB, ODOO_USERNAME, ODOO_PASSWORD; skipped
 * with a message otherwise). The same N Fonnte incoming messages, parsed by the gateway's adapter,
 * reach Odoo two ways in the same run, in --rounds interleaved rounds (a b, b a, a b …) so that both
 * designs see the same machine:
 *  (a) the batched writer: the events are in the spool, `writer.runOnce()` is called until it is
 *      empty — one `create` per batch (WRITER_BATCH_SIZE, default 200), plus the writer's dedupe
 *      pre-check and partner lookups, exactly as the gateway runs it;
 *  (b) one `create` per message, sequentially (the seed's design), with the same values and the
 *      same XML-RPC client — without partner lookups or dedupe, so (b) is if anything flattered.
 * Provider ids are unique per run (`ing-<run>-…`); every record of the run is unlinked afterwards.
 * A warm-up of --warmup messages per design runs first and is not timed.
 * Bound: 2 × (N + warm-up) records.
 */
import type { MessageEvent } from '../src/domain/message.js';
import { HISTORY_MODEL, inboundMessageValues } from '../src/odoo/repositories/history-fields.js';
import { parseFonnte } from '../src/providers/fonnte/parse.js';
import { fonnteBody } from './lib/corpus.js';
import { countingOdoo, describeCalls, totalCalls, type CallStats } from './lib/counting-odoo.js';
import { startBenchGateway, inlineWriter } from './lib/gateway.js';
import { clientFor, odooTargetFromEnv, skipMessage, trivialCallMs, unlinkAll } from './lib/odoo-target.js';
import { int, machineHeader, ms, numberArg, ratio, seconds, table } from './lib/report.js';

const TARGET_RATIO = 10;

/** Corpus position: every message of a run gets its own sender and text (see fonnteBody). */
let nextContent = 0;

function events(prefix: string, count: number): MessageEvent[] {
  const now = new Date();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  return Array.from({ length: count }, (_, k) => {
    const parsed = parseFonnte(JSON.parse(fonnteBody(prefix, k, nowSeconds, nextContent++)), { defaultCountry: 'ID', receivedAt: now });
    if (!parsed.ok || parsed.events[0]?.kind !== 'message') throw new Error(`bench payload rejected: ${JSON.stringify(parsed)}`);
    return parsed.events[0];
  });
}

export async function run(args: Record<string, string>): Promise<void> {
  const target = odooTargetFromEnv();
  if ('missing' in target) {
    console.log(skipMessage('ingest', target.missing));
    return;
  }
  const messages = Math.floor(numberArg(args, 'messages', 3000));
  const warmup = Math.floor(numberArg(args, 'warmup', 200));
  const rounds = Math.floor(numberArg(args, 'rounds', 3));
  const runId = `ing-${Date.now().toString(36)}-`;
  const direct = clientFor(target);
  const odoo = countingOdoo(clientFor(target, 'user', 120_000));
  const bench = await startBenchGateway({
    odoo: target,
    overrides: { odoo },
    listen: false,
    ...(args.batch ? { settings: { WRITER_BATCH_SIZE: args.batch } } : {}),
  });
  const { gateway } = bench;
  const writer = inlineWriter(gateway, bench.config);
  const mediaUrl = (media: NonNullable<MessageEvent['media']>) => media.url ?? null;

  async function batched(prefix: string, count: number): Promise<number> {
    gateway.spool.enqueue(events(prefix, count));
    const started = performance.now();
    for (;;) {
      const pass = await writer.runOnce();
      if (pass.retryAfterError) throw pass.retryAfterError;
      if (!pass.worked) break;
    }
    const elapsed = performance.now() - started;
    const left = gateway.spool.stats();
    if (left.pending > 0 || left.deadLetters > 0) throw new Error(`writer left ${left.pending} pending, ${left.deadLetters} dead letters`);
    return elapsed;
  }

  async function oneByOne(prefix: string, count: number): Promise<number> {
    const values = events(prefix, count).map((e) => inboundMessageValues({ event: e, partnerId: null, mediaUrl: e.media ? mediaUrl(e.media) : null }));
    const started = performance.now();
    for (const v of values) await odoo.create(HISTORY_MODEL, v);
    return performance.now() - started;
  }

  async function countRun(prefix: string): Promise<{ rows: number; distinct: number }> {
    const rows = await direct.searchRead<{ provider_message_id: string }>(HISTORY_MODEL, [['provider_message_id', '=like', `${prefix}%`]], {
      fields: ['provider_message_id'],
    });
    return { rows: rows.length, distinct: new Set(rows.map((r) => r.provider_message_id)).size };
  }

  try {
    const rowsBefore = await direct.searchCount(HISTORY_MODEL, []);
    const callMs = await trivialCallMs(direct);
    console.log(
      machineHeader('ingest', {
        odoo: `real Odoo 13 at ${target.url}, db ${target.db} (${int(rowsBefore)} whatsapp.history rows), as ${target.username}; trivial call median ${ms(callMs)} ms`,
        messages: `${int(messages)} per design in ${rounds} interleaved rounds (+ ${int(warmup)} warm-up each, untimed), Fonnte incoming texts, ~20,000-number skewed pool`,
        writer: `WRITER_BATCH_SIZE=${bench.config.WRITER_BATCH_SIZE}`,
      }),
    );
    await batched(`${runId}wa-`, warmup);
    await oneByOne(`${runId}wb-`, warmup);

    // Interleaved rounds, alternating which design goes first, so both see the same machine.
    let batchedMs = 0;
    let singleMs = 0;
    const batchedCalls = new Map<string, CallStats>();
    const singleCalls = new Map<string, CallStats>();
    const addCalls = (into: Map<string, CallStats>) => {
      for (const [key, s] of odoo.calls) {
        const sum = into.get(key) ?? { n: 0, ms: 0 };
        into.set(key, { n: sum.n + s.n, ms: sum.ms + s.ms });
      }
      odoo.reset();
    };
    for (let round = 0; round < rounds; round++) {
      const count = Math.floor(messages / rounds) + (round < messages % rounds ? 1 : 0);
      const doBatched = async () => {
        odoo.reset();
        batchedMs += await batched(`${runId}a${round}-`, count);
        addCalls(batchedCalls);
      };
      const doSingle = async () => {
        odoo.reset();
        singleMs += await oneByOne(`${runId}b${round}-`, count);
        addCalls(singleCalls);
      };
      if (round % 2 === 0) {
        await doBatched();
        await doSingle();
      } else {
        await doSingle();
        await doBatched();
      }
    }

    const [countA, countB] = [await countRun(`${runId}a`), await countRun(`${runId}b`)];
    const rateA = (messages * 1000) / batchedMs;
    const rateB = (messages * 1000) / singleMs;
    console.log('\n### Results\n');
    console.log(
      table(
        ['design', 'N', 'Odoo RPCs', 'time', 'records/s', 'ms per message', 'in Odoo'],
        [
          [`(a) batched writer (${bench.config.WRITER_BATCH_SIZE} per create)`, int(messages), int(totalCalls(batchedCalls)), seconds(batchedMs), int(rateA), ms(batchedMs / messages), int(countA.distinct)],
          ['(b) one create per message (seed design)', int(messages), int(totalCalls(singleCalls)), seconds(singleMs), int(rateB), ms(singleMs / messages), int(countB.distinct)],
        ],
      ),
    );
    console.log(`\n(a) calls: ${describeCalls(batchedCalls)}`);
    console.log(`(b) calls: ${describeCalls(singleCalls)}`);
    console.log(`ratio (a)/(b) records/s: ${ratio(rateA / rateB, 1)} — target ≥ ${TARGET_RATIO}×: ${rateA / rateB >= TARGET_RATIO ? 'MET' : 'MISSED'}`);
    const ok = countA.rows === messages && countA.distinct === messages && countB.rows === messages && countB.distinct === messages;
    console.log(`count check: (a) ${int(countA.rows)} records, (b) ${int(countB.rows)} records, expected ${int(messages)} each → ${ok ? 'OK' : 'FAILED'}`);
    if (!ok) process.exitCode = 1;
  } finally {
    await bench.close();
    const removed = await unlinkAll(clientFor(target, 'admin'), [['provider_message_id', '=like', `${runId}%`]]);
    console.log(`clean-up: removed ${int(removed)} records of this run from ${target.db}`);
  }
}
