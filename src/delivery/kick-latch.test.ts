import { Worker } from 'node:worker_threads';
import { expect, test } from 'vitest';
import { createKickLatch } from './kick-latch.js';

test('one kick is posted per pass: raised once, then coalesced until the delivery side lowers it', () => {
  const latch = createKickLatch();
  expect([latch.raise(), latch.raise(), latch.raise()]).toEqual([true, false, false]);
  latch.lower(); // the writer is about to read due events
  expect([latch.raise(), latch.raise()]).toEqual([true, false]);
});

test('the latch is shared with another thread through its buffer (as the delivery thread receives it)', async () => {
  const latch = createKickLatch();
  expect(latch.raise()).toBe(true);
  // The other thread lowers it through its own view of the same memory.
  const worker = new Worker('const { workerData, parentPort } = require("node:worker_threads"); Atomics.store(new Int32Array(workerData), 0, 0); parentPort.postMessage("lowered");', {
    eval: true,
    workerData: latch.buffer,
  });
  try {
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(latch.raise()).toBe(true);
    expect(latch.raise()).toBe(false);
  } finally {
    await worker.terminate();
  }
});
