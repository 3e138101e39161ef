// Worker for worker-thread.test.ts: lowers its own priority and reports what the OS says.
import { getPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { lowerThisThreadPriority } from './worker-thread.js';

const threadId = lowerThisThreadPriority({ debug() {} });
parentPort?.postMessage({ threadId, priority: threadId === undefined ? Number.NaN : getPriority(threadId) });
