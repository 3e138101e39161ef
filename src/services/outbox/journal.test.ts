import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { MIGRATIONS, openSendJournal, type SendJournalFile } from './journal.js';

let dir: string;
let path: string;
let journal: SendJournalFile;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wa-journal-'));
  path = join(dir, 'outbox.db');
  journal = openSendJournal(path);
});
afterEach(() => {
  journal.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Simulates a restart: the file stays, the process (and its boot id) is new. */
function reopen(): SendJournalFile {
  journal.close();
  journal = openSendJournal(path);
  return journal;
}

describe('sends', () => {
  test('sending → settled → recorded, counting attempts', () => {
    expect(journal.begin(7, 'fonnte', 1000)).toBe(1);
    journal.retryLater(7, 5000, 'Fonnte answered HTTP 502', 1001);
    expect(journal.retries()).toEqual([{ recordId: 7, nextAttemptAt: 5000 }]);
    expect(journal.begin(7, 'fonnte', 5000)).toBe(2);
    journal.settle(7, { outcome: 'sent', providerMessageId: '80367170' }, 5001);
    expect(journal.retries()).toEqual([]);
    expect(journal.unrecorded(10).map((e) => [e.recordId, e.outcome, e.providerMessageId])).toEqual([[7, 'sent', '80367170']]);
    journal.markRecorded(7, 5002);
    expect(journal.unrecorded(10)).toEqual([]);
    expect(journal.get(7)).toMatchObject({ state: 'recorded', attempts: 2, outcome: 'sent' });
  });

  test('a send in flight when the process died is settled as failed on the next start, never resent', () => {
    journal.begin(8, 'meta', 1000);
    journal.begin(9, 'fonnte', 1000);
    journal.settle(9, { outcome: 'sent', providerMessageId: 'x' }, 1001);
    reopen();
    expect(journal.resolveInterrupted('outcome unknown — not resent', 2000)).toEqual([8]);
    expect(journal.get(8)).toMatchObject({ state: 'settled', outcome: 'failed', error: 'outcome unknown — not resent' });
    expect(journal.unrecorded(10).map((e) => e.recordId).sort()).toEqual([8, 9]);
  });

  test('an outcome Odoo refused to store waits until its retry time; a new outcome starts afresh', () => {
    journal.begin(3, 'fonnte', 1000);
    journal.settle(3, { outcome: 'sent', providerMessageId: 'm3' }, 1001);
    journal.deferRecording(3, 'UserError: booking closed', 61_001);
    expect(journal.unrecorded(10, 60_000)).toEqual([]);
    expect(journal.unrecordedIds()).toEqual([3]);
    expect(journal.unrecorded(10, 61_001)).toEqual([expect.objectContaining({ recordId: 3, recordAttempts: 1, recordError: 'UserError: booking closed' })]);
    journal.deferRecording(3, 'UserError: still closed', 200_000);
    expect(journal.get(3)).toMatchObject({ recordAttempts: 2, recordRetryAt: 200_000, recordError: 'UserError: still closed' });
    journal.settle(3, { outcome: 'failed', error: 'x' }, 2000);
    expect(journal.get(3)).toMatchObject({ recordAttempts: 0, recordRetryAt: 0, recordError: null });
    journal.markRecorded(3);
    expect(journal.unrecordedIds()).toEqual([]);
  });

  test('purge drops old recorded rows only', () => {
    journal.begin(1, 'fonnte', 100);
    journal.settle(1, { outcome: 'failed', error: 'x' }, 100);
    journal.markRecorded(1, 100);
    journal.begin(2, 'fonnte', 100);
    journal.purge(1000, 0);
    expect(journal.get(1)).toBeUndefined();
    expect(journal.get(2)).toMatchObject({ state: 'sending' });
  });
});

describe('idempotency keys', () => {
  const TTL = 24 * 3_600_000;

  test('first use, then the stored answer for the same request', () => {
    expect(journal.claimIdempotencyKey('tok', 'k1', 'req-a', 1000, TTL)).toEqual({ kind: 'new' });
    expect(journal.claimIdempotencyKey('tok', 'k1', 'req-a', 1001, TTL)).toEqual({ kind: 'in_progress' });
    journal.completeIdempotencyKey('tok', 'k1', 202, { ok: true, data: { id: 5 } });
    expect(journal.claimIdempotencyKey('tok', 'k1', 'req-a', 1002, TTL)).toEqual({ kind: 'replay', statusCode: 202, body: { ok: true, data: { id: 5 } } });
    // …and after a restart too.
    reopen();
    expect(journal.claimIdempotencyKey('tok', 'k1', 'req-a', 1003, TTL)).toMatchObject({ kind: 'replay' });
  });

  test('same key, other request: mismatch; other token: an independent key', () => {
    journal.claimIdempotencyKey('tok', 'k1', 'req-a', 1000, TTL);
    journal.completeIdempotencyKey('tok', 'k1', 202, {});
    expect(journal.claimIdempotencyKey('tok', 'k1', 'req-b', 1001, TTL)).toEqual({ kind: 'mismatch' });
    expect(journal.claimIdempotencyKey('other', 'k1', 'req-b', 1001, TTL)).toEqual({ kind: 'new' });
  });

  test('released keys can be used again; unknown and interrupted ones cannot', () => {
    journal.claimIdempotencyKey('tok', 'k1', 'req', 1000, TTL);
    journal.releaseIdempotencyKey('tok', 'k1');
    expect(journal.claimIdempotencyKey('tok', 'k1', 'req', 1001, TTL)).toEqual({ kind: 'new' });

    journal.claimIdempotencyKey('tok', 'k2', 'req', 1000, TTL);
    journal.markIdempotencyKeyUnknown('tok', 'k2');
    expect(journal.claimIdempotencyKey('tok', 'k2', 'req', 1001, TTL)).toEqual({ kind: 'unknown' });

    journal.claimIdempotencyKey('tok', 'k3', 'req', 1000, TTL);
    reopen(); // the request was cut off by a restart
    expect(journal.claimIdempotencyKey('tok', 'k3', 'req', 1001, TTL)).toEqual({ kind: 'unknown' });
  });

  test('keys expire after the TTL', () => {
    journal.claimIdempotencyKey('tok', 'k1', 'req-a', 1000, TTL);
    journal.completeIdempotencyKey('tok', 'k1', 202, {});
    expect(journal.claimIdempotencyKey('tok', 'k1', 'req-b', 1000 + TTL + 1, TTL)).toEqual({ kind: 'new' });
    journal.completeIdempotencyKey('tok', 'k1', 202, {});
    journal.purge(0, 1000 + 2 * TTL + 2);
    expect(journal.claimIdempotencyKey('tok', 'k1', 'req-c', 1000 + TTL + 2, TTL)).toEqual({ kind: 'new' });
  });
});

describe('probe (readiness)', () => {
  test('writes to the file: another connection sees the probe row', () => {
    journal.probe();
    const other = new Database(path, { readonly: true });
    try {
      const row = other.prepare('SELECT at FROM probe').get() as { at: number } | undefined;
      expect(row?.at).toBeGreaterThan(Date.now() - 60_000);
    } finally {
      other.close();
    }
  });

  test('throws, quickly, while the file cannot be written (another process holds the write lock)', () => {
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const started = Date.now();
      expect(() => journal.probe()).toThrow(/locked|busy/i);
      // Readiness runs on the event loop: it must not sit out the 5 s busy timeout of a send.
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(() => journal.probe()).not.toThrow();
  });

  test('a journal of the first version is brought up to date when opened, its sends kept', () => {
    journal.close();
    const v1Path = join(dir, 'v1.db');
    const v1 = new Database(v1Path);
    v1.exec(MIGRATIONS[0] as string);
    v1.pragma('user_version = 1');
    v1.prepare(`INSERT INTO sends (record_id, provider, state, outcome, provider_message_id, updated_at) VALUES (5, 'fonnte', 'settled', 'sent', 'x', 1)`).run();
    v1.close();
    journal = openSendJournal(v1Path);
    expect(() => journal.probe()).not.toThrow();
    expect(journal.unrecorded(10)).toEqual([expect.objectContaining({ recordId: 5, providerMessageId: 'x', recordAttempts: 0, recordRetryAt: 0 })]);
  });
});
