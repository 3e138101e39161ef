/**
 * Readiness (GET /readyz, src/routes/health.ts): Odoo reachable and the integration user logged in with
 * access to the message history, the spool writable, and delivery not stalled. Details: reasons, counts,
 * ages, the outbox lease.
 */
import type { DeliveryStatus } from '../metrics/registry.js';
import { isOdooError } from '../odoo/errors.js';
import type { HistoryRepository } from '../odoo/repositories/history-repository.js';
import type { Spool, SpoolStats } from '../spool/types.js';
import type { LeaseStatus } from './outbox/lease.js';
import type { OutboxQueueStatus } from './outbox/worker.js';

export interface CheckResult {
  ok: boolean;
  error?: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: {
    odoo: CheckResult & { latencyMs?: number };
    spool: CheckResult;
    /** Fails when messages wait, Odoo answers, and none has reached Odoo for DELIVERY_STALL_SECONDS. */
    delivery: CheckResult;
  };
  spool?: SpoolStats & {
    /** Seconds the oldest pending message has waited (null when none waits). */
    oldestPendingAgeSeconds: number | null;
  };
  /**
   * Delivery to Odoo. Its thread restarting does not make the gateway unready by itself (webhooks are
   * still accepted and kept); no progress for DELIVERY_STALL_SECONDS while Odoo answers does.
   */
  delivery?: Partial<DeliveryStatus> & { stalled: boolean; lastMessageDeliveredAt: string | null };
  /** Sending: who holds the outbox lease, and how long the oldest queued send has waited. */
  outbox?: {
    lease?: LeaseStatus;
    oldestQueuedAt: string | null;
    oldestQueuedAgeSeconds: number | null;
  };
}

/** Probes Odoo at most once per `cacheMs` so a flood of /readyz cannot load Odoo. */
export function createReadinessProbe(
  deps: {
    history: Pick<HistoryRepository, 'ping'>;
    spool: Pick<Spool, 'probe' | 'stats'>;
    /** Other local stores that must be writable (e.g. the send journal). */
    stores?: { name: string; probe(): void }[];
    delivery?: () => DeliveryStatus;
    /** The outbox lease, for information (another instance may rightly hold it). */
    lease?: () => LeaseStatus;
    outboxQueue?: () => OutboxQueueStatus;
    /** No message reaching Odoo for this long, while some wait and Odoo answers, fails readiness; 0 = never. */
    stallAfterMs?: number;
    now?: () => number;
  },
  cacheMs = 2000,
) {
  const now = deps.now ?? Date.now;
  const ageSeconds = (iso: string | null | undefined): number | null => {
    const at = iso ? Date.parse(iso) : Number.NaN;
    return Number.isNaN(at) ? null : Math.max(0, Math.round((now() - at) / 1000));
  };

  // Floors of the stall clock: a gateway that just started, or an Odoo that just came back, has had no
  // chance to deliver yet (delivery may still be waiting out its backoff). Without them a restart after a
  // long stop, or the end of a long Odoo outage, would read as a stall and a readiness probe would take the
  // instance out of service — stopping the very webhooks it exists to accept.
  const createdAt = now();
  let odooSeenDown = false;
  let odooAnsweringSince = 0;

  /**
   * Stalled: messages wait, Odoo answers, and none has left the queue for stallAfterMs — counted from
   * the latest of the last delivery, the oldest waiting message's arrival (a queue that filled after a
   * quiet night is not stalled yet), this probe's start and the moment Odoo was seen answering again.
   */
  function deliveryCheck(stats: SpoolStats | undefined, odooOk: boolean): CheckResult {
    const limit = deps.stallAfterMs ?? 0;
    if (!odooOk) odooSeenDown = true;
    else if (odooSeenDown) {
      odooSeenDown = false;
      odooAnsweringSince = now();
    }
    if (limit <= 0 || !stats || stats.messagesPending === 0 || !odooOk) return { ok: true };
    const since = Math.max(
      Date.parse(stats.lastMessageDeliveredAt ?? '') || 0,
      Date.parse(stats.oldestPendingAt ?? '') || 0,
      createdAt,
      odooAnsweringSince,
    );
    const idleMs = now() - since;
    if (since === 0 || idleMs <= limit) return { ok: true };
    return {
      ok: false,
      error: `stalled: ${stats.messagesPending} message(s) wait, Odoo answers, but none has reached Odoo for ${Math.round(idleMs / 1000)} s (DELIVERY_STALL_SECONDS=${Math.round(limit / 1000)})`,
    };
  }

  let last: { at: number; odoo: ReadinessReport['checks']['odoo'] } | undefined;
  let inFlight: Promise<ReadinessReport['checks']['odoo']> | undefined;

  async function checkOdoo(): Promise<ReadinessReport['checks']['odoo']> {
    const started = performance.now();
    try {
      // One cheap call proves reachability, login and read access to the addon's model.
      await deps.history.ping();
      return { ok: true, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      const reason = isOdooError(error) ? `${error.kind}: ${error.message}` : String(error);
      return { ok: false, error: reason };
    }
  }

  let lastWriteProbe: { at: number; error: string | undefined } | undefined;

  /** Proves the spool and the other stores are writable; the disk write is done at most once per cacheMs. */
  function probeStores(): string | undefined {
    if (lastWriteProbe && Date.now() - lastWriteProbe.at < cacheMs) return lastWriteProbe.error;
    let error: string | undefined;
    try {
      deps.spool.probe();
      for (const store of deps.stores ?? []) {
        try {
          store.probe();
        } catch (e) {
          throw new Error(`${store.name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        }
      }
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    lastWriteProbe = { at: Date.now(), error };
    return error;
  }

  return async function readiness(): Promise<ReadinessReport> {
    const startedAt = Date.now();
    let odoo = last && startedAt - last.at < cacheMs ? last.odoo : undefined;
    if (!odoo) {
      inFlight ??= checkOdoo().finally(() => (inFlight = undefined));
      odoo = await inFlight;
      last = { at: Date.now(), odoo };
    }
    // The disk write is cached; the counts are counters (no scan), read fresh.
    const writeError = probeStores();
    let spoolCheck: CheckResult = writeError === undefined ? { ok: true } : { ok: false, error: writeError };
    let stats: SpoolStats | undefined;
    try {
      stats = deps.spool.stats();
    } catch (e) {
      spoolCheck = { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    const delivery = deliveryCheck(stats, odoo.ok);
    const queue = deps.outboxQueue?.();
    return {
      ready: odoo.ok && spoolCheck.ok && delivery.ok,
      checks: { odoo, spool: spoolCheck, delivery },
      ...(stats ? { spool: { ...stats, oldestPendingAgeSeconds: ageSeconds(stats.oldestPendingAt) } } : {}),
      delivery: { ...(deps.delivery ? deps.delivery() : {}), stalled: !delivery.ok, lastMessageDeliveredAt: stats?.lastMessageDeliveredAt ?? null },
      ...(deps.lease || queue
        ? {
            outbox: {
              ...(deps.lease ? { lease: deps.lease() } : {}),
              oldestQueuedAt: queue?.oldestQueuedAt ?? null,
              oldestQueuedAgeSeconds: ageSeconds(queue?.oldestQueuedAt),
            },
          }
        : {}),
    };
  };
}

export type Readiness = ReturnType<typeof createReadinessProbe>;
