/**
 * Builds the real app (buildApp) for app.inject tests: a validated Config, a SQLite spool in a fresh
 * temporary directory, a silent logger, and an Odoo that cannot be reached. Tests needing a working
 * Odoo pass `odoo` (e.g. the in-process double in test/odoo-double).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import type { SettingName } from '../../config/schema.js';
import { buildApp } from '../../src/app.js';
import { createRestServices } from '../../src/gateway.js';
import { createRepositories } from '../../src/odoo/repositories/index.js';
import { createMetrics } from '../../src/plugins/metrics.js';
import { createReadinessProbe } from '../../src/services/readiness.js';
import { loadConfig, type Config } from '../../src/config.js';
import { OdooError } from '../../src/odoo/errors.js';
import type { OdooClient } from '../../src/odoo/types.js';
import { startSpoolCommitter } from '../../src/spool/committer.js';
import { openSqliteSpool } from '../../src/spool/sqlite-spool.js';
import type { InboundEvent } from '../../src/domain/message.js';
import type { QuarantineInput, Spool } from '../../src/spool/types.js';

/** Provider secrets configured by default; tests sign with these. Long and distinctive so a leak into a log is easy to spot. */
export const TEST_SECRETS = {
  WEBHOOK_SECRET: 'fonnte-webhook-secret-5c1d9e77a2',
  META_APP_SECRET: 'meta-app-secret-0b4f6a93e1d8',
  META_VERIFY_TOKEN: 'meta-verify-token-7e22c4b9f0',
  TWILIO_AUTH_TOKEN: 'twilio-auth-token-91af03d6c5b2',
} as const;

export const TEST_PUBLIC_URL = 'https://wa.example.test';

const REQUIRED_SETTINGS = {
  ODOO_URL: 'http://odoo.invalid:8069',
  ODOO_DB: 'odoo13',
  ODOO_USERNAME: 'whatsapp-gateway',
  ODOO_PASSWORD: 'odoo-password-not-a-real-one',
};

/** Settings as environment strings; `''` means "not set" (the setting's default, e.g. a provider switched off). */
export type ConfigOverrides = Partial<Record<SettingName, string>>;

export function testConfig(overrides: ConfigOverrides = {}): Config {
  return loadConfig(
    // Test files post many wrong secrets from one address: the failed-authentication limit is tested on its own.
    { ...REQUIRED_SETTINGS, ...TEST_SECRETS, PUBLIC_URL: TEST_PUBLIC_URL, LOG_LEVEL: 'silent', WEBHOOK_AUTH_FAILURE_MAX: '100000', ...overrides },
    {},
  );
}

/** Every OdooClient method fails the way a refused connection does. `calls` records what was attempted. */
export interface UnreachableOdoo extends OdooClient {
  readonly calls: string[];
}

export function createUnreachableOdoo(): UnreachableOdoo {
  const calls: string[] = [];
  const refuse = (method: string) => async (): Promise<never> => {
    calls.push(method);
    throw new OdooError('unavailable', `connect ECONNREFUSED odoo.invalid:8069 (test Odoo is unreachable; ${method})`);
  };
  return {
    calls,
    version: refuse('version'),
    authenticate: refuse('authenticate'),
    create: refuse('create'),
    createMany: refuse('createMany'),
    search: refuse('search'),
    searchRead: refuse('searchRead'),
    searchCount: refuse('searchCount'),
    readGroup: refuse('readGroup'),
    write: refuse('write'),
    call: refuse('call'),
  };
}

export interface TestAppOverrides {
  /** Settings on top of the test defaults (all providers configured, PUBLIC_URL set). */
  config?: ConfigOverrides;
  /** Defaults to a fresh createUnreachableOdoo(). */
  odoo?: OdooClient;
  /** Defaults to a silent pino logger. */
  logger?: Logger;
  /** Wraps the real spool, e.g. to make a method fail. */
  wrapSpool?: (spool: Spool) => Spool;
  onAccepted?: (events: InboundEvent[]) => void;
  /** Commit webhooks the way the gateway does: through a spool committer thread (src/spool/committer.ts). */
  committer?: boolean | { timeoutMs?: number };
  /** Replaces the commit step altogether (e.g. one that fails). */
  commitEvents?: (events: InboundEvent[], quarantine?: QuarantineInput | null) => Promise<number>;
}

export interface TestApp {
  app: FastifyInstance;
  /** The real spool (unwrapped): inspect what the app committed. */
  spool: Spool;
  config: Config;
  odoo: OdooClient;
  /** Closes the app and the spool, and deletes the temporary directory. */
  close(): Promise<void>;
}

export async function buildTestApp(overrides: TestAppOverrides = {}): Promise<TestApp> {
  const config = testConfig(overrides.config);
  const dir = mkdtempSync(join(tmpdir(), 'wa-headless-test-'));
  const spool = openSqliteSpool(join(dir, 'spool.db'));
  const odoo = overrides.odoo ?? createUnreachableOdoo();
  const committer = overrides.committer
    ? startSpoolCommitter(join(dir, 'spool.db'), pino({ level: 'silent' }), overrides.committer === true ? {} : overrides.committer)
    : undefined;
  const commitEvents =
    overrides.commitEvents ?? (committer ? (events: InboundEvent[], quarantine?: QuarantineInput | null) => committer.enqueue(events, quarantine) : undefined);
  try {
    const appSpool = overrides.wrapSpool ? overrides.wrapSpool(spool) : spool;
    const repositories = createRepositories(odoo);
    const app = await buildApp({
      config,
      logger: overrides.logger ?? pino({ level: 'silent' }),
      spool: appSpool,
      services: createRestServices(config, repositories),
      readiness: createReadinessProbe({ history: repositories.history, spool: appSpool, stallAfterMs: config.DELIVERY_STALL_SECONDS * 1000 }),
      metrics: createMetrics({ spoolStats: () => appSpool.stats() }),
      ...(overrides.onAccepted ? { onAccepted: overrides.onAccepted } : {}),
      ...(commitEvents ? { commitEvents } : {}),
    });
    await app.ready();
    return {
      app,
      spool,
      config,
      odoo,
      async close() {
        try {
          await app.close();
          await committer?.close();
        } finally {
          spool.close();
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await committer?.close();
    spool.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
