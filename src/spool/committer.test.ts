import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { MessageEvent } from '../domain/message.js';
import { inboundMessage } from '../../test/helpers/events.js';
import { SpoolCommitError, startSpoolCommitter, type SpoolCommitter } from './committer.js';
import { openSqliteSpool } from './sqlite-spool.js';
import type { Spool } from './types.js';

const message = (id: string) => inboundMessage(id);

const errors: unknown[][] = [];
const logger = { error: (...args: unknown[]) => errors.push(args) };

let dir: string;
let path: string;
let spool: Spool;
let committer: SpoolCommitter | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'committer-'));
  path = join(dir, 'spool.db');
  spool = openSqliteSpool(path); // as the gateway does: its own connection opens (and migrates) first
  errors.length = 0;
});
afterEach(async () => {
  await committer?.close();
  committer = undefined;
  spool.close();
  rmSync(dir, { recursive: true, force: true });
});

const pendingIds = () => spool.takeDue('message', 10_000).map((e) => (e.event as MessageEvent).providerMessageId);

/**
 * With a short commit timeout, the very first request can time out while the thread is still
 * starting (loading SQLite, under a busy test run): retry until one is answered in time.
 */
async function warmUp(c: SpoolCommitter, id: string): Promise<void> {
  await expect.poll(() => c.enqueue([message(id)]).then(() => true, () => false), { timeout: 15_000, interval: 50 }).toBe(true);
}

/** Runs `during` while another connection holds SQLite's write lock (a stalled disk, as the committer sees it). */
async function withWriteLockHeld(during: () => Promise<void>): Promise<void> {
  const holder = new Database(path);
  holder.exec('BEGIN IMMEDIATE');
  try {
    await during();
  } finally {
    holder.exec('ROLLBACK');
    holder.close();
  }
}

test('resolves once the events are in the spool file, with how many were new', async () => {
  committer = startSpoolCommitter(path, logger);
  expect(await committer.enqueue([message('a'), message('b')])).toBe(2);
  // Read through another connection: committed, not just buffered in the thread.
  expect(pendingIds()).toEqual(['a', 'b']);
  expect(await committer.enqueue([message('a'), message('c')])).toBe(1);
  expect(pendingIds()).toEqual(['a', 'b', 'c']);
});

test('webhooks arriving together share transactions (group commit), each still told its own count', async () => {
  committer = startSpoolCommitter(path, logger);
  await committer.enqueue([message('warm-up')]);
  const before = committer.stats();
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => committer!.enqueue([message(`m${i % 150}`)])));
  // 150 distinct ids among 200 requests: exactly 150 new across the answers, whatever the grouping.
  expect(results.reduce((a, b) => a + b, 0)).toBe(150);
  const after = committer.stats();
  expect(after.requests - before.requests).toBe(200);
  expect(after.commits - before.commits).toBeLessThan(200);
  expect(after.inFlight).toBe(0);
  expect(pendingIds()).toHaveLength(151);
});

test('close() commits what was handed over before stopping', async () => {
  committer = startSpoolCommitter(path, logger);
  const handed = Array.from({ length: 20 }, (_, i) => committer!.enqueue([message(`late-${i}`)]));
  await committer.close();
  expect(await Promise.all(handed)).toEqual(Array<number>(20).fill(1));
  expect(pendingIds()).toHaveLength(20);
  await expect(committer.enqueue([message('after-close')])).rejects.toBeInstanceOf(SpoolCommitError);
});

test('a commit stuck behind a lock is answered with an error after the timeout (the webhook gets 503, never a hang)', async () => {
  committer = startSpoolCommitter(path, logger, { timeoutMs: 300 });
  await warmUp(committer, 'first');
  await withWriteLockHeld(async () => {
    const started = Date.now();
    await expect(committer!.enqueue([message('blocked')])).rejects.toThrow(/no commit within 300 ms/);
    expect(Date.now() - started).toBeLessThan(3000);
  });
  // Once the lock is gone the thread carries on; the provider's retry of 'blocked' is then a duplicate.
  expect(await committer.enqueue([message('after')])).toBe(1);
  expect(await committer.enqueue([message('blocked')])).toBe(0);
});

