import type { InboundEvent, MediaRef, Provider } from '../domain/message.js';

export interface SpooledEvent {
  id: number;
  event: InboundEvent;
  attempts: number;
  receivedAt: string;
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
  /** Statuses waiting for their message to appear. */
  parked: number;
  deadLetters: number;
  mediaPending: number;
  /** Downloaded media waiting for its message to reach Odoo (capped by MEDIA_SPOOL_MAX_BYTES). */
  mediaBytes: number;
  /** ISO time of the oldest pending event, or null. */
  oldestPendingAt: string | null;
  /** Size of the write-ahead log file. */
  walBytes: number;
}

/**
 * The durable queue between the webhook routes and Odoo. `enqueue` returns only once the events are
 * committed to disk, so a 2xx after it can never lose them.
 */
export interface Spool {
  /** Commits the events in one transaction; duplicates of events still pending are ignored. Returns how many were new. */
  enqueue(events: InboundEvent[]): number;
  /** Commits several webhooks' events in ONE transaction (one fsync); returns each group's count of new events. */
  enqueueGroups(groups: InboundEvent[][]): number[];
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
