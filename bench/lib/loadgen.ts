/**
 * Open-loop load generator (runs in its own process: bench/lib/loadgen-child.ts).
 *
 * Requests leave on a fixed schedule — request k at start + k/rate — whatever the server does, and
 * each latency is measured from the request's SCHEDULED time to the end of its response body, so
 * a stalled server is charged for every request it delayed (no coordinated omission). The client is
 * an undici Pool with keep-alive connections. Bodies are built before the clock starts.
 */
import type { Child } from './child.js';

export type LoadRequest =
  | { kind: 'get'; path: string }
  | {
      kind: 'fonnte';
      /** e.g. /api/wa/webhook?secret=… */
      path: string;
      /** inboxid of request k is `${idPrefix}${k}`: unique per run and phase. */
      idPrefix: string;
      /** Sender and text of request k come from corpus index contentOffset + k (default 0). */
      contentOffset?: number;
    };

export interface PhaseSpec {
  baseUrl: string;
  rate: number;
  durationMs: number;
  request: LoadRequest;
  connections?: number;
  timeoutMs?: number;
}

export interface PhaseResult {
  scheduled: number;
  /** 2xx answers. */
  ok: number;
  /** Latency (ms, from scheduled time to response end) of every 2xx. */
  latenciesMs: number[];
  /** How late requests left compared with their schedule (generator health). */
  sendLagMs: { p50: number; p99: number; max: number };
  statuses: Record<string, number>;
  errors: Record<string, number>;
  /** k of the requests that got no 2xx (their webhook may or may not be stored). */
  failedIndices: number[];
  /** From the first scheduled send to the last response. */
  wallMs: number;
  /** CPU time the generator process used during the phase (user + system, ms). */
  generatorCpuMs: number;
}

export function runPhase(generator: Child, spec: PhaseSpec): Promise<PhaseResult> {
  const budget = spec.durationMs + (spec.timeoutMs ?? 10_000) + 60_000;
  return generator.request<PhaseResult>({ type: 'run', spec }, budget);
}