test('a stalled disk: readiness fails after half the timeout, and past the in-flight cap webhooks get 503 at once', async () => {
  committer = startSpoolCommitter(path, logger, { timeoutMs: 600, maxInFlight: 5 });
  await warmUp(committer, 'first');
  await withWriteLockHeld(async () => {
    const stuck = Array.from({ length: 5 }, (_, i) => committer!.enqueue([message(`stuck-${i}`)]).catch((e: unknown) => e));
    expect(() => committer!.probe()).not.toThrow(); // just queued: not yet a stall
    await expect(committer!.enqueue([message('one-too-many')])).rejects.toThrow(/not keeping up: 5 commits waiting/);
    await new Promise((r) => setTimeout(r, 350));
    expect(() => committer!.probe()).toThrow(/stalled/);
    for (const outcome of await Promise.all(stuck)) expect(outcome).toBeInstanceOf(SpoolCommitError);
  });
  await expect.poll(() => committer!.enqueue([message('later')]).catch(() => -1), { timeout: 8000 }).toBe(1);
  expect(() => committer!.probe()).not.toThrow();
});

// Regression (review): requests answered 503 on timeout left the count, so a stalled disk let in
// 10,000 more every 10 s, all queued in the thread's memory and committed later; and readiness
// passed again once the webhooks stopped, with the thread still stuck.
test('requests that timed out still count until the thread answers them: no unbounded queue, readiness stays failed', async () => {
  committer = startSpoolCommitter(path, logger, { timeoutMs: 200, maxInFlight: 5 });
  await warmUp(committer, 'first');
  await withWriteLockHeld(async () => {
    const stuck = await Promise.all(Array.from({ length: 5 }, (_, i) => committer!.enqueue([message(`stuck-${i}`)]).catch((e: unknown) => e)));
    for (const outcome of stuck) expect(outcome).toBeInstanceOf(SpoolCommitError); // answered 503 after 200 ms
    // The thread still holds those 5: more are refused at once, not queued behind them.
    for (let i = 0; i < 20; i++) {
      await expect(committer!.enqueue([message(`more-${i}`)])).rejects.toThrow(/not keeping up: 5 commits waiting/);
    }
    expect(committer!.stats().inFlight).toBe(5);
    expect(() => committer!.probe()).toThrow(/stalled/); // no webhook is waiting any more, the thread still is
  });
  await expect.poll(() => committer!.stats().inFlight, { timeout: 8000 }).toBe(0);
  expect(() => committer!.probe()).not.toThrow();
  // The 5 reached the disk (a provider's retry of them is a duplicate); none of the 20 refused did.
  expect(pendingIds().sort()).toEqual(['first', 'stuck-0', 'stuck-1', 'stuck-2', 'stuck-3', 'stuck-4']);
});

test("the thread's connection fsyncs every commit (synchronous=FULL), as it reports once it has the spool open", async () => {
  committer = startSpoolCommitter(path, logger);
  expect(await committer.enqueue([message('a')])).toBe(1); // the thread reports before its first commit
  expect(committer.stats().synchronous).toBe(2);
  expect(errors).toEqual([]);
});

test('one request that cannot be stored fails alone; the others in its transaction are still acknowledged', async () => {
  committer = startSpoolCommitter(path, logger);
  await committer.enqueue([message('warm-up')]);
  // A BigInt crosses the thread boundary but cannot be written as JSON: that request's insert throws.
  const poison = { ...message('poison'), raw: { n: 1n } } as unknown as MessageEvent;
  const outcomes = await Promise.all(
    Array.from({ length: 41 }, (_, i) => (i === 20 ? committer!.enqueue([poison]) : committer!.enqueue([message(`ok-${i}`)])).then(
      (added) => added,
      (error: unknown) => error,
    )),
  );
  expect(outcomes[20]).toBeInstanceOf(SpoolCommitError);
  expect(outcomes.filter((o) => o === 1)).toHaveLength(40);
  expect(pendingIds()).toHaveLength(41);
});

