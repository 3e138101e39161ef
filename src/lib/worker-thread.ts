/**
 * Starts a worker thread from a sibling module, both when running compiled (dist/*.js) and from the
 * TypeScript sources under tsx (npm run dev, tests, benchmarks): on Node 20 a worker thread does not
 * inherit tsx's loader hooks, so the thread registers them itself before importing its entry.
 */
import { readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { getPriority, setPriority } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';

/**
 * @param callerUrl the caller's `import.meta.url`
 * @param entry the entry module's name without extension, relative to the caller (e.g. './thread-entry')
 */
export function spawnWorker(callerUrl: string, entry: string, workerData: unknown): Worker {
  const options = { workerData };
  if (callerUrl.endsWith('.js')) return new Worker(new URL(`${entry}.js`, callerUrl), options);
  const tsxApi = pathToFileURL(join(dirname(createRequire(callerUrl).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const entryUrl = new URL(`${entry}.ts`, callerUrl).href;
  return new Worker(`import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entryUrl)}); })`, {
    ...options,
    eval: true,
  });
}

/** Nice steps for background threads: they get a core only when the acknowledgement path leaves one. */
export const BACKGROUND_NICE = 10;

/**
 * Lowers the calling thread's CPU priority by `by` nice steps, relative to what it inherited (so a
 * gateway started under `nice` stays below it; Linux: the nice value is per thread, and a thread's
 * id is the last part of /proc/thread-self). Background work (delivery to Odoo) then yields the cores
 * to the event loop and the spool committer, which answer providers, whenever they compete; on an
 * idle machine it runs as fast as before. Elsewhere, or if refused, it logs and carries on.
 */
export function lowerThisThreadPriority(logger: Pick<Logger, 'debug'>, by = BACKGROUND_NICE): number | undefined {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(threadId) || threadId <= 0) throw new Error('no thread id in /proc/thread-self');
    setPriority(threadId, Math.min(19, getPriority(threadId) + by));
    return threadId;
  } catch (error) {
    logger.debug({ err: error }, 'could not lower this thread\'s CPU priority; it keeps the default');
    return undefined;
  }
}
