/**
 * Inbound end-to-end rig: the Odoo 13 double, the real XML-RPC client logged in as a Gateway-group
 * user, a temp SQLite spool, and the real writer and media worker.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createOdooClient } from '../../src/odoo/xmlrpc-client.js';
import type { OdooClient } from '../../src/odoo/types.js';
import { createMediaWorker, type DownloadedFile, type MediaWorkerOptions } from '../../src/delivery/media.js';
import { createPartnerResolver } from '../../src/services/partner-resolver.js';
import { createWriter, type WriterOptions } from '../../src/delivery/writer.js';
import { openSqliteSpool } from '../../src/spool/sqlite-spool.js';
import type { Spool } from '../../src/spool/types.js';
import { startOdooDouble, type OdooDouble } from '../odoo-double/index.js';
import { createHistoryRepository } from '../../src/odoo/repositories/history-repository.js';
import { createRepositories } from '../../src/odoo/repositories/index.js';

export const silent = pino({ level: 'silent' });

export function fixture(provider: string, name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../fixtures/providers/${provider}/${name}.json`, import.meta.url), 'utf8'));
}

// The shared event builders, under the names these tests use.
export { inboundMessage as inbound, statusEvent as status } from '../helpers/events.js';

export interface Rig {
  double: OdooDouble;
  odoo: OdooClient;
  spool: Spool;
  writer: ReturnType<typeof createWriter>;
  /** A fake clock the writer uses; advance it past backoff delays. */
  clock: { now: number };
  history(): Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startRig(options: Partial<WriterOptions> & { odoo?: (real: OdooClient) => OdooClient } = {}): Promise<Rig> {
  const double = await startOdooDouble();
  const user = double.addGatewayUser('whatsapp-gateway', 'gateway-password-123');
  const real = createOdooClient({ url: double.url, db: double.db, username: user.login, password: user.password, timeoutMs: 2000, logger: silent });
  const odoo = options.odoo ? options.odoo(real) : real;
  const dir = mkdtempSync(join(tmpdir(), 'inbound-'));
  const spool = openSqliteSpool(join(dir, 'spool.db'));
  const clock = { now: Date.now() };
  const writer = createWriter(
    {
      history: createHistoryRepository(odoo),
      spool,
      logger: silent,
      resolvePartners: createPartnerResolver(createRepositories(odoo), { defaultCountry: 'ID', missTtlMs: 0 }),
      mediaUrl: (m) => m.url ?? (m.mediaId ? `https://graph.example/${m.mediaId}` : null),
    },
    { batchSize: 50, maxBackoffMs: 60_000, now: () => clock.now, random: () => 0.5, ...options },
  );
  return {
    double,
    odoo,
    spool,
    writer,
    clock,
    history: () => double.records('whatsapp.history'),
    async close() {
      spool.close();
      rmSync(dir, { recursive: true, force: true });
      await double.close();
    },
  };
}

export function mediaWorkerFor(rig: Rig, download: (url: string) => Promise<DownloadedFile>, options: MediaWorkerOptions = {}) {
  return createMediaWorker(
    {
      spool: rig.spool,
      history: createHistoryRepository(rig.odoo),
      logger: silent,
      download: (media) => download(media.url ?? `meta:${media.mediaId}`),
    },
    { now: () => rig.clock.now, ...options },
  );
}
