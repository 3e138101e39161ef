import type { InboundEvent, MediaRef, Provider } from '../domain/message.js';

export interface SpooledEvent {
  id: number;
  event: InboundEvent;
  attempts: number;
  receivedAt: string;
}

/**
 * A webhook body, authenticated and acknowledged, that the gateway could not (wholly) turn into
 * records: kept as received until an upgrade understands it (`npm run spool -- quarantine replay`).
 */
export interface QuarantineInput {
  provider: Provider;
  /** The body as received (its bytes as UTF-8 text; Twilio: the form-encoded text). */
  body: string;
  /**
   * What the parser was given when that is not simply the body read as JSON: Twilio's form
   * parameters, as JSON. Null for Fonnte and Meta (their body is re-read on replay).
   */
  input: string | null;
  /** What was not understood: `path message` lines. */
  reason: string;
  /** When the gateway received it (ISO 8601); a replay dates undated events with it. */
  receivedAt: string;
}

export interface QuarantinedBody extends QuarantineInput {
  id: number;
  /** How many replays found it still not understood. */
  replays: number;
  lastReplayAt: string | null;
}

/** One webhook's events, and the body itself when part of it could not be understood. */
export interface SpoolBatch {
  events: InboundEvent[];
  quarantine?: QuarantineInput | null;
}

export interface DeadLetter {
  id: number;
  event: InboundEvent;
  error: string;
  attempts: number;
  failedAt: string;
}

/**
 * Media is downloaded as soon as the webhook is accepted (Fonnte's URLs expire after 30 minutes,
 * whether Odoo is up or not), kept here, and attached to the record once the message is in Odoo.
 */
export interface MediaJob {
  id: number;
  provider: Provider;
  providerMessageId: string;
  media: MediaRef;
  state: 'pending' | 'fetched' | 'failed';
  /** Set once the message is in Odoo. */
  recordId: number | null;
  attempts: number;
  data: Buffer | null;
  mimetype: string | null;
  filename: string | null;
  error: string | null;
}

export interface SpoolStats {
  /** Events accepted but not yet in Odoo. */
  pending: number;
  /** Of those, messages (the rest are statuses). */
  messagesPending: number;
  /** Statuses waiting for their message to appear. */
  parked: number;
  deadLetters: number;
  /** Webhook bodies kept because the gateway could not understand them (all or part). */
  quarantined: number;
  mediaPending: number;
  /** Downloaded media waiting for its message to reach Odoo (capped by MEDIA_SPOOL_MAX_BYTES). */
  mediaBytes: number;
  /** ISO time the oldest pending message was accepted, or null (statuses left out: they may rightly wait for their message). */
  oldestPendingAt: string | null;
  /** ISO time a message last left the queue (delivered, or dead-lettered), or null. */
  lastMessageDeliveredAt: string | null;
  /** Size of the write-ahead log file. */
  walBytes: number;
}

/**
 * The durable queue between the webhook routes and Odoo, seen by each of its users through the part
 * it needs: the webhook intake (SpoolIntake), the writer (DeliverySpool), the media worker
 * (MediaSpool), the spool CLI (DeadLetterAdmin, QuarantineAdmin), readiness and metrics
 * (SpoolOperations), and whoever keeps the write-ahead log short (WalMaintenance, see wal-policy.ts).
 * The SQLite spool (sqlite-spool.ts) is all of them: `Spool`.
 */
export type Spool = SpoolIntake & DeliverySpool & MediaSpool & DeadLetterAdmin & QuarantineAdmin & SpoolOperations & WalMaintenance;

/** What accepts webhooks: `enqueue` returns only once the events are committed to disk, so a 2xx after it can never lose them. */
export interface SpoolIntake {
  /**
   * Commits the events (and the body to quarantine, if any) in one transaction; duplicates of events
   * still pending, and of a body already in quarantine, are ignored. Returns how many events were new.
   */
  enqueue(events: InboundEvent[], quarantine?: QuarantineInput | null): number;
  /** Commits several webhooks' events in ONE transaction (one fsync); returns each group's count of new events. */
  enqueueGroups(groups: (InboundEvent[] | SpoolBatch)[]): number[];
}

