/**
 * The outbox: sends every outgoing Odoo record that waits in state `queued` without a provider id —
 * whether POST /api/wa/send_message created it, an admin typed a reply in Odoo, or a restart left it —
 * and records the outcome on the record: `sent` + `provider_message_id`, or `failed` + `error_message`.
 *
 * Odoo is the queue (so a queued send survives anything that happens to the gateway); the local send
 * journal (./journal.ts) is what guarantees a message is never sent twice:
 *   1. the journal row is committed as `sending` before the provider is called;
 *   2. the provider's answer is committed (`settled`, or `retry` when it certainly did not take it);
 *   3. the outcome is written to Odoo, then the row is marked `recorded`.
 * A crash between 1 and 2 leaves a `sending` row: at the next start that message is marked failed with
 * "outcome unknown — not resent". A crash between 2 and 3 is repaired by writing the journal's outcome.
 * A record queued again after its outcome was `recorded` is a request to send again (Odoo's Retry), so
 * it is sent anew — also when it had been sent and the provider reported a failure later. (A database
 * restored from a backup taken while a message was queued therefore sends that message again.)
 * An outcome Odoo refuses to store for that one record (not: Odoo unreachable) is parked in the journal
 * and tried again with a backoff of up to an hour, so it never holds back the other sends.
 *
 * One gateway process per Odoo database sends (the journal is local): with several instances, only the
 * holder of the outbox lease (./lease.ts, `mayStartSend`) reads the queue and starts sends; outcomes
 * it already has are still written to Odoo without it.
 */
import type { Logger } from 'pino';
import type { QueuedSend } from '../../domain/history.js';
import type { Provider } from '../../domain/message.js';
import { createBackgroundLoop, type PassOutcome } from '../../lib/background-loop.js';
import { backoffDelay } from '../../lib/backoff.js';
import { canSendToUserId, describePhoneRejection, isWhatsappUserId, normalizePhone, userIdTargetRefusal, type CountryCode } from '../../lib/phone.js';
import { SendTargetError } from '../../domain/errors.js';
import { isOdooError } from '../../odoo/errors.js';
import type { HistoryRepository } from '../../odoo/repositories/history-repository.js';
import type { SendMetricOutcome } from '../../metrics/registry.js';
import type { SenderRegistry } from '../../providers/registry.js';
import type { SendResult } from '../../providers/types.js';
import { contactKey, runByContact } from './contact-lanes.js';
import type { IdempotencyKeys, SendEntry, SendJournal } from './journal.js';

export { contactKey } from './contact-lanes.js';

export const UNKNOWN_AFTER_RESTART =
  'The gateway stopped while this message was being handed to the provider: it may or may not have been sent. ' +
  'Not resent automatically, to avoid a duplicate; check with the contact, then use Retry to send it again.';

const DAY_MS = 86_400_000;
/** Recorded journal rows are kept this long, to tell what went out when (a re-queued record starts a new row). */
const RECORDED_RETENTION_MS = 30 * DAY_MS;
const PURGE_EVERY_MS = 60 * 60_000;
/** What waits in Odoo's send queue, as the last pass saw it (for /readyz and /metrics). */
export interface OutboxQueueStatus {
  /** When the oldest queued outgoing message was queued (its last change), ISO; null when none waits. */
  oldestQueuedAt: string | null;
  /** When this was last read from Odoo (ISO); null until a pass of the lease holder read it. */
  checkedAt: string | null;
}

/** Never spin: even a retry due "now" waits this long after a pass. */
const MIN_DELAY_MS = 20;
/** An outcome Odoo refuses to store for that record alone is tried again after 1 min, doubling up to 1 h. */
const RECORD_RETRY_BASE_MS = 60_000;
const RECORD_RETRY_MAX_MS = 3_600_000;

