/** The media jobs in the spool file: what the media worker downloads and attaches (MediaSpool). */
import type Database from 'better-sqlite3';
import { toMediaJob, type MediaRow } from './rows.js';
import type { MediaSpool } from './types.js';

export function createSqliteMediaSpool(db: Database.Database): MediaSpool {
  // length() of a BLOB reads its size from the record header, not the bytes themselves.
  const sumMediaBytes = db.prepare('SELECT COALESCE(SUM(LENGTH(data)), 0) AS n FROM media_jobs');
  const storedMediaBytes = (): number => (sumMediaBytes.get() as { n: number }).n;

  return {
    takeMediaToFetch(limit, now = Date.now()) {
      const rows = db
        .prepare("SELECT * FROM media_jobs WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?")
        .all(now, limit) as MediaRow[];
      return rows.map(toMediaJob);
    },

    saveMedia(id, file) {
      db.prepare(
        "UPDATE media_jobs SET state = 'fetched', data = ?, mimetype = ?, filename = ?, error = NULL, attempts = 0, next_attempt_at = 0 WHERE id = ?",
      ).run(file.data, file.mimetype, file.filename, id);
    },

    failMedia(id, error) {
      db.prepare("UPDATE media_jobs SET state = 'failed', error = ?, attempts = 0, next_attempt_at = 0 WHERE id = ?").run(
        error.slice(0, 2000),
        id,
      );
    },

    takeMediaToAttach(limit, now = Date.now()) {
      const rows = db
        .prepare(
          "SELECT * FROM media_jobs WHERE state IN ('fetched', 'failed') AND record_id IS NOT NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?",
        )
        .all(now, limit) as MediaRow[];
      return rows.map(toMediaJob);
    },

    completeMediaJob(id) {
      db.prepare('DELETE FROM media_jobs WHERE id = ?').run(id);
    },

    rescheduleMediaJob(id, nextAttemptAt, error) {
      db.prepare('UPDATE media_jobs SET attempts = attempts + 1, next_attempt_at = ?, error = ? WHERE id = ?').run(
        nextAttemptAt,
        error.slice(0, 2000),
        id,
      );
    },

    storedMediaBytes,
  };
}
