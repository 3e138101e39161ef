/**
 * GET /healthz — the process answers (liveness).
 * GET /readyz  — Odoo reachable and the integration user logged in with access to whatsapp.history,
 *                and the spool writable: 200; otherwise 503 with the reasons.
 */
import type { FastifyInstance } from 'fastify';
import { HISTORY_MODEL } from '../domain/message.js';
import { isOdooError } from '../odoo/errors.js';
import type { OdooClient } from '../odoo/types.js';
import type { DeliveryStatus } from '../delivery/pipeline.js';
import type { Spool } from '../spool/types.js';

export interface ReadinessReport {
  ready: boolean;
  checks: {
    odoo: { ok: boolean; error?: string; latencyMs?: number };
    spool: { ok: boolean; error?: string };
  };
  spool?: ReturnType<Spool['stats']>;
  /**
   * Delivery to Odoo. Informative: it does not make the gateway unready, because webhooks are still
   * accepted and kept while its thread restarts; alert on `spool.oldestPendingAt` instead.
   */
  delivery?: DeliveryStatus;
}

/** Probes Odoo at most once per `cacheMs` so a flood of /readyz cannot load Odoo. */
export function createReadinessProbe(
  deps: {
    odoo: OdooClient;
    spool: Spool;
    /** Other local stores that must be writable (e.g. the send journal). */
    stores?: { name: string; probe(): void }[];
    delivery?: () => DeliveryStatus;
  },
  cacheMs = 2000,
) {
  let last: { at: number; odoo: ReadinessReport['checks']['odoo'] } | undefined;
  let inFlight: Promise<ReadinessReport['checks']['odoo']> | undefined;

  async function checkOdoo(): Promise<ReadinessReport['checks']['odoo']> {
    const started = performance.now();
    try {
      // One cheap call proves reachability, login and read access to the addon's model.
      await deps.odoo.searchCount(HISTORY_MODEL, [['id', '=', 0]]);
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
          throw new Error(`${store.name}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    lastWriteProbe = { at: Date.now(), error };
    return error;
  }

  return async function readiness(): Promise<ReadinessReport> {
    const now = Date.now();
    let odoo = last && now - last.at < cacheMs ? last.odoo : undefined;
    if (!odoo) {
      inFlight ??= checkOdoo().finally(() => (inFlight = undefined));
      odoo = await inFlight;
      last = { at: Date.now(), odoo };
    }
    // /readyz is unauthenticated: the disk write is cached, the counts (reads) are always fresh.
    const writeError = probeStores();
    let spoolCheck: ReadinessReport['checks']['spool'] = writeError === undefined ? { ok: true } : { ok: false, error: writeError };
    let stats: ReadinessReport['spool'];
    try {
      stats = deps.spool.stats();
    } catch (e) {
      spoolCheck = { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    return {
      ready: odoo.ok && spoolCheck.ok,
      checks: { odoo, spool: spoolCheck },
      ...(stats ? { spool: stats } : {}),
      ...(deps.delivery ? { delivery: deps.delivery() } : {}),
    };
  };
}

export async function healthRoutes(
  app: FastifyInstance,
  opts: { readiness: () => Promise<ReadinessReport> },
): Promise<void> {
  app.get('/healthz', async () => ({ ok: true, data: { status: 'alive' } }));

  app.get('/readyz', async (_request, reply) => {
    const report = await opts.readiness();
    if (!report.ready) {
      return reply.status(503).send({
        ok: false,
        error: {
          code: 'not_ready',
          message: [
            !report.checks.odoo.ok ? `Odoo: ${report.checks.odoo.error}` : undefined,
            !report.checks.spool.ok ? `Spool: ${report.checks.spool.error}` : undefined,
          ]
            .filter(Boolean)
            .join('; '),
          details: [report],
        },
      });
    }
    return { ok: true, data: report };
  });
}
