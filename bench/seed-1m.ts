/**
 * Seeds a real Odoo 13 (with whatsapp_headless installed) with realistic WhatsApp history for the REST
 * benchmarks: by default 1,000,000 messages over 20,000 numbers and the last 365 days, written with
 * batched creates (200 per call, two writers — the fastest shape on Odoo 13, see
 * ../shared/reference/odoo13-performance.md).
 *
 *   ODOO_URL=http://127.0.0.1:8069 ODOO_DB=odoo13 ODOO_USERNAME=admin ODOO_PASSWORD=admin \
 *     npx tsx bench/seed-1m.ts [--count 1000000] [--phones 20000] [--days 365] [--batch 200] [--writers 2]
 *   … npx tsx bench/seed-1m.ts --cleanup        removes every record this script made
 *
 * Deterministic (a seeded PRNG: the same run makes the same data) and resumable: records carry
 * provider_message_id `bench-<n>`; a second run counts what is there and only adds the rest.
 * Texts mix common words (every query finds pages) with rare ones (`langka<k>`, each in ~0.01 % of
 * rows) so text search can be measured both ways. A few hundred numbers get a res.partner.
 */
import { createOdooClient, type XmlRpcOdooClient } from '../src/odoo/xmlrpc-client.js';
import { toOdooDatetime } from '../src/odoo/datetime.js';

const PREFIX = 'bench-';
const PARTNER_REF = 'whatsapp-bench';

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index === -1) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} needs a positive integer`);
  return value;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`Set ODOO_URL, ODOO_DB, ODOO_USERNAME and ODOO_PASSWORD (an administrator); ${name} is missing.`);
    process.exit(1);
  }
  return value;
}

/** mulberry32: small, fast, good enough for test data, and reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMON = [
  'halo', 'pesanan', 'tiket', 'tour', 'ubud', 'kuta', 'jemput', 'hotel', 'bandara', 'harga', 'booking', 'besok',
  'terima', 'kasih', 'jadwal', 'transfer', 'pembayaran', 'konfirmasi', 'snorkeling', 'nusa', 'penida', 'sunrise',
  'batur', 'villa', 'sopir', 'mobil', 'paket', 'diskon', 'tamu', 'anak', 'dewasa', 'pagi', 'sore', 'malam',
];
const NAMES = ['Budi', 'Sari', 'Agus', 'Dewi', 'Made', 'Wayan', 'Ketut', 'Nyoman', 'Putu', 'Komang', 'Rina', 'Joko', 'Anna', 'Tom', 'Lena'];

export interface SeedOptions {
  count: number;
  phones: number;
  days: number;
}

/** The n-th record (0-based): a pure function of n, so runs can resume anywhere. */
export function benchRecord(n: number, options: SeedOptions, endMs: number): Record<string, unknown> {
  const random = prng(n * 2654435761);
  const contact = Math.floor(random() * options.phones);
  const phone = `+62812${String(10_000_000 + contact).padStart(8, '0')}`;
  const inbound = random() < 0.65;
  const words = Array.from({ length: 3 + Math.floor(random() * 10) }, () => COMMON[Math.floor(random() * COMMON.length)] as string);
  // 1 % of rows carry one of 100 rare words, so each `langka<k>` is in ~0.01 % of rows.
  if (random() < 0.01) words.push(`langka${Math.floor(random() * 100)}`);
  const media = random() < 0.08;
  const roll = random();
  const state = inbound ? 'received' : roll < 0.05 ? 'failed' : roll < 0.25 ? 'sent' : roll < 0.6 ? 'delivered' : 'read';
  // Timestamps spread over the period; record n is not in time order (as real traffic from several devices).
  const timestamp = new Date(endMs - Math.floor(random() * options.days * 86_400_000));
  return {
    phone,
    contact_name: inbound ? `${NAMES[contact % NAMES.length]} ${contact}` : false,
    direction: inbound ? 'in' : 'out',
    message: words.join(' '),
    message_type: media ? 'image' : 'text',
    media_url: media ? `https://files.example/bench/${n}.jpg` : false,
    provider: 'fonnte',
    provider_message_id: `${PREFIX}${n}`,
    device: '6285700000001',
    state,
    error_message: state === 'failed' ? 'Fonnte: target invalid' : false,
    timestamp: toOdooDatetime(timestamp),
  };
}

