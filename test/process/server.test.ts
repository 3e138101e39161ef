/**
 * The real server process (src/server.ts): configuration errors, graceful shutdown, and kill -9 at
 * random moments while webhooks arrive — no acknowledged event lost, none duplicated.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startOdooDouble, type OdooDouble } from '../odoo-double/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const SECRET = 'process-test-webhook-secret-1';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** From the TypeScript sources by default; `entry` runs a compiled server.js instead. */
function startServer(env: Record<string, string>, entry?: string): Running {
  let output = '';
  const child = spawn(process.execPath, entry ? [entry] : ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const healthy = (port: number) => async () => {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
  } catch {
    return false;
  }
};

describe('configuration errors', () => {
  test('missing and invalid settings: one message listing each, exit code 1, no stack trace', async () => {
    const run = startServer({ PORT: 'eighty', ODOO_URL: 'localhost' });
    const code = await run.exited;
    expect(code).toBe(1);
    const out = run.output();
    expect(out).toMatch(/Invalid configuration \(5 problems\)/);
    expect(out).toMatch(/ODOO_DB is required/);
    expect(out).toMatch(/PORT must be integer/);
    expect(out).toMatch(/ODOO_URL must match pattern/);
    expect(out).not.toMatch(/\n\s+at /); // no stack trace
  }, 20_000);
});

describe('running against the Odoo double', () => {
  let double: OdooDouble;
  let dir: string;
  let env: Record<string, string>;
  let port: number;

  beforeAll(async () => {
    double = await startOdooDouble();
    const user = double.addGatewayUser('whatsapp-gateway', 'gateway-password-123');
    dir = mkdtempSync(join(tmpdir(), 'server-proc-'));
    port = await freePort();
    env = {
      ODOO_URL: double.url,
      ODOO_DB: double.db,
      ODOO_USERNAME: user.login,
      ODOO_PASSWORD: user.password,
      SPOOL_PATH: join(dir, 'spool.db'),
      PORT: String(port),
      HOST: '127.0.0.1',
      WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      WRITER_BATCH_SIZE: '7',
    };
  });
  afterAll(async () => {
    await double.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('SIGTERM: stops accepting, finishes, closes cleanly well before the shutdown timeout, exits 0', async () => {
    const run = startServer({ ...env, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '8000' });
    await waitFor(healthy(port), 15_000, 'the gateway to answer');
    const started = Date.now();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    // The shutdown timer also exits 0: only this line proves the stores were closed in order.
    expect(run.output()).toMatch(/"msg":"stopped cleanly"/);
    expect(run.output()).not.toMatch(/shutdown took too long/);
  }, 30_000);

  test('kill -9 at random moments while webhooks arrive: every acknowledged webhook reaches Odoo exactly once', async () => {
    double.reset();
    const user = double.addGatewayUser('whatsapp-gateway', 'gateway-password-123');
    const runEnv = { ...env, ODOO_USERNAME: user.login, ODOO_PASSWORD: user.password, SPOOL_PATH: join(dir, 'kill9.db') };
    double.latencyMs = 3; // make Odoo calls overlap with the kills
    const TOTAL = 150;
    const acknowledged = new Set<number>();
    let next = 0;
    let kills = 0;
    while (next < TOTAL) {
      const run = startServer(runEnv);
      await waitFor(healthy(port), 15_000, 'the gateway to answer');
      const killAfter = 15 + Math.floor(Math.random() * 30);
      let sentThisRun = 0;
      // Fire webhooks concurrently in small waves; kill the process in the middle of one.
      while (next < TOTAL && sentThisRun < killAfter + 10) {
        const wave = Array.from({ length: Math.min(5, TOTAL - next) }, () => next++);
        sentThisRun += wave.length;
        if (kills < 4 && sentThisRun >= killAfter) setTimeout(() => run.child.kill('SIGKILL'), Math.random() * 3);
        const results = await Promise.all(
          wave.map(async (n) => {
            try {
              const response = await fetch(`http://127.0.0.1:${port}/api/wa/webhook?secret=${SECRET}`, {
                method: 'POST',
                body: JSON.stringify({ device: '6285700000001', sender: '6281299990000', message: `pesan ${n}`, timestamp: 1767000000 + n, inboxid: 100000 + n }),
              });
              return { n, ok: response.status === 200 };
            } catch {
              return { n, ok: false };
            }
          }),
        );
        for (const r of results) if (r.ok) acknowledged.add(r.n);
        // Not acknowledged = the provider retries it later: put it back.
        const lost = results.filter((r) => !r.ok).map((r) => r.n);
        if (lost.length > 0) {
          next = Math.min(next, ...lost);
          for (const n of [...acknowledged]) if (n >= next) acknowledged.delete(n); // re-sent anyway, as a provider would
          break;
        }
      }
      if (run.child.exitCode === null && run.child.signalCode === null) {
        if (next >= TOTAL) {
          // last run: let the writer drain, then stop cleanly
          await waitFor(() => double.records('whatsapp.history').length >= acknowledged.size, 20_000, 'the writer to drain');
          run.child.kill('SIGTERM');
        } else {
          run.child.kill('SIGKILL');
        }
      }
      await run.exited;
      kills++;
    }
    expect(kills).toBeGreaterThanOrEqual(3);
    const stored = double.records('whatsapp.history').map((r) => Number(r.provider_message_id));
    expect(new Set(stored).size).toBe(stored.length); // no duplicates
    for (const n of acknowledged) expect(stored).toContain(100000 + n); // nothing acknowledged lost
    expect(stored.length).toBe(TOTAL);
  }, 120_000);

  // The worker threads (spool committer, delivery) are spawned from their compiled .js entries only
  // in the build; every other test runs the sources under tsx.
  test('the compiled build (npm start, the Docker image): a webhook is acknowledged and reaches Odoo through both threads', async () => {
    double.reset();
    const user = double.addGatewayUser('whatsapp-gateway', 'gateway-password-123');
    // Inside node_modules, so the compiled files resolve the project's packages as dist/ does.
    const out = join(ROOT, 'node_modules', '.cache', `wa-build-test-${process.pid}`);
    try {
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
      execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out], { cwd: ROOT, stdio: 'pipe' });
      const run = startServer({ ...env, ODOO_USERNAME: user.login, ODOO_PASSWORD: user.password, SPOOL_PATH: join(dir, 'built.db') }, join(out, 'src', 'server.js'));
      try {
        await waitFor(healthy(port), 15_000, 'the compiled gateway to answer');
        const response = await fetch(`http://127.0.0.1:${port}/api/wa/webhook?secret=${SECRET}`, {
          method: 'POST',
          body: JSON.stringify({ device: '6285700000001', sender: '6281299990000', message: 'dari build', timestamp: 1767000000, inboxid: 424242 }),
        });
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ data: { accepted: 1 } });
        await waitFor(() => double.records('whatsapp.history').some((r) => r.provider_message_id === '424242'), 10_000, 'the record in Odoo');
        const ready = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as { data: { ready: boolean } };
        expect(ready.data.ready).toBe(true);
      } finally {
        run.child.kill('SIGTERM');
        expect(await run.exited).toBe(0);
      }
      expect(run.output()).not.toMatch(/thread (failed|stopped unexpectedly|could not start)/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 90_000);
});
