/**
 * The Fastify side of the metrics: times every answered request into the registry built in
 * src/metrics/registry.ts (GET /metrics itself is served in src/routes/api/index.ts).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Metrics } from '../metrics/registry.js';

// The registry lives in src/metrics/ (background code uses it too); re-exported for the REST wiring.
export { createMetrics, type Metrics } from '../metrics/registry.js';

/** Times every answered request. Registered at the root so it sees every route, 404s included. */
async function httpMetricsPlugin(app: FastifyInstance, opts: { metrics: Metrics }): Promise<void> {
  const { httpRequests, httpDuration } = opts.metrics;
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    };
    httpRequests.inc(labels);
    httpDuration.observe(labels, reply.elapsedTime / 1000);
  });
}

export const httpMetrics = fp(httpMetricsPlugin, { name: 'wa-http-metrics' });
