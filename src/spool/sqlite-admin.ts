/**
 * What an administrator does with the spool file (npm run spool): the dead letters and the
 * quarantined webhook bodies (DeadLetterAdmin, QuarantineAdmin).
 */
import type Database from 'better-sqlite3';
import type { InboundEvent } from '../domain/message.js';
import { toDeadLetter, toQuarantined, type DeadLetterRow, type QuarantineRow } from './rows.js';
import type { DeadLetter, DeadLetterAdmin, QuarantineAdmin, QuarantinedBody } from './types.js';

/** The quarantine; `insertEvents` queues a replay's events (as the intake does). */
export function createSqliteQuarantineAdmin(db: Database.Database, insertEvents: (events: InboundEvent[], receivedAt: string) => number): QuarantineAdmin {
  const selectQuarantined = db.prepare('SELECT * FROM quarantine WHERE id = ?');
  const deleteQuarantined = db.prepare('DELETE FROM quarantine WHERE id = ?');
  const settleQuarantined = db.transaction(
    (id: number, events: InboundEvent[], outcome: { release: true } | { release: false; reason: string }): number => {
      const row = selectQuarantined.get(id) as QuarantineRow | undefined;
      if (!row) return 0;
      const added = insertEvents(events, new Date().toISOString());
      if (outcome.release) deleteQuarantined.run(id);
      else {
        db.prepare('UPDATE quarantine SET reason = ?, replays = replays + 1, last_replay_at = ? WHERE id = ?').run(
          outcome.reason.slice(0, 4000),
          new Date().toISOString(),
          id,
        );
      }
      return added;
    },
  );
  const discardQuarantined = db.transaction((ids: number[]): QuarantinedBody[] => {
    const rows = ids.map((id) => selectQuarantined.get(id) as QuarantineRow | undefined).filter((r) => r !== undefined);
    for (const row of rows) deleteQuarantined.run(row.id);
    return rows.map(toQuarantined);
  });

  return {
    quarantined(limit = 100) {
      return (db.prepare('SELECT * FROM quarantine ORDER BY id LIMIT ?').all(limit) as QuarantineRow[]).map(toQuarantined);
    },
    quarantinedIds() {
      return (db.prepare('SELECT id FROM quarantine ORDER BY id').all() as { id: number }[]).map((r) => r.id);
    },
    showQuarantined(id) {
      const row = selectQuarantined.get(id) as QuarantineRow | undefined;
      return row ? toQuarantined(row) : null;
    },
    settleQuarantined: (id, events, outcome) => settleQuarantined(id, events, outcome),
    discardQuarantined: (ids) => discardQuarantined(ids),
  };
}

/** The dead letters; a replay puts them back through the intake's statements. */
export function createSqliteDeadLetterAdmin(
  db: Database.Database,
  { insertEvent, insertMedia }: { insertEvent: Database.Statement; insertMedia: Database.Statement },
): DeadLetterAdmin {
  const selectAllDead = db.prepare('SELECT id, dedupe_key, payload FROM dead_letters ORDER BY id');
  const selectDead = db.prepare('SELECT id, dedupe_key, payload FROM dead_letters WHERE id = ?');
  const deleteDead = db.prepare('DELETE FROM dead_letters WHERE id = ?');

  const selectDeadLetter = db.prepare('SELECT id, payload, error, attempts, failed_at FROM dead_letters WHERE id = ?');
  const discard = db.transaction((ids: number[]): DeadLetter[] => {
    const rows = ids.map((id) => selectDeadLetter.get(id) as DeadLetterRow | undefined).filter((r) => r !== undefined);
    for (const row of rows) deleteDead.run(row.id);
    return rows.map(toDeadLetter);
  });

  const replay = db.transaction((ids?: number[]): number => {
    const rows = (ids === undefined ? selectAllDead.all() : ids.map((id) => selectDead.get(id)).filter(Boolean)) as {
      id: number;
      dedupe_key: string;
      payload: string;
    }[];
    const now = new Date().toISOString();
    for (const row of rows) {
      const event = JSON.parse(row.payload) as InboundEvent;
      const inserted = insertEvent.run(event.kind, row.dedupe_key, row.payload, now);
      if (inserted.changes > 0 && event.kind === 'message' && event.media) {
        insertMedia.run(event.provider, event.providerMessageId, JSON.stringify(event.media));
      }
      deleteDead.run(row.id);
    }
    return rows.length;
  });

  return {
    deadLetters(limit = 100) {
      const rows = db
        .prepare('SELECT id, payload, error, attempts, failed_at FROM dead_letters ORDER BY id LIMIT ?')
        .all(limit) as DeadLetterRow[];
      return rows.map(toDeadLetter);
    },

    replayDeadLetters: (ids) => replay(ids),

    showDeadLetter(id) {
      const row = selectDeadLetter.get(id) as DeadLetterRow | undefined;
      return row ? toDeadLetter(row) : null;
    },

    discardDeadLetters: (ids) => discard(ids),
  };
}
