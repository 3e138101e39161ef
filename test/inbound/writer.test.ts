import { afterEach, describe, expect, test } from 'vitest';
import type { MessageEvent } from '../../src/domain/message.js';
import { OdooError } from '../../src/odoo/errors.js';
import { createOdooClient } from '../../src/odoo/xmlrpc-client.js';
import type { OdooClient } from '../../src/odoo/types.js';
import { createMediaWorker, PermanentMediaError } from '../../src/delivery/media.js';
import { buildTestApp } from '../helpers/build.js';
import { startBodyLimitProxy, type BodyLimitProxy } from './body-limit-proxy.js';
import { fixture, inbound, mediaWorkerFor, silent, startRig, status, type Rig } from './support.js';
import { createHistoryRepository } from '../../src/odoo/repositories/history-repository.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const creates = (r: Rig) => r.double.log.filter((e) => e.modelMethod === 'create' && e.model === 'whatsapp.history').length;

describe('webhook → spool → writer → Odoo', () => {
  test('a Fonnte webhook becomes one whatsapp.history record, linked to the partner whose mobile is the same number', async () => {
    rig = await startRig();
    const [partnerId] = rig.double.seed('res.partner', [{ name: 'Budi Santoso', mobile: '0812-9999-0000' }, { name: 'Other', phone: '+62 811 000 111' }]);
    const test = await buildTestApp({ odoo: rig.odoo });
    try {
      const response = await test.app.inject({
        method: 'POST',
        url: `/api/wa/webhook?secret=${test.config.WEBHOOK_SECRET}`,
        payload: fixture('fonnte', 'message-text') as object,
      });
      expect(response.statusCode).toBe(200);
      const writer = rig.writer;
      // the app under test has its own spool: move what it accepted into the rig's writer
      rig.spool.enqueue(test.spool.takeDue('message', 10).map((e) => e.event));
      const pass = await writer.runOnce();
      expect(pass).toMatchObject({ delivered: 1, duplicates: 0, deadLettered: 0 });
    } finally {
      await test.close();
    }
    const [record] = rig.history();
    expect(record).toMatchObject({
      phone: '+6281299990000',
      contact_name: 'Budi',
      partner_id: partnerId,
      direction: 'in',
      state: 'received',
      provider: 'fonnte',
      provider_message_id: '4412',
      message: 'Halo, pesanan saya sudah dikirim?',
      message_type: 'text',
      device: '+6285700000001',
      timestamp: '2025-12-29 09:20:00',
    });
    expect(JSON.parse(String(record!.raw_payload))).toMatchObject({ inboxid: 4412 });
    expect(rig.spool.stats().pending).toBe(0);
  });

  test('many messages go in one create call per batch', async () => {
    rig = await startRig({ batchSize: 50 });
    rig.spool.enqueue(Array.from({ length: 120 }, (_, i) => inbound(`m${i}`)));
    while ((await rig.writer.runOnce()).worked);
    expect(rig.history()).toHaveLength(120);
    expect(creates(rig)).toBe(3);
  });

  test('a partner created after the first message is linked to the next one', async () => {
    rig = await startRig();
    rig.spool.enqueue([inbound('first')]);
    await rig.writer.runOnce();
    const [partnerId] = rig.double.seed('res.partner', [{ name: 'Budi', phone: '6281299990000' }]);
    rig.spool.enqueue([inbound('second')]);
    await rig.writer.runOnce();
    expect(rig.history().map((r) => [r.provider_message_id, r.partner_id])).toEqual(
      expect.arrayContaining([
        ['first', null],
        ['second', partnerId],
      ]),
    );
  });

  test('group chats are stored under the group id and never linked to a partner', async () => {
    rig = await startRig();
    rig.double.seed('res.partner', [{ name: 'x', phone: '120363025246125486' }]);
    rig.spool.enqueue([inbound('g1', { phone: '120363025246125486@g.us' })]);
    await rig.writer.runOnce();
    expect(rig.history()[0]).toMatchObject({ phone: '120363025246125486@g.us', partner_id: null });
  });
});

