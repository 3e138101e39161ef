/**
 * Spool administration, safe to run while the gateway runs (SQLite WAL allows it):
 *
 *   npm run spool -- stats                 pending events, parked statuses, dead letters, media
 *   npm run spool -- dead-letters [N]      list up to N (default 20) dead letters with their errors
 *   npm run spool -- replay [ID ...]       put dead letters (all, or the given ids) back in the queue
 *
 * Reads SPOOL_PATH from the environment or .env (default ./data/spool.db).
 */
import { existsSync } from 'node:fs';
import { SETTINGS } from '../../config/schema.js';
import { readDotenv } from '../config.js';
import { openSqliteSpool } from '../spool/sqlite-spool.js';

export function runSpoolCli(argv: string[], out: (line: string) => void, spoolPath: string): number {
  const [command = 'stats', ...args] = argv;
  if (!['stats', 'dead-letters', 'replay'].includes(command)) {
    out(`Unknown command "${command}". Use: stats | dead-letters [N] | replay [ID ...]`);
    return 2;
  }
  if (!existsSync(spoolPath)) {
    out(`No spool at ${spoolPath} (set SPOOL_PATH)`);
    return 1;
  }
  const spool = openSqliteSpool(spoolPath);
  try {
    if (command === 'stats') {
      out(JSON.stringify(spool.stats(), null, 2));
    } else if (command === 'dead-letters') {
      const limit = Number(args[0] ?? 20);
      for (const d of spool.deadLetters(Number.isInteger(limit) && limit > 0 ? limit : 20)) {
        const e = d.event;
        const id = e.kind === 'message' ? e.providerMessageId : e.kind === 'status' ? (e.providerMessageId ?? e.aliasId) : '';
        out(`#${d.id}  ${d.failedAt}  ${e.kind} ${e.provider} ${id}  attempts=${d.attempts}\n    ${d.error.split('\n')[0]}`);
      }
      out(`${spool.stats().deadLetters} dead letter(s) in total`);
    } else {
      const ids = args.map(Number);
      if (ids.some((n) => !Number.isInteger(n) || n <= 0)) {
        out('replay takes dead-letter ids (positive integers), or nothing for all');
        return 2;
      }
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
