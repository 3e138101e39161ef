/**
 * The background writer: moves accepted events from the spool into Odoo.
 *
 * Messages go in batches (one `create` with a list of values per batch, ~200 is fastest on Odoo 13).
 * Exactly once:
 *  - before creating, one search_read finds which provider ids Odoo already has (a previous run may
 *    have crashed between Odoo's commit and the spool's) — those are completed, not created again;
 *  - Odoo's unique (provider, provider_message_id) constraint is the last line of defence: a batch it
 *    rejects is split in halves until the duplicate is isolated, so one duplicate never sinks its batch;
 *  - the spool forgets an event only after Odoo has it.
 * Odoo down, slow, refusing the login, or answering something that is not Odoo → the writer pauses
 * as a whole, with exponential backoff and jitter, and the events keep their place; an outage never
 * counts against an event. An event Odoo itself rejects (validation) goes to the dead-letter table;
 * one it fails on with an unexplained server error is retried a few times first.
 * A proxy in front of Odoo refusing a batch as too large (HTTP 413, nginx's 1 MiB default) is no
 * outage: the same batch would be refused for ever. The batch is split in halves down to single
 * messages, the writer keeps the smaller size (trying twice as many again every 10 minutes), and a
 * single message still refused goes to the dead letters with the reason.
 */
import type { Logger } from 'pino';
import type { NewInboundMessage } from '../domain/history.js';
import {
  type MessageEvent,
  type MessageState,
  type Provider,
  type StatusEvent,
} from '../domain/message.js';
import { createBatchLimit } from './writer-batch-limit.js';
import { createBackgroundLoop, type PassOutcome } from '../lib/background-loop.js';
import { backoffDelay } from '../lib/backoff.js';
import { isWhatsappUserId } from '../lib/phone.js';
import { isOdooError, type OdooError } from '../odoo/errors.js';
import type { HistoryRepository } from '../odoo/repositories/history-repository.js';
import type { DeliverySpool, SpooledEvent } from '../spool/types.js';
import { nextState, partnerKeys, type MediaUrlResolver } from './history-values.js';
import type { PartnerResolver } from '../services/partner-resolver.js';

export interface WriterOptions {
  batchSize: number;
  /** First retry delay; doubles per consecutive failure up to maxBackoffMs. */
  baseBackoffMs?: number;
  maxBackoffMs: number;
  /** A single event failing with an unexplained server error this many times is dead-lettered. */
  maxAttempts?: number;
  /** How long a status may wait for its message before it is dead-lettered. */
  statusParkingMs?: number;
  /** Idle poll interval when the spool is empty. */
  idleMs?: number;
  /**
   * After a kick, wait this long before the pass, so webhooks arriving together share one Odoo call
   * instead of one create each (and the writer does not compete with every acknowledgement).
   */
  lingerMs?: number;
  /** While paused, check this often whether Odoo is back (one cheap call), to end the pause early. */
  probeEveryMs?: number;
  /** After a 413 made batches smaller, try twice the size again after this long (default 10 min). */
  batchRegrowMs?: number;
  now?: () => number;
  random?: () => number;
}

export interface WriterDeps {
  history: Pick<HistoryRepository, 'findByProviderIds' | 'createInbound' | 'setState' | 'setUserId' | 'ping'>;
  spool: DeliverySpool;
  logger: Logger;
  /** Finds the res.partner for each E.164 number or WhatsApp user id (null when none). */
  resolvePartners: PartnerResolver;
  mediaUrl: MediaUrlResolver;
  onDelivered?: (count: number) => void;
}

export interface PassResult {
  delivered: number;
  duplicates: number;
  deadLettered: number;
  statusesApplied: number;
  /** The error that made this pass stop and back off, if any. */
  retryAfterError?: OdooError | Error;
}

const keyOf = (provider: string, id: string) => `${provider}\u0000${id}`;

/** A stored record as the writer needs it: to complete a duplicate, fold a status, learn a user id. */
interface ExistingRecord {
  id: number;
  state: MessageState;
  userId: string | null;
}

/**
 * Errors that say something about the data (split the batch, dead-letter a single culprit).
 * An `internal` error counts only when Odoo itself raised it (an XML-RPC fault); one without a fault
 * code is a transport problem (a proxy's 500, an HTML page, a wrong URL): that is an outage.
 */
const isDataError = (e: unknown): e is OdooError =>
  isOdooError(e) &&
  (e.kind === 'unique' || e.kind === 'validation' || e.kind === 'user' || e.kind === 'missing' || (e.kind === 'internal' && e.faultCode !== undefined));