export interface OutboxDeps {
  history: Pick<HistoryRepository, 'oldestQueuedAt' | 'queuedSends' | 'recordSent' | 'recordSentWithTakenId' | 'recordFailed'>;
  journal: SendJournal;
  /** The REST Idempotency-Keys, kept in the journal's file: their hourly purge runs with the journal's. */
  idempotencyKeys?: Pick<IdempotencyKeys, 'purgeExpired'>;
  senders: Pick<SenderRegistry, 'get' | 'whyDisabled'>;
  logger: Logger;
  defaultCountry: CountryCode;
  /** Counts outcomes (wa_sends_total). */
  countSend?: (provider: string, outcome: SendMetricOutcome) => void;
  /** After `sent` + provider id are in Odoo: a status webhook that arrived first can now be applied (spool.wake). */
  onSent?: (provider: Provider, providerMessageId: string) => void;
  /** Whether this instance may start a send now (it holds the outbox lease long enough); always when absent. */
  mayStartSend?: () => boolean;
}

export interface OutboxOptions {
  pollMs: number;
  concurrency: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long Idempotency-Keys are kept (purged here, hourly). */
  idempotencyTtlMs: number;
  /** Queued records fetched per pass. */
  batchSize?: number;
  now?: () => number;
  random?: () => number;
}

type QueuedRow = QueuedSend;

