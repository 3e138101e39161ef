/**
 * Spool administration, safe to run while the gateway runs (SQLite WAL allows it):
 *
 *   npm run spool -- stats                 pending events, parked statuses, dead letters, quarantined bodies, media
 *   npm run spool -- dead-letters [N]      list up to N (default 20) dead letters with their errors
 *   npm run spool -- show ID               one dead letter: its whole event and Odoo's answer (as stored, 4,000 chars)
 *   npm run spool -- replay [ID ...]       put dead letters (all, or the given ids) back in the queue
 *   npm run spool -- discard ID [ID ...]   delete the given dead letters for good (never all at once)
 *
 * Webhook bodies the gateway acknowledged but could not (wholly) understand:
 *
 *   npm run spool -- quarantine [list] [N]          list up to N (default 20) with what was not understood
 *   npm run spool -- quarantine show ID             one of them whole: the body as received and the reason
 *   npm run spool -- quarantine replay [ID ...]     parse them again with the code now running (after an
 *                                                   upgrade) and queue what now parses; those understood
 *                                                   whole leave the quarantine
 *   npm run spool -- quarantine discard ID [ID ...] delete them for good (never all at once)
 *
 * Reads SPOOL_PATH (default ./data/spool.db) and DEFAULT_COUNTRY (for replays) from the environment or .env.
 */
import { existsSync } from 'node:fs';
import { SETTINGS } from '../../config/schema.js';
import { loadDefaultCountry, readDotenv } from '../config.js';
import type { CountryCode } from '../lib/phone.js';
import { replayQuarantined } from '../services/quarantine.js';
import { openSqliteSpool } from '../spool/sqlite-spool.js';
import type { DeadLetter, DeadLetterAdmin, QuarantineAdmin, QuarantinedBody, SpoolOperations } from '../spool/types.js';
import { StoreFileError } from '../lib/sqlite-store.js';

const COMMANDS = ['stats', 'dead-letters', 'show', 'replay', 'discard', 'quarantine'];
const QUARANTINE_COMMANDS = ['list', 'show', 'replay', 'discard'];
const USAGE =
  'Use: stats | dead-letters [N] | show ID | replay [ID ...] | discard ID [ID ...] | quarantine [list [N] | show ID | replay [ID ...] | discard ID [ID ...]]';

export interface SpoolCliOptions {
  /** ISO country for numbers written without a country code, when a replay parses a body again. */
  defaultCountry?: CountryCode;
}

/** `#3  2026-…  message fonnte 8036…  attempts=4` */
function describe(d: DeadLetter): string {
  const e = d.event;
  const id = e.kind === 'message' ? e.providerMessageId : e.kind === 'status' ? (e.providerMessageId ?? e.aliasId) : '';
  return `#${d.id}  ${d.failedAt}  ${e.kind} ${e.provider} ${id}  attempts=${d.attempts}`;
}

/** `#4  2026-…  meta  replays=1` */
function describeQuarantined(q: QuarantinedBody): string {
  return `#${q.id}  ${q.receivedAt}  ${q.provider}  ${q.body.length} chars${q.replays > 0 ? `  replays=${q.replays}` : ''}`;
}

