import { getPriority } from 'node:os';
import { afterEach, describe, expect, test } from 'vitest';
import type { Worker } from 'node:worker_threads';
import { BACKGROUND_NICE, lowerThisThreadPriority, spawnWorker } from './worker-thread.js';

let worker: Worker | undefined;
afterEach(async () => {
  await worker?.terminate();
  worker = undefined;
});

const onLinux = process.platform === 'linux';

describe('lowerThisThreadPriority', () => {
  test.runIf(onLinux)('lowers only the calling thread: a worker goes BACKGROUND_NICE steps below the process, which keeps its own', async () => {
    const before = getPriority(process.pid);
    worker = spawnWorker(import.meta.url, './worker-thread.fixture', null);
    const reply = await new Promise<{ threadId: number | undefined; priority: number }>((resolve, reject) => {
      worker?.once('message', resolve);
      worker?.once('error', reject);
    });
    expect(reply.threadId).toBeGreaterThan(0);
    expect(reply.threadId).not.toBe(process.pid);
    // Relative to what the thread inherited (the test runner's own nice value).
    expect(reply.priority).toBe(Math.min(19, before + BACKGROUND_NICE));
    expect(getPriority(process.pid)).toBe(before);
  });

  test('when the OS refuses, it returns undefined and logs at debug instead of throwing', () => {
    const logged: unknown[] = [];
    // A nice value out of range (-20..19) makes setPriority throw on every platform.
    const result = lowerThisThreadPriority({ debug: (...args: unknown[]) => logged.push(args) } as never, -1000);
    expect(result).toBeUndefined();
    expect(logged).toHaveLength(1);
  });
});
