/**
 * The spool file's schema (its migrations) and what the file is, for the message that ends start-up
 * when it cannot be used.
 */
import type { StoreDescription } from '../lib/sqlite-store.js';

/** Schema migrations, applied in order; PRAGMA user_version records how many ran. Never edit one that shipped. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     kind TEXT NOT NULL,
     dedupe_key TEXT NOT NULL UNIQUE,
     payload TEXT NOT NULL,
     received_at TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL DEFAULT 0,
     last_error TEXT
   );
   CREATE INDEX events_due ON events (kind, next_attempt_at, id);
   CREATE TABLE dead_letters (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     dedupe_key TEXT NOT NULL,
     payload TEXT NOT NULL,
     error TEXT NOT NULL,
     attempts INTEGER NOT NULL,
     failed_at TEXT NOT NULL
   );
   CREATE TABLE aliases (
     provider TEXT NOT NULL,
     alias_id TEXT NOT NULL,
     provider_message_id TEXT NOT NULL,
     created_at TEXT NOT NULL,
     PRIMARY KEY (provider, alias_id)
   );
   CREATE TABLE media_jobs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     provider TEXT NOT NULL,
     provider_message_id TEXT NOT NULL,
     media TEXT NOT NULL,
     state TEXT NOT NULL DEFAULT 'pending',
     record_id INTEGER,
     data BLOB,
     mimetype TEXT,
     filename TEXT,
     error TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL DEFAULT 0,
     UNIQUE (provider, provider_message_id)
   );
   CREATE TABLE probe (id INTEGER PRIMARY KEY, at TEXT NOT NULL);`,
  // 2: webhook bodies the gateway acknowledged but could not (wholly) understand (issue #9).
  `CREATE TABLE quarantine (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     provider TEXT NOT NULL,
     body_hash TEXT NOT NULL,
     body TEXT NOT NULL,
     input TEXT,
     reason TEXT NOT NULL,
     received_at TEXT NOT NULL,
     replays INTEGER NOT NULL DEFAULT 0,
     last_replay_at TEXT,
     UNIQUE (provider, body_hash)
   );`,
  // 3: counts kept by triggers, so stats() (every /readyz and /metrics scrape) reads a few rows instead
  // of scanning the spool: three COUNT(*) over 300k events took 250-290 ms on the event loop. The
  // triggers fire on every connection's writes (committer thread, delivery thread, CLI) alike.
  // messages_delivered_at: when a message last left the queue (ms epoch), to tell a stalled delivery.
  `CREATE TABLE spool_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
   INSERT INTO spool_counters (name, value) VALUES
     ('events', (SELECT COUNT(*) FROM events)),
     ('messages', (SELECT COUNT(*) FROM events WHERE kind = 'message')),
     ('parked', (SELECT COUNT(*) FROM events WHERE kind = 'status' AND attempts > 0)),
     ('dead_letters', (SELECT COUNT(*) FROM dead_letters)),
     ('media_jobs', (SELECT COUNT(*) FROM media_jobs)),
     ('quarantined', (SELECT COUNT(*) FROM quarantine)),
     ('messages_delivered_at', 0);
   CREATE INDEX events_kind_id ON events (kind, id);
   CREATE TRIGGER events_count_insert AFTER INSERT ON events BEGIN
     UPDATE spool_counters SET value = value + 1 WHERE name = 'events' OR (name = 'messages' AND NEW.kind = 'message');
   END;
   CREATE TRIGGER events_count_delete AFTER DELETE ON events BEGIN
     UPDATE spool_counters SET value = value - 1
      WHERE name = 'events' OR (name = 'messages' AND OLD.kind = 'message')
         OR (name = 'parked' AND OLD.kind = 'status' AND OLD.attempts > 0);
     UPDATE spool_counters SET value = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
      WHERE name = 'messages_delivered_at' AND OLD.kind = 'message';
   END;
   CREATE TRIGGER events_count_parked AFTER UPDATE OF attempts ON events
     WHEN OLD.kind = 'status' AND (OLD.attempts > 0) <> (NEW.attempts > 0) BEGIN
     UPDATE spool_counters SET value = value + (CASE WHEN NEW.attempts > 0 THEN 1 ELSE -1 END) WHERE name = 'parked';
   END;
   CREATE TRIGGER dead_letters_count_insert AFTER INSERT ON dead_letters BEGIN
     UPDATE spool_counters SET value = value + 1 WHERE name = 'dead_letters';
   END;
   CREATE TRIGGER dead_letters_count_delete AFTER DELETE ON dead_letters BEGIN
     UPDATE spool_counters SET value = value - 1 WHERE name = 'dead_letters';
   END;
   CREATE TRIGGER media_jobs_count_insert AFTER INSERT ON media_jobs BEGIN
     UPDATE spool_counters SET value = value + 1 WHERE name = 'media_jobs';
   END;
   CREATE TRIGGER media_jobs_count_delete AFTER DELETE ON media_jobs BEGIN
     UPDATE spool_counters SET value = value - 1 WHERE name = 'media_jobs';
   END;
   CREATE TRIGGER quarantine_count_insert AFTER INSERT ON quarantine BEGIN
     UPDATE spool_counters SET value = value + 1 WHERE name = 'quarantined';
   END;
   CREATE TRIGGER quarantine_count_delete AFTER DELETE ON quarantine BEGIN
     UPDATE spool_counters SET value = value - 1 WHERE name = 'quarantined';
   END;`,
];

/** For the message that ends start-up when the file cannot be used (src/lib/sqlite-store.ts). */
export const SPOOL_FILE: StoreDescription = {
  name: 'spool',
  setting: 'SPOOL_PATH',
  holds: 'webhooks already acknowledged to the providers but not yet in Odoo, and the dead letters',
  ifReplaced: 'The events the old file held are then not delivered to Odoo (providers do not resend what was acknowledged).',
  check: 'npm run spool -- stats',
};
