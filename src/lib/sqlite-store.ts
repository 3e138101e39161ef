/**
 * Opening the gateway's SQLite files (the spool, the send journal) so that a file SQLite cannot use
 * — corrupt, not a database at all, in a directory that cannot be written — ends start-up with one
 * message naming the file and what to do, not a stack trace; and the busy timeouts of their connections.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * How long a connection used on the event loop waits for another connection's lock before failing
 * with SQLITE_BUSY. better-sqlite3 is synchronous: the whole event loop (every webhook, /healthz)
 * waits with it. The other connections to the spool hold its lock for a commit (a few ms, with its
 * fsync) or at most ~200 ms (the delivery thread's WAL reset, see sqlite-spool.ts); nothing else
 * writes the journal. 250 ms outlasts both, and fails fast when something really holds the file.
 */
export const EVENT_LOOP_BUSY_TIMEOUT_MS = 250;
/**
 * Connections off the event loop (the committer and delivery threads, the spool CLI) may wait longer:
 * failing there costs more (a webhook answered 503) than waiting blocks.
 */
export const BACKGROUND_BUSY_TIMEOUT_MS = 5000;

/** What a store is for, to tell an operator what is at stake and what to do. */
export interface StoreDescription {
  /** e.g. "spool" */
  name: string;
  /** The setting naming its path. */
  setting: string;
  /** What the file holds. */
  holds: string;
  /** What starting with an empty file costs, and what to check first. */
  ifReplaced: string;
  /** A command that opens the file to check it, if there is one. */
  check?: string;
}

/** The file cannot be used. `message` is meant for the operator, whole; `code` for machines. */
export class StoreFileError extends Error {
  constructor(
    readonly code: 'store_corrupt' | 'store_unavailable',
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreFileError';
  }
}

/** SQLite's word that the bytes are not (or no longer) a database. */
const CORRUPT_CODES = /^SQLITE_(NOTADB|CORRUPT)/;
/** The file or its directory cannot be opened, written or grown. */
const UNAVAILABLE_CODES = /^(SQLITE_(CANTOPEN|READONLY|PERM|IOERR|FULL|AUTH)|EACCES|EPERM|EROFS|ENOSPC|ENOTDIR|EEXIST)/;

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** The operator's message for a failure to open `path`, or undefined when it is not about the file. */
export function storeFileError(error: unknown, path: string, store: StoreDescription): StoreFileError | undefined {
  const code = errorCode(error);
  const reason = `${code}: ${error instanceof Error ? error.message : String(error)}`;
  if (CORRUPT_CODES.test(code)) {
    return new StoreFileError(
      'store_corrupt',
      path,
      [
        `The ${store.name} file ${path} (${store.setting}) is not a readable SQLite database (${reason}).`,
        `It holds ${store.holds}. What to do, with the gateway stopped:`,
        `  1. move the file aside, with its -wal and -shm files if present, and keep them:`,
        `     mv ${path} ${path}.corrupt; mv ${path}-wal ${path}.corrupt-wal; mv ${path}-shm ${path}.corrupt-shm`,
        `  2. restore it from a backup, or start without it: an empty ${store.name} is created. ${store.ifReplaced}`,
        `     What the old file held may be partly recoverable, for inspection: sqlite3 ${path}.corrupt .recover > ${path}.recovered.sql`,
        ...(store.check ? [`  3. check the file with: ${store.check}`] : []),
      ].join('\n'),
      { cause: error },
    );
  }
  if (UNAVAILABLE_CODES.test(code)) {
    return new StoreFileError(
      'store_unavailable',
      path,
      [
        `The ${store.name} file ${path} (${store.setting}) cannot be opened (${reason}).`,
        `It holds ${store.holds}. Check that the directory exists and that this user`,
        `may write it and the file (and its -wal, -shm files), and that the disk is not full or read-only.`,
      ].join('\n'),
      { cause: error },
    );
  }
  return undefined;
}

/**
 * Opens (creating if needed) the SQLite file at `path` and runs `setUp` (pragmas, migrations) on it.
 * Any failure that is about the file becomes a StoreFileError; the connection is closed first.
 */
export function openStoreFile(path: string, store: StoreDescription, setUp: (db: Database.Database) => void): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    setUp(db);
    return db;
  } catch (error) {
    if (db?.open) db.close();
    throw storeFileError(error, path, store) ?? error;
  }
}

export interface MigratedStoreOptions {
  /** How long a call waits for another connection's lock (EVENT_LOOP_/BACKGROUND_BUSY_TIMEOUT_MS). */
  busyTimeoutMs: number;
  /** FULL: every commit fsynced before it returns (survives a power cut); NORMAL: survives a crash. */
  synchronous: 'FULL' | 'NORMAL';
  /** Further pragmas, e.g. `wal_autocheckpoint = 0`, set before the migrations run. */
  pragmas?: readonly string[];
  /**
   * Schema migrations, applied in order; PRAGMA user_version records how many ran. Never edit one
   * that shipped: add another.
   */
  migrations: readonly string[];
}

/**
 * The one way the gateway opens its SQLite files: WAL mode, the given durability and busy timeout,
 * then the migrations not yet applied. The version is read inside a write transaction: several
 * connections (the main one, the committer and delivery threads) may open an older file at once,
 * and each migration must run exactly once.
 */
export function openMigratedStore(path: string, store: StoreDescription, options: MigratedStoreOptions): Database.Database {
  return openStoreFile(path, store, (db) => {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous}`);
    for (const pragma of options.pragmas ?? []) db.pragma(pragma);
    const { migrations } = options;
    db.transaction(() => {
      const version = db.pragma('user_version', { simple: true }) as number;
      for (let i = version; i < migrations.length; i++) db.exec(migrations[i] as string);
      if (version < migrations.length) db.pragma(`user_version = ${migrations.length}`);
    }).immediate();
  });
}
