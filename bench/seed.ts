/**
 * `npm run bench -- seed [--rows 1000000] [--batch 500] [--writers 2]`
 *
 * Fills ODOO_DB with `--rows` whatsapp.history records for the queries benchmark: ~20,000 numbers,
 * one year of timestamps, Indonesian texts (bench/lib/corpus.ts). Batched creates (one RPC per
 * `--batch` records), two writers in parallel (more only adds latency on Odoo 13, see
 * odoo13-performance.md). Progress and ETA every few seconds.
 *
 * Resumable and idempotent: records are `seed-<i>` (provider_message_id) and a pure function of i.
 * Nothing happens when the database already holds `--rows` seeded records; after an interrupted run
 * the chunks that may already exist are checked first and only the missing records are created
 * (a batch create is one transaction: a chunk is all there or not at all).
 *
 * Use a database of its own (`odoo13 newdb bench1m`, then install the addon): other people's tests
 * should not see a million rows.
 */
import { HISTORY_MODEL } from '../src/odoo/repositories/history-fields.js';
import { isOdooError } from '../src/odoo/errors.js';
import type { XmlRpcOdooClient } from '../src/odoo/xmlrpc-client.js';
import { clientFor, odooTargetFromEnv, skipMessage } from './lib/odoo-target.js';
import { int, machineHeader, numberArg, seconds } from './lib/report.js';
import { SEED_ID_PREFIX, seedRow } from './lib/seeding.js';

const SEEDED: [string, '=like', string] = ['provider_message_id', '=like', `${SEED_ID_PREFIX}%`];

export async function countSeeded(client: XmlRpcOdooClient): Promise<number> {
  return client.searchCount(HISTORY_MODEL, [SEEDED]);
}

export async function run(args: Record<string, string>): Promise<void> {
  const target = odooTargetFromEnv();
  if ('missing' in target) {
    console.log(skipMessage('seed', target.missing));
    return;
  }
  const rows = Math.floor(numberArg(args, 'rows', 1_000_000));
  const batch = Math.floor(numberArg(args, 'batch', 500));
  const writers = Math.floor(numberArg(args, 'writers', 2));
  const anchorMs = Date.now();
  console.log(machineHeader('seed', { odoo: `${target.url} db=${target.db} as ${target.username}`, rows, batch, writers }));

  const client = clientFor(target);
  const existing = await countSeeded(client);
  if (existing >= rows) {
    console.log(`${int(existing)} seeded records already there (≥ ${int(rows)}): nothing to do.`);
    return;
  }
  const chunks = Math.ceil(rows / batch);
  // A chunk at or past this index was never started (writers take chunks in order, at most
  // `writers` in flight): no need to look before creating it.
  const uncertainBelow = existing === 0 ? 0 : Math.min(chunks, Math.ceil(existing / batch) + writers + 1);
  if (existing > 0) console.log(`resuming: ${int(existing)} seeded records found; checking chunks 0..${uncertainBelow - 1} before creating`);

  let next = 0;
  let created = 0;
  const started = performance.now();
  let lastReport = started;
  let lastCreated = 0;
  const progress = setInterval(() => {
    const now = performance.now();
    const recent = ((created - lastCreated) * 1000) / (now - lastReport);
    const overall = (created * 1000) / (now - started);
    const remaining = rows - existing - created;
    console.log(
      `  ${int(existing + created)} / ${int(rows)} records · ${int(recent)} records/s now, ${int(overall)} overall · ETA ${seconds((remaining / Math.max(overall, 1)) * 1000)}`,
    );
    lastReport = now;
    lastCreated = created;
  }, 5000);

  async function missingOf(values: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    const ids = values.map((v) => v.provider_message_id as string);
    const found = await client.searchRead<{ id: number; provider_message_id: string }>(
      HISTORY_MODEL,
      [['provider', 'in', ['fonnte', 'meta', 'twilio']], ['provider_message_id', 'in', ids]],
      { fields: ['provider_message_id'] },
    );
    const have = new Set(found.map((f) => f.provider_message_id));
    return values.filter((v) => !have.has(v.provider_message_id as string));
  }

  async function writer(): Promise<void> {
    for (;;) {
      const chunk = next++;
      if (chunk >= chunks) return;
      const from = chunk * batch;
      const to = Math.min(rows, from + batch);
      const values: Record<string, unknown>[] = [];
      for (let i = from; i < to; i++) values.push(seedRow(i, anchorMs));
      const todo = chunk < uncertainBelow ? await missingOf(values) : values;
      if (todo.length === 0) continue;
      try {
        await client.createMany(HISTORY_MODEL, todo);
      } catch (error) {
        // Someone else (a second seeding run?) created some of them meanwhile: create the rest.
        if (!isOdooError(error) || error.kind !== 'unique') throw error;
        const rest = await missingOf(todo);
        if (rest.length > 0) await client.createMany(HISTORY_MODEL, rest);
        created += rest.length;
        continue;
      }
      created += todo.length;
    }
  }

  try {
    await Promise.all(Array.from({ length: writers }, () => writer()));
  } finally {
    clearInterval(progress);
  }
  const elapsed = performance.now() - started;
  const total = await countSeeded(client);
  console.log(
    `created ${int(created)} records in ${seconds(elapsed)} (${int((created * 1000) / elapsed)} records/s, batches of ${batch}, ${writers} writers); ${int(total)} seeded records in ${target.db} now`,
  );
}