export function createWriter(deps: WriterDeps, options: WriterOptions) {
  const { history, spool, logger } = deps;
  const now = options.now ?? Date.now;
  const baseBackoffMs = options.baseBackoffMs ?? 500;
  const maxAttempts = options.maxAttempts ?? 10;
  const statusParkingMs = options.statusParkingMs ?? 7 * 24 * 3600 * 1000;
  const idleMs = options.idleMs ?? 250;
  const lingerMs = options.lingerMs ?? 50;
  const probeEveryMs = options.probeEveryMs ?? 2000;
  const batchRegrowMs = options.batchRegrowMs ?? 10 * 60_000;
  let consecutiveFailures = 0;
  /** Messages per create: batchSize, or fewer since a proxy refused a bigger batch as too large (413). */
  const batchLimit = createBatchLimit({ batchSize: options.batchSize, regrowMs: batchRegrowMs, now, logger });

  async function findExisting(events: { provider: Provider; providerMessageId: string }[]) {
    const found = new Map<string, ExistingRecord>();
    const byProvider = new Map<Provider, string[]>();
    for (const e of events) byProvider.set(e.provider, [...(byProvider.get(e.provider) ?? []), e.providerMessageId]);
    for (const [provider, ids] of byProvider) {
      for (const row of await history.findByProviderIds(provider, ids)) {
        found.set(keyOf(provider, row.providerMessageId), { id: row.id, state: row.state, userId: row.userId });
      }
    }
    return found;
  }

  interface Outcome {
    created: { item: SpooledEvent; recordId: number }[];
    duplicates: SpooledEvent[];
    rejected: { item: SpooledEvent; error: OdooError }[];
  }

  /** Creates the batch; on a data error splits it in halves until the culprits are isolated. */
  async function createSplitting(items: SpooledEvent[], values: NewInboundMessage[], outcome: Outcome): Promise<void> {
    try {
      const ids = await history.createInbound(values);
      items.forEach((item, i) => outcome.created.push({ item, recordId: ids[i] as number }));
    } catch (error) {
      if (isOdooError(error) && error.kind === 'too_large') {
        if (items.length === 1) {
          outcome.rejected.push({ item: items[0] as SpooledEvent, error });
          return;
        }
        batchLimit.shrink(items.length);
        const half = Math.ceil(items.length / 2);
        await createSplitting(items.slice(0, half), values.slice(0, half), outcome);
        await createSplitting(items.slice(half), values.slice(half), outcome);
        return;
      }
      if (!isDataError(error)) throw error;
      if (items.length === 1) {
        const item = items[0] as SpooledEvent;
        const single = values[0] as NewInboundMessage;
        if (error.kind === 'unique') {
          outcome.duplicates.push(item);
        } else if (single.partnerId !== null) {
          // The cached partner may have been deleted or merged since (Odoo refuses the dangling link
          // as a validation error): forget it and store the message unlinked rather than lose it.
          for (const key of partnerKeys(item.event as MessageEvent)) deps.resolvePartners.forget?.(key);
          await createSplitting(items, [{ ...single, partnerId: null }], outcome);
        } else {
          outcome.rejected.push({ item, error });
        }
        return;
      }
      const mid = Math.ceil(items.length / 2);
      await createSplitting(items.slice(0, mid), values.slice(0, mid), outcome);
      await createSplitting(items.slice(mid), values.slice(mid), outcome);
    }
  }

  async function deliverMessages(result: PassResult): Promise<number> {
    const batch = spool.takeDue('message', batchLimit.next(), now());
    if (batch.length === 0) return 0;
    const events = batch.map((b) => b.event as MessageEvent);

    const existing = await findExisting(events);
    const fresh = batch.filter((b) => {
      const e = b.event as MessageEvent;
      return !existing.has(keyOf(e.provider, e.providerMessageId));
    });
    const alreadyThere = batch.filter((b) => !fresh.includes(b));

    // Numbers and user ids (old and new ones of an identity change, too); the resolver skips JIDs.
    const keys = [...new Set(fresh.flatMap((b) => partnerKeys(b.event as MessageEvent)))];
    const partners = keys.length > 0 ? await deps.resolvePartners(keys) : new Map<string, number | null>();
    const values = fresh.map((b): NewInboundMessage => {
      const e = b.event as MessageEvent;
      const partnerId = partnerKeys(e).map((k) => partners.get(k) ?? null).find((id) => id !== null) ?? null;
      return { event: e, partnerId, mediaUrl: e.media ? deps.mediaUrl(e.media) : null };
    });

    const outcome: Outcome = { created: [], duplicates: [], rejected: [] };
    try {
      if (fresh.length > 0) await createSplitting(fresh, values, outcome);
    } finally {
      // Whatever Odoo accepted is recorded even if a later half failed; the rest stays spooled.
      // Best effort: if Odoo fails right now, the duplicates are still completed (Odoo has them), only
      // without their record ids for media linking — never skip recording what Odoo accepted.
      const raced =
        outcome.duplicates.length > 0
          ? await findExisting(outcome.duplicates.map((d) => d.event as MessageEvent)).catch(() => new Map<string, ExistingRecord>())
          : new Map<string, ExistingRecord>();
      const delivered = [
        ...outcome.created.map(({ item, recordId }) => ({ item, recordId })),
        ...[...alreadyThere, ...outcome.duplicates].map((item) => {
          const e = item.event as MessageEvent;
          const hit = existing.get(keyOf(e.provider, e.providerMessageId)) ?? raced.get(keyOf(e.provider, e.providerMessageId));
          return { item, recordId: hit?.id };
        }),
      ];
      const linked = delivered
        .filter((d): d is { item: SpooledEvent; recordId: number } => d.recordId !== undefined)
        .map(({ item, recordId }) => {
          const e = item.event as MessageEvent;
          return { provider: e.provider, providerMessageId: e.providerMessageId, recordId };
        });
      spool.complete(
        delivered.map((d) => d.item.id),
        linked,
      );
      for (const { item, error } of outcome.rejected) {
        if (error.kind === 'internal' && item.attempts + 1 < maxAttempts) {
          spool.reschedule([item.id], now() + backoffDelay(item.attempts, baseBackoffMs, options.maxBackoffMs, options.random), error.message);
          continue;
        }
        const why =
          error.kind === 'too_large'
            ? `${error.message}: this one message is bigger than the proxy accepts; raise its body limit (nginx client_max_body_size), then replay it`
            : error.message;
        spool.deadLetter(item.id, `${error.kind}: ${why}`);
        result.deadLettered++;
        logger.error(
          { provider: (item.event as MessageEvent).provider, providerMessageId: (item.event as MessageEvent).providerMessageId, odooErrorKind: error.kind, reason: error.message.slice(0, 500) },
          'Odoo rejected a message for good; moved to the dead-letter table (replay with `npm run spool -- replay`)',
        );
      }
      result.delivered += outcome.created.length;
      result.duplicates += alreadyThere.length + outcome.duplicates.length;
      if (outcome.created.length > 0) deps.onDelivered?.(outcome.created.length);
    }
    return batch.length;
  }

  async function applyStatuses(result: PassResult): Promise<number> {
    const batch = spool.takeDue('status', options.batchSize, now());
    if (batch.length === 0) return 0;
    const resolved = batch.map((item) => {
      const e = item.event as StatusEvent;
      if (e.providerMessageId && e.aliasId) {
        spool.rememberAlias(e.provider, e.aliasId, e.providerMessageId);
        spool.wake(e.provider, e.providerMessageId); // receipts parked under the alias can now be applied
      }
      const id = e.providerMessageId ?? (e.aliasId ? spool.resolveAlias(e.provider, e.aliasId) : null);
      return { item, event: e, id };
    });
    const known = resolved.filter((r): r is typeof r & { id: string } => r.id !== null);
    const records = known.length > 0 ? await findExisting(known.map((r) => ({ provider: r.event.provider, providerMessageId: r.id }))) : new Map<string, ExistingRecord>();

    // Fold all statuses of one record into the furthest state, then write per target state.
    const target = new Map<number, { state: MessageState; error: string | null }>();
    /** Outgoing records sent by number whose recipient's user id a status names: stored, so lookups by it find them. */
    const learnedUserIds = new Map<number, string>();
    const applied: number[] = [];
    const parked: typeof resolved = [];
    for (const r of resolved) {
      const record: ExistingRecord | undefined = r.id === null ? undefined : records.get(keyOf(r.event.provider, r.id));
      if (!record) {
        parked.push(r);
        continue;
      }
      const recipientUserId = r.event.recipientUserId ?? null;
      if (recipientUserId !== null && record.userId === null && isWhatsappUserId(recipientUserId)) learnedUserIds.set(record.id, recipientUserId);
      const current = target.get(record.id)?.state ?? record.state;
      const next = nextState(current, r.event.state);
      if (next) target.set(record.id, { state: next, error: next === 'failed' ? r.event.error : null });
      applied.push(r.item.id);
    }
    const groups = new Map<string, { ids: number[]; state: MessageState; error: string | null }>();
    for (const [recordId, t] of target) {
      const key = `${t.state}\u0000${t.error ?? ''}`;
      const group = groups.get(key) ?? { ids: [], state: t.state, error: t.error };
      group.ids.push(recordId);
      groups.set(key, group);
    }
    for (const group of groups.values()) await history.setState(group.ids, group.state, group.error);
    for (const [recordId, userId] of learnedUserIds) await history.setUserId(recordId, userId);
    spool.complete(applied);
    result.statusesApplied += target.size;

    for (const r of parked) {
      const age = now() - Date.parse(r.item.receivedAt);
      if (age > statusParkingMs) {
        spool.deadLetter(r.item.id, 'No message with this provider id appeared in Odoo');
        result.deadLettered++;
        continue;
      }
      // Parked: tried again with growing delays (capped at an hour), or at once when spool.wake() is called.
      spool.reschedule([r.item.id], now() + backoffDelay(r.item.attempts, 1000, 3600_000, options.random), 'waiting for its message');
    }
    return batch.length;
  }

  /** While Odoo is failing, the whole writer waits until this time (ms epoch). */
  let pausedUntil = 0;
  let lastProbeAt = 0;

  /** During a pause: is Odoo back (reachable, login and access working)? At most once per probeEveryMs. */
  async function odooIsBack(): Promise<boolean> {
    if (now() - lastProbeAt < probeEveryMs) return false;
    lastProbeAt = now();
    try {
      await history.ping();
      return true;
    } catch {
      return false;
    }
  }

  /** One pass: a batch of messages, then a batch of statuses. Never throws. */
  async function runOnce(): Promise<PassResult & { worked: boolean; saturated: boolean }> {
    const result: PassResult = { delivered: 0, duplicates: 0, deadLettered: 0, statusesApplied: 0 };
    if (now() < pausedUntil) {
      // The backoff may be long (up to WRITER_MAX_BACKOFF_MS); a cheap probe ends it as soon as Odoo answers.
      if (!(await odooIsBack())) return { ...result, worked: false, saturated: false };
      pausedUntil = 0;
    }
    let worked = false;
    let saturated = false;
    try {
      const messages = await deliverMessages(result);
      const statuses = await applyStatuses(result);
      worked = messages + statuses > 0;
      // A full batch means more is probably waiting: go on at once instead of lingering.
      saturated = messages >= batchLimit.current() || statuses >= options.batchSize;
      // Only a pass that reached Odoo proves it is back; an empty pass proves nothing.
      if (worked) consecutiveFailures = 0;
    } catch (error) {
      result.retryAfterError = error as Error;
      consecutiveFailures++;
      // One pause for everything: the events keep their place and their attempt counts, and Odoo is
      // not hit again by the next batch until the pause is over.
      const delay = backoffDelay(consecutiveFailures - 1, baseBackoffMs, options.maxBackoffMs, options.random);
      pausedUntil = now() + delay;
      lastProbeAt = now(); // the failure itself was the latest probe
      try {
        const level = consecutiveFailures === 1 || consecutiveFailures % 10 === 0 ? 'warn' : 'debug';
        logger[level](
          { err: error, odooErrorKind: isOdooError(error) ? error.kind : undefined, retryInMs: delay, consecutiveFailures, pending: spool.pendingCount() },
          'Odoo is not taking messages; the spool keeps them and retries',
        );
      } catch {
        // logging must never break the loop
      }
    }
    return { ...result, worked, saturated };
  }

  /** Old Fonnte id links are only useful while receipts can still arrive; drop them after 30 days. */
  let lastPrune = 0;
  function pruneHousekeeping() {
    if (now() - lastPrune < 3600_000) return;
    lastPrune = now();
    spool.pruneAliases(now() - 30 * 24 * 3600_000);
  }

  // The loop itself (kick, linger, stop after the pass in progress) is the shared one.
  const loop = createBackgroundLoop({
    lingerMs,
    async pass(): Promise<PassOutcome> {
      const { saturated } = await runOnce();
      pruneHousekeeping();
      // Paused: sleep until the next probe or the end of the pause, whichever comes first.
      const paused = pausedUntil - now();
      if (paused > 0) return { next: 'after', ms: Math.min(paused, probeEveryMs) };
      // A full batch means more is probably waiting: go on at once instead of idling.
      return saturated ? { next: 'now' } : { next: 'after', ms: idleMs };
    },
    // e.g. the disk failing under the spool: keep the loop alive, try again shortly.
    onError: (error) => logger.error({ err: error }, 'writer pass failed; retrying'),
    failureDelayMs: () => idleMs,
  });

  return {
    runOnce,
    /** Failed passes in a row (drives the backoff; exposed for metrics and tests). */
    consecutiveFailures: () => consecutiveFailures,
    /** Until when (ms epoch) the writer waits for Odoo; 0 or in the past when it is not waiting. */
    pausedUntil: () => pausedUntil,
    /** Messages per create call now (smaller than batchSize after a 413). */
    batchLimit: () => batchLimit.current(),

    /** Starts the loop: work while there is work, otherwise sleep until kicked or idle time passes. */
    start: () => loop.start(),
    /** New events were spooled: run a pass soon (after lingerMs, so a burst shares one batch). */
    kick: () => loop.kick(),
    /** Finishes the current pass (so nothing is half-written) and stops. */
    stop: () => loop.stop(),
  };
}

export type Writer = ReturnType<typeof createWriter>;