test('a thread that cannot open the spool fails its requests (503), shows in probe(), and is restarted', async () => {
  const broken = join(dir, 'not-yet');
  mkdirSync(broken); // a directory where the database file should be: SQLite cannot open it
  committer = startSpoolCommitter(broken, logger, { restartDelayMs: 100 });
  await expect(committer.enqueue([message('x')])).rejects.toBeInstanceOf(SpoolCommitError);
  await expect.poll(() => errors.length).toBeGreaterThan(0);
  expect(() => committer!.probe()).toThrow(/committer thread stopped/);

  rmSync(broken, { recursive: true }); // the disk is fine again
  await expect
    .poll(async () => committer!.enqueue([message('x')]).catch(() => -1), { timeout: 5000, interval: 50 })
    .toBe(1);
  expect(() => committer!.probe()).not.toThrow();
  const reopened = openSqliteSpool(broken);
  try {
    expect(reopened.takeDue('message', 10).map((e) => (e.event as MessageEvent).providerMessageId)).toEqual(['x']);
  } finally {
    reopened.close();
  }
});

test('a thread killed with commits in flight: each request is answered once (503), none hangs; after the restart the retries store every event once', async () => {
  const threads: Worker[] = [];
  committer = startSpoolCommitter(path, logger, { restartDelayMs: 100, onThread: (t) => threads.push(t) });
  await warmUp(committer, 'warm-up');
  const ids = Array.from({ length: 200 }, (_, i) => `inflight-${i}`);
  const answers = ids.map((id) => committer!.enqueue([message(id)]).then(() => 'ok' as const, (e: unknown) => e));
  void threads[0]?.terminate(); // dies with the requests in flight (a group may be on disk, unanswered)
  const outcomes = await Promise.all(answers);
  for (const outcome of outcomes) expect(outcome === 'ok' || outcome instanceof SpoolCommitError).toBe(true);
  expect(outcomes.some((o) => o instanceof SpoolCommitError)).toBe(true); // the kill landed before the last answer
  expect(committer.stats().inFlight).toBe(0);
  expect(errors.some(([m]) => String(m).includes('stopped unexpectedly'))).toBe(true);

  // The provider retries what was not acknowledged; it may have reached the disk already.
  const retried = ids.filter((_, i) => outcomes[i] !== 'ok');
  await expect.poll(() => committer!.enqueue([message('after-restart')]).then(() => true, () => false), { timeout: 5000 }).toBe(true);
  expect(threads).toHaveLength(2);
  for (const id of retried) await committer.enqueue([message(id)]);
  expect(pendingIds().sort()).toEqual(['after-restart', 'warm-up', ...ids].sort());
});

// Regression (review): with the committer never checkpointing, a steady stream left no gap for the
// delivery thread's PASSIVE checkpoints to let the log start afresh, so it only ever grew (~200 MB in
// 2.5 s of this test on the development machine).
test('under a steady stream of webhooks the write-ahead log is started afresh, not grown forever', async () => {
  committer = startSpoolCommitter(path, logger);
  let streaming = true;
  let sent = 0;
  const streams = Array.from({ length: 8 }, async (_, s) => {
    while (streaming) await committer!.enqueue([message(`stream-${s}-${sent++}`)]);
  });
  const frames: number[] = [];
  let restarts = 0;
  const until = Date.now() + 2500;
  while (Date.now() < until) {
    const result = spool.checkpoint(256 * 1024); // what the delivery thread does every second (past 32 MiB)
    frames.push(result.logFrames);
    if (result.restarted) restarts++;
    await new Promise((r) => setTimeout(r, 50));
  }
  streaming = false;
  await Promise.all(streams);
  expect(sent).toBeGreaterThan(500); // the stream was real
  expect(restarts).toBeGreaterThan(0);
  // The log's frame count fell at least once: the committer wrote it from its start again.
  expect(frames.some((n, i) => i > 0 && n < (frames[i - 1] ?? 0))).toBe(true);
  expect(spool.stats().pending).toBe(sent);
});

test('a body to quarantine is committed by the thread with the events of its webhook', async () => {
  committer = startSpoolCommitter(path, logger);
  const quarantine = { provider: 'meta' as const, body: '{"object":"page"}', input: null, reason: '/object must be …', receivedAt: '2026-01-29T09:20:00.000Z' };
  expect(await committer.enqueue([message('q1')], quarantine)).toBe(1);
  expect(await committer.enqueue([], quarantine)).toBe(0);
  expect(pendingIds()).toEqual(['q1']);
  expect(spool.quarantined()).toEqual([expect.objectContaining({ provider: 'meta', body: '{"object":"page"}' })]);
});
