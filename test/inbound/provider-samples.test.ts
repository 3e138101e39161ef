/**
 * The webhook bodies providers really sent (byte-exact, with their sources), kept OUTSIDE the project
 * in `../shared/reference/provider-samples/` beside the repository (CI puts a copy of shared/ there;
 * in a worktree under /work it is /work/shared). Each is posted, correctly signed, through the real
 * app into the Odoo 13 double, delivered by the real writer, and checked against the outcome its
 * manifest names: the HTTP answer, how many messages and statuses reached Odoo, the message type.
 *
 * The project's own fixtures (test/fixtures/providers) cover each case; this test holds the gateway
 * to what providers actually send. Without the folder it skips, saying where it looked.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import type { Provider } from '../../src/domain/message.js';
import { createOdooClient } from '../../src/odoo/xmlrpc-client.js';
import { createPartnerResolver } from '../../src/services/partner-resolver.js';
import { createWriter } from '../../src/delivery/writer.js';
import { buildTestApp, TEST_SECRETS, type TestApp } from '../helpers/build.js';
import { startOdooDouble, type OdooDouble } from '../odoo-double/index.js';
import { formParams, metaSignature, TWILIO_PATH, TWILIO_URL, twilioSignature } from '../webhooks/support.js';
import { createHistoryRepository } from '../../src/odoo/repositories/history-repository.js';
import { createRepositories } from '../../src/odoo/repositories/index.js';

const SAMPLES = new URL('../../../shared/reference/provider-samples/', import.meta.url);
const SAMPLES_PATH = fileURLToPath(SAMPLES);
const available = existsSync(new URL('manifest.json', SAMPLES));

interface Sample {
  file: string;
  provider: Provider;
  kind: string;
  realness: string;
  content_type: string;
  expected: { http: number; messages: number; statuses: number; what: string; message_type?: string; acceptable_4xx?: boolean };
}

const manifest: { payloads: Sample[] } = available ? (JSON.parse(readFileSync(new URL('manifest.json', SAMPLES), 'utf8')) as { payloads: Sample[] }) : { payloads: [] };

if (!available) {
  console.warn(`provider samples not found at ${SAMPLES_PATH}: the real-traffic test is skipped (put a copy of shared/ beside the repository to run it)`);
}

const silent = pino({ level: 'silent' });

interface Rig {
  double: OdooDouble;
  t: TestApp;
  writer: ReturnType<typeof createWriter>;
}

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.t.close();
  await rig?.double.close();
  rig = undefined;
});

/** A fresh Odoo double, the real app logged in as a Gateway user, and the real writer on the app's spool. */
async function startRig(): Promise<Rig> {
  const double = await startOdooDouble();
  const user = double.addGatewayUser('whatsapp-gateway', 'gateway-password-123');
  const odoo = createOdooClient({ url: double.url, db: double.db, username: user.login, password: user.password, timeoutMs: 5000, logger: silent });
  const t = await buildTestApp({ odoo });
  const writer = createWriter(
    {
      history: createHistoryRepository(odoo),
      spool: t.spool,
      logger: silent,
      resolvePartners: createPartnerResolver(createRepositories(odoo), { defaultCountry: 'ID', missTtlMs: 0 }),
      mediaUrl: (m) => m.url ?? (m.mediaId ? `https://graph.example/${m.mediaId}` : null),
    },
    { batchSize: 200, maxBackoffMs: 1000 },
  );
  return { double, t, writer };
}

/** The ids of the statuses a sample carries: the business's outgoing messages they are about. */
function statusIds(sample: Sample, body: Buffer): string[] {
  if (sample.provider === 'twilio') {
    const params = formParams(body.toString('utf8'));
    return typeof params.MessageStatus === 'string' && typeof params.MessageSid === 'string' ? [params.MessageSid] : [];
  }
  const json = JSON.parse(body.toString('utf8')) as { entry?: { changes?: { value?: { statuses?: { id?: unknown }[] } }[] }[] };
  return (json.entry ?? []).flatMap((e) => (e.changes ?? []).flatMap((c) => (c.value?.statuses ?? []).map((s) => s.id).filter((id): id is string => typeof id === 'string')));
}

