/**
 * The outbox lease: at most one gateway instance sends queued messages at a time. Every instance
 * accepts webhooks and delivers them to Odoo; only the holder of the lease `outbox`, kept in Odoo
 * (the addon's lease model, through src/odoo/repositories/lease-repository.ts), reads Odoo's send queue. Without it,
 * two gateways against one database (a second instance, an overlapping rolling deploy) would both
 * send each queued message: the send journal that prevents duplicates is local to one instance.
 *
 * The lease is taken and renewed with one atomic call (UPDATE … WHERE expired OR holder = me in
 * PostgreSQL, expiry measured on the database's clock) every ttl/3, and released on a clean shutdown
 * so the next instance need not wait for it to expire. Locally it counts as held until the moment the
 * winning call was *sent* plus the remaining time Odoo reported — never later than Odoo's own expiry —
 * and a send is started only while it will still be held when that send ends (`sendBudgetMs`), so an
 * instance that stops renewing (Odoo unreachable from it, process frozen) has finished its sends
 * before anyone else can take over.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { isOdooError } from '../../odoo/errors.js';
import { LeaseModelMissingError, type LeaseRepository } from '../../odoo/repositories/lease-repository.js';

export const OUTBOX_LEASE_NAME = 'outbox';

export interface LeaseStatus {
  /** This instance may send now. */
  held: boolean;
  /** This instance's id (the holder value it uses). */
  instanceId: string;
  /** Who holds the lease according to Odoo's last answer (this instance or another), or null. */
  holder: string | null;
  /** Milliseconds the lease is still held by this instance (0 when not held). */
  heldForMs: number;
  /** Why the last call failed, when it did (Odoo unreachable, addon not upgraded…). */
  error?: string;
}

export interface LeaseOptions {
  ttlMs: number;
  /** Renew this often (default ttl/3). */
  renewEveryMs?: number;
  /** The longest a send takes (provider call + recording): none starts unless the lease lasts that long. */
  sendBudgetMs: number;
  instanceId?: string;
  name?: string;
  now?: () => number;
}

export interface Lease {
  /** Takes the lease now, then keeps renewing it. */
  start(): void;
  /** Stops renewing and gives the lease back (after the outbox stopped sending). */
  stop(): Promise<void>;
  /** Whether a send started now would end while the lease is still held. */
  mayStartSend(): boolean;
  status(): LeaseStatus;
  /** One acquire/renew call now (tests; the timer does it otherwise). */
  renew(): Promise<void>;
}

/** A random, human-recognisable id for this process: host, pid and 6 random bytes. */
export function newInstanceId(): string {
  return `${hostname().slice(0, 60)}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

export function createLease(
  deps: { leases: LeaseRepository; logger: Logger; onAcquired?: () => void },
  options: LeaseOptions,
): Lease {
  const now = options.now ?? Date.now;
  const name = options.name ?? OUTBOX_LEASE_NAME;
  const instanceId = options.instanceId ?? newInstanceId();
  const ttlSeconds = Math.max(5, Math.round(options.ttlMs / 1000));
  const renewEveryMs = options.renewEveryMs ?? Math.max(1000, Math.floor((ttlSeconds * 1000) / 3));
  // A budget as long as the lease would mean never sending; keep it to half the lease at most.
  const sendBudgetMs = Math.min(options.sendBudgetMs, (ttlSeconds * 1000) / 2);

  let heldUntil = 0;
  let holder: string | null = null;
  let lastError: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let inFlight: Promise<void> | undefined;

  const held = () => heldUntil > now();

  async function acquireOnce(): Promise<void> {
    const sentAt = now();
    const wasHeld = held();
    try {
      const answer = await deps.leases.acquire(name, instanceId, ttlSeconds);
      lastError = undefined;
      holder = answer.holder;
      if (answer.acquired) {
        heldUntil = sentAt + answer.expiresInMs;
        if (!wasHeld) {
          deps.logger.info({ lease: name, instanceId }, 'outbox lease taken: this instance sends the queued messages');
          deps.onAcquired?.();
        }
      } else {
        heldUntil = 0;
        if (wasHeld) deps.logger.warn({ lease: name, instanceId, holder }, 'outbox lease lost to another instance; this one stops sending');
      }
    } catch (error) {
      // Keep what we hold until it runs out: heldUntil is already bounded by Odoo's expiry.
      // LeaseModelMissingError's message already says to upgrade the addon.
      const reason =
        error instanceof LeaseModelMissingError || !isOdooError(error)
          ? error instanceof Error
            ? error.message
            : String(error)
          : `${error.kind}: ${error.message}`;
      if (reason !== lastError) {
        deps.logger.error({ lease: name, instanceId, reason }, 'cannot take or renew the outbox lease; this instance sends nothing until it can');
      }
      lastError = reason;
    }
  }

  function renew(): Promise<void> {
    inFlight ??= acquireOnce().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  function schedule(delayMs: number): void {
    if (!running) return;
    timer = setTimeout(() => {
      void renew().finally(() => schedule(renewEveryMs));
    }, delayMs);
    timer.unref?.();
  }

  return {
    start() {
      if (running) return;
      running = true;
      schedule(0);
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await inFlight;
      if (!held()) return;
      heldUntil = 0;
      try {
        await deps.leases.release(name, instanceId);
        deps.logger.info({ lease: name, instanceId }, 'outbox lease released');
      } catch (error) {
        // It expires on its own after the TTL.
        deps.logger.warn({ lease: name, instanceId, err: error }, 'could not release the outbox lease; it expires on its own');
      }
    },
    mayStartSend: () => heldUntil - now() > sendBudgetMs,
    status() {
      const remaining = Math.max(0, heldUntil - now());
      return { held: remaining > 0, instanceId, holder, heldForMs: remaining, ...(lastError ? { error: lastError } : {}) };
    },
    renew,
  };
}
