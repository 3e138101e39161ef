import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { inboundMessage } from '../../test/helpers/events.js';
import { startSpoolCommitter, type SpoolCommitter } from './committer.js';
import { openSqliteSpool } from './sqlite-spool.js';
import type { Spool } from './types.js';
import { startWalBackstop, startWalCheckpointer, WAL_RESTART_BYTES, type WalBackstop } from './wal-policy.js';

const warnings: unknown[][] = [];
const logger = { warn: (...args: unknown[]) => warnings.push(args), error: () => undefined };

let dir: string;
let spool: Spool;
let committer: SpoolCommitter | undefined;
let backstop: WalBackstop | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wal-backstop-'));
  spool = openSqliteSpool(join(dir, 'spool.db'), { checkpoints: false }); // as the gateway's own connection
  warnings.length = 0;
});
afterEach(async () => {
  backstop?.stop();
  backstop = undefined;
  await committer?.close();
  committer = undefined;
  spool.close();
  rmSync(dir, { recursive: true, force: true });
});

test('below the limit it never checkpoints nor logs (the delivery thread does that job)', () => {
  let checkpoints = 0;
  backstop = startWalBackstop({ walBytes: () => 1024, checkpoint: () => (checkpoints++, { logFrames: 0, restarted: false }) }, logger, { limitBytes: 4096 });
  expect(backstop.check()).toBe(false);
  expect(checkpoints).toBe(0);
  expect(warnings).toEqual([]);
});

// Regression (review): only the delivery thread checkpointed, so while it was down (crash-looping)
// webhooks kept being acknowledged and the log grew without limit.
test('with nobody else checkpointing, a steady stream of webhooks is written into a log that is reset, with a warning', async () => {
  committer = startSpoolCommitter(join(dir, 'spool.db'), logger);
  const frames: number[] = [];
  const observed: Pick<Spool, 'walBytes' | 'checkpoint'> = {
    walBytes: () => spool.walBytes(),
    checkpoint: (restartAbove) => {
      const result = spool.checkpoint(restartAbove);
      frames.push(result.logFrames);
      return result;
    },
  };
  backstop = startWalBackstop(observed, logger, { limitBytes: 256 * 1024, everyMs: 50 });
  let streaming = true;
  let sent = 0;
  const streams = Array.from({ length: 8 }, async (_, s) => {
    while (streaming) await committer!.enqueue([inboundMessage(`stream-${s}-${sent++}`)]);
  });
  await new Promise((r) => setTimeout(r, 2000));
  streaming = false;
  await Promise.all(streams);
  expect(sent).toBeGreaterThan(500); // the stream was real
  // The log's frame count fell: the committer wrote it from its start again instead of growing it.
  expect(frames.some((n, i) => i > 0 && n < (frames[i - 1] ?? 0))).toBe(true);
  expect(warnings.some(([, message]) => String(message).includes('delivery thread is not checkpointing'))).toBe(true);
  expect(spool.stats().pending).toBe(sent);
});

test("the delivery thread's checkpointer checkpoints on its interval, resetting past WAL_RESTART_BYTES, and survives a failing checkpoint", async () => {
  const calls: (number | undefined)[] = [];
  let failNext = true;
  const checkpointer = startWalCheckpointer(
    {
      checkpoint: (restartAbove) => {
        calls.push(restartAbove);
        if (failNext) {
          failNext = false;
          throw new Error('SQLITE_BUSY');
        }
        return { logFrames: 0, restarted: false };
      },
    },
    logger,
    20,
  );
  try {
    await expect.poll(() => calls.length).toBeGreaterThanOrEqual(3);
  } finally {
    checkpointer.stop();
  }
  expect(calls.every((n) => n === WAL_RESTART_BYTES)).toBe(true);
  expect(warnings.some(([, message]) => String(message).includes('spool checkpoint failed'))).toBe(true);
  const after = calls.length;
  await new Promise((r) => setTimeout(r, 60));
  expect(calls.length).toBe(after); // stopped
});
