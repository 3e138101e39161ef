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

interface Waiting {
  resolve(added: number): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export function startSpoolCommitter(
  spoolPath: string,
  logger: Pick<Logger, 'error'>,
  options: { timeoutMs?: number; restartDelayMs?: number } = {},
): SpoolCommitter {
  const timeoutMs = options.timeoutMs ?? COMMIT_TIMEOUT_MS;
  const restartDelayMs = options.restartDelayMs ?? RESTART_DELAY_MS;
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

  function launch() {
    down = undefined;
    const current = spawnWorker(import.meta.url, './committer-thread', { spoolPath });
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
      down = `the spool committer thread stopped (exit code ${code}); restarting`;
      logger.error({ exitCode: code }, `spool committer thread stopped unexpectedly; restarting in ${restartDelayMs} ms (webhooks get 503 meanwhile)`);
      restartTimer = setTimeout(launch, restartDelayMs);
    });
  }

  launch();

  return {
    enqueue(events) {
      const current = worker;
      if (!current || stopping) return Promise.reject(new SpoolCommitError(down ?? 'the spool committer is stopped'));
      const id = nextId++;
      counts.requests++;
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => settle(id, { error: new SpoolCommitError(`no commit within ${timeoutMs} ms (disk stalled?)`) }),
          timeoutMs,
        );
        waiting.set(id, { resolve, reject, timer });
        current.postMessage({ type: 'enqueue', id, events } satisfies ToCommitter);
      });
    },
    probe() {
      if (!worker || stopping) throw new Error(down ?? 'the spool committer is stopped');
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
