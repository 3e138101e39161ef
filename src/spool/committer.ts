/**
 * Group commit of webhook events, in a thread of its own.
 *
 * A durable commit waits for fsync (p50 ~0.3 ms on this machine's disk, p99 2–4 ms, more while the
 * delivery thread holds SQLite's write lock, whose busy handler sleeps 1, 2, 5 … ms). Done on the
 * event loop, every such wait stalls every other request. Here the event loop only posts the events
 * to the committer thread and awaits its answer; the thread commits everything that arrived while
 * the previous transaction was on disk in ONE transaction (one fsync), then answers each request.
 * A 2xx is still sent only after the events are on disk (promise 1).
 *
 * If the thread dies, the requests it held are answered 503 (the provider retries; a retry of an
 * event that did reach the disk is a duplicate the spool and the writer ignore) and it is restarted
 * after a second.
 */
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { InboundEvent } from '../domain/message.js';
import { spawnWorker } from '../lib/worker-thread.js';

export type ToCommitter = { type: 'enqueue'; id: number; events: InboundEvent[] } | { type: 'stop' };
export type FromCommitter =
  | { type: 'committed'; ids: number[]; added: number[] }
  | { type: 'failed'; ids: number[]; message: string }
  | { type: 'stopped' };

export interface SpoolCommitter {
  /** Resolves with the number of new events once they are committed to disk; rejects if they may not be. */
  enqueue(events: InboundEvent[]): Promise<number>;
  /** Throws when the committer thread is not running (readiness probe). */
  probe(): void;
  /** Transactions and requests so far: requests / commits is the average group size. */
  stats(): { commits: number; requests: number; inFlight: number };
  /** Commits what it holds, then stops the thread. */
  close(): Promise<void>;
}

export class SpoolCommitError extends Error {
  override name = 'SpoolCommitError';
}

const RESTART_DELAY_MS = 1000;
/** A commit that takes this long means a stalled disk: answer 503 rather than hold the provider's connection. */
const COMMIT_TIMEOUT_MS = 10_000;
/** Past this many unanswered commits the disk is not keeping up: answer 503 at once instead of queueing more. */
const MAX_IN_FLIGHT = 10_000;

interface Waiting {
  since: number;
  resolve(added: number): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export function startSpoolCommitter(
  spoolPath: string,
  logger: Pick<Logger, 'error'>,
  options: { timeoutMs?: number; restartDelayMs?: number; maxInFlight?: number } = {},
): SpoolCommitter {
  const timeoutMs = options.timeoutMs ?? COMMIT_TIMEOUT_MS;
  const restartDelayMs = options.restartDelayMs ?? RESTART_DELAY_MS;
  const maxInFlight = options.maxInFlight ?? MAX_IN_FLIGHT;
  const waiting = new Map<number, Waiting>();
  let nextId = 1;
  let worker: Worker | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let down: string | undefined;
  let stopping = false;
  const counts = { commits: 0, requests: 0 };

  function settle(id: number, outcome: { added: number } | { error: Error }) {
    const entry = waiting.get(id);
    if (!entry) return; // timed out already
    waiting.delete(id);
    clearTimeout(entry.timer);
    if ('error' in outcome) entry.reject(outcome.error);
    else entry.resolve(outcome.added);
  }

  function failAll(message: string) {
    for (const id of [...waiting.keys()]) settle(id, { error: new SpoolCommitError(message) });
  }

  function scheduleRestart(reason: string) {
    down = `${reason}; restarting`;
    logger.error(`${reason}; restarting in ${restartDelayMs} ms (webhooks get 503 meanwhile)`);
    restartTimer = setTimeout(launch, restartDelayMs);
  }

  function launch() {
    let current: Worker;
    try {
      current = spawnWorker(import.meta.url, './committer-thread', { spoolPath });
    } catch (error) {
      // e.g. out of memory for a new thread; a throw here (in a timer) would end the process.
      scheduleRestart(`spool committer thread could not start: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    down = undefined;
    worker = current;
    current.on('message', (message: FromCommitter) => {
      if (message.type === 'committed') {
        counts.commits++;
        message.ids.forEach((id, k) => settle(id, { added: message.added[k] ?? 0 }));
      } else if (message.type === 'failed') {
        logger.error({ requests: message.ids.length, error: message.message }, 'spool commit failed; those webhooks are answered 503 so the providers retry');
        for (const id of message.ids) settle(id, { error: new SpoolCommitError(message.message) });
      } else if (message.type === 'stopped') {
        // Its spool connection is closed and nothing is half-written.
        void current.terminate();
      }
    });
    current.on('error', (error) => logger.error({ err: error }, 'spool committer thread failed'));
    current.on('exit', (code) => {
      if (worker === current) worker = undefined;
      failAll('the spool committer thread stopped');
      if (stopping) return;
      scheduleRestart(`spool committer thread stopped unexpectedly (exit code ${code})`);
    });
  }

  launch();

  return {
    enqueue(events) {
      const current = worker;
      if (!current || stopping) return Promise.reject(new SpoolCommitError(down ?? 'the spool committer is stopped'));
      if (waiting.size >= maxInFlight) {
        return Promise.reject(new SpoolCommitError(`the disk is not keeping up: ${waiting.size} commits waiting`));
      }
      const id = nextId++;
      counts.requests++;
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => settle(id, { error: new SpoolCommitError(`no commit within ${timeoutMs} ms (disk stalled?)`) }),
          timeoutMs,
        );
        waiting.set(id, { since: Date.now(), resolve, reject, timer });
        try {
          current.postMessage({ type: 'enqueue', id, events } satisfies ToCommitter);
        } catch (error) {
          settle(id, { error: new SpoolCommitError(`could not hand the events to the committer: ${error instanceof Error ? error.message : String(error)}`) });
        }
      });
    },
    probe() {
      if (!worker || stopping) throw new Error(down ?? 'the spool committer is stopped');
      // Map order is insertion order: the first entry is the oldest commit still unanswered.
      const oldest = waiting.values().next().value as Waiting | undefined;
      const waited = oldest ? Date.now() - oldest.since : 0;
      if (waited > timeoutMs / 2) throw new Error(`spool commits are stalled: the oldest has waited ${waited} ms`);
    },
    stats: () => ({ ...counts, inFlight: waiting.size }),
    async close() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const current = worker;
      if (!current) return;
      const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
      current.postMessage({ type: 'stop' } satisfies ToCommitter);
      await exited;
    },
  };
}
