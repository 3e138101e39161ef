/**
 * The spool on local disk: SQLite (better-sqlite3) in WAL mode with synchronous=FULL, so a commit
 * survives a kill -9 or a power cut. A commit waits for fsync (p50 ~0.3 ms here, p99 2–4 ms, and
 * longer while the delivery thread holds the write lock), so the gateway commits webhooks from a
 * thread of its own, several per transaction (committer.ts), not on the event loop.
 */
import { statSync } from 'node:fs';
import { BACKGROUND_BUSY_TIMEOUT_MS, openMigratedStore } from '../lib/sqlite-store.js';
import type { InboundEvent, Provider } from '../domain/message.js';
import { bodyHash, type EventRow } from './rows.js';
import { MIGRATIONS, SPOOL_FILE } from './schema.js';
import { createSqliteDeadLetterAdmin, createSqliteQuarantineAdmin } from './sqlite-admin.js';
import { createSqliteMediaSpool } from './sqlite-media.js';
import type { Spool, SpoolBatch, SpooledEvent, SpoolStats } from './types.js';
import { WAL_RESTART_BYTES } from './wal-policy.js';

export { SPOOL_FILE } from './schema.js';

export function dedupeKey(event: InboundEvent): string {
  switch (event.kind) {
    case 'message':
      return `m:${event.provider}:${event.providerMessageId}`;
    case 'status':
      return `s:${event.provider}:${event.providerMessageId ?? `alias:${event.aliasId ?? ''}`}:${event.state}`;
    case 'device':
      return `d:${event.provider}:${event.device ?? ''}:${event.status}:${event.timestamp}`;
  }
}

export interface SpoolOptions {
  /**
   * 'full' (default): every commit is fsynced before it returns, so it survives a power cut; the
   * connections that accept webhooks use it. 'normal': commits survive a crash or kill -9 but not a
   * power cut until the next fsync; the delivery thread uses it, because in WAL mode the log is
   * durable as a prefix (the next webhook's fsync or the next checkpoint, within a second, covers
   * it) and whatever a power cut loses of it may be redone safely: a delivered event coming back is
   * skipped by the writer's dedupe against Odoo (and the unique constraint), a status is applied
   * forward-only, a dead letter or an attachment is redone. The one exception: a downloaded file
   * lost that way is fetched again, and if the provider's URL has expired meanwhile the record keeps
   * `media_url` and the error, as for any failed download. It spares the webhook commits waiting
   * behind the delivery thread's fsyncs.
   */
  durability?: 'full' | 'normal';
  /** false: this connection never checkpoints the WAL itself (another connection does; see WAL_CHECKPOINTS in wal-policy.ts). */
  checkpoints?: boolean;
  /**
   * How long this connection waits for another's lock (ms). Default: BACKGROUND_BUSY_TIMEOUT_MS, for
   * the threads and the CLI; a connection used on the event loop passes EVENT_LOOP_BUSY_TIMEOUT_MS
   * (src/lib/sqlite-store.ts).
   */
  busyTimeoutMs?: number;
}

/** A RESTART checkpoint, which blocks the webhook committer meanwhile, waits only this long. */
const RESTART_BUSY_TIMEOUT_MS = 200;

