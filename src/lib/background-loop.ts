/**
 * The one background loop of the gateway (writer, media worker, outbox): the loop is written once
 * here, the job is a plain function that does one pass and says when it wants the next.
 *
 * - A pass never overlaps another; `stop()` waits for the pass in progress (nothing is left
 *   half-written) and no new one starts.
 * - `kick()` wakes the loop early, after `lingerMs` (so a burst of kicks shares one pass). A kick that
 *   lands while a pass runs is not lost: the next pass starts right after it instead of sleeping.
 * - A pass that throws, or reports `{ failed: true }`, counts as a failure; the loop then waits
 *   `failureDelayMs(consecutive failures)` (exponential backoff by default). Any other pass resets
 *   the count. A kick still wakes a loop that is backing off (the job decides whether to do anything).
 */
import { backoffDelay } from './backoff.js';

/** What one pass tells the loop: when to run the next. */
export type PassOutcome =
  /** More work is waiting: go on at once. */
  | { next: 'now' }
  /** Sleep this long (or until kicked). */
  | { next: 'after'; ms: number }
  /** The pass could not do its work (e.g. the remote end is down): back off. */
  | { next: 'backoff' };

export interface BackgroundLoopOptions {
  /** One pass of the job. May throw: that counts as a failure (reported to `onError`). */
  pass: () => Promise<PassOutcome>;
  /** Told about a pass that threw (the loop goes on). */
  onError: (error: unknown) => void;
  /** How long to wait after the n-th failure in a row (n ≥ 1). Default: backoff from 1 s to 60 s. */
  failureDelayMs?: (consecutiveFailures: number) => number;
  /** A kick wakes the loop this long after it (default 0: at once). */
  lingerMs?: number;
  /** Timers do not keep the process alive (default false). */
  unref?: boolean;
}

export interface BackgroundLoop {
  /** Starts the loop (its first pass at once); again after stop() too. A running loop is left as it is. */
  start(): void;
  /** Run a pass soon: after lingerMs, or right after the pass in progress. Ignored while stopped. */
  kick(): void;
  /** No new pass starts; resolves once the pass in progress has finished. */
  stop(): Promise<void>;
  /** Failed passes in a row (0 after any pass that did not fail). */
  consecutiveFailures(): number;
  isRunning(): boolean;
}

const defaultFailureDelay = (failures: number) => backoffDelay(failures - 1, 1000, 60_000);

export function createBackgroundLoop(options: BackgroundLoopOptions): BackgroundLoop {
  const lingerMs = options.lingerMs ?? 0;
  const failureDelayMs = options.failureDelayMs ?? defaultFailureDelay;
  let running = false;
  let stopRequested = false;
  let failures = 0;
  let loop: Promise<void> | undefined;
  let lingerTimer: NodeJS.Timeout | undefined;
  /** Resolves the current sleep early; set only while sleeping. */
  let wakeSleeper: (() => void) | undefined;
  /** A wake-up arrived while a pass ran: skip the sleep after it. */
  let wokenDuringPass = false;

  function wake(): void {
    if (wakeSleeper) wakeSleeper();
    else wokenDuringPass = true;
  }

  function sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wakeSleeper = undefined;
        resolve();
      }, ms);
      if (options.unref) timer.unref();
      wakeSleeper = () => {
        clearTimeout(timer);
        wakeSleeper = undefined;
        resolve();
      };
    });
  }

  async function runPass(): Promise<number> {
    let outcome: PassOutcome;
    try {
      outcome = await options.pass();
    } catch (error) {
      try {
        options.onError(error);
      } catch {
        // reporting must never end the loop
      }
      outcome = { next: 'backoff' };
    }
    if (outcome.next === 'backoff') return failureDelayMs(++failures);
    failures = 0;
    return outcome.next === 'now' ? 0 : outcome.ms;
  }

  async function run(): Promise<void> {
    try {
      while (!stopRequested) {
        wokenDuringPass = false;
        const delay = await runPass();
        if (stopRequested) break;
        if (delay > 0 && !wokenDuringPass) await sleep(delay);
      }
    } finally {
      running = false;
      loop = undefined;
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      stopRequested = false;
      loop = run();
    },
    kick() {
      if (!running || stopRequested) return;
      if (lingerMs <= 0) {
        wake();
        return;
      }
      lingerTimer ??= setTimeout(() => {
        lingerTimer = undefined;
        wake();
      }, lingerMs);
      if (options.unref) lingerTimer.unref();
    },
    async stop() {
      stopRequested = true;
      if (lingerTimer) clearTimeout(lingerTimer);
      lingerTimer = undefined;
      wakeSleeper?.();
      await loop;
    },
    consecutiveFailures: () => failures,
    isRunning: () => running,
  };
}
