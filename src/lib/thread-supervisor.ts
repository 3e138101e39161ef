/**
 * Keeps one worker thread running (the delivery thread, the spool committer): starts it, restarts it
 * after a delay when it dies or cannot be started, and stops it cleanly — the thread is asked to stop
 * (it closes its files), answers `{ type: 'stopped' }` and is then terminated, so idle keep-alive
 * sockets need not hold it open. What the messages mean is the owner's business (`onMessage`).
 */
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';

export interface ThreadSupervisorOptions<From extends { type: string }, To> {
  /** e.g. "delivery thread": names it in the logs. */
  name: string;
  /** What the owner's callers get meanwhile, for the logs: e.g. "the spool keeps everything". */
  whileDown: string;
  /** Starts a new thread (spawnWorker); may throw (e.g. out of memory for a thread). */
  spawn: () => Worker;
  /** The message that asks the thread to finish and answer `{ type: 'stopped' }`. */
  stopMessage: To;
  restartDelayMs: number;
  logger: Pick<Logger, 'error'>;
  /** Every message but `stopped`, with the thread that sent it. */
  onMessage: (message: From, thread: Worker) => void;
  /** Each thread started (tests use it to kill one). */
  onStarted?: (thread: Worker) => void;
  /** A thread ended, expectedly or not (the owner fails what that thread held). */
  onExit?: (code: number) => void;
}

export interface ThreadSupervisor<To> {
  /** Starts the thread unless one runs (or the supervisor was stopped). */
  start(): void;
  /** Posts to the running thread; false when none runs or the post failed. Throws nothing. */
  post(message: To): boolean;
  /** The running thread, if any. */
  current(): Worker | undefined;
  /** Why no thread runs (it died, it could not start), or undefined while one runs. */
  down(): string | undefined;
  /** Times a thread died or could not be started and a new one was scheduled. */
  restarts(): number;
  /** True once stop() was called. */
  stopping(): boolean;
  /** Asks the thread to stop and waits until it has exited; no restart follows. */
  stop(): Promise<void>;
}

export function superviseThread<From extends { type: string }, To>(options: ThreadSupervisorOptions<From, To>): ThreadSupervisor<To> {
  const { name, logger, restartDelayMs } = options;
  let worker: Worker | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let down: string | undefined;
  let stopping = false;
  let restarts = 0;

  function scheduleRestart(reason: string) {
    restarts++;
    down = `${reason}; restarting`;
    logger.error(`${reason}; restarting in ${restartDelayMs} ms (${options.whileDown})`);
    restartTimer = setTimeout(launch, restartDelayMs);
  }

  function launch() {
    restartTimer = undefined;
    if (stopping) return;
    let current: Worker;
    try {
      current = options.spawn();
    } catch (error) {
      // A throw here (in the restart timer) would end the process.
      scheduleRestart(`${name} could not start: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    down = undefined;
    worker = current;
    options.onStarted?.(current);
    current.on('message', (message: From) => {
      // Its files are closed and nothing is half-written.
      if (message.type === 'stopped') void current.terminate();
      else options.onMessage(message, current);
    });
    current.on('error', (error) => logger.error({ err: error }, `${name} failed`));
    current.on('exit', (code) => {
      if (worker === current) worker = undefined;
      options.onExit?.(code);
      if (stopping) return;
      scheduleRestart(`${name} stopped unexpectedly (exit code ${code})`);
    });
  }

  return {
    start() {
      if (!worker && !restartTimer && !stopping) launch();
    },
    post(message) {
      if (!worker) return false;
      try {
        worker.postMessage(message);
        return true;
      } catch {
        return false;
      }
    },
    current: () => worker,
    down: () => (worker ? undefined : down),
    restarts: () => restarts,
    stopping: () => stopping,
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = undefined;
      const current = worker;
      if (!current) return;
      const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
      current.postMessage(options.stopMessage);
      await exited;
    },
  };
}
