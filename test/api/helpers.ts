/**
 * Builds the real app (buildApp) for REST tests: API tokens of each scope, a temporary spool and send
 * journal, and whichever Odoo the test gives (by default one that cannot be reached).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino, type Logger } from 'pino';
import { buildApp } from '../../src/app.js';
import { createRestServices } from '../../src/gateway.js';
import { createRepositories } from '../../src/odoo/repositories/index.js';
import { createReadinessProbe } from '../../src/services/readiness.js';
import { createOdooClient, type XmlRpcOdooClient } from '../../src/odoo/xmlrpc-client.js';
import type { Config } from '../../src/config.js';
import type { OdooClient } from '../../src/odoo/types.js';
import { createMetrics, type Metrics } from '../../src/plugins/metrics.js';
import { openSendJournal, type SendJournalFile } from '../../src/services/outbox/journal.js';
import { openSqliteSpool } from '../../src/spool/sqlite-spool.js';
import type { Spool } from '../../src/spool/types.js';
import { createUnreachableOdoo, testConfig, type ConfigOverrides } from '../helpers/build.js';
import { startOdooDouble, type OdooDouble } from '../odoo-double/index.js';

export const READ_TOKEN = 'read-only-token-4f1b9c0d7e2a55';
export const SEND_TOKEN = 'send-only-token-9a7c3e1f0b6d44';
export const FULL_TOKEN = 'read-send-token-2b8e6d4c1a9f33';
export const API_TOKENS = `${READ_TOKEN}:read,${SEND_TOKEN}:send,${FULL_TOKEN}:read+send`;

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export interface ApiTestApp {
  app: FastifyInstance;
  config: Config;
  odoo: OdooClient;
  spool: Spool;
  journal: SendJournalFile;
  metrics: Metrics;
  dir: string;
  /** GET with the full token unless headers say otherwise. */
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface ApiTestOptions {
  odoo?: OdooClient;
  config?: ConfigOverrides;
  /** Re-use a journal file (restart tests). */
  dir?: string;
  outbox?: { kick(): void };
  logger?: Logger;
  /** Wraps the journal the app uses (e.g. to make a method fail); `journal` stays the real one. */
  wrapJournal?: (journal: SendJournalFile) => SendJournalFile;
}

export async function buildApiApp(options: ApiTestOptions = {}): Promise<ApiTestApp> {
  const config = testConfig({ API_TOKENS, FONNTE_TOKEN: 'fonnte-device-token-3f9a1c', ...options.config });
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'wa-api-test-'));
  const spool = openSqliteSpool(join(dir, 'spool.db'));
  const journal = openSendJournal(join(dir, 'outbox.db'));
  const metrics = createMetrics({ spoolStats: () => spool.stats() });
  const odoo = options.odoo ?? createUnreachableOdoo();
  const repositories = createRepositories(odoo);
  const app = await buildApp({
    config,
    logger: options.logger ?? pino({ level: 'silent' }),
    spool,
    services: createRestServices(config, repositories, {
      sendJournal: options.wrapJournal ? options.wrapJournal(journal) : journal,
      ...(options.outbox ? { outbox: options.outbox } : {}),
    }),
    readiness: createReadinessProbe({ history: repositories.history, spool, stallAfterMs: config.DELIVERY_STALL_SECONDS * 1000 }),
    metrics,
  });
  await app.ready();
  return {
    app,
    config,
    odoo,
    spool,
    journal,
    metrics,
    dir,
    get: (url, headers = bearer(FULL_TOKEN)) => app.inject({ method: 'GET', url, headers }),
    inject: (opts) => app.inject(opts),
    async close() {
      try {
        await app.close();
      } finally {
        spool.close();
        journal.close();
        if (!options.dir) rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The Odoo 13 double plus a real XML-RPC client logged in as a WhatsApp / Gateway user (least privilege, as in production). */
export interface OdooUnderTest {
  double: OdooDouble;
  odoo: XmlRpcOdooClient;
  close(): Promise<void>;
}

export async function startOdoo(): Promise<OdooUnderTest> {
  const double = await startOdooDouble();
  const user = double.addGatewayUser();
  const odoo = createOdooClient({ url: double.url, db: double.db, username: user.login, password: user.password, timeoutMs: 2000 });
  return { double, odoo, close: () => double.close() };
}

/** The Odoo RPCs (model.method) the double answered since `from`. */
export function rpcsSince(double: OdooDouble, from: number): string[] {
  return double.log.slice(from).filter((e) => e.service === 'object').map((e) => `${e.model}.${e.modelMethod}`);
}