function post(t: TestApp, sample: Sample, body: Buffer) {
  if (sample.provider === 'meta') {
    return t.app.inject({ method: 'POST', url: '/api/wa/webhook/meta', headers: { 'content-type': sample.content_type, 'x-hub-signature-256': metaSignature(body) }, payload: body });
  }
  if (sample.provider === 'twilio') {
    const signature = twilioSignature(TWILIO_URL, formParams(body.toString('utf8')));
    return t.app.inject({ method: 'POST', url: TWILIO_PATH, headers: { 'content-type': sample.content_type, 'x-twilio-signature': signature }, payload: body });
  }
  return t.app.inject({ method: 'POST', url: `/api/wa/webhook?secret=${TEST_SECRETS.WEBHOOK_SECRET}`, headers: { 'content-type': sample.content_type }, payload: body });
}

describe.skipIf(!available)(`real provider bodies from ${SAMPLES_PATH}manifest.json`, () => {
  test('the manifest lists samples', () => {
    expect(manifest.payloads.length).toBeGreaterThan(0);
  });

  test.each(manifest.payloads.map((sample) => [sample.file, sample] as const))('%s', async (_file, sample) => {
    rig = await startRig();
    const body = readFileSync(new URL(sample.file, SAMPLES));
    // The business's outgoing messages the statuses are about, as the gateway would have recorded them when sending.
    const outgoing = statusIds(sample, body);
    if (outgoing.length > 0) {
      rig.double.seed(
        'whatsapp.history',
        [...new Set(outgoing)].map((id) => ({
          phone: '+972987654321',
          direction: 'out',
          provider: sample.provider,
          provider_message_id: id,
          state: 'queued',
          message: 'sent by the business',
          timestamp: '2023-10-25 12:00:00',
        })),
      );
    }

    const response = await post(rig.t, sample, body);
    const where = `${sample.file} (${sample.kind}): expected ${sample.expected.what}\n→ ${response.statusCode} ${response.body.slice(0, 400)}`;

    if (sample.expected.acceptable_4xx) {
      // The manifest accepts a 4xx for this one (a documentation template whose sender is a
      // placeholder). The gateway does better: the body is authenticated, so it is acknowledged
      // and kept whole in the quarantine — nothing is stored under a made-up sender.
      expect(response.statusCode, where).toBe(200);
      expect(rig.t.spool.stats().quarantined, where).toBe(1);
    } else {
      expect(response.statusCode, where).toBe(sample.expected.http);
      expect(rig.t.spool.stats().quarantined, `${where}\nnothing of a body the manifest calls understood may be quarantined`).toBe(0);
    }

    const pass = await rig.writer.runOnce();
    expect(pass.retryAfterError, where).toBeUndefined();
    expect(rig.t.spool.stats(), where).toMatchObject({ pending: 0, deadLetters: 0 });

    const history = rig.double.records('whatsapp.history');
    const incoming = history.filter((r) => r.direction === 'in');
    expect(incoming.length, where).toBe(sample.expected.messages);
    if (sample.expected.message_type !== undefined) {
      expect(incoming.map((r) => r.message_type), where).toEqual(Array(sample.expected.messages).fill(sample.expected.message_type));
    }
    // Every stored message says something: a text, a rendering, media, or the reason it was not understood.
    for (const record of incoming) {
      expect(Boolean(record.message) || Boolean(record.media_url) || Boolean(record.error_message), `${where}\nan empty record: ${JSON.stringify(record)}`).toBe(true);
    }
    const moved = history.filter((r) => r.direction === 'out' && r.state !== 'queued');
    expect(moved.length, `${where}\nstatuses applied`).toBe(sample.expected.statuses);
  });
});
