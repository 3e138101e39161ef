/**
 * Idempotency-Keys of POST /api/wa/send_message: per API token, the key → the record it created and
 * the answer given, so a client's retry gets the same answer instead of a second message. Kept in the
 * send journal's file (table `idempotency_keys`, see ./journal.ts); keys and tokens are stored only as
 * SHA-256 hashes. Apart from the outbox's send states: the REST side uses these, the outbox those.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';

export type IdempotencyClaim =
  /** First use: go ahead, then complete() or release(). */
  | { kind: 'new' }
  /** Done before: answer exactly this again. */
  | { kind: 'replay'; statusCode: number; body: unknown }
  /** Same key, different request. */
  | { kind: 'mismatch' }
  /** The first request with this key is still running in this process. */
  | { kind: 'in_progress' }
  /** The first request was cut off (restart, Odoo timeout): it may or may not have created a message. */
  | { kind: 'unknown' };

export interface IdempotencyKeys {
  claimIdempotencyKey(scope: string, keyHash: string, fingerprint: string, now: number, ttlMs: number): IdempotencyClaim;
  completeIdempotencyKey(scope: string, keyHash: string, statusCode: number, body: unknown): void;
  /** The request failed without creating anything: the key may be used again. */
  releaseIdempotencyKey(scope: string, keyHash: string): void;
  /** The request failed in a way that may have created the message. */
  markIdempotencyKeyUnknown(scope: string, keyHash: string): void;
  /** Drops keys created before `before` (ms epoch), except those still pending in this process. */
  purgeExpired(before: number): void;
}

interface KeyRow {
  fingerprint: string;
  state: 'pending' | 'done' | 'unknown';
  boot_id: string;
  status_code: number | null;
  response: string | null;
  created_at: number;
}

/** The keys in the journal file `db` (its migrations already applied). */
export function createIdempotencyKeys(db: Database.Database): IdempotencyKeys {
  /** Tells this process's pending idempotency keys from those an earlier process left behind. */
  const bootId = randomUUID();
  const getKey = db.prepare<[string, string], KeyRow>('SELECT * FROM idempotency_keys WHERE scope = ? AND key_hash = ?');
  const insertKey = db.prepare(
    `INSERT INTO idempotency_keys (scope, key_hash, fingerprint, state, boot_id, created_at)
     VALUES (@scope, @keyHash, @fingerprint, 'pending', @bootId, @now)`,
  );
  const deleteKey = db.prepare('DELETE FROM idempotency_keys WHERE scope = ? AND key_hash = ?');
  const completeKey = db.prepare(
    `UPDATE idempotency_keys SET state = 'done', status_code = @statusCode, response = @response WHERE scope = @scope AND key_hash = @keyHash`,
  );
  const unknownKey = db.prepare(`UPDATE idempotency_keys SET state = 'unknown' WHERE scope = ? AND key_hash = ?`);
  // A key still pending in this process is in use, however old; one an earlier process left pending is not.
  const purgeKeys = db.prepare(`DELETE FROM idempotency_keys WHERE created_at < ? AND (state != 'pending' OR boot_id != ?)`);

  const claim = db.transaction(
    (scope: string, keyHash: string, fingerprint: string, now: number, ttlMs: number): IdempotencyClaim => {
      let row = getKey.get(scope, keyHash);
      if (row && row.created_at < now - ttlMs && (row.state !== 'pending' || row.boot_id !== bootId)) {
        deleteKey.run(scope, keyHash);
        row = undefined;
      }
      if (!row) {
        insertKey.run({ scope, keyHash, fingerprint, bootId, now });
        return { kind: 'new' };
      }
      if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
      if (row.state === 'done') return { kind: 'replay', statusCode: row.status_code ?? 200, body: JSON.parse(row.response ?? 'null') };
      if (row.state === 'pending' && row.boot_id === bootId) return { kind: 'in_progress' };
      return { kind: 'unknown' };
    },
  );

  return {
    claimIdempotencyKey(scope, keyHash, fingerprint, now, ttlMs) {
      return claim(scope, keyHash, fingerprint, now, ttlMs);
    },
    completeIdempotencyKey(scope, keyHash, statusCode, body) {
      completeKey.run({ scope, keyHash, statusCode, response: JSON.stringify(body) });
    },
    releaseIdempotencyKey(scope, keyHash) {
      deleteKey.run(scope, keyHash);
    },
    markIdempotencyKeyUnknown(scope, keyHash) {
      unknownKey.run(scope, keyHash);
    },
    purgeExpired(before) {
      purgeKeys.run(before, bootId);
    },
  };
}
