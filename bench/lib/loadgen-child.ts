/**
 * The load generator process (see ./loadgen.ts for what it measures and how).
 */
import { Pool } from 'undici';
import { serveParent } from './child.js';
import { fonnteBody } from './corpus.js';
import type { PhaseResult, PhaseSpec } from './loadgen.js';
import { percentileSorted } from './report.js';

async function runPhase(spec: PhaseSpec): Promise<PhaseResult> {
  const total = Math.max(1, Math.round((spec.rate * spec.durationMs) / 1000));
  const timeoutMs = spec.timeoutMs ?? 10_000;
  const request = spec.request;
  const nowSeconds = Math.floor(Date.now() / 1000);
  const bodies = request.kind === 'fonnte' ? Array.from({ length: total }, (_, k) => fonnteBody(request.idPrefix, k, nowSeconds, (request.contentOffset ?? 0) + k)) : [];
  const headers = request.kind === 'fonnte' ? { 'content-type': 'application/json' } : {};
  const method = request.kind === 'fonnte' ? 'POST' : 'GET';

  const pool = new Pool(spec.baseUrl, {
    connections: spec.connections ?? 64,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  const latencies: number[] = [];
  const lags = new Float64Array(total);
  const statuses: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const failedIndices: number[] = [];
  let lastDone = 0;
  let outstanding = 0;
  let sent = 0;
  let allSent: () => void = () => {};
  const drained = new Promise<void>((resolve) => {
    allSent = resolve;
  });

  const interval = 1000 / spec.rate;
  const cpuBefore = process.cpuUsage();
  const start = performance.now() + 20;

  function fire(k: number): void {
    const scheduled = start + k * interval;
    lags[k] = performance.now() - scheduled;
    outstanding++;
    pool
      .request({ path: request.path, method, headers, ...(request.kind === 'fonnte' ? { body: bodies[k] } : {}) })
      .then(async (res) => {
        await res.body.text();
        const done = performance.now();
        lastDone = Math.max(lastDone, done);
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        if (res.statusCode >= 200 && res.statusCode < 300) latencies.push(done - scheduled);
        else failedIndices.push(k);
      })
      .catch((error: unknown) => {
        const code = (error as { code?: string }).code ?? (error as Error).name ?? 'error';
        errors[code] = (errors[code] ?? 0) + 1;
        failedIndices.push(k);
        lastDone = Math.max(lastDone, performance.now());
      })
      .finally(() => {
        outstanding--;
        if (sent === total && outstanding === 0) allSent();
      });
  }

  function tick(): void {
    const now = performance.now();
    const due = now < start ? 0 : Math.min(total, Math.floor((now - start) / interval) + 1);
    while (sent < due) fire(sent++);
    if (sent < total) {
      const nextAt = start + sent * interval;
      setTimeout(tick, Math.max(0, Math.min(nextAt - performance.now(), 50)));
    } else if (outstanding === 0) allSent();
  }
  tick();
  await drained;
  const cpu = process.cpuUsage(cpuBefore);
  await pool.close();

  const sortedLags = Float64Array.from(lags).sort();
  return {
    scheduled: total,
    ok: latencies.length,
    latenciesMs: latencies,
    sendLagMs: { p50: percentileSorted(sortedLags, 50), p99: percentileSorted(sortedLags, 99), max: sortedLags[sortedLags.length - 1] ?? 0 },
    statuses,
    errors,
    failedIndices,
    wallMs: lastDone - start,
    generatorCpuMs: (cpu.user + cpu.system) / 1000,
  };
}

serveParent({ type: 'ready' }, async (message) => {
  if (message.type === 'run') return runPhase(message.spec as PhaseSpec);
  throw new Error(`unknown request ${String(message.type)}`);
});
