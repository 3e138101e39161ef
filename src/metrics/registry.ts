/**
 * The gateway's Prometheus metrics (prom-client) in a registry of our own — never the global default — so several
 * apps (tests) in one process never collide.
 *
 *   http_requests_total / http_request_duration_seconds {method, route, status_code}
 *       route is the route pattern (/api/wa/conversation/:phone), or "unmatched" for 404s, so a scan
 *       of random URLs cannot blow up the number of series.
 *   wa_odoo_call_duration_seconds {method, outcome}   wa_odoo_call_errors_total {method, kind}
 *   wa_spool_pending, wa_spool_parked, wa_spool_dead_letters, wa_spool_quarantined, wa_spool_media_pending, wa_spool_media_bytes,
 *   wa_spool_oldest_pending_age_seconds, wa_spool_wal_bytes (read from the spool at scrape time)
 *   wa_outbox_oldest_queued_age_seconds, wa_outbox_lease_held (the send queue, as the outbox last saw it)
 *   wa_sends_total {provider, outcome}   outcome: sent | failed | unknown | retried
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OdooCallObserver } from './odoo-calls.js';
import type { SpoolStats } from '../spool/types.js';

export type SendMetricOutcome = 'sent' | 'failed' | 'unknown' | 'retried';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status_code'>;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  odooDuration: Histogram<'method' | 'outcome'>;
  odooErrors: Counter<'method' | 'kind'>;
  sends: Counter<'provider' | 'outcome'>;
}

/** Is delivery to Odoo running, how often was its thread restarted (src/delivery/pipeline.ts reports it). */
export interface DeliveryStatus {
  running: boolean;
  restarts: number;
}

export interface MetricsOptions {
  /** Read at each scrape for the spool gauges. */
  spoolStats?: () => SpoolStats;
  /** Read at each scrape: is delivery to Odoo running, how often was its thread restarted. */
  deliveryStatus?: () => DeliveryStatus;
  /** Process metrics (CPU, memory, event-loop lag, GC); off in tests. */
  collectDefault?: boolean;
  /** Read at each scrape: the oldest queued send (ISO or null) and whether this instance holds the outbox lease. */
  outboxStatus?: () => { oldestQueuedAt: string | null; leaseHeld: boolean };
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.collectDefault) collectDefaultMetrics({ register: registry });

  const metrics: Metrics = {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by route pattern and status',
      labelNames: ['method', 'route', 'status_code'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    odooDuration: new Histogram({
      name: 'wa_odoo_call_duration_seconds',
      help: 'Duration of Odoo XML-RPC calls, by method and outcome (ok or error)',
      labelNames: ['method', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [registry],
    }),
    odooErrors: new Counter({
      name: 'wa_odoo_call_errors_total',
      help: 'Failed Odoo calls, by method and error kind (unavailable, timeout, access, validation…)',
      labelNames: ['method', 'kind'],
      registers: [registry],
    }),
    sends: new Counter({
      name: 'wa_sends_total',
      help: 'Outgoing messages by provider and outcome: sent, failed (refused or gave up), unknown (no answer; not resent), retried',
      labelNames: ['provider', 'outcome'],
      registers: [registry],
    }),
  };

  const deliveryStatus = options.deliveryStatus;
  if (deliveryStatus) {
    new Gauge({
      name: 'wa_delivery_running',
      help: 'Delivery to Odoo (writer and media) is running: 1, or 0 while its thread restarts',
      registers: [registry],
      collect() {
        this.set(deliveryStatus().running ? 1 : 0);
      },
    });
    new Counter({
      name: 'wa_delivery_thread_restarts_total',
      help: 'Times the delivery thread died and was restarted (the spool kept its events meanwhile)',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(deliveryStatus().restarts);
      },
    });
  }

  const outboxStatus = options.outboxStatus;
  if (outboxStatus) {
    new Gauge({
      name: 'wa_outbox_oldest_queued_age_seconds',
      help: 'Age of the oldest outgoing message queued in Odoo and not sent yet (0 when none; read by the lease holder only)',
      registers: [registry],
      collect() {
        const at = outboxStatus().oldestQueuedAt;
        this.set(at ? Math.max(0, (Date.now() - Date.parse(at)) / 1000) : 0);
      },
    });
    new Gauge({
      name: 'wa_outbox_lease_held',
      help: 'This instance holds the outbox lease and sends queued messages: 1, otherwise 0 (exactly one instance per Odoo database should)',
      registers: [registry],
      collect() {
        this.set(outboxStatus().leaseHeld ? 1 : 0);
      },
    });
  }

  const spoolStats = options.spoolStats;
  if (spoolStats) {
    // One spool read per scrape, however many gauges ask: the registry collects gauges in the order
    // they were registered, so the first one reads the spool and the others reuse that reading.
    let last: SpoolStats | undefined;
    const refresh = (): SpoolStats | undefined => {
      try {
        last = spoolStats();
      } catch {
        last = undefined; // a closed or broken spool: /readyz reports it; leave the gauges unset
      }
      return last;
    };
    const gauge = (name: string, help: string, value: (s: SpoolStats) => number, read: () => SpoolStats | undefined) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          const stats = read();
          if (stats) this.set(value(stats));
        },
      });
    const reuse = () => last ?? refresh();
    gauge('wa_spool_pending', 'Webhook events accepted but not yet in Odoo', (s) => s.pending, refresh);
    gauge('wa_spool_parked', 'Status events waiting for their message to reach Odoo', (s) => s.parked, reuse);
    gauge('wa_spool_dead_letters', 'Events Odoo rejected for good (see the spool CLI to replay them)', (s) => s.deadLetters, reuse);
    gauge(
      'wa_spool_quarantined',
      'Webhook bodies acknowledged but not (wholly) understood, kept in quarantine (see the spool CLI to list and replay them)',
      (s) => s.quarantined,
      reuse,
    );
    gauge('wa_spool_media_pending', 'Media files still to download or attach', (s) => s.mediaPending, reuse);
    gauge('wa_spool_media_bytes', 'Downloaded media waiting for Odoo (capped by MEDIA_SPOOL_MAX_BYTES)', (s) => s.mediaBytes, reuse);
    gauge(
      'wa_spool_oldest_pending_age_seconds',
      'Age of the oldest message not yet in Odoo (0 when none; receipts waiting for their message are counted in wa_spool_parked)',
      (s) => (s.oldestPendingAt ? Math.max(0, (Date.now() - Date.parse(s.oldestPendingAt)) / 1000) : 0),
      reuse,
    );
    gauge('wa_spool_wal_bytes', "Size of the spool's write-ahead log file (reset past 32 MiB)", (s) => s.walBytes, reuse);
  }
  return metrics;
}

/** Feeds the Odoo call metrics from instrumentOdooClient (src/metrics/odoo-calls.ts). */
export function odooCallObserver(metrics: Pick<Metrics, 'odooDuration' | 'odooErrors'>): OdooCallObserver {
  return {
    callEnded: (method, outcome, seconds) => metrics.odooDuration.observe({ method, outcome }, seconds),
    callFailed: (method, kind) => metrics.odooErrors.inc({ method, kind }),
  };
}