describe('exactly once', () => {
  test('a message Odoo already has (crash after Odoo committed, before the spool did) is not created again', async () => {
    rig = await startRig();
    rig.spool.enqueue([inbound('a'), inbound('b')]);
    // Simulate the crash: Odoo got 'a' in an earlier run, the spool never heard back.
    rig.double.seed('whatsapp.history', [{ phone: '+6281299990000', direction: 'in', provider: 'fonnte', provider_message_id: 'a', timestamp: '2026-01-29 09:20:00' }]);
    const pass = await rig.writer.runOnce();
    expect(pass).toMatchObject({ delivered: 1, duplicates: 1 });
    expect(rig.history().map((r) => r.provider_message_id).sort()).toEqual(['a', 'b']);
    expect(rig.spool.stats().pending).toBe(0);
  });

  test('a provider re-delivering a message days later does not duplicate it', async () => {
    rig = await startRig();
    rig.spool.enqueue([inbound('wamid.1', { provider: 'meta' })]);
    await rig.writer.runOnce();
    rig.spool.enqueue([inbound('wamid.1', { provider: 'meta' })]);
    const pass = await rig.writer.runOnce();
    expect(pass).toMatchObject({ delivered: 0, duplicates: 1 });
    expect(rig.history()).toHaveLength(1);
  });

  test('a duplicate that slips past the pre-check (a race) does not sink its batch: the batch is split around it', async () => {
    let hideExisting = true;
    rig = await startRig({
      odoo: (real): OdooClient => ({
        ...real,
        // The first pre-check sees nothing, as if the other writer committed just after it.
        searchRead: async (model, domain, options) => {
          if (model === 'whatsapp.history' && hideExisting) {
            hideExisting = false;
            return [];
          }
          return real.searchRead(model, domain, options);
        },
      }),
    });
    rig.double.seed('whatsapp.history', [{ phone: '+6281299990000', direction: 'in', provider: 'fonnte', provider_message_id: 'm3', timestamp: '2026-01-29 09:20:00' }]);
    rig.spool.enqueue(Array.from({ length: 8 }, (_, i) => inbound(`m${i}`)));
    const pass = await rig.writer.runOnce();
    expect(pass).toMatchObject({ delivered: 7, duplicates: 1, deadLettered: 0 });
    expect(rig.history()).toHaveLength(8);
    expect(rig.spool.stats()).toMatchObject({ pending: 0, deadLetters: 0 });
  });

  test('the same provider id from two providers is two messages', async () => {
    rig = await startRig();
    rig.spool.enqueue([inbound('42', { provider: 'fonnte' }), inbound('42', { provider: 'twilio' })]);
    await rig.writer.runOnce();
    expect(rig.history()).toHaveLength(2);
  });
});