export interface PassResult {
  /** Records handed to a provider in this pass. */
  attempted: number;
  /** Outcomes written to Odoo in this pass. */
  recorded: number;
  /** The batch was full: more may be waiting. */
  more: boolean;
  /** Odoo could not be reached; the pass stopped early. */
  odooDown: boolean;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

export function createOutboxWorker(deps: OutboxDeps, options: OutboxOptions) {
  const { history, journal, senders, logger } = deps;
  const now = options.now ?? Date.now;
  const batchSize = options.batchSize ?? Math.max(20, options.concurrency * 5);
  const inFlight = new Set<number>();

  let interruptedResolved = false;
  let lastPurge = 0;
  let stopRequested = false;
  let queueStatus: OutboxQueueStatus = { oldestQueuedAt: null, checkedAt: null };
  let queueCheckedAt = 0;

  /**
   * The oldest message waiting in Odoo's queue (any of them: retries, parked outcomes and blocked
   * contacts included), at most once per poll interval: one small indexed query (partial index on
   * state) so that a stuck outbox shows in /readyz and /metrics.
   */
  async function readQueueAge(): Promise<void> {
    if (now() - queueCheckedAt < options.pollMs) return;
    queueCheckedAt = now();
    try {
      const at = await history.oldestQueuedAt();
      queueStatus = { oldestQueuedAt: at ? at.toISOString() : null, checkedAt: new Date(now()).toISOString() };
    } catch (error) {
      logger.debug({ err: error }, 'could not read the age of the send queue');
    }
  }

  /** The contact of each record waiting for a retry: that contact's later messages wait too, so they never overtake it. */
  const waitingContacts = new Map<number, string>();

  const count = (provider: string, outcome: SendMetricOutcome) => deps.countSend?.(provider, outcome);
  const mayStartSend = () => deps.mayStartSend?.() ?? true;

  const storeOutcome = (entry: SendEntry): Promise<void> =>
    entry.outcome === 'sent'
      ? history.recordSent(entry.recordId, entry.providerMessageId)
      : history.recordFailed(entry.recordId, entry.error ?? 'failed');

  /**
   * Odoo cannot be reached, or refuses the gateway as a whole, so no other write would succeed either.
   * (The addon has no record rules on whatsapp.history: an AccessError means the integration user lost
   * its rights, not that this one record is out of reach.)
   */
  function blocksEveryWrite(error: unknown): boolean {
    return isOdooError(error) && (error.retryable || error.kind === 'authentication' || error.kind === 'access');
  }

  /**
   * Writes a settled outcome to Odoo: `stored`; `down` when Odoo is unreachable (the pass stops, try
   * again later); `deferred` when Odoo refuses this record alone (a ValidationError, a customization's
   * UserError…): it is parked with a backoff so that it never holds back the other sends.
   */
  async function record(entry: SendEntry): Promise<'stored' | 'down' | 'deferred'> {
    try {
      try {
        await storeOutcome(entry);
      } catch (error) {
        if (isOdooError(error) && error.kind === 'missing') {
          logger.warn({ recordId: entry.recordId }, 'outgoing record was deleted in Odoo before its outcome could be stored');
        } else if (isOdooError(error) && error.kind === 'unique' && entry.outcome === 'sent') {
          // Another record already holds this provider id (e.g. an echo stored by a webhook): keep the state, note why.
          await history.recordSentWithTakenId(entry.recordId, `Sent as ${entry.providerMessageId}, an id another record already holds`);
        } else {
          throw error;
        }
      }
    } catch (error) {
      if (blocksEveryWrite(error)) {
        logger.warn({ recordId: entry.recordId, err: error }, 'cannot store a send outcome in Odoo yet; will retry');
        return 'down';
      }
      const wait = backoffDelay(entry.recordAttempts, RECORD_RETRY_BASE_MS, RECORD_RETRY_MAX_MS, options.random);
      const reason = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
      journal.deferRecording(entry.recordId, reason, now() + wait);
      logger.error(
        { recordId: entry.recordId, outcome: entry.outcome, providerMessageId: entry.providerMessageId, err: error, retryInMs: wait },
        'Odoo refuses to store this send outcome; the message is not resent, storing it is tried again later',
      );
      return 'deferred';
    }
    journal.markRecorded(entry.recordId, now());
    if (entry.outcome === 'sent' && entry.providerMessageId) deps.onSent?.(entry.provider, entry.providerMessageId);
    return 'stored';
  }

  async function flushUnrecorded(): Promise<{ recorded: number; odooDown: boolean }> {
    let recorded = 0;
    for (const entry of journal.unrecorded(100, now())) {
      if (inFlight.has(entry.recordId)) continue;
      const result = await record(entry);
      if (result === 'down') return { recorded, odooDown: true };
      if (result === 'stored') recorded++;
    }
    return { recorded, odooDown: false };
  }

  function settleFailed(recordId: number, provider: Provider, error: string): void {
    journal.settle(recordId, { outcome: 'failed', error }, now(), provider);
    count(provider, 'failed');
  }

  /** Stores a just-settled outcome in Odoo at once (or leaves it to the next pass's flush). */
  async function recordNow(recordId: number): Promise<void> {
    const entry = journal.get(recordId);
    if (entry?.state === 'settled') await record(entry);
  }

  /** Sends one queued record (or settles it as failed when it cannot be sent). Returns whether it was handed to a provider. */
  async function sendOne(row: QueuedRow): Promise<boolean> {
    const provider = str(row.provider) as Provider;
    const previous = journal.get(row.id);
    if (previous) {
      if (previous.state === 'settled' || previous.state === 'sending') return false; // recorded by flushUnrecorded
      // Odoo already held this outcome, yet the record is queued again without a provider id: someone
      // re-queued it (Odoo's Retry — after a refusal, or after a `failed` status for a message the
      // provider had accepted). A new send is wanted: a new journal row, counting attempts from 1.
      // (Only an outcome not yet in Odoo — `settled` — is written back instead: that is crash repair.)
      if (previous.state === 'recorded') journal.forget(row.id);
    }

    const sender = senders.get(provider);
    if (!sender) {
      settleFailed(row.id, provider, `Cannot send: ${senders.whyDisabled(provider) ?? `unknown provider ${JSON.stringify(row.provider)}`}`);
      await recordNow(row.id);
      return false;
    }
    // No number but a WhatsApp user id: only a provider that addresses user ids (Meta) can send it.
    const userId = str(row.phone) === '' && isWhatsappUserId(row.userId) ? str(row.userId) : null;
    if (userId !== null && !canSendToUserId(provider)) {
      settleFailed(row.id, provider, `Cannot send: ${userIdTargetRefusal(provider)}`);
      await recordNow(row.id);
      return false;
    }
    const normalized = userId === null ? normalizePhone(str(row.phone), deps.defaultCountry) : null;
    if (normalized !== null && !normalized.ok) {
      settleFailed(row.id, provider, `Cannot send: the number ${JSON.stringify(str(row.phone))} ${describePhoneRejection(normalized.reason)}`);
      await recordNow(row.id);
      return false;
    }
    const text = str(row.text);
    const mediaUrl = str(row.mediaUrl);
    if (text.trim() === '' && mediaUrl === '') {
      settleFailed(row.id, provider, 'Cannot send: the message has neither text nor media');
      await recordNow(row.id);
      return false;
    }

    const attempt = journal.begin(row.id, provider, now());
    let result: SendResult;
    try {
      result = await sender.send({
        phone: normalized === null ? (userId as string) : normalized.kind === 'phone' ? normalized.e164 : normalized.jid,
        text,
        ...(mediaUrl ? { mediaUrl } : {}),
        ...(str(row.mediaFilename) ? { filename: str(row.mediaFilename) } : {}),
      });
    } catch (error) {
      // A sender refuses a target before any request (a group on Meta/Twilio): nothing left the gateway.
      if (error instanceof SendTargetError) result = { kind: 'rejected', reason: error.message };
      else result = { kind: 'unknown', reason: `Sending failed unexpectedly (${error instanceof Error ? error.message : String(error)}); not resent automatically` };
    }

    switch (result.kind) {
      case 'sent':
        journal.settle(row.id, { outcome: 'sent', providerMessageId: result.providerMessageId }, now());
        count(provider, 'sent');
        break;
      case 'rejected':
        settleFailed(row.id, provider, result.reason);
        break;
      case 'unknown':
        journal.settle(row.id, { outcome: 'failed', error: result.reason }, now());
        count(provider, 'unknown');
        logger.warn({ recordId: row.id, provider, reason: result.reason }, 'send outcome unknown; marked failed, not resent');
        break;
      case 'retry': {
        if (attempt >= options.maxAttempts) {
          settleFailed(row.id, provider, `${result.reason} (gave up after ${attempt} attempts)`);
          break;
        }
        const wait = Math.max(
          backoffDelay(attempt - 1, options.retryBaseMs, options.retryMaxMs, options.random),
          Math.min(result.retryAfterMs ?? 0, options.retryMaxMs),
        );
        journal.retryLater(row.id, now() + wait, result.reason, now());
        waitingContacts.set(row.id, contactKey(row.phone, deps.defaultCountry, row.userId));
        count(provider, 'retried');
        logger.info({ recordId: row.id, provider, attempt, retryInMs: wait, reason: result.reason }, 'send failed; will retry');
        break;
      }
    }
    await recordNow(row.id);
    return true;
  }

  /** One pass: store known outcomes, then send what Odoo has queued. */
  async function runOnce(): Promise<PassResult> {
    if (!interruptedResolved) {
      const ids = journal.resolveInterrupted(UNKNOWN_AFTER_RESTART, now());
      for (const id of ids) {
        const entry = journal.get(id);
        if (entry) count(entry.provider, 'unknown');
      }
      if (ids.length > 0) logger.warn({ recordIds: ids }, 'sends interrupted by a restart: marked failed (outcome unknown), not resent');
      interruptedResolved = true;
    }
    if (now() - lastPurge > PURGE_EVERY_MS) {
      journal.purgeRecorded(now() - RECORDED_RETENTION_MS);
      deps.idempotencyKeys?.purgeExpired(now() - options.idempotencyTtlMs);
      lastPurge = now();
    }

    const flushed = await flushUnrecorded();
    if (flushed.odooDown) return { attempted: 0, recorded: flushed.recorded, more: false, odooDown: true };
    // Another instance holds the outbox lease (or this one cannot renew it): it sends, this one does not.
    if (!mayStartSend()) {
      queueStatus = { oldestQueuedAt: null, checkedAt: null };
      return { attempted: 0, recorded: flushed.recorded, more: false, odooDown: false };
    }
    await readQueueAge();

    const at = now();
    const retries = journal.retries();
    const waiting = retries.filter((r) => r.nextAttemptAt > at).map((r) => r.recordId);
    const due = retries.filter((r) => r.nextAttemptAt <= at).map((r) => r.recordId);
    const retrying = new Set(retries.map((r) => r.recordId));
    for (const id of waitingContacts.keys()) if (!retrying.has(id)) waitingContacts.delete(id);
    const blockedContacts = [...new Set(waiting.map((id) => waitingContacts.get(id)).filter((c): c is string => c !== undefined))];
    // Outcomes still waiting to be stored (parked ones included) are never sent again: no need to fetch them.
    const exclude = [...new Set([...inFlight, ...waiting, ...journal.unrecordedIds()])];
    let rows: QueuedRow[];
    try {
      // Records known by user id only pass the phone exclusion and are held back below.
      rows = await history.queuedSends({ excludeIds: exclude, excludePhones: blockedContacts, limit: batchSize });
    } catch (error) {
      logger.warn({ err: error }, 'cannot read the send queue from Odoo; will retry');
      return { attempted: 0, recorded: flushed.recorded, more: false, odooDown: true };
    }

    // A number typed in another form than the stored one still waits behind its contact's retry.
    const blocked = new Set(blockedContacts);
    const ready = rows.filter((row) => !blocked.has(contactKey(row.phone, deps.defaultCountry, row.userId)));
    const more = rows.length >= batchSize && ready.length > 0;
    if (rows.length < batchSize) {
      // A retry that is due but no longer queued in Odoo (deleted, or changed by an admin) is dropped.
      const queued = new Set(rows.map((r) => r.id));
      for (const id of due) {
        const contact = waitingContacts.get(id);
        if (!queued.has(id) && !(contact !== undefined && blocked.has(contact))) journal.forget(id);
      }
    }

    let attempted = 0;
    const lanes = {
      concurrency: options.concurrency,
      contactOf: (row: QueuedRow) => contactKey(row.phone, deps.defaultCountry, row.userId),
      mayGoOn: () => !stopRequested && mayStartSend(),
      holdsContact: (row: QueuedRow) => journal.get(row.id)?.state === 'retry',
    };
    await runByContact(ready, lanes, async (row) => {
      inFlight.add(row.id);
      try {
        if (await sendOne(row)) attempted++;
      } catch (error) {
        logger.error({ recordId: row.id, err: error }, 'outbox failed on a record; it stays queued');
      } finally {
        inFlight.delete(row.id);
      }
    });
    // Outcomes that could not be stored while sending (Odoo went away mid-pass) are retried next pass.
    return { attempted, recorded: flushed.recorded, more, odooDown: false };
  }

  /** When the next pass is due: at once when the batch was full, else the next poll or the next retry due before it. */
  function nextPass(result: PassResult): PassOutcome {
    if (result.odooDown) return { next: 'backoff' };
    if (result.more) return { next: 'now' };
    // Wake up for the next retry if it is due before the next poll.
    const nextRetry = journal.retries()[0]?.nextAttemptAt;
    return { next: 'after', ms: nextRetry === undefined ? options.pollMs : Math.min(options.pollMs, Math.max(MIN_DELAY_MS, nextRetry - now())) };
  }

  const loop = createBackgroundLoop({
    pass: async () => nextPass(await runOnce()),
    onError: (error) => logger.error({ err: error }, 'outbox pass failed'),
    // Odoo unreachable (or a pass failing): poll less often, up to once a minute.
    failureDelayMs: (failures) => backoffDelay(failures - 1, options.pollMs, Math.max(options.pollMs, 60_000), options.random),
    // Its timers alone never keep the process alive.
    unref: true,
  });

  return {
    start(): void {
      if (loop.isRunning()) return;
      stopRequested = false;
      loop.start();
    },
    /** Send now rather than at the next poll (called after send_message's 202). */
    kick: () => loop.kick(),
    /** Stops polling and waits for the pass in progress: sends already handed to a provider finish and are recorded; no new one starts. */
    async stop(): Promise<void> {
      stopRequested = true;
      await loop.stop();
    },
    runOnce,
    /** The send queue's oldest message, as this instance last saw it (only the lease holder looks). */
    queueStatus: (): OutboxQueueStatus => queueStatus,
  };
}

export type OutboxWorker = ReturnType<typeof createOutboxWorker>;
