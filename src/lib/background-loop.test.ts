import { afterEach, describe, expect, test } from 'vitest';
import { createBackgroundLoop, type BackgroundLoop, type PassOutcome } from './background-loop.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
let loop: BackgroundLoop | undefined;
afterEach(async () => {
  await loop?.stop();
  loop = undefined;
});

/** A loop whose passes are counted and whose outcomes come from `outcomes` (the last one repeats). */
function counted(outcomes: (PassOutcome | Error)[], extra: { lingerMs?: number; failureDelayMs?: (n: number) => number; passMs?: number } = {}) {
  const passes: number[] = [];
  const errors: unknown[] = [];
  const started = Date.now();
  loop = createBackgroundLoop({
    async pass() {
      passes.push(Date.now() - started);
      if (extra.passMs) await tick(extra.passMs);
      const outcome = outcomes[Math.min(passes.length - 1, outcomes.length - 1)] as PassOutcome | Error;
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
    onError: (error) => errors.push(error),
    ...(extra.lingerMs !== undefined ? { lingerMs: extra.lingerMs } : {}),
    ...(extra.failureDelayMs ? { failureDelayMs: extra.failureDelayMs } : {}),
  });
  return { loop, passes, errors };
}

describe('when the next pass runs', () => {
  test.each([
    { name: "'now' goes on at once", outcomes: [{ next: 'now' }, { next: 'now' }, { next: 'after', ms: 10_000 }] as PassOutcome[], after: 50, passes: 3 },
    { name: "'after' sleeps that long", outcomes: [{ next: 'after', ms: 60 }] as PassOutcome[], after: 100, passes: 2 },
    { name: "'after' a long time: one pass only", outcomes: [{ next: 'after', ms: 10_000 }] as PassOutcome[], after: 100, passes: 1 },
  ])('$name', async ({ outcomes, after, passes }) => {
    const rig = counted(outcomes);
    rig.loop.start();
    await tick(after);
    expect(rig.passes).toHaveLength(passes);
  });
});

describe('kicks', () => {
  test('a kick wakes a sleeping loop after the linger; a burst of kicks makes one pass', async () => {
    const rig = counted([{ next: 'after', ms: 10_000 }], { lingerMs: 30 });
    rig.loop.start();
    await tick(10);
    for (let i = 0; i < 5; i++) rig.loop.kick();
    await tick(10);
    expect(rig.passes).toHaveLength(1); // still lingering
    await tick(60);
    expect(rig.passes).toHaveLength(2);
  });

  test('a kick that lands during a pass is not lost: the next pass starts right after it', async () => {
    const rig = counted([{ next: 'after', ms: 10_000 }], { passMs: 50 });
    rig.loop.start();
    await tick(10);
    rig.loop.kick(); // during the first pass
    await tick(100);
    expect(rig.passes).toHaveLength(2);
  });

  test('a kick while stopped starts nothing', async () => {
    const rig = counted([{ next: 'after', ms: 10_000 }]);
    rig.loop.kick();
    await tick(20);
    expect(rig.passes).toHaveLength(0);
  });
});

describe('failures', () => {
  test('a pass that throws is reported, the loop goes on after the failure delay, and the count resets on success', async () => {
    const delays: number[] = [];
    const rig = counted([new Error('boom'), { next: 'backoff' }, { next: 'after', ms: 10_000 }], {
      failureDelayMs: (n) => {
        delays.push(n);
        return 20;
      },
    });
    rig.loop.start();
    await tick(30);
    expect(rig.errors).toHaveLength(1);
    expect(rig.loop.consecutiveFailures()).toBeGreaterThanOrEqual(1);
    await tick(60);
    expect(rig.passes).toHaveLength(3);
    expect(delays).toEqual([1, 2]); // the second failure in a row waits for failure 2's delay
    expect(rig.loop.consecutiveFailures()).toBe(0);
  });

  test('a kick wakes a loop that is backing off', async () => {
    const rig = counted([{ next: 'backoff' }, { next: 'after', ms: 10_000 }], { failureDelayMs: () => 10_000 });
    rig.loop.start();
    await tick(10);
    rig.loop.kick();
    await tick(20);
    expect(rig.passes).toHaveLength(2);
  });
});

describe('stop', () => {
  test('waits for the pass in progress and starts no other; start() runs it again', async () => {
    const rig = counted([{ next: 'now' }], { passMs: 40 });
    rig.loop.start();
    await tick(10);
    const stopping = Date.now();
    await rig.loop.stop();
    expect(Date.now() - stopping).toBeGreaterThanOrEqual(20); // waited for the pass to end
    expect(rig.loop.isRunning()).toBe(false);
    const after = rig.passes.length;
    await tick(60);
    expect(rig.passes).toHaveLength(after);
    rig.loop.start();
    await tick(20);
    expect(rig.passes.length).toBeGreaterThan(after);
  });

  test('a sleeping loop stops at once', async () => {
    const rig = counted([{ next: 'after', ms: 10_000 }]);
    rig.loop.start();
    await tick(10);
    const stopping = Date.now();
    await rig.loop.stop();
    expect(Date.now() - stopping).toBeLessThan(50);
  });
});