describe('Odoo down, slow, or refusing', () => {
  test('while Odoo is down nothing is lost; the writer pauses with a growing backoff; everything arrives once Odoo is back', async () => {
    rig = await startRig({ baseBackoffMs: 1000 });
    await rig.double.stop();
    rig.spool.enqueue([inbound('a'), inbound('b')]);
    const first = await rig.writer.runOnce();
    expect(first.retryAfterError).toBeInstanceOf(OdooError);
    expect(rig.spool.stats().pending).toBe(2);
    const firstPause = rig.writer.pausedUntil() - rig.clock.now;
    expect(firstPause).toBeGreaterThan(0);

    // During the pause Odoo is left alone, however many events arrive.
    rig.spool.enqueue([inbound('c')]);
    const callsBefore = rig.double.log.length;
    expect((await rig.writer.runOnce()).worked).toBe(false);
    expect(rig.double.log.length).toBe(callsBefore);

    // Regression: idle passes used to reset the failure count, so the delay never grew.
    rig.clock.now = rig.writer.pausedUntil();
    await rig.writer.runOnce();
    expect(rig.writer.consecutiveFailures()).toBe(2);
    expect(rig.writer.pausedUntil() - rig.clock.now).toBeGreaterThan(firstPause);

    await rig.double.restart();
    rig.clock.now = rig.writer.pausedUntil();
    const pass = await rig.writer.runOnce();
    expect(pass.delivered).toBe(3);
    expect(rig.writer.consecutiveFailures()).toBe(0);
    expect(rig.history()).toHaveLength(3);
    // An outage never counts against the events themselves.
    expect(rig.spool.stats().deadLetters).toBe(0);
  });

  test('a long pause ends as soon as a cheap probe finds Odoo back, not when the backoff runs out', async () => {
    rig = await startRig({ baseBackoffMs: 60_000, maxBackoffMs: 60_000, probeEveryMs: 2000 });
    await rig.double.stop();
    rig.spool.enqueue([inbound('a')]);
    await rig.writer.runOnce();
    expect(rig.writer.pausedUntil() - rig.clock.now).toBeGreaterThan(10_000);
    await rig.double.restart();
    rig.clock.now += 1000;
    expect((await rig.writer.runOnce()).delivered).toBe(0); // too soon to probe again
    rig.clock.now += 1500;
    expect((await rig.writer.runOnce()).delivered).toBe(1); // probe answered: the pass runs
    expect(rig.writer.consecutiveFailures()).toBe(0);
  });

  test('a probe that fails keeps the pause', async () => {
    rig = await startRig({ baseBackoffMs: 60_000, maxBackoffMs: 60_000, probeEveryMs: 2000 });
    await rig.double.stop();
    rig.spool.enqueue([inbound('a')]);
    await rig.writer.runOnce();
    const until = rig.writer.pausedUntil();
    rig.clock.now += 2500;
    await rig.writer.runOnce();
    expect(rig.writer.pausedUntil()).toBe(until);
    expect(rig.spool.stats().pending).toBe(1);
  });

  test('an outage does not use up a poison event’s tries (regression: each failed pass counted as an attempt)', async () => {
    rig = await startRig({ maxAttempts: 3, baseBackoffMs: 10 });
    await rig.double.stop();
    rig.spool.enqueue([inbound('poison', { messageType: 'hologram' as MessageEvent['messageType'] })]);
    for (let i = 0; i < 5; i++) {
      await rig.writer.runOnce();
      rig.clock.now = rig.writer.pausedUntil() + 1;
    }
    await rig.double.restart();
    const pass = await rig.writer.runOnce();
    expect(pass.deadLettered).toBe(0); // first real rejection: retried, not dead-lettered
    expect(rig.spool.stats()).toMatchObject({ pending: 1, deadLetters: 0 });
  });

  test('a transport error that looks "internal" (a proxy answering 500 or HTML) is an outage, never a dead letter', async () => {
    rig = await startRig({ maxAttempts: 1 });
    rig.spool.enqueue([inbound('x1'), inbound('x2')]);
    rig.double.inject('html200', 20);
    const pass = await rig.writer.runOnce();
    expect(pass.retryAfterError).toBeDefined();
    expect(rig.spool.stats()).toMatchObject({ pending: 2, deadLetters: 0 });
  });

  describe('a proxy in front of Odoo with a body limit (HTTP 413)', () => {
    let proxy: BodyLimitProxy | undefined;
    afterEach(async () => {
      await proxy?.close();
      proxy = undefined;
    });

    /** The rig's writer, talking to Odoo through a proxy that refuses bodies over `limitBytes`. */
    async function rigBehindProxy(limitBytes: number, options: Parameters<typeof startRig>[0] = {}): Promise<Rig> {
      const started = await startBodyLimitProxy(limitBytes);
      proxy = started;
      return startRig({
        batchSize: 50,
        ...options,
        odoo: () => createOdooClient({ url: started.url, db: 'odoo13', username: 'whatsapp-gateway', password: 'gateway-password-123', timeoutMs: 2000 }),
      }).then((r) => {
        started.target = r.double.url;
        return r;
      });
    }

    // Regression: the writer took the 413 for an outage and retried the same batch for ever (0 delivered).
    test('a batch refused as too large is split until it goes through; everything is delivered and smaller batches are kept', async () => {
      rig = await rigBehindProxy(64 * 1024);
      // ~4 KB each: a batch of 50 is ~200 KB (refused), 12 fit.
      rig.spool.enqueue(Array.from({ length: 120 }, (_, i) => inbound(`big${i}`, { text: `${i} ${'x'.repeat(4000)}` })));
      for (let i = 0; i < 30 && rig.spool.stats().pending > 0; i++) await rig.writer.runOnce();
      expect(rig.history()).toHaveLength(120);
      expect(rig.spool.stats()).toMatchObject({ pending: 0, deadLetters: 0 });
      expect(rig.writer.batchLimit()).toBeLessThan(50);
      // Later passes start at the learned size: no more refusals for the same traffic.
      const refusedSoFar = proxy!.refused;
      rig.spool.enqueue(Array.from({ length: 30 }, (_, i) => inbound(`more${i}`, { text: 'y'.repeat(4000) })));
      while ((await rig.writer.runOnce()).worked);
      expect(proxy!.refused).toBe(refusedSoFar);
      expect(rig.history()).toHaveLength(150);
    });

    test('the learned size grows back after a while (the proxy limit may have been raised)', async () => {
      rig = await rigBehindProxy(64 * 1024, { batchRegrowMs: 60_000 });
      rig.spool.enqueue(Array.from({ length: 50 }, (_, i) => inbound(`g${i}`, { text: 'x'.repeat(4000) })));
      await rig.writer.runOnce();
      const learned = rig.writer.batchLimit();
      expect(learned).toBeLessThan(50);
      proxy!.limitBytes = 10 * 1024 * 1024;
      rig.clock.now += 60_000;
      rig.spool.enqueue(Array.from({ length: 50 }, (_, i) => inbound(`h${i}`)));
      while ((await rig.writer.runOnce()).worked);
      expect(rig.writer.batchLimit()).toBe(Math.min(50, learned * 2));
    });

    test('a single message still refused goes to the dead letters with the reason; the others are delivered', async () => {
      rig = await rigBehindProxy(64 * 1024);
      rig.spool.enqueue([inbound('small1'), inbound('huge', { text: 'z'.repeat(100 * 1024) }), inbound('small2')]);
      for (let i = 0; i < 5 && rig.spool.stats().pending > 0; i++) await rig.writer.runOnce();
      expect(rig.history().map((r) => r.provider_message_id).sort()).toEqual(['small1', 'small2']);
      const [dead] = rig.spool.deadLetters();
      expect(dead?.event).toMatchObject({ providerMessageId: 'huge' });
      expect(dead?.error).toMatch(/too_large: .*HTTP 413.*client_max_body_size/);
    });
  });

  test('a partner deleted after it was cached: the message is stored unlinked, not dead-lettered', async () => {
    rig = await startRig();
    const [partnerId] = rig.double.seed('res.partner', [{ name: 'Budi', mobile: '0812-9999-0000' }]);
    rig.spool.enqueue([inbound('before')]);
    await rig.writer.runOnce();
    expect(rig.history()[0]).toMatchObject({ partner_id: partnerId });
    const admin = createOdooClient({ url: rig.double.url, db: rig.double.db, username: 'admin', password: 'admin', timeoutMs: 2000 });
    await admin.call('res.partner', 'unlink', [[partnerId]]); // e.g. merged into another contact
    rig.spool.enqueue([inbound('after')]);
    const pass = await rig.writer.runOnce();
    expect(pass).toMatchObject({ delivered: 1, deadLettered: 0 });
    expect(rig.history().find((r) => r.provider_message_id === 'after')).toMatchObject({ partner_id: null });
  });

  test('the writer loop survives a failing spool and delivers once the disk is back', async () => {
    let failures = 1;
    rig = await startRig({ idleMs: 5, now: Date.now });
    const realTakeDue = rig.spool.takeDue.bind(rig.spool);
    rig.spool.takeDue = (...args) => {
      if (failures-- > 0) throw new Error('SQLITE_BUSY: database is locked');
      return realTakeDue(...args);
    };
    rig.spool.enqueue([inbound('after-busy')]);
    rig.writer.start();
    const deadline = Date.now() + 3000;
    while (rig.history().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await rig.writer.stop();
    expect(rig.history().map((r) => r.provider_message_id)).toEqual(['after-busy']);
  });

  test('a poison event goes to the dead-letter table after a few tries; the rest of its batch is stored at once', async () => {
    rig = await startRig({ maxAttempts: 3 });
    // Odoo 13 answers an unknown selection value with a ValueError (fault 1, an "internal" error):
    // possibly transient, so it is retried a few times before it is declared poison.
    const poison = inbound('poison', { messageType: 'hologram' as MessageEvent['messageType'] });
    rig.spool.enqueue([inbound('ok1'), poison, inbound('ok2')]);
    const first = await rig.writer.runOnce();
    expect(first).toMatchObject({ delivered: 2, deadLettered: 0 });
    expect(rig.history().map((r) => r.provider_message_id).sort()).toEqual(['ok1', 'ok2']);
    let deadLettered = 0;
    for (let pass = 0; pass < 5 && deadLettered === 0; pass++) {
      rig.clock.now += 120_000;
      deadLettered = (await rig.writer.runOnce()).deadLettered;
    }
    expect(deadLettered).toBe(1);
    const [dead] = rig.spool.deadLetters();
    expect(dead).toMatchObject({ attempts: 3 });
    expect(dead!.error).toMatch(/hologram/);
    expect((dead!.event as MessageEvent).providerMessageId).toBe('poison');
    expect(rig.spool.stats().pending).toBe(0);
    expect(rig.history()).toHaveLength(2);
  });

  test('an access error (integration user lost its group) is retried, never dead-lettered', async () => {
    rig = await startRig({
      odoo: (real): OdooClient => ({
        ...real,
        createMany: async () => {
          throw new OdooError('access', 'Sorry, you are not allowed to create documents of type WhatsApp Message');
        },
      }),
    });
    rig.spool.enqueue([inbound('a')]);
    const pass = await rig.writer.runOnce();
    expect(pass.retryAfterError).toBeDefined();
    expect(rig.spool.stats()).toMatchObject({ pending: 1, deadLetters: 0 });
  });
});

describe('statuses', () => {
  const outgoing = (r: Rig, id: string, state = 'sent') =>
    r.double.seed('whatsapp.history', [{ phone: '+6281299990000', direction: 'out', state, provider: 'fonnte', provider_message_id: id, timestamp: '2026-01-29 09:00:00' }])[0]!;
  const stateOf = (r: Rig, id: number) => r.history().find((row) => row.id === id)?.state;

  test('out of order: read then delivered ends as read', async () => {
    rig = await startRig();
    const id = outgoing(rig, 'out-1');
    rig.spool.enqueue([status('out-1', 'read')]);
    await rig.writer.runOnce();
    rig.spool.enqueue([status('out-1', 'delivered')]);
    await rig.writer.runOnce();
    expect(stateOf(rig, id)).toBe('read');
  });

  test('failed carries the provider error; a late "sent" does not undo it', async () => {
    rig = await startRig();
    const id = outgoing(rig, 'out-2', 'queued');
    rig.spool.enqueue([status('out-2', 'failed', { error: '131047: Re-engagement message' })]);
    await rig.writer.runOnce();
    rig.spool.enqueue([status('out-2', 'sent')]);
    await rig.writer.runOnce();
    expect(rig.history().find((r) => r.id === id)).toMatchObject({ state: 'failed', error_message: '131047: Re-engagement message' });
  });

  test('a status that arrives before its message is kept and applied when the message appears', async () => {
    rig = await startRig();
    rig.spool.enqueue([status('early', 'delivered')]);
    await rig.writer.runOnce();
    expect(rig.spool.stats()).toMatchObject({ pending: 1, parked: 1 });
    const id = outgoing(rig, 'early');
    rig.spool.wake('fonnte', 'early');
    await rig.writer.runOnce();
    expect(stateOf(rig, id)).toBe('delivered');
    expect(rig.spool.stats().pending).toBe(0);
  });

  test("Fonnte's stateid-only receipts reach the message through the id↔stateid link of the first call", async () => {
    rig = await startRig();
    const id = outgoing(rig, '80367170');
    rig.spool.enqueue([status('80367170', 'sent', { aliasId: '3EB0A1B2C3D4' }), status(null, 'read', { aliasId: '3EB0A1B2C3D4' })]);
    await rig.writer.runOnce();
    await rig.writer.runOnce();
    expect(stateOf(rig, id)).toBe('read');
  });

  test('statuses never change an incoming message', async () => {
    rig = await startRig();
    rig.spool.enqueue([inbound('in-1')]);
    await rig.writer.runOnce();
    rig.spool.enqueue([status('in-1', 'read')]);
    await rig.writer.runOnce();
    expect(rig.history()[0]).toMatchObject({ state: 'received' });
  });
});

describe('media', () => {
  test('downloaded media becomes an ir.attachment linked to the message', async () => {
    rig = await startRig();
    const media = mediaWorkerFor(rig, async () => ({ data: Buffer.from('JPEGDATA'), mimetype: 'image/jpeg', filename: 'bukti.jpg' }));
    rig.spool.enqueue([inbound('img', { messageType: 'image', media: { url: 'https://files.example/bukti.jpg' } })]);
    await media.runOnce(); // downloads at once, before the message is even in Odoo
    await rig.writer.runOnce();
    await media.runOnce();
    const [record] = rig.history();
    const [attachment] = rig.double.records('ir.attachment');
    expect(record).toMatchObject({ attachment_id: attachment!.id, media_url: 'https://files.example/bukti.jpg', media_mimetype: 'image/jpeg' });
    expect(attachment).toMatchObject({ res_model: 'whatsapp.history', res_id: record!.id, mimetype: 'image/jpeg', name: 'bukti.jpg' });
    expect(rig.spool.stats().mediaPending).toBe(0);
  });

  test('a failed download keeps the message, with its media_url and the error', async () => {
    rig = await startRig();
    const media = mediaWorkerFor(rig, async () => {
      throw new PermanentMediaError('HTTP 404 from the media server');
    });
    rig.spool.enqueue([inbound('gone', { messageType: 'image', media: { url: 'https://files.example/expired.jpg' } })]);
    await media.runOnce();
    await rig.writer.runOnce();
    await media.runOnce();
    expect(rig.history()[0]).toMatchObject({
      media_url: 'https://files.example/expired.jpg',
      attachment_id: null,
      error_message: 'Media could not be downloaded: HTTP 404 from the media server',
    });
  });

  test('media of a message deleted in Odoo meanwhile is dropped, not retried forever (Odoo answers "access")', async () => {
    rig = await startRig();
    const media = mediaWorkerFor(rig, async () => ({ data: Buffer.from('x'), mimetype: 'image/png', filename: 'a.png' }));
    rig.spool.enqueue([inbound('deleted', { messageType: 'image', media: { url: 'https://files.example/a.png' } })]);
    await media.runOnce();
    await rig.writer.runOnce();
    const admin = createOdooClient({ url: rig.double.url, db: rig.double.db, username: 'admin', password: 'admin', timeoutMs: 2000 });
    await admin.call('whatsapp.history', 'unlink', [[rig.history()[0]!.id as number]]);
    expect(rig.history()).toHaveLength(0);
    await media.runOnce();
    expect(rig.spool.stats().mediaPending).toBe(0);
    expect(rig.double.records('ir.attachment')).toHaveLength(0);
  });

  test('a provider re-delivering a stored message with media adds no second attachment and no error', async () => {
    rig = await startRig();
    let downloads = 0;
    const media = mediaWorkerFor(rig, async () => {
      downloads++;
      if (downloads > 1) throw new PermanentMediaError('HTTP 410 from the media server'); // the link expired meanwhile
      return { data: Buffer.from('JPEG'), mimetype: 'image/jpeg', filename: 'a.jpg' };
    });
    const event = inbound('img-1', { messageType: 'image', media: { url: 'https://files.example/a.jpg' } });
    rig.spool.enqueue([event]);
    await media.runOnce();
    await rig.writer.runOnce();
    await media.runOnce();
    rig.spool.enqueue([event]); // Fonnte retries the same webhook later
    await media.runOnce();
    await rig.writer.runOnce();
    await media.runOnce();
    expect(rig.double.records('ir.attachment')).toHaveLength(1);
    expect(rig.history()[0]).toMatchObject({ error_message: null });
    expect(rig.spool.stats().mediaPending).toBe(0);
  });
});

describe('media: idempotent attachment, and a cap on what the spool holds', () => {
  test('an answer lost after Odoo stored the attachment (a timeout) makes no second attachment on the retry', async () => {
    let answersLost = 0;
    rig = await startRig({
      // Odoo does the work, then the answer is lost: the first call that adds an attachment "times out".
      odoo: (real) =>
        new Proxy(real, {
          get(target, property, receiver) {
            const value: unknown = Reflect.get(target, property, receiver);
            if (typeof value !== 'function') return value;
            return async (...args: unknown[]) => {
              const before = rig?.double.records('ir.attachment').length ?? 0;
              const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
              if (answersLost === 0 && (rig?.double.records('ir.attachment').length ?? 0) > before) {
                answersLost++;
                throw new OdooError('timeout', 'Odoo did not answer within 2000 ms');
              }
              return result;
            };
          },
        }),
    });
    const media = mediaWorkerFor(rig, async () => ({ data: Buffer.from('JPEGDATA'), mimetype: 'image/jpeg', filename: 'bukti.jpg' }));
    rig.spool.enqueue([inbound('img', { messageType: 'image', media: { url: 'https://files.example/bukti.jpg' } })]);
    await media.runOnce();
    await rig.writer.runOnce();
    await media.runOnce(); // stored in Odoo, answer lost: rescheduled
    expect(answersLost).toBe(1);
    expect(rig.spool.stats().mediaPending).toBe(1);
    rig.clock.now += 120_000;
    await media.runOnce(); // the retry
    const attachments = rig.double.records('ir.attachment');
    expect(attachments).toHaveLength(1);
    expect(rig.history()[0]).toMatchObject({ attachment_id: attachments[0]!.id, media_mimetype: 'image/jpeg', media_filename: 'bukti.jpg' });
    expect(rig.spool.stats().mediaPending).toBe(0);
  });

  test('past MEDIA_SPOOL_MAX_BYTES (Odoo down) media is not downloaded; the message keeps media_url and says why', async () => {
    rig = await startRig();
    const downloaded: string[] = [];
    const media = mediaWorkerFor(
      rig,
      async (url) => {
        downloaded.push(url);
        return { data: Buffer.alloc(600), mimetype: 'image/jpeg', filename: 'a.jpg' };
      },
      { spoolMaxBytes: 1000 },
    );
    rig.spool.enqueue([inbound('first', { messageType: 'image', media: { url: 'https://files.example/first.jpg' } })]);
    await media.runOnce();
    expect(rig.spool.stats()).toMatchObject({ mediaPending: 1, mediaBytes: 600 });
    // 600 + 600 would pass the cap: downloaded, then dropped
    rig.spool.enqueue([inbound('second', { messageType: 'image', media: { url: 'https://files.example/second.jpg' } })]);
    await media.runOnce();
    expect(rig.spool.stats()).toMatchObject({ mediaPending: 2, mediaBytes: 600 });
    const full = createMediaWorker(
      { spool: rig.spool, history: createHistoryRepository(rig.odoo), logger: silent, download: async () => ({ data: Buffer.alloc(1), mimetype: null, filename: null }) },
      { spoolMaxBytes: 600 },
    );
    rig.spool.enqueue([inbound('third', { messageType: 'image', media: { url: 'https://files.example/third.jpg' } })]);
    await full.runOnce(); // the spool is full: not even downloaded
    expect(downloaded).toEqual(['https://files.example/first.jpg', 'https://files.example/second.jpg']);

    await rig.writer.runOnce();
    await media.runOnce();
    const byId = Object.fromEntries(rig.history().map((r) => [r.provider_message_id, r]));
    expect(byId.first).toMatchObject({ attachment_id: expect.any(Number), error_message: null });
    expect(byId.second).toMatchObject({
      attachment_id: null,
      media_url: 'https://files.example/second.jpg',
      error_message: 'Media could not be downloaded: not downloaded: the spool already holds 600 bytes of media waiting for Odoo (MEDIA_SPOOL_MAX_BYTES 1000)',
    });
    expect(byId.third).toMatchObject({
      attachment_id: null,
      error_message: 'Media could not be downloaded: not downloaded: the spool already holds 600 bytes of media waiting for Odoo (MEDIA_SPOOL_MAX_BYTES 600)',
    });
    expect(rig.spool.stats()).toMatchObject({ mediaPending: 0, mediaBytes: 0 });
  });
});

describe('parked receipts', () => {
  test('a stateid-only receipt parked before the first status call is applied as soon as the link is learned', async () => {
    rig = await startRig();
    const [id] = rig.double.seed('whatsapp.history', [{ phone: '+6281299990000', direction: 'out', state: 'sent', provider: 'fonnte', provider_message_id: '555', timestamp: '2026-01-29 09:00:00' }]);
    rig.spool.enqueue([status(null, 'read', { aliasId: 'ST-9' })]);
    await rig.writer.runOnce(); // parked: nothing links ST-9 to a message yet
    expect(rig.spool.stats().parked).toBe(1);
    rig.spool.enqueue([status('555', 'delivered', { aliasId: 'ST-9' })]);
    await rig.writer.runOnce(); // learns ST-9 → 555 and wakes the parked receipt
    await rig.writer.runOnce();
    expect(rig.history().find((r) => r.id === id)).toMatchObject({ state: 'read' });
  });
});

describe('batching under load', () => {
  test('webhooks arriving together share one create: a kick lingers instead of starting a pass per event', async () => {
    rig = await startRig({ batchSize: 200, idleMs: 10_000, lingerMs: 30, now: Date.now });
    rig.writer.start();
    await new Promise((r) => setTimeout(r, 20)); // the loop's first (empty) pass is done; it sleeps
    for (let i = 0; i < 40; i++) {
      rig.spool.enqueue([inbound(`burst-${i}`)]);
      rig.writer.kick();
    }
    const deadline = Date.now() + 3000;
    while (rig.history().length < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await rig.writer.stop();
    expect(rig.history()).toHaveLength(40);
    expect(creates(rig)).toBe(1);
  });
});

describe('kicks while a pass is running', () => {
  // Regression: a kick whose linger ended during a pass found no sleeper to wake, and its events waited
  // for the idle poll (250 ms by default) although they had arrived.
  test('events kicked during a slow pass are delivered right after it, not after the idle wait', async () => {
    let slowCreates = true;
    rig = await startRig({
      idleMs: 30_000,
      lingerMs: 10,
      now: Date.now,
      odoo: (real) => ({
        ...real,
        async createMany(model, values) {
          if (slowCreates) await new Promise((r) => setTimeout(r, 300));
          return real.createMany(model, values);
        },
      }),
    });
    rig.writer.start();
    await new Promise((r) => setTimeout(r, 20)); // the first (empty) pass is done; the loop sleeps
    rig.spool.enqueue([inbound('first')]);
    rig.writer.kick();
    await new Promise((r) => setTimeout(r, 100)); // 'first' is being created (300 ms)
    rig.spool.enqueue([inbound('second')]);
    rig.writer.kick(); // its linger ends while the pass still runs
    slowCreates = false;
    const started = Date.now();
    while (!rig.history().some((r) => r.provider_message_id === 'second') && Date.now() - started < 5000) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await rig.writer.stop();
    expect(rig.history().map((r) => r.provider_message_id)).toEqual(['first', 'second']);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