async function ensurePartners(odoo: XmlRpcOdooClient, options: SeedOptions): Promise<Map<string, number>> {
  const wanted = Math.min(500, options.phones);
  const existing = await odoo.searchRead<{ id: number; mobile: string }>('res.partner', [['ref', '=', PARTNER_REF]], { fields: ['mobile'] });
  if (existing.length < wanted) {
    const have = new Set(existing.map((p) => p.mobile));
    const values = [];
    for (let contact = 0; contact < options.phones && values.length + existing.length < wanted; contact += Math.max(1, Math.floor(options.phones / wanted))) {
      const mobile = `+62812${String(10_000_000 + contact).padStart(8, '0')}`;
      if (!have.has(mobile)) values.push({ name: `${NAMES[contact % NAMES.length]} ${contact} (bench)`, mobile, ref: PARTNER_REF });
    }
    await odoo.createMany('res.partner', values);
  }
  const partners = await odoo.searchRead<{ id: number; mobile: string }>('res.partner', [['ref', '=', PARTNER_REF]], { fields: ['mobile'] });
  return new Map(partners.map((p) => [p.mobile, p.id]));
}

async function cleanup(odoo: XmlRpcOdooClient): Promise<void> {
  let removed = 0;
  for (;;) {
    const ids = await odoo.search('whatsapp.history', [['provider_message_id', '=like', `${PREFIX}%`]], { limit: 5000 });
    if (ids.length === 0) break;
    await odoo.call('whatsapp.history', 'unlink', [ids]);
    removed += ids.length;
    process.stdout.write(`\rremoved ${removed}`);
  }
  const partners = await odoo.search('res.partner', [['ref', '=', PARTNER_REF]]);
  if (partners.length > 0) await odoo.call('res.partner', 'unlink', [partners]);
  console.log(`\nremoved ${removed} messages and ${partners.length} partners`);
}

async function main(): Promise<void> {
  const odoo = createOdooClient({
    url: env('ODOO_URL'),
    db: env('ODOO_DB'),
    username: env('ODOO_USERNAME'),
    password: env('ODOO_PASSWORD'),
    timeoutMs: 120_000,
  });
  if (process.argv.includes('--cleanup')) return cleanup(odoo);

  const options: SeedOptions = { count: arg('count', 1_000_000), phones: arg('phones', 20_000), days: arg('days', 365) };
  const batch = arg('batch', 200);
  const writers = arg('writers', 2);
  // The period ends at today's midnight UTC, so reruns on the same day make identical data.
  const endMs = Math.floor(Date.now() / 86_400_000) * 86_400_000;

  const partners = await ensurePartners(odoo, options);
  // Resume: records are numbered; find the first number not stored yet (they are written in order per writer).
  const present = await odoo.searchCount('whatsapp.history', [['provider_message_id', '=like', `${PREFIX}%`]]);
  console.log(`${present} bench messages present; seeding up to ${options.count} with ${writers} writer(s), ${batch} per call`);

  if (present >= options.count) {
    console.log('nothing to do');
    return;
  }
  // Batches are handed out in order and at most `writers` are in flight, so after a crash every number
  // below present - writers × batch is stored; just above it there may be holes: look those up.
  const safe = Math.max(0, present - writers * batch);
  const stored = new Set<number>();
  if (present > 0) {
    const window = Array.from({ length: Math.min(options.count, present + writers * batch) - safe }, (_, i) => `${PREFIX}${safe + i}`);
    const rows = await odoo.searchRead<{ provider_message_id: string }>('whatsapp.history', [['provider_message_id', 'in', window]], {
      fields: ['provider_message_id'],
    });
    for (const row of rows) stored.add(Number(row.provider_message_id.slice(PREFIX.length)));
  }
  let next = safe;
  let written = 0;
  const started = performance.now();
  const take = (): Record<string, unknown>[] | undefined => {
    const values: Record<string, unknown>[] = [];
    while (values.length < batch && next < options.count) {
      const n = next++;
      if (stored.has(n)) continue;
      const record = benchRecord(n, options, endMs);
      const partnerId = partners.get(record.phone as string);
      values.push(partnerId ? { ...record, partner_id: partnerId } : record);
    }
    return values.length > 0 ? values : undefined;
  };
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (let values = take(); values; values = take()) {
        await odoo.createMany('whatsapp.history', values);
        written += values.length;
        const seconds = (performance.now() - started) / 1000;
        process.stdout.write(`\r${present + written} / ${options.count}  (${Math.round(written / seconds)} records/s)   `);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(`\nwrote ${written} messages in ${seconds.toFixed(1)} s (${Math.round(written / seconds)} records/s)`);
}

await main();
