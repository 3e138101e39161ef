/**
 * The real Odoo 13 a benchmark talks to, from ODOO_URL / ODOO_DB / ODOO_USERNAME / ODOO_PASSWORD
 * (the process environment only: a developer's .env is not read, so a benchmark never writes into a
 * database by accident). BENCH_ADMIN_USERNAME / BENCH_ADMIN_PASSWORD, when set, are used for clean-up
 * (unlink); otherwise the same login is used, which then needs unlink rights on whatsapp.history.
 */
import { createOdooClient, type XmlRpcOdooClient } from '../../src/odoo/xmlrpc-client.js';
import type { Domain } from '../../src/odoo/types.js';
import { HISTORY_MODEL } from '../../src/odoo/repositories/history-fields.js';

export interface OdooTarget {
  url: string;
  db: string;
  username: string;
  password: string;
  adminUsername: string;
  adminPassword: string;
}

const REQUIRED = ['ODOO_URL', 'ODOO_DB', 'ODOO_USERNAME', 'ODOO_PASSWORD'] as const;

export function odooTargetFromEnv(env: NodeJS.ProcessEnv = process.env): OdooTarget | { missing: string[] } {
  const missing = REQUIRED.filter((name) => !env[name]);
  if (missing.length > 0) return { missing };
  return {
    url: env.ODOO_URL as string,
    db: env.ODOO_DB as string,
    username: env.ODOO_USERNAME as string,
    password: env.ODOO_PASSWORD as string,
    adminUsername: env.BENCH_ADMIN_USERNAME || (env.ODOO_USERNAME as string),
    adminPassword: env.BENCH_ADMIN_PASSWORD || (env.ODOO_PASSWORD as string),
  };
}

export function skipMessage(name: string, missing: string[]): string {
  return [
    `bench ${name} skipped: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set.`,
    'It needs a real Odoo 13 with the whatsapp_headless addon installed, e.g.:',
    `  ODOO_URL=http://127.0.0.1:8069 ODOO_DB=bench1m ODOO_USERNAME=admin ODOO_PASSWORD=admin npm run bench -- ${name}`,
  ].join('\n');
}

export function clientFor(target: OdooTarget, as: 'user' | 'admin' = 'user', timeoutMs = 120_000, url = target.url): XmlRpcOdooClient {
  return createOdooClient({
    url,
    db: target.db,
    username: as === 'admin' ? target.adminUsername : target.username,
    password: as === 'admin' ? target.adminPassword : target.password,
    timeoutMs,
  });
}

/** Deletes every whatsapp.history record matching `domain`, in chunks; returns how many. */
export async function unlinkAll(client: XmlRpcOdooClient, domain: Domain, chunk = 5000): Promise<number> {
  let removed = 0;
  for (;;) {
    const ids = await client.search(HISTORY_MODEL, domain, { limit: chunk, order: 'id' });
    if (ids.length === 0) return removed;
    await client.call(HISTORY_MODEL, 'unlink', [ids]);
    removed += ids.length;
  }
}

/**
 * Median time of a trivial authenticated call (search_count of id = 0): ~3 ms when Odoo runs with
 * db_name set, ~7 ms when it lists the databases on every RPC (db_name unset). Printed with the figures.
 */
export async function trivialCallMs(client: XmlRpcOdooClient, calls = 20): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await client.searchCount(HISTORY_MODEL, [['id', '=', 0]]);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}
