/**
 * The installed SQLite addon survives the garbage collector (#10 item 15). better-sqlite3 12 compiled
 * against Node >= 24.19's own headers aborts the process whenever a Database or Statement it made is
 * freed ("Assertion failed: (env) != nullptr" in RemoveEnvironmentCleanupHook): the gateway drops such
 * objects all the time (every pragma is a statement), so it would die at a random moment. On Node 24 the
 * addon must be built with scripts/addon-headers.sh (README, "Set up a fresh machine").
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { expect, test } from 'vitest';

const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3');

/** Runs `script` in a fresh Node process (this test's Node); its exit code, signal and output. */
function run(script: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '-e', script], { env: { PATH: process.env.PATH ?? '', BETTER_SQLITE3: betterSqlite3 } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
}

/** Connections and statements made and dropped, then plain JavaScript allocations whose collections free them. */
const CHURN = `
const Database = require(process.env.BETTER_SQLITE3);
function churn() {
  for (let round = 0; round < 40; round++) {
    const db = new Database(':memory:');
    db.pragma('journal_mode = WAL');
    db.prepare('SELECT ?').get(round);
    if (round % 2 === 1) db.close();
    let junk = [];
    for (let i = 0; i < 100000; i++) junk.push({ i });
    junk = null;
    gc(); // a collection for certain each round, not only when the allocations above happen to cause one
  }
}
`;

const hint = 'the SQLite addon aborts when the garbage collector frees its objects: on Node >= 24.19 build it with scripts/addon-headers.sh (README, "Set up a fresh machine")';

test('connections and statements the program dropped are freed without aborting the process', async () => {
  const result = await run(`${CHURN}\nchurn();\nconsole.log('survived');`);
  expect(result, hint).toMatchObject({ code: 0, signal: null, output: 'survived\n' });
});

test('in a worker thread too, and a thread terminated with its connection and statements still open', async () => {
  const result = await run(`const { Worker } = require('node:worker_threads');
const worker = new Worker(${JSON.stringify(`${CHURN}
churn();
const db = new Database(':memory:');
const kept = [db.prepare('SELECT 1'), db.prepare('SELECT 2')];
require('node:worker_threads').parentPort.postMessage(kept.length);`)}, { eval: true, env: process.env });
worker.once('message', () => void worker.terminate());
worker.once('exit', () => console.log('survived'));`);
  expect(result, hint).toMatchObject({ code: 0, signal: null, output: 'survived\n' });
});
