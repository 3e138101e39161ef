import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openSendJournal } from '../services/outbox/journal.js';
import { openSqliteSpool } from '../spool/sqlite-spool.js';
import { BACKGROUND_BUSY_TIMEOUT_MS, EVENT_LOOP_BUSY_TIMEOUT_MS, openMigratedStore, StoreFileError } from './sqlite-store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sqlite-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Not a database: what a disk error, a bad restore or a stray `>` leaves behind. */
const GARBAGE = Buffer.from('this is not an SQLite database, whatever its name says\n'.repeat(200));

function thrown(open: () => { close(): void }): unknown {
  try {
    open().close();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('a file SQLite cannot use is one StoreFileError naming the file and what to do', () => {
  test.each([
    ['spool', 'SPOOL_PATH', (path: string) => openSqliteSpool(path), /npm run spool -- stats/],
    ['send journal', 'SEND_JOURNAL_PATH', (path: string) => openSendJournal(path), /filter Queued/],
  ])('a corrupt %s file: store_corrupt, the file left as it was', (name, setting, open, advice) => {
    const path = join(dir, 'store.db');
    writeFileSync(path, GARBAGE);
    const error = thrown(() => open(path));
    expect(error).toBeInstanceOf(StoreFileError);
    expect(error).toMatchObject({ code: 'store_corrupt', path });
    const message = (error as Error).message;
    expect(message).toContain(`The ${name} file ${path} (${setting}) is not a readable SQLite database (SQLITE_NOTADB`);
    expect(message).toContain(`mv ${path} ${path}.corrupt`);
    expect(message).toMatch(advice);
    expect(readFileSync(path)).toEqual(GARBAGE);
  });

  test.each([
    ['spool', (path: string) => openSqliteSpool(path)],
    ['send journal', (path: string) => openSendJournal(path)],
  ])('a %s path that cannot be created: store_unavailable, what to check', (_name, open) => {
    const notADirectory = join(dir, 'plain-file');
    writeFileSync(notADirectory, 'x');
    const path = join(notADirectory, 'store.db');
    const error = thrown(() => open(path));
    expect(error).toMatchObject({ code: 'store_unavailable', path });
    expect((error as Error).message).toMatch(/cannot be opened .*\n.*\n.*disk is not full/);
  });
});

describe('busy timeouts: a connection used on the event loop gives up quickly on a held lock', () => {
  /** Holds the write lock of `path` from another connection while `run` runs; returns how long `run` took to fail. */
  function failWhileLocked(path: string, run: () => void): { ms: number; code: string } {
    const holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE');
    try {
      const started = performance.now();
      try {
        run();
      } catch (error) {
        return { ms: performance.now() - started, code: (error as { code?: string }).code ?? String(error) };
      }
      throw new Error('the call did not fail although the file was locked');
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  }

  test('the send journal (only ever used on the event loop): SQLITE_BUSY after about EVENT_LOOP_BUSY_TIMEOUT_MS', () => {
    const path = join(dir, 'outbox.db');
    const journal = openSendJournal(path);
    try {
      const { ms, code } = failWhileLocked(path, () => journal.begin(7, 'fonnte'));
      expect(code).toBe('SQLITE_BUSY');
      // SQLite sleeps while it waits, so load only lengthens this a little; the old 5 s wait is far off.
      expect(ms).toBeGreaterThanOrEqual(EVENT_LOOP_BUSY_TIMEOUT_MS * 0.8);
      expect(ms).toBeLessThan(BACKGROUND_BUSY_TIMEOUT_MS / 4);
    } finally {
      journal.close();
    }
  });

  test("the gateway's own spool connection (busyTimeoutMs given) vs a background one (the default)", () => {
    const path = join(dir, 'spool.db');
    const eventLoop = openSqliteSpool(path, { busyTimeoutMs: EVENT_LOOP_BUSY_TIMEOUT_MS });
    try {
      const { ms, code } = failWhileLocked(path, () => eventLoop.probe());
      expect(code).toBe('SQLITE_BUSY');
      expect(ms).toBeLessThan(BACKGROUND_BUSY_TIMEOUT_MS / 4);
    } finally {
      eventLoop.close();
    }
  });
});

describe('openMigratedStore: the one open-and-migrate path of the spool and the send journal', () => {
  const store = { name: 'test store', setting: 'TEST_PATH', holds: 'nothing', ifReplaced: 'Nothing is lost.' };
  const V1 = ['CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);'];
  const V2 = [...V1, 'ALTER TABLE a ADD COLUMN w TEXT;'];

  test.each([
    { name: 'a new file gets every migration', first: null, then: V2, version: 2, columns: ['id', 'v', 'w'] },
    { name: 'an older file gets only the missing ones, keeping its rows', first: V1, then: V2, version: 2, columns: ['id', 'v', 'w'] },
    { name: 'reopening a current file runs nothing again', first: V2, then: V2, version: 2, columns: ['id', 'v', 'w'] },
    { name: 'a newer file (a downgrade) keeps its version', first: V2, then: V1, version: 2, columns: ['id', 'v', 'w'] },
  ])('$name', ({ first, then, version, columns }) => {
    const path = join(dir, 'store.db');
    if (first) {
      const db = openMigratedStore(path, store, { busyTimeoutMs: 100, synchronous: 'FULL', migrations: first });
      db.prepare("INSERT INTO a (v) VALUES ('kept')").run();
      db.close();
    }
    const db = openMigratedStore(path, store, { busyTimeoutMs: 100, synchronous: 'NORMAL', migrations: then });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(version);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(1);
      expect((db.pragma('table_info(a)') as { name: string }[]).map((c) => c.name)).toEqual(columns);
      if (first) expect(db.prepare('SELECT v FROM a').all()).toEqual([{ v: 'kept' }]);
    } finally {
      db.close();
    }
  });
});