export function openSqliteSpool(path: string, options: SpoolOptions = {}): Spool {
  const busyTimeoutMs = options.busyTimeoutMs ?? BACKGROUND_BUSY_TIMEOUT_MS;
  // A corrupt file ends start-up here, with a message saying what to do (not a stack trace).
  const db = openMigratedStore(path, SPOOL_FILE, {
    busyTimeoutMs,
    synchronous: options.durability === 'normal' ? 'NORMAL' : 'FULL',
    pragmas: [
      ...(options.checkpoints === false ? ['wal_autocheckpoint = 0'] : []),
      // Without it a log that once grew (a burst, a long-lived reader) would keep its size for good.
      `journal_size_limit = ${WAL_RESTART_BYTES}`,
      'foreign_keys = ON',
    ],
    migrations: MIGRATIONS,
  });

  const insertEvent = db.prepare(
    'INSERT OR IGNORE INTO events (kind, dedupe_key, payload, received_at) VALUES (?, ?, ?, ?)',
  );
  const insertMedia = db.prepare(
    'INSERT OR IGNORE INTO media_jobs (provider, provider_message_id, media) VALUES (?, ?, ?)',
  );
  const insertQuarantine = db.prepare(
    'INSERT OR IGNORE INTO quarantine (provider, body_hash, body, input, reason, received_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const selectDue = db.prepare(
    'SELECT id, payload, attempts, received_at FROM events WHERE kind = ? AND next_attempt_at <= ? ORDER BY id LIMIT ?',
  );
  const deleteEvent = db.prepare('DELETE FROM events WHERE id = ?');
  const linkMedia = db.prepare(
    'UPDATE media_jobs SET record_id = ?, next_attempt_at = 0 WHERE provider = ? AND provider_message_id = ?',
  );
  const rescheduleEvent = db.prepare(
    'UPDATE events SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?',
  );
  const selectEvent = db.prepare('SELECT id, dedupe_key, payload, attempts FROM events WHERE id = ?');
  const insertDead = db.prepare(
    'INSERT INTO dead_letters (dedupe_key, payload, error, attempts, failed_at) VALUES (?, ?, ?, ?, ?)',
  );
  const upsertAlias = db.prepare(
    'INSERT OR REPLACE INTO aliases (provider, alias_id, provider_message_id, created_at) VALUES (?, ?, ?, ?)',
  );
  const selectAlias = db.prepare('SELECT provider_message_id FROM aliases WHERE provider = ? AND alias_id = ?');
  const wakeStatuses = db.prepare(
    "UPDATE events SET next_attempt_at = 0 WHERE kind = 'status' AND dedupe_key LIKE ? ESCAPE '\\'",
  );
  const wakeAliasedStatuses = db.prepare(
    `UPDATE events SET next_attempt_at = 0 WHERE kind = 'status' AND dedupe_key IN (
       SELECT 's:' || provider || ':alias:' || alias_id || ':' || st.state
       FROM aliases, (SELECT 'sent' AS state UNION ALL SELECT 'delivered' UNION ALL SELECT 'read' UNION ALL SELECT 'failed') st
       WHERE provider = ? AND provider_message_id = ?)`,
  );

  const walBytes = (): number => {
    if (path === ':memory:') return 0;
    try {
      return statSync(`${path}-wal`).size;
    } catch {
      return 0; // no log file (yet)
    }
  };

  const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
  const selectCounters = db.prepare('SELECT name, value FROM spool_counters');
  const selectEventCount = db.prepare("SELECT value FROM spool_counters WHERE name = 'events'");
  // Statuses are left out: a receipt may rightly wait days for its message (they count as parked).
  const selectOldestMessage = db.prepare("SELECT received_at FROM events WHERE kind = 'message' ORDER BY id LIMIT 1");

  // Several webhooks' events in one transaction, so one fsync covers them all (group commit, see
  // committer.ts); each group's count of new events is returned in order.
  const insertEvents = (events: InboundEvent[], receivedAt: string): number => {
    let added = 0;
    for (const event of events) {
      if (event.kind === 'device') continue; // device events are logged by the route, not stored in Odoo
      const result = insertEvent.run(event.kind, dedupeKey(event), JSON.stringify(event), receivedAt);
      added += result.changes;
      if (result.changes > 0 && event.kind === 'message' && event.media) {
        insertMedia.run(event.provider, event.providerMessageId, JSON.stringify(event.media));
      }
    }
    return added;
  };

  const enqueueGroups = db.transaction((groups: (InboundEvent[] | SpoolBatch)[]): number[] => {
    const receivedAt = new Date().toISOString();
    return groups.map((group) => {
      const batch: SpoolBatch = Array.isArray(group) ? { events: group } : group;
      const q = batch.quarantine;
      if (q) insertQuarantine.run(q.provider, bodyHash(q), q.body, q.input, q.reason.slice(0, 4000), q.receivedAt);
      return insertEvents(batch.events, receivedAt);
    });
  });

  const complete = db.transaction(
    (ids: number[], delivered: { provider: Provider; providerMessageId: string; recordId: number }[]) => {
      for (const id of ids) deleteEvent.run(id);
      for (const d of delivered) linkMedia.run(d.recordId, d.provider, d.providerMessageId);
    },
  );

  const reschedule = db.transaction((ids: number[], nextAttemptAt: number, error: string) => {
    for (const id of ids) rescheduleEvent.run(nextAttemptAt, error.slice(0, 2000), id);
  });

  const deleteMedia = db.prepare('DELETE FROM media_jobs WHERE provider = ? AND provider_message_id = ? AND record_id IS NULL');

  // The delete trigger stamps messages_delivered_at; a dead letter reached no Odoo record, so the stamp
  // it had is put back (otherwise an Odoo refusing every write would never read as a stalled delivery).
  const selectDeliveredAt = db.prepare("SELECT value FROM spool_counters WHERE name = 'messages_delivered_at'");
  const restoreDeliveredAt = db.prepare("UPDATE spool_counters SET value = ? WHERE name = 'messages_delivered_at'");
  const deadLetter = db.transaction((id: number, error: string) => {
    const row = selectEvent.get(id) as { dedupe_key: string; payload: string; attempts: number } | undefined;
    if (!row) return;
    const deliveredAt = (selectDeliveredAt.get() as { value: number } | undefined)?.value ?? 0;
    insertDead.run(row.dedupe_key, row.payload, error.slice(0, 4000), row.attempts + 1, new Date().toISOString());
    deleteEvent.run(id);
    restoreDeliveredAt.run(deliveredAt);
    // Its downloaded media (up to MEDIA_MAX_BYTES) has no record to go to; a replay fetches it again.
    const event = JSON.parse(row.payload) as InboundEvent;
    if (event.kind === 'message') deleteMedia.run(event.provider, event.providerMessageId);
  });

  const media = createSqliteMediaSpool(db);
  return {
    ...media,
    ...createSqliteQuarantineAdmin(db, insertEvents),
    ...createSqliteDeadLetterAdmin(db, { insertEvent, insertMedia }),
    enqueue: (events, quarantine) => enqueueGroups([{ events, quarantine: quarantine ?? null }])[0] ?? 0,
    enqueueGroups: (groups) => enqueueGroups(groups),

    takeDue(kind, limit, now = Date.now()) {
      const rows = selectDue.all(kind, now, limit) as EventRow[];
      return rows.map(
        (r): SpooledEvent => ({
          id: r.id,
          event: JSON.parse(r.payload) as InboundEvent,
          attempts: r.attempts,
          receivedAt: r.received_at,
        }),
      );
    },

    complete: (ids, delivered = []) => complete(ids, delivered),
    reschedule: (ids, nextAttemptAt, error) => reschedule(ids, nextAttemptAt, error),
    deadLetter: (id, error) => deadLetter(id, error),

    rememberAlias(provider, aliasId, providerMessageId) {
      upsertAlias.run(provider, aliasId, providerMessageId, new Date().toISOString());
    },

    resolveAlias(provider, aliasId) {
      const row = selectAlias.get(provider, aliasId) as { provider_message_id: string } | undefined;
      return row?.provider_message_id ?? null;
    },

    pruneAliases(olderThan) {
      return db.prepare('DELETE FROM aliases WHERE created_at < ?').run(new Date(olderThan).toISOString()).changes;
    },

    wake(provider, providerMessageId) {
      wakeStatuses.run(`s:${escapeLike(provider)}:${escapeLike(providerMessageId)}:%`);
      wakeAliasedStatuses.run(provider, providerMessageId);
    },

    pendingCount: () => (selectEventCount.get() as { value: number } | undefined)?.value ?? 0,

    stats(): SpoolStats {
      // Counters and two index lookups: no scan, whatever the spool holds (see migration 3).
      const counters = new Map((selectCounters.all() as { name: string; value: number }[]).map((r) => [r.name, r.value]));
      const oldest = selectOldestMessage.get() as { received_at: string } | undefined;
      const deliveredAt = counters.get('messages_delivered_at') ?? 0;
      return {
        pending: counters.get('events') ?? 0,
        messagesPending: counters.get('messages') ?? 0,
        parked: counters.get('parked') ?? 0,
        deadLetters: counters.get('dead_letters') ?? 0,
        quarantined: counters.get('quarantined') ?? 0,
        mediaPending: counters.get('media_jobs') ?? 0,
        // Summed, not counted by a trigger: media rows are few (only while Odoo is away) and capped.
        mediaBytes: media.storedMediaBytes(),
        oldestPendingAt: oldest?.received_at ?? null,
        lastMessageDeliveredAt: deliveredAt > 0 ? new Date(deliveredAt).toISOString() : null,
        walBytes: walBytes(),
      };
    },

    probe() {
      db.prepare('INSERT OR REPLACE INTO probe (id, at) VALUES (1, ?)').run(new Date().toISOString());
    },

    checkpoint(restartAboveBytes = WAL_RESTART_BYTES) {
      const [passive] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      // SQLite writes the log from its start again only when a write begins after a checkpoint
      // copied every frame. Under a steady stream of webhooks there is rarely such a gap (a PASSIVE
      // checkpoint misses the frames committed while it ran), so the log would grow for as long as
      // the stream lasts. Past the limit, RESTART waits for the writer, copies the rest and makes the
      // next commit start the log afresh: a few ms, once in a while.
      if (walBytes() <= restartAboveBytes) return { logFrames: passive?.log ?? 0, restarted: false };
      // RESTART holds off new writers (the webhook committer) while it waits for readers: wait a
      // short while only; a log still busy is reset on a later call.
      db.pragma(`busy_timeout = ${RESTART_BUSY_TIMEOUT_MS}`);
      try {
        const [restart] = db.pragma('wal_checkpoint(RESTART)') as { busy: number }[];
        return { logFrames: passive?.log ?? 0, restarted: restart?.busy === 0 };
      } finally {
        db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      }
    },

    walBytes,

    synchronous: () => db.pragma('synchronous', { simple: true }) as number,

    close() {
      if (db.open) db.close();
    },
  };
}
