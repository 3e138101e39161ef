/**
 * The committer thread (see committer.ts): its own connection to the spool file. Requests that
 * arrive while a transaction is on disk queue up in the port; the next setImmediate commits all of
 * them in one transaction.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromCommitter, ToCommitter } from './committer.js';
import { openSqliteSpool } from './sqlite-spool.js';

const port = parentPort;
if (!port) throw new Error('committer-thread.ts runs as a worker thread only');
const { spoolPath } = workerData as { spoolPath: string };
const post = (message: FromCommitter) => port.postMessage(message);

// Checkpoints (which fsync the database file) are the delivery thread's job, off this path.
const spool = openSqliteSpool(spoolPath, { checkpoints: false });
let pending: Extract<ToCommitter, { type: 'enqueue' }>[] = [];
let scheduled = false;

function flush() {
  scheduled = false;
  const group = pending;
  pending = [];
  if (group.length === 0) return;
  const ids = group.map((request) => request.id);
  try {
    post({ type: 'committed', ids, added: spool.enqueueGroups(group.map((request) => request.events)) });
  } catch (error) {
    post({ type: 'failed', ids, message: error instanceof Error ? error.message : String(error) });
  }
}

port.on('message', (message: ToCommitter) => {
  if (message.type === 'enqueue') {
    pending.push(message);
    // All messages already in the port are emitted before setImmediate runs: they form one group.
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  } else {
    flush();
    spool.close();
    post({ type: 'stopped' });
    port.close();
  }
});
