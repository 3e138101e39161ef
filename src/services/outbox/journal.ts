/**
 * The send journal: a small SQLite file (SEND_JOURNAL_PATH) that makes sending crash-safe.
 *
 * - `sends`: one row per outgoing Odoo record the gateway has touched. A row is committed as `sending`
 *   (synchronous=FULL) BEFORE the provider is called, and moves to `retry` (the provider certainly did
 *   not take it), `settled` (outcome known, not yet written to Odoo) and `recorded` (Odoo has it).
 *   A `sending` row found after a restart means the gateway died while a provider call was in flight:
 *   the message may or may not have gone out, so it is settled as failed ("outcome unknown — not
 *   resent") and never sent again on its own; an admin can re-queue it in Odoo after checking.
 * - `idempotency_keys`: POST /api/wa/send_message's Idempotency-Keys (./idempotency-keys.ts). They share
 *   the file (one open, one readiness probe) but not an interface: the outbox takes `SendJournal`, the
 *   send service `IdempotencyKeys`.
 */
import Database from 'better-sqlite3';
import type { Provider } from '../../domain/message.js';
import { EVENT_LOOP_BUSY_TIMEOUT_MS, openMigratedStore, type StoreDescription } from '../../lib/sqlite-store.js';
import { createIdempotencyKeys, type IdempotencyKeys } from './idempotency-keys.js';

export type { IdempotencyClaim, IdempotencyKeys } from './idempotency-keys.js';

/** Applied in order; PRAGMA user_version records how many ran. Never edit one that shipped. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS sends (
     record_id INTEGER PRIMARY KEY,
     provider TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('sending', 'retry', 'settled', 'recorded')),
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL DEFAULT 0,
     outcome TEXT CHECK (outcome IN ('sent', 'failed')),
     provider_message_id TEXT,
     error TEXT,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX IF NOT EXISTS sends_state ON sends (state, next_attempt_at);
   CREATE TABLE IF NOT EXISTS idempotency_keys (
     scope TEXT NOT NULL,
     key_hash TEXT NOT NULL,
     fingerprint TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'unknown')),
     boot_id TEXT NOT NULL,
     status_code INTEGER,
     response TEXT,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (scope, key_hash)
   );
   CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys (created_at);`,
  // probe() writes here: readiness must prove the file can be written, not just read.
  `CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY, at INTEGER NOT NULL);`,
  // An outcome Odoo refused to store (not: could not be reached) waits until record_retry_at.
  `ALTER TABLE sends ADD COLUMN record_attempts INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE sends ADD COLUMN record_retry_at INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE sends ADD COLUMN record_error TEXT;`,
];

/** For the message that ends start-up when the file cannot be used (src/lib/sqlite-store.ts). */
export const SEND_JOURNAL_FILE: StoreDescription = {
  name: 'send journal',
  setting: 'SEND_JOURNAL_PATH',
  holds: 'the sends in flight (what keeps a message from being sent twice) and the Idempotency-Keys of send_message',
  ifReplaced:
    'Before that, look in Odoo (WhatsApp › Messages, filter Queued) for outgoing messages that may already have gone out ' +
    'while the old file was in use, and mark them failed: with an empty journal the gateway sends every queued message. ' +
    'Idempotency-Keys given before are forgotten.',
};

/** A storage failure of the journal (disk full, I/O error, file locked…), as opposed to a bug. */
export function isJournalStorageError(error: unknown): error is InstanceType<typeof Database.SqliteError> {
  return error instanceof Database.SqliteError;
}

export type SendState = 'sending' | 'retry' | 'settled' | 'recorded';
export type SendOutcome = { outcome: 'sent'; providerMessageId: string } | { outcome: 'failed'; error: string };

export interface SendEntry {
  recordId: number;
  provider: Provider;
  state: SendState;
  attempts: number;
  nextAttemptAt: number;
  outcome: 'sent' | 'failed' | null;
  providerMessageId: string | null;
  error: string | null;
  updatedAt: number;
  /** Times Odoo refused to store this outcome (a per-record error, not Odoo being down). */
  recordAttempts: number;
  /** When storing it may be tried again (ms epoch; 0: at once). */
  recordRetryAt: number;
  /** Odoo's last refusal. */
  recordError: string | null;
}