function runQuarantine(spool: QuarantineAdmin & Pick<SpoolOperations, 'stats'>, args: string[], out: (line: string) => void, options: SpoolCliOptions): number {
  const [sub = 'list', ...rest] = args;
  // `quarantine 50` lists 50.
  if (/^\d+$/.test(sub)) return runQuarantine(spool, ['list', sub, ...rest], out, options);
  if (!QUARANTINE_COMMANDS.includes(sub)) {
    out(`Unknown quarantine command "${sub}". ${USAGE}`);
    return 2;
  }
  const ids = [...new Set(rest.map(Number))];
  if (['show', 'replay', 'discard'].includes(sub) && ids.some((n) => !Number.isInteger(n) || n <= 0)) {
    out(`quarantine ${sub} takes quarantine ids (positive integers, as listed by quarantine list)`);
    return 2;
  }
  if ((sub === 'show' && ids.length !== 1) || (sub === 'discard' && ids.length === 0)) {
    out(sub === 'show' ? 'quarantine show takes exactly one id' : 'quarantine discard takes the ids to delete (it never deletes all at once)');
    return 2;
  }
  if (sub === 'list') {
    const limit = Number(rest[0] ?? 20);
    for (const q of spool.quarantined(Number.isInteger(limit) && limit > 0 ? limit : 20)) out(`${describeQuarantined(q)}\n    ${q.reason.split('\n')[0]}`);
    out(`${spool.stats().quarantined} quarantined body(ies) in total`);
    return 0;
  }
  if (sub === 'show') {
    const q = spool.showQuarantined(ids[0] as number);
    if (!q) {
      out(`No quarantined body #${ids[0]}`);
      return 1;
    }
    out(describeQuarantined(q));
    out(`not understood:\n${q.reason}`);
    out(`body (as received):\n${q.body}`);
    if (q.input !== null) out(`parameters (as read):\n${q.input}`);
    return 0;
  }
  if (sub === 'discard') {
    const discarded = spool.discardQuarantined(ids);
    for (const q of discarded) out(`discarded ${describeQuarantined(q)}`);
    const unknown = ids.filter((id) => !discarded.some((q) => q.id === id));
    if (unknown.length > 0) out(`no such quarantined body: ${unknown.map((id) => `#${id}`).join(', ')}`);
    out(`${discarded.length} quarantined body(ies) deleted; ${spool.stats().quarantined} left`);
    return unknown.length > 0 ? 1 : 0;
  }
  const outcomes = replayQuarantined(spool, options.defaultCountry ?? 'ID', ids.length > 0 ? ids : undefined);
  for (const o of outcomes) {
    const taken = `${o.events} event(s), ${o.added} new to the queue`;
    out(o.released ? `#${o.id} ${o.provider}: understood; ${taken}; left the quarantine` : `#${o.id} ${o.provider}: ${taken}; still not understood: ${o.reason}`);
  }
  const unknown = ids.filter((id) => !outcomes.some((o) => o.id === id));
  if (unknown.length > 0) out(`no such quarantined body: ${unknown.map((id) => `#${id}`).join(', ')}`);
  const released = outcomes.filter((o) => o.released).length;
  out(`${released} of ${outcomes.length} replayed body(ies) understood; ${spool.stats().quarantined} left in the quarantine; the running gateway delivers what was queued`);
  return unknown.length > 0 ? 1 : 0;
}

export function runSpoolCli(argv: string[], out: (line: string) => void, spoolPath: string, options: SpoolCliOptions = {}): number {
  const [command = 'stats', ...args] = argv;
  if (!COMMANDS.includes(command)) {
    out(`Unknown command "${command}". ${USAGE}`);
    return 2;
  }
  if (command === 'quarantine') {
    if (!existsSync(spoolPath)) {
      out(`No spool at ${spoolPath} (set SPOOL_PATH)`);
      return 1;
    }
    const spool = openSqliteSpool(spoolPath);
    try {
      return runQuarantine(spool, args, out, options);
    } finally {
      spool.close();
    }
  }
  const ids = [...new Set(args.map(Number))]; // `discard 3 3` is one dead letter
  if (['show', 'replay', 'discard'].includes(command) && ids.some((n) => !Number.isInteger(n) || n <= 0)) {
    out(`${command} takes dead-letter ids (positive integers, as listed by dead-letters)`);
    return 2;
  }
  if ((command === 'show' && ids.length !== 1) || (command === 'discard' && ids.length === 0)) {
    out(command === 'show' ? 'show takes exactly one dead-letter id' : 'discard takes the ids to delete (it never deletes all at once)');
    return 2;
  }
  if (!existsSync(spoolPath)) {
    out(`No spool at ${spoolPath} (set SPOOL_PATH)`);
    return 1;
  }
  let spool: DeadLetterAdmin & SpoolOperations;
  try {
    spool = openSqliteSpool(spoolPath);
  } catch (error) {
    if (!(error instanceof StoreFileError)) throw error;
    out(error.message);
    return 1;
  }
  try {
    if (command === 'stats') {
      out(JSON.stringify(spool.stats(), null, 2));
    } else if (command === 'dead-letters') {
      const limit = Number(args[0] ?? 20);
      for (const d of spool.deadLetters(Number.isInteger(limit) && limit > 0 ? limit : 20)) {
        out(`${describe(d)}\n    ${d.error.split('\n')[0]}`);
      }
      out(`${spool.stats().deadLetters} dead letter(s) in total`);
    } else if (command === 'show') {
      const d = spool.showDeadLetter(ids[0] as number);
      if (!d) {
        out(`No dead letter #${ids[0]}`);
        return 1;
      }
      out(describe(d));
      out(`error:\n${d.error}`);
      out(`event:\n${JSON.stringify(d.event, null, 2)}`);
    } else if (command === 'discard') {
      const discarded = spool.discardDeadLetters(ids);
      for (const d of discarded) out(`discarded ${describe(d)}`);
      const unknown = ids.filter((id) => !discarded.some((d) => d.id === id));
      if (unknown.length > 0) out(`no such dead letter: ${unknown.map((id) => `#${id}`).join(', ')}`);
      out(`${discarded.length} dead letter(s) deleted; ${spool.stats().deadLetters} left`);
      return unknown.length > 0 ? 1 : 0;
    } else {
      const count = spool.replayDeadLetters(ids.length > 0 ? ids : undefined);
      out(`${count} dead letter(s) put back in the queue; the running gateway will deliver them`);
    }
    return 0;
  } finally {
    spool.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dotenv = readDotenv();
  const spoolPath = process.env.SPOOL_PATH || dotenv.SPOOL_PATH || String(SETTINGS.SPOOL_PATH.default);
  const defaultCountry = loadDefaultCountry(process.env, dotenv);
  process.exitCode = runSpoolCli(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`), spoolPath, { defaultCountry });
}
