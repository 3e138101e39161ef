/**
 * Coalesces the event loop's "new events" kicks to the delivery thread: one posted message per
 * writer pass instead of one per webhook (each message wakes the thread, ~1,000 wake-ups a second at
 * full load for nothing, on 2 cores shared with the acknowledgements).
 *
 * One Int32 in shared memory: 1 while a kick is on its way or waiting for the writer's next pass.
 * The delivery thread lowers it just before each read of due events, so an event committed after
 * that read started raises it again (and posts a kick), and one committed before is seen by the read.
 */
export interface KickLatch {
  /** The shared memory, to hand to the delivery thread (workerData). */
  readonly buffer: SharedArrayBuffer;
  /** Event loop: true when a kick must be posted; false when one is already pending. */
  raise(): boolean;
  /** Delivery thread: call right before reading due events. */
  lower(): void;
}

export function createKickLatch(buffer: SharedArrayBuffer = new SharedArrayBuffer(4)): KickLatch {
  const flag = new Int32Array(buffer);
  return {
    buffer,
    raise: () => Atomics.compareExchange(flag, 0, 0, 1) === 0,
    lower: () => {
      Atomics.store(flag, 0, 0);
    },
  };
}
