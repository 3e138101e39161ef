/**
 * The committer thread (see committer.ts): its own connection to the spool file. Requests that
 * arrive while a transaction is on disk queue up in the port; the next setImmediate commits all of
 * them in one transaction.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromCommitter, ToCommitter } from './committer.js';
import { openSqliteSpool } from './sqlite-spool.js';
import { WAL_CHECKPOINTS } from './wal-policy.js';

const port = parentPort;
if (!port) throw new Error('committer-thread.ts runs as a worker thread only');
const { spoolPath } = workerData as { spoolPath: string };
const post = (message: FromCommitter) => port.postMessage(message);

// Every commit is fsynced before it is answered (promise 1). Checkpoints (which fsync the database
// file) are left to others, off this path (wal-policy.ts).
const spool = openSqliteSpool(spoolPath, { durability: 'full', checkpoints: WAL_CHECKPOINTS.committer });
let pending: Extract<ToCommitter, { type: 'enqueue' }>[] = [];
let scheduled = false;

function flush() {
  scheduled = false;
  const group = pending;
  pending = [];
  if (group.length > 0) commit(group);
}

function commit(group: Extract<ToCommitter, { type: 'enqueue' }>[]) {
  try {
    const batches = group.map((request) => ({ events: request.events, quarantine: request.quarantine ?? null }));
    post({ type: 'committed', ids: group.map((request) => request.id), added: spool.enqueueGroups(batches) });
  } catch (error) {
    if (group.length === 1) {
      post({ type: 'failed', ids: [group[0]?.id ?? 0], message: error instanceof Error ? error.message : String(error) });
      return;
    }
    // The transaction was rolled back: commit each request on its own, so one that cannot be
    // stored does not take the others' acknowledgements with it.
    for (const request of group) commit([request]);
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
// What the connection really runs with, read back from SQLite: the main thread checks it.
post({ type: 'ready', synchronous: spool.synchronous() });