export interface SendJournal {
  get(recordId: number): SendEntry | undefined;
  /** Commits "about to call the provider" (attempt + 1) before the call. Returns the attempt number. */
  begin(recordId: number, provider: Provider, now?: number): number;
  /** The provider certainly did not take it: may be sent again from `nextAttemptAt`. */
  retryLater(recordId: number, nextAttemptAt: number, error: string, now?: number): void;
  /** The outcome is known; Odoo still has to be told. `provider` is used when the record has no row yet. */
  settle(recordId: number, outcome: SendOutcome, now?: number, provider?: Provider): void;
  /** Odoo has the outcome. */
  markRecorded(recordId: number, now?: number): void;
  /** Forgets a record (an admin re-queued a failed message in Odoo: a new send is wanted). */
  forget(recordId: number): void;
  /** Settles every `sending` row left by an earlier process as failed with `reason`. Call once, before sending. */
  resolveInterrupted(reason: string, now?: number): number[];
  /** Outcomes known but not yet in Odoo whose storing is due at `now`, oldest first. */
  unrecorded(limit: number, now?: number): SendEntry[];
  /** Every record whose outcome is known but not yet in Odoo, due or not. */
  unrecordedIds(): number[];
  /** Odoo refused to store this outcome: try again from `retryAt`, keeping `error` for diagnosis. */
  deferRecording(recordId: number, error: string, retryAt: number): void;
  /** Records whose provider certainly did not take them, with when they may be sent again. */
  retries(): { recordId: number; nextAttemptAt: number }[];
  /** Drops recorded rows older than `before` (ms epoch). */
  purgeRecorded(before: number): void;
}

/** The journal file: the outbox's send states and the REST Idempotency-Keys, in one SQLite file. */
export interface SendJournalFile extends SendJournal, IdempotencyKeys {
  /** Drops recorded rows and idempotency keys older than the cut-offs (ms epoch). */
  purge(recordedBefore: number, keysBefore: number): void;

  /** Throws when the file cannot be written (readiness). */
  probe(): void;
  close(): void;
}

interface SendRow {
  record_id: number;
  provider: Provider;
  state: SendState;
  attempts: number;
  next_attempt_at: number;
  outcome: 'sent' | 'failed' | null;
  provider_message_id: string | null;
  error: string | null;
  updated_at: number;
  record_attempts: number;
  record_retry_at: number;
  record_error: string | null;
}

const toEntry = (row: SendRow): SendEntry => ({
  recordId: row.record_id,
  provider: row.provider,
  state: row.state,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  outcome: row.outcome,
  providerMessageId: row.provider_message_id,
  error: row.error,
  updatedAt: row.updated_at,
  recordAttempts: row.record_attempts,
  recordRetryAt: row.record_retry_at,
  recordError: row.record_error,
});

export interface SendJournalOptions {
  /**
   * How long a call waits for another connection's lock (ms). The journal is used on the event loop,
   * which waits with it: EVENT_LOOP_BUSY_TIMEOUT_MS by default (src/lib/sqlite-store.ts).
   */
  busyTimeoutMs?: number;
}

