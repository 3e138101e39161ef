/**
 * GET /healthz — the process answers (liveness).
 * GET /readyz  — the readiness service's report (src/services/readiness.ts) as HTTP: 200 when ready,
 *                503 otherwise; details (reasons, counts, ages, the outbox lease) for read-scope tokens only.
 */
import type { FastifyInstance } from 'fastify';
import type { Auth } from '../plugins/auth.js';
import type { ReadinessReport } from '../services/readiness.js';

const CHECK_LABELS: Record<keyof ReadinessReport['checks'], string> = { odoo: 'Odoo', spool: 'Spool', delivery: 'Delivery' };

/**
 * /readyz answers everyone with the status (probes, load balancers: no token needed), but only a
 * caller with a read-scope token gets the details: Odoo's error text names its URL, database and
 * login, and the counts describe the traffic. It is rate limited per IP (src/plugins/rate-limit.ts).
 */
export async function healthRoutes(
  app: FastifyInstance,
  opts: { readiness: () => Promise<ReadinessReport>; auth: Pick<Auth, 'identify'> },
): Promise<void> {
  app.get('/healthz', async () => ({ ok: true, data: { status: 'alive' } }));

  app.get('/readyz', async (request, reply) => {
    const report = await opts.readiness();
    const detailed = opts.auth.identify(request)?.scopes.has('read') ?? false;
    if (!report.ready) {
      const failing = (Object.keys(report.checks) as (keyof ReadinessReport['checks'])[]).filter((name) => !report.checks[name].ok);
      return reply.status(503).send({
        ok: false,
        error: {
          code: 'not_ready',
          message: detailed
            ? failing.map((name) => `${CHECK_LABELS[name]}: ${report.checks[name].error ?? 'failing'}`).join('; ')
            : `Not ready: ${failing.join(', ')} (details with a read-scope token)`,
          details: detailed ? [report] : [{ failing }],
        },
      });
    }
    return detailed ? { ok: true, data: report } : { ok: true, data: { ready: true } };
  });
}
