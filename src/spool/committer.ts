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
import { superviseThread } from '../lib/thread-supervisor.js';
import { spawnWorker } from '../lib/worker-thread.js';
import type { QuarantineInput } from './types.js';

export type ToCommitter = { type: 'enqueue'; id: number; events: InboundEvent[]; quarantine?: QuarantineInput | null } | { type: 'stop' };
export type FromCommitter =
  | { type: 'ready'; synchronous: number }
  | { type: 'committed'; ids: number[]; added: number[] }
  | { type: 'failed'; ids: number[]; message: string }
  | { type: 'stopped' };

export interface SpoolCommitter {
  /**
   * Resolves with the number of new events once they (and the body to quarantine, if any) are
   * committed to disk; rejects if they may not be.
   */
  enqueue(events: InboundEvent[], quarantine?: QuarantineInput | null): Promise<number>;
  /** Throws when the committer thread is not running (readiness probe). */
  probe(): void;
  /**
   * Transactions and requests so far (requests / commits is the average group size); `inFlight`:
   * requests handed to the thread that it has not answered yet (including ones already answered 503
   * on timeout); `synchronous`: the thread's connection's PRAGMA synchronous (2 = FULL, fsync per
   * commit), undefined until it has opened the spool.
   */
  stats(): { commits: number; requests: number; inFlight: number; synchronous: number | undefined };
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
  resolve(added: number): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export function startSpoolCommitter(
  spoolPath: string,
  logger: Pick<Logger, 'error'>,
  options: {
    timeoutMs?: number;
    restartDelayMs?: number;
    maxInFlight?: number;
    /** Called with each thread started (tests use it to kill one mid-commit). */
    onThread?: (thread: Worker) => void;
  } = {},
): SpoolCommitter {
  const timeoutMs = options.timeoutMs ?? COMMIT_TIMEOUT_MS;
  const restartDelayMs = options.restartDelayMs ?? RESTART_DELAY_MS;
  const maxInFlight = options.maxInFlight ?? MAX_IN_FLIGHT;
  /** Requests whose caller still awaits an answer. */
  const waiting = new Map<number, Waiting>();
  /**
   * Requests handed to the thread and not yet answered by it, with when: a request that timed out
   * has left `waiting` but still sits in the thread's queue (it will be committed), so this, not
   * `waiting`, is what the in-flight cap and the stall check measure.
   */
  const handedOver = new Map<number, number>();
  let synchronous: number | undefined;
  let nextId = 1;
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
    handedOver.clear();
    for (const id of [...waiting.keys()]) settle(id, { error: new SpoolCommitError(message) });
  }

  function onMessage(message: FromCommitter) {
    if (message.type === 'ready') {
      synchronous = message.synchronous;
      if (synchronous < 2) logger.error(`the spool committer's connection runs with synchronous=${synchronous}, not FULL: acknowledged webhooks could be lost in a power cut`);
    } else if (message.type === 'committed') {
      counts.commits++;
      message.ids.forEach((id, k) => {
        handedOver.delete(id);
        settle(id, { added: message.added[k] ?? 0 });
      });
    } else if (message.type === 'failed') {
      logger.error({ requests: message.ids.length, error: message.message }, 'spool commit failed; those webhooks are answered 503 so the providers retry');
      for (const id of message.ids) {
        handedOver.delete(id);
        settle(id, { error: new SpoolCommitError(message.message) });
      }
    }
  }

  const thread = superviseThread<FromCommitter, ToCommitter>({
    name: 'spool committer thread',
    whileDown: 'webhooks get 503 meanwhile',
    spawn: () => spawnWorker(import.meta.url, './committer-thread', { spoolPath }),
    stopMessage: { type: 'stop' },
    restartDelayMs,
    logger,
    onMessage,
    ...(options.onThread ? { onStarted: options.onThread } : {}),
    onExit: () => {
      synchronous = undefined;
      failAll('the spool committer thread stopped');
    },
  });
  thread.start();

  return {
    enqueue(events, quarantine = null) {
      const current = thread.current();
      if (!current || thread.stopping()) return Promise.reject(new SpoolCommitError(thread.down() ?? 'the spool committer is stopped'));
      if (handedOver.size >= maxInFlight) {
        return Promise.reject(new SpoolCommitError(`the disk is not keeping up: ${handedOver.size} commits waiting`));
      }
      const id = nextId++;
      counts.requests++;
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => settle(id, { error: new SpoolCommitError(`no commit within ${timeoutMs} ms (disk stalled?)`) }),
          timeoutMs,
        );
        waiting.set(id, { resolve, reject, timer });
        try {
          current.postMessage({ type: 'enqueue', id, events, quarantine } satisfies ToCommitter);
          handedOver.set(id, Date.now());
        } catch (error) {
          settle(id, { error: new SpoolCommitError(`could not hand the events to the committer: ${error instanceof Error ? error.message : String(error)}`) });
        }
      });
    },
    probe() {
      if (!thread.current() || thread.stopping()) throw new Error(thread.down() ?? 'the spool committer is stopped');
      // Map order is insertion order: the first entry is the oldest commit the thread has not answered
      // (answered 503 on timeout or not: a stuck thread is stuck even once the webhooks stop).
      const oldest = handedOver.values().next().value;
      const waited = oldest === undefined ? 0 : Date.now() - oldest;
      if (waited > timeoutMs / 2) throw new Error(`spool commits are stalled: the oldest has waited ${waited} ms`);
    },
    stats: () => ({ ...counts, inFlight: handedOver.size, synchronous }),
    /** Commits what it holds, then stops the thread. */
    close: () => thread.stop(),
  };
}
