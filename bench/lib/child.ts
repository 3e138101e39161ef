/**
 * Helper processes for the benchmarks (load generator, Odoo double), so they do not share the
 * gateway's event loop. A child is forked with the parent's execArgv (tsx's loader included) and
 * answers `{id, …request}` messages with `{id, ok, value | error}`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

export interface Child {
  readonly pid: number | undefined;
  request<T>(message: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

/** Forks `file` (a URL next to the caller, e.g. new URL('./loadgen-child.ts', import.meta.url)) and waits for its `ready`. */
export async function startChild(
  file: URL,
  options: { env?: Record<string, string>; readyTimeoutMs?: number } = {},
): Promise<Child & { ready: Record<string, unknown> }> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  const proc: ChildProcess = fork(fileURLToPath(file), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...options.env },
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  let exited = false;

  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file.pathname} did not start within ${readyTimeoutMs} ms`)), readyTimeoutMs);
    proc.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as Record<string, unknown>);
    });
    proc.once('exit', (code) => reject(new Error(`${file.pathname} exited (${code}) before it was ready`)));
  });

  proc.on('message', (message) => {
    const reply = message as Reply;
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(new Error(reply.error ?? 'child request failed'));
  });
  proc.on('exit', (code) => {
    exited = true;
    for (const waiter of pending.values()) waiter.reject(new Error(`child exited (${code}) with a request pending`));
    pending.clear();
  });

  return {
    ready,
    pid: proc.pid,
    request<T>(message: Record<string, unknown>, timeoutMs = 600_000): Promise<T> {
      if (exited) return Promise.reject(new Error('child has exited'));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`child request ${String(message.type)} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        proc.send({ ...message, id });
      });
    },
    async close() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** In a child: announce `ready`, then answer each request with `handle`. */
export function serveParent(ready: Record<string, unknown>, handle: (message: Record<string, unknown>) => Promise<unknown>): void {
  if (!process.send) throw new Error('this file runs as a forked child of a benchmark');
  process.on('message', (raw) => {
    const message = raw as Record<string, unknown> & { id: number };
    handle(message).then(
      (value) => process.send?.({ id: message.id, ok: true, value }),
      (error: unknown) => process.send?.({ id: message.id, ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send(ready);
}
