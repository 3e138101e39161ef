import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, test } from 'vitest';
import { superviseThread, type ThreadSupervisor } from './thread-supervisor.js';

/** A thread that answers 'ping' with 'pong', exits with code 3 on 'die', and answers 'stop' with 'stopped'. */
const THREAD = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m.type === 'ping') parentPort.postMessage({ type: 'pong' });
  if (m.type === 'die') process.exit(3);
  if (m.type === 'stop') parentPort.postMessage({ type: 'stopped' });
});
parentPort.postMessage({ type: 'ready' });
`;

type From = { type: 'ready' } | { type: 'pong' } | { type: 'stopped' };
type To = { type: 'ping' } | { type: 'die' } | { type: 'stop' };

let supervisor: ThreadSupervisor<To> | undefined;
afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
});

function rig(spawn: () => Worker = () => new Worker(THREAD, { eval: true })) {
  const logged: string[] = [];
  const received: string[] = [];
  const exits: number[] = [];
  supervisor = superviseThread<From, To>({
    name: 'test thread',
    whileDown: 'nothing is lost',
    spawn,
    stopMessage: { type: 'stop' },
    restartDelayMs: 50,
    logger: { error: (...args: unknown[]) => logged.push(args.map(String).join(' ')) },
    onMessage: (message) => received.push(message.type),
    onExit: (code) => exits.push(code),
  });
  return { supervisor, logged, received, exits };
}

describe('a supervised thread', () => {
  test('starts, passes messages both ways, and stops cleanly without a restart', async () => {
    const { supervisor, received, logged, exits } = rig();
    supervisor.start();
    await expect.poll(() => received).toContain('ready');
    expect(supervisor.post({ type: 'ping' })).toBe(true);
    await expect.poll(() => received).toContain('pong');
    await supervisor.stop();
    expect(supervisor.current()).toBeUndefined();
    expect(exits).toHaveLength(1);
    expect(supervisor.restarts()).toBe(0);
    expect(logged).toEqual([]);
    expect(supervisor.post({ type: 'ping' })).toBe(false);
  });

  test.each([
    {
      name: 'a thread that dies is restarted after the delay, and the death is logged with its exit code',
      spawn: undefined,
      kill: (s: ThreadSupervisor<To>) => s.post({ type: 'die' }),
      logs: /test thread stopped unexpectedly \(exit code 3\); restarting in 50 ms \(nothing is lost\)/,
    },
    {
      name: 'a thread that cannot be started is tried again after the delay',
      spawn: (() => {
        let calls = 0;
        return () => {
          if (calls++ === 0) throw new Error('no memory for a thread');
          return new Worker(THREAD, { eval: true });
        };
      })(),
      kill: () => undefined,
      logs: /test thread could not start: no memory for a thread; restarting in 50 ms/,
    },
  ])('$name', async ({ spawn, kill, logs }) => {
    const { supervisor, received, logged } = rig(spawn);
    supervisor.start();
    kill(supervisor);
    await expect.poll(() => supervisor.restarts()).toBe(1);
    expect(logged.join('\n')).toMatch(logs);
    expect(supervisor.down()).toMatch(/restarting$/);
    await expect.poll(() => supervisor.current() !== undefined, { timeout: 5000 }).toBe(true);
    expect(supervisor.down()).toBeUndefined();
    received.length = 0;
    supervisor.post({ type: 'ping' });
    await expect.poll(() => received).toContain('pong');
  });

  test('stop() while waiting to restart cancels the restart', async () => {
    const { supervisor } = rig();
    supervisor.start();
    supervisor.post({ type: 'die' });
    await expect.poll(() => supervisor.restarts()).toBe(1);
    await supervisor.stop();
    await new Promise((r) => setTimeout(r, 120));
    expect(supervisor.current()).toBeUndefined();
    supervisor.start(); // a stopped supervisor stays stopped
    expect(supervisor.current()).toBeUndefined();
  });
});