export function openSendJournal(path: string, options: SendJournalOptions = {}): SendJournalFile {
  // A corrupt file ends start-up here, with a message saying what to do (not a stack trace).
  const db = openMigratedStore(path, SEND_JOURNAL_FILE, {
    busyTimeoutMs: options.busyTimeoutMs ?? EVENT_LOOP_BUSY_TIMEOUT_MS,
    // A committed `sending` row must survive a power cut: that row is what prevents a double send.
    synchronous: 'FULL',
    migrations: MIGRATIONS,
  });
  const idempotencyKeys = createIdempotencyKeys(db);

  const getRow = db.prepare<[number], SendRow>('SELECT * FROM sends WHERE record_id = ?');
  const beginStmt = db.prepare(
    `INSERT INTO sends (record_id, provider, state, attempts, next_attempt_at, updated_at)
     VALUES (@recordId, @provider, 'sending', 1, 0, @now)
     ON CONFLICT (record_id) DO UPDATE SET state = 'sending', provider = excluded.provider,
       attempts = sends.attempts + 1, outcome = NULL, provider_message_id = NULL, updated_at = excluded.updated_at`,
  );
  const retryStmt = db.prepare(
    `UPDATE sends SET state = 'retry', next_attempt_at = @nextAttemptAt, error = @error, updated_at = @now WHERE record_id = @recordId`,
  );
  // An upsert: a message refused before any provider call (bad number, provider off) has no row yet.
  const settleStmt = db.prepare(
    `INSERT INTO sends (record_id, provider, state, outcome, provider_message_id, error, updated_at)
     VALUES (@recordId, @provider, 'settled', @outcome, @providerMessageId, @error, @now)
     ON CONFLICT (record_id) DO UPDATE SET state = 'settled', outcome = excluded.outcome,
       provider_message_id = excluded.provider_message_id, error = excluded.error, updated_at = excluded.updated_at,
       record_attempts = 0, record_retry_at = 0, record_error = NULL`,
  );
  const recordedStmt = db.prepare(`UPDATE sends SET state = 'recorded', updated_at = @now WHERE record_id = @recordId`);
  const forgetStmt = db.prepare('DELETE FROM sends WHERE record_id = ?');
  const interruptedStmt = db.prepare<[], { record_id: number }>(`SELECT record_id FROM sends WHERE state = 'sending'`);
  const unrecordedStmt = db.prepare<[number, number], SendRow>(
    `SELECT * FROM sends WHERE state = 'settled' AND record_retry_at <= ? ORDER BY updated_at, record_id LIMIT ?`,
  );
  const unrecordedIdsStmt = db.prepare<[], { record_id: number }>(`SELECT record_id FROM sends WHERE state = 'settled'`);
  const deferStmt = db.prepare(
    `UPDATE sends SET record_attempts = record_attempts + 1, record_retry_at = @retryAt, record_error = @error
     WHERE record_id = @recordId AND state = 'settled'`,
  );
  const retriesStmt = db.prepare<[], { record_id: number; next_attempt_at: number }>(
    `SELECT record_id, next_attempt_at FROM sends WHERE state = 'retry' ORDER BY next_attempt_at`,
  );
  const purgeSends = db.prepare(`DELETE FROM sends WHERE state = 'recorded' AND updated_at < ?`);

  const probeStmt = db.prepare('INSERT OR REPLACE INTO probe (id, at) VALUES (1, ?)');

  const resolveInterrupted = db.transaction((reason: string, now: number): number[] => {
    const ids = interruptedStmt.all().map((r) => r.record_id);
    for (const recordId of ids) settleStmt.run({ recordId, provider: '', outcome: 'failed', providerMessageId: null, error: reason, now });
    return ids;
  });

  return {
    get(recordId) {
      const row = getRow.get(recordId);
      return row ? toEntry(row) : undefined;
    },
    begin(recordId, provider, now = Date.now()) {
      beginStmt.run({ recordId, provider, now });
      return (getRow.get(recordId) as SendRow).attempts;
    },
    retryLater(recordId, nextAttemptAt, error, now = Date.now()) {
      retryStmt.run({ recordId, nextAttemptAt, error, now });
    },
    settle(recordId, outcome, now = Date.now(), provider) {
      settleStmt.run({
        recordId,
        provider: provider ?? '',
        outcome: outcome.outcome,
        providerMessageId: outcome.outcome === 'sent' ? outcome.providerMessageId : null,
        error: outcome.outcome === 'failed' ? outcome.error : null,
        now,
      });
    },
    markRecorded(recordId, now = Date.now()) {
      recordedStmt.run({ recordId, now });
    },
    forget(recordId) {
      forgetStmt.run(recordId);
    },
    resolveInterrupted(reason, now = Date.now()) {
      return resolveInterrupted(reason, now);
    },
    unrecorded(limit, now = Date.now()) {
      return unrecordedStmt.all(now, limit).map(toEntry);
    },
    unrecordedIds() {
      return unrecordedIdsStmt.all().map((r) => r.record_id);
    },
    deferRecording(recordId, error, retryAt) {
      deferStmt.run({ recordId, error, retryAt });
    },
    retries() {
      return retriesStmt.all().map((r) => ({ recordId: r.record_id, nextAttemptAt: r.next_attempt_at }));
    },
    purgeRecorded(before) {
      purgeSends.run(before);
    },
    purge(recordedBefore, keysBefore) {
      purgeSends.run(recordedBefore);
      idempotencyKeys.purgeExpired(keysBefore);
    },
    ...idempotencyKeys,
    probe() {
      // A real write: a full disk, a read-only file or another process holding the lock all fail it.
      probeStmt.run(Date.now());
    },
    close() {
      if (db.open) db.close();
    },
  };
}
