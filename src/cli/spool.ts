/**
 * Spool administration, safe to run while the gateway runs (SQLite WAL allows it):
 *
 *   npm run spool -- stats                 pending events, parked statuses, dead letters, media
 *   npm run spool -- dead-letters [N]      list up to N (default 20) dead letters with their errors
 *   npm run spool -- show ID               one dead letter: its whole event and Odoo's answer (as stored, 4,000 chars)
 *   npm run spool -- replay [ID ...]       put dead letters (all, or the given ids) back in the queue
 *   npm run spool -- discard ID [ID ...]   delete the given dead letters for good (never all at once)
 *
 * Reads SPOOL_PATH from the environment or .env (default ./data/spool.db).
 */
import { existsSync } from 'node:fs';
import { SETTINGS } from '../../config/schema.js';
import { readDotenv } from '../config.js';
import { openSqliteSpool } from '../spool/sqlite-spool.js';
import type { DeadLetter, Spool } from '../spool/types.js';
import { StoreFileError } from '../lib/sqlite-store.js';

const COMMANDS = ['stats', 'dead-letters', 'show', 'replay', 'discard'];
const USAGE = 'Use: stats | dead-letters [N] | show ID | replay [ID ...] | discard ID [ID ...]';

/** `#3  2026-…  message fonnte 8036…  attempts=4` */
function describe(d: DeadLetter): string {
  const e = d.event;
  const id = e.kind === 'message' ? e.providerMessageId : e.kind === 'status' ? (e.providerMessageId ?? e.aliasId) : '';
  return `#${d.id}  ${d.failedAt}  ${e.kind} ${e.provider} ${id}  attempts=${d.attempts}`;
}

export function runSpoolCli(argv: string[], out: (line: string) => void, spoolPath: string): number {
  const [command = 'stats', ...args] = argv;
  if (!COMMANDS.includes(command)) {
    out(`Unknown command "${command}". ${USAGE}`);
    return 2;
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
  let spool: Spool;
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
  const spoolPath = process.env.SPOOL_PATH || readDotenv().SPOOL_PATH || String(SETTINGS.SPOOL_PATH.default);
  process.exitCode = runSpoolCli(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`), spoolPath);
}