/** What the writer needs to move events into Odoo. */
export interface DeliverySpool {
  /** Due events of one kind, oldest first. */
  takeDue(kind: 'message' | 'status', limit: number, now?: number): SpooledEvent[];
  /** Delivered: removes the events, and tells their media jobs which Odoo record they belong to. */
  complete(ids: number[], delivered?: { provider: Provider; providerMessageId: string; recordId: number }[]): void;
  /** Not delivered yet: try again at `nextAttemptAt` (ms epoch). */
  reschedule(ids: number[], nextAttemptAt: number, error: string): void;
  /** Permanently rejected: moves the event to the dead-letter table. */
  deadLetter(id: number, error: string): void;
  /** Fonnte's stateid → message id link, learned from the first status call. */
  rememberAlias(provider: Provider, aliasId: string, providerMessageId: string): void;
  resolveAlias(provider: Provider, aliasId: string): string | null;
  /** Forgets Fonnte id links learned before `olderThan` (ms epoch). Returns how many. */
  pruneAliases(olderThan: number): number;
  /** Makes parked statuses of this message due now (called when the message appears, or once a send is recorded). */
  wake(provider: Provider, providerMessageId: string): void;
  /** Events accepted but not yet in Odoo (for the writer's logs). */
  pendingCount(): number;
}

/** What the media worker needs: downloads to make, files to attach. */
export interface MediaSpool {
  /** Media still to download, due now. */
  takeMediaToFetch(limit: number, now?: number): MediaJob[];
  saveMedia(id: number, file: { data: Buffer; mimetype: string | null; filename: string | null }): void;
  /** The download failed for good: the record will keep media_url and this error. */
  failMedia(id: number, error: string): void;
  /** Downloaded (or failed) media whose message is in Odoo, due now. */
  takeMediaToAttach(limit: number, now?: number): MediaJob[];
  completeMediaJob(id: number): void;
  rescheduleMediaJob(id: number, nextAttemptAt: number, error: string): void;
  /** Bytes of downloaded media the spool holds now. */
  storedMediaBytes(): number;
}

/** The dead letters, for an administrator (npm run spool). */
export interface DeadLetterAdmin {
  deadLetters(limit?: number): DeadLetter[];
  /** Puts dead letters back into the queue (all when ids is omitted). Returns how many. */
  replayDeadLetters(ids?: number[]): number;
  /** One dead letter with its whole event, or null. */
  showDeadLetter(id: number): DeadLetter | null;
  /** Deletes the given dead letters for good (an admin decided they are not to be delivered); returns those deleted. */
  discardDeadLetters(ids: number[]): DeadLetter[];
}

/** The quarantined webhook bodies, for an administrator (npm run spool -- quarantine). */
export interface QuarantineAdmin {
  /** Quarantined bodies, oldest first. */
  quarantined(limit?: number): QuarantinedBody[];
  /** The ids of every quarantined body, oldest first. */
  quarantinedIds(): number[];
  showQuarantined(id: number): QuarantinedBody | null;
  /**
   * A replay understood the body: its events go into the queue and, when nothing of it is left not
   * understood (`release`), the body leaves the quarantine — in one transaction. Otherwise the body
   * stays with the new reason. Returns how many events were new.
   */
  settleQuarantined(id: number, events: InboundEvent[], outcome: { release: true } | { release: false; reason: string }): number;
  /** Deletes these quarantined bodies for good; returns those deleted. */
  discardQuarantined(ids: number[]): QuarantinedBody[];
}

/** What operations read (readiness, metrics, the CLI's stats) and the connection's life. */
export interface SpoolOperations {
  stats(): SpoolStats;
  /** This connection's PRAGMA synchronous: 2 = FULL (every commit fsynced), 1 = NORMAL. */
  synchronous(): number;
  /** Throws when the store cannot be written (readiness probe). */
  probe(): void;
  close(): void;
}

/** The write-ahead log, for its one owner (wal-policy.ts decides when to call these). */
export interface WalMaintenance {
  /**
   * Copies the write-ahead log into the database file so the log can be reused (PASSIVE: never
   * waits for, nor blocks, other connections); when the log has grown past `restartAboveBytes`
   * anyway, makes the next commit start it afresh (RESTART: waits for the writer, at most a short
   * while).
   */
  checkpoint(restartAboveBytes?: number): { logFrames: number; restarted: boolean };
  /** Size of the write-ahead log file (0 when there is none). */
  walBytes(): number;
}
