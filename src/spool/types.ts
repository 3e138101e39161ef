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
 * The durable queue between the webhook routes and Odoo. `enqueue` returns only once the events are
 * committed to disk, so a 2xx after it can never lose them.
 */
export interface Spool {
  /**
   * Commits the events (and the body to quarantine, if any) in one transaction; duplicates of events
   * still pending, and of a body already in quarantine, are ignored. Returns how many events were new.
   */
  enqueue(events: InboundEvent[], quarantine?: QuarantineInput | null): number;
  /** Commits several webhooks' events in ONE transaction (one fsync); returns each group's count of new events. */
  enqueueGroups(groups: (InboundEvent[] | SpoolBatch)[]): number[];
  /** Due events of one kind, oldest first. */
  takeDue(kind: 'message' | 'status', limit: number, now?: number): SpooledEvent[];
  /** Delivered: removes the events, and tells their media jobs which Odoo record they belong to. */
  complete(ids: number[], delivered?: { provider: Provider; providerMessageId: string; recordId: number }[]): void;
  /** Not delivered yet: try again at `nextAttemptAt` (ms epoch). */
  reschedule(ids: number[], nextAttemptAt: number, error: string): void;
  /** Permanently rejected: moves the event to the dead-letter table. */
  deadLetter(id: number, error: string): void;
  deadLetters(limit?: number): DeadLetter[];
  /** Puts dead letters back into the queue (all when ids is omitted). Returns how many. */
  replayDeadLetters(ids?: number[]): number;
  /** One dead letter with its whole event, or null. */
  showDeadLetter(id: number): DeadLetter | null;
  /** Deletes the given dead letters for good (an admin decided they are not to be delivered); returns those deleted. */
  discardDeadLetters(ids: number[]): DeadLetter[];
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
  /** Fonnte's stateid → message id link, learned from the first status call. */
  rememberAlias(provider: Provider, aliasId: string, providerMessageId: string): void;
  resolveAlias(provider: Provider, aliasId: string): string | null;
  /** Forgets Fonnte id links learned before `olderThan` (ms epoch). Returns how many. */
  pruneAliases(olderThan: number): number;
  /** Makes parked statuses of this message due now (called when the message appears). */
  wake(provider: Provider, providerMessageId: string): void;
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
  stats(): SpoolStats;
  /**
   * Copies the write-ahead log into the database file so the log can be reused (PASSIVE: never
   * waits for, nor blocks, other connections); when the log has grown past `restartAboveBytes`
   * anyway, makes the next commit start it afresh (RESTART: waits for the writer, at most a short
   * while). The webhook committer leaves this to the delivery thread, which calls it every second,
   * Odoo up or down; the gateway's backstop (wal-backstop.ts) calls it if the log grows regardless.
   */
  checkpoint(restartAboveBytes?: number): { logFrames: number; restarted: boolean };
  /** Size of the write-ahead log file (0 when there is none). */
  walBytes(): number;
  /** This connection's PRAGMA synchronous: 2 = FULL (every commit fsynced), 1 = NORMAL. */
  synchronous(): number;
  /** Throws when the store cannot be written (readiness probe). */
  probe(): void;
  close(): void;
}
