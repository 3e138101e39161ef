import type { LookupAddress } from 'node:dns';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { inboundMessage } from '../../test/helpers/events.js';
import { openSqliteSpool } from '../spool/sqlite-spool.js';
import type { Provider } from '../domain/message.js';
import { createMediaDownloader, createMediaWorker, MediaRefusedError, PermanentMediaError, TransientMediaError, type MediaDownloaderOptions } from './media.js';
import { loadConfig } from '../config.js';
import { mediaAccessByProvider } from '../providers/registry.js';
import { hostMatches, isPublicUnicastAddress, parseHostList, type FetchPolicy } from '../lib/media-fetch.js';

/**
 * One loopback server plays every host: the provider's media host, its CDN, Meta's Graph API — told
 * apart by the Host header. Names resolve through an injected DNS, so no test ever asks a real
 * resolver or connects anywhere but 127.0.0.1.
 */
let server: Server;
let port = 0;
const seen: { host: string; url: string; authorization: string | undefined }[] = [];
/** Open trickling responses, ended in afterAll. */
const trickles = new Set<ServerResponse>();

const at = (host: string, path: string) => `http://${host}:${port}${path}`;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const url = req.url ?? '';
    seen.push({ host, url, authorization: req.headers.authorization });
    if (url === '/files/photo.jpg') return res.writeHead(200, { 'content-type': 'image/jpeg; charset=binary' }).end('JPEGBYTES');
    if (url === '/files/big.bin') return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.alloc(2048));
    if (url === '/files/chunked.bin') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(800));
      res.write(Buffer.alloc(800));
      return res.end();
    }
    if (url === '/files/gone.jpg') return res.writeHead(404).end();
    if (url === '/files/busy.jpg') return res.writeHead(503).end();
    if (url === '/files/redirect.jpg') return res.writeHead(302, { location: '/files/photo.jpg' }).end();
    if (url.startsWith('/redirect-to/')) return res.writeHead(302, { location: decodeURIComponent(url.slice('/redirect-to/'.length)) }).end();
    if (url === '/files/loop.jpg') return res.writeHead(302, { location: '/files/loop.jpg' }).end();
    if (url === '/files/slow.jpg') return; // never answers
    if (url === '/files/trickle.bin') {
      // A byte every 50 ms, for ever: every idle timer is reset, only a total deadline ends it.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      trickles.add(res);
      const timer = setInterval(() => res.write('x'), 50);
      res.on('close', () => {
        clearInterval(timer);
        trickles.delete(res);
      });
      return;
    }
    if (url === '/graph/MEDIA123') {
      if (req.headers.authorization !== 'Bearer meta-token') return res.writeHead(401).end();
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: at('lookaside.meta.test', '/cdn/MEDIA123.ogg'), mime_type: 'audio/ogg' }));
    }
    if (url === '/graph/ELSEWHERE') {
      // A Graph answer pointing off Meta's media hosts: the token must not follow it.
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: at('collector.example.test', '/steal') }));
    }
    if (url === '/graph/REDIRECTING') {
      const onward = at('lookaside2.meta.test', '/cdn/MEDIA123.ogg');
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: at('lookaside.meta.test', `/redirect-to/${encodeURIComponent(onward)}`) }));
    }
    if (url === '/cdn/MEDIA123.ogg') return res.writeHead(200, { 'content-type': 'audio/ogg' }).end('OGG');
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  for (const res of trickles) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** DNS for the tests: every name a test uses, and what it "resolves" to. */
const dns: Record<string, string[]> = {
  'media.fonnte.test': ['127.0.0.1'],
  'graph.meta.test': ['127.0.0.1'],
  'lookaside.meta.test': ['127.0.0.1'],
  'collector.example.test': ['127.0.0.1'],
  'api.twilio.test': ['127.0.0.1'],
  'cdn.twilio.test': ['127.0.0.1'],
};
const resolved: string[] = [];
beforeEach(() => {
  seen.length = 0;
  resolved.length = 0;
});

function resolverWith(answers: Record<string, string[]>) {
  return async (hostname: string): Promise<LookupAddress[]> => {
    resolved.push(hostname);
    const addresses = answers[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

/** The test's media server is on loopback: allowed here, and only here; every other address goes through the real check. */
const testPolicy: FetchPolicy = {
  allowPlainHttp: true,
  resolve: resolverWith(dns),
  isAddressAllowed: (address) => address === '127.0.0.1' || isPublicUnicastAddress(address),
};

const hosts: Record<Provider, string[]> = {
  fonnte: ['media.fonnte.test'],
  meta: ['lookaside.meta.test'],
  twilio: ['api.twilio.test', 'cdn.twilio.test'],
};

const REQUIRED = { ODOO_URL: 'http://localhost:8069', ODOO_DB: 'odoo', ODOO_USERNAME: 'gateway', ODOO_PASSWORD: 's3cret-pass' };

/** Each provider's media hosts and credentials as its adapter builds them from the settings (these host lists, the test's Graph API, Twilio's account when given). */
const mediaAccess = (lists: Record<Provider, string[]> = hosts, settings: Record<string, string> = {}) =>
  mediaAccessByProvider(
    loadConfig(
      {
        ...REQUIRED,
        MEDIA_HOSTS_FONNTE: lists.fonnte.join(','),
        MEDIA_HOSTS_META: lists.meta.join(','),
        MEDIA_HOSTS_TWILIO: lists.twilio.join(','),
        META_GRAPH_URL: `http://graph.meta.test:${port}/graph`,
        META_ACCESS_TOKEN: 'meta-token',
        ...settings,
      },
      {},
    ),
  );

const download = (overrides: Partial<MediaDownloaderOptions> = {}) =>
  createMediaDownloader({
    maxBytes: 1024,
    timeoutMs: 300,
    mediaAccess: mediaAccess(),
    policy: testPolicy,
    ...overrides,
  });

const fonnte = { provider: 'fonnte' } as const;

describe('media downloader', () => {
  test('a provider URL: bytes, the content type, the file name from the URL', async () => {
    expect(await download()({ url: at('media.fonnte.test', '/files/photo.jpg') }, fonnte)).toEqual({
      data: Buffer.from('JPEGBYTES'),
      mimetype: 'image/jpeg',
      filename: 'photo.jpg',
    });
  });

  test('the provider’s own mimetype and file name win', async () => {
    const file = await download()({ url: at('media.fonnte.test', '/files/photo.jpg'), mimetype: 'image/png', filename: 'bukti.png' }, fonnte);
    expect(file).toMatchObject({ mimetype: 'image/png', filename: 'bukti.png' });
  });

  test('redirects (CDN links) are followed', async () => {
    expect((await download()({ url: at('media.fonnte.test', '/files/redirect.jpg') }, fonnte)).data.toString()).toBe('JPEGBYTES');
  });

  test("Meta: the media id is resolved with the access token, then fetched with it", async () => {
    const file = await download()({ mediaId: 'MEDIA123' }, { provider: 'meta' });
    expect(file).toEqual({ data: Buffer.from('OGG'), mimetype: 'audio/ogg', filename: null });
    expect(seen.map((s) => [s.host, s.url, s.authorization])).toEqual([
      ['graph.meta.test', '/graph/MEDIA123', 'Bearer meta-token'],
      ['lookaside.meta.test', '/cdn/MEDIA123.ogg', 'Bearer meta-token'],
    ]);
  });

  test.each([
    ['over the size cap (Content-Length)', '/files/big.bin', /over MEDIA_MAX_BYTES/],
    ['over the size cap (streamed)', '/files/chunked.bin', /over MEDIA_MAX_BYTES/],
    ['gone (404)', '/files/gone.jpg', /HTTP 404/],
  ])('%s is a permanent failure (not retried)', async (_name, path, message) => {
    const failure = download()({ url: at('media.fonnte.test', path) }, fonnte);
    await expect(failure).rejects.toBeInstanceOf(PermanentMediaError);
    await expect(failure).rejects.toThrow(message);
  });

  test.each([
    ['a 503', '/files/busy.jpg'],
    ['a server that never answers (timeout)', '/files/slow.jpg'],
  ])('%s is a transient failure (retried later)', async (_name, path) => {
    const error = await download()({ url: at('media.fonnte.test', path) }, fonnte).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentMediaError);
  });

  test('Meta media without META_ACCESS_TOKEN fails for good with a message saying what to set', async () => {
    await expect(download({ mediaAccess: mediaAccess(hosts, { META_ACCESS_TOKEN: '' }) })({ mediaId: 'MEDIA123' }, { provider: 'meta' })).rejects.toThrow(/META_ACCESS_TOKEN is not set/);
  });
});

describe('MEDIA_TIMEOUT_MS bounds the whole download', () => {
  test('a server trickling bytes is cut off at the deadline, not held for as long as it trickles', async () => {
    const started = performance.now();
    const error = await download({ timeoutMs: 400, maxBytes: 1024 * 1024 })({ url: at('media.fonnte.test', '/files/trickle.bin') }, fonnte).catch(
      (e: unknown) => e,
    );
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(TransientMediaError);
    expect(error).toMatchObject({ code: 'media_deadline_exceeded', message: 'media download took longer than MEDIA_TIMEOUT_MS (400 ms)' });
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(1500);
  });
});

describe('SSRF: only the provider’s media hosts, only public addresses', () => {
  async function refusal(promise: Promise<unknown>) {
    const error = await promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaRefusedError);
    return error as MediaRefusedError;
  }

  test('a host off the provider’s list is refused before any lookup or request, naming the setting to extend', async () => {
    const error = await refusal(download()({ url: 'https://internal.example.test/latest/meta-data/' }, fonnte));
    expect(error.code).toBe('media_host_not_allowed');
    expect(error.message).toBe('refused: internal.example.test is not a media host of this provider (MEDIA_HOSTS_FONNTE)');
    expect(resolved).toEqual([]);
    expect(seen).toEqual([]);
  });

  test('each provider has its own list: a Twilio host is not a Fonnte host', async () => {
    const error = await refusal(download()({ url: at('api.twilio.test', '/files/photo.jpg') }, fonnte));
    expect(error.code).toBe('media_host_not_allowed');
    expect(seen).toEqual([]);
  });

  test.each([
    ['loopback', '127.0.0.1', 'loopback'],
    ['a private network (10/8)', '10.1.2.3', 'private'],
    ['a private network (192.168/16)', '192.168.1.20', 'private'],
    ['the cloud metadata address (link-local)', '169.254.169.254', 'linkLocal'],
    ['carrier-grade NAT (Alibaba metadata)', '100.100.100.200', 'carrierGradeNat'],
    ['IPv6 loopback', '::1', 'loopback'],
    ['IPv4-mapped IPv6 loopback', '::ffff:127.0.0.1', 'loopback'],
    ['IPv6 unique local', 'fd00:ec2::254', 'uniqueLocal'],
    ['unspecified', '0.0.0.0', 'unspecified'],
  ])('a listed host whose DNS answers %s is refused without connecting (default policy)', async (_name, address, range) => {
    const downloader = download({ policy: { allowPlainHttp: true, resolve: resolverWith({ 'media.fonnte.test': [address] }) } });
    const error = await refusal(downloader({ url: at('media.fonnte.test', '/files/photo.jpg') }, fonnte));
    expect(error.code).toBe('media_address_not_allowed');
    expect(error.message).toContain(`media.fonnte.test resolves to`);
    expect(error.message).toContain(`(${range}), not a public address`);
    expect(resolved).toEqual(['media.fonnte.test']);
    expect(seen).toEqual([]); // 127.0.0.1 is this very server: nothing reached it
  });

  test('one private address among public ones refuses the name (no picking the public one to pass the check)', async () => {
    const downloader = download({ policy: { allowPlainHttp: true, resolve: resolverWith({ 'media.fonnte.test': ['93.184.215.14', '127.0.0.1'] }) } });
    const error = await refusal(downloader({ url: at('media.fonnte.test', '/files/photo.jpg') }, fonnte));
    expect(error.code).toBe('media_address_not_allowed');
    expect(seen).toEqual([]);
  });

  test('an address literal in the URL is checked too (no lookup happens for it)', async () => {
    const downloader = download({ mediaAccess: mediaAccess({ ...hosts, fonnte: ['169.254.169.254', '127.0.0.1'] }), policy: { allowPlainHttp: true } });
    for (const url of ['http://169.254.169.254/latest/meta-data/', at('127.0.0.1', '/files/photo.jpg')]) {
      const error = await refusal(downloader({ url }, fonnte));
      expect(error.code).toBe('media_address_not_allowed');
    }
    expect(seen).toEqual([]);
  });

  test('the default configuration refuses loopback: the test server itself is out of reach', async () => {
    const downloader = download({ mediaAccess: mediaAccess({ ...hosts, fonnte: ['127.0.0.1', 'localhost'] }), policy: { allowPlainHttp: true } });
    await refusal(downloader({ url: at('127.0.0.1', '/files/photo.jpg') }, fonnte));
    await refusal(downloader({ url: at('localhost', '/files/photo.jpg') }, fonnte));
    expect(seen).toEqual([]);
  });

  test('plain http is refused by default (credentials and content would travel in clear)', async () => {
    const downloader = download({ policy: { resolve: resolverWith(dns), isAddressAllowed: () => true } });
    const error = await refusal(downloader({ url: at('media.fonnte.test', '/files/photo.jpg') }, fonnte));
    expect(error.code).toBe('media_scheme_not_allowed');
    expect(seen).toEqual([]);
  });

  test.each([
    ['a host off the list', 'http://internal.example.test/latest/meta-data/', 'media_host_not_allowed'],
    ['a listed name that resolves to the metadata address', 'http://media.fonnte.test/latest/meta-data/', 'media_address_not_allowed'],
    ['an address literal', 'http://127.0.0.1/admin', 'media_host_not_allowed'],
  ])('a redirect to %s is refused', async (_name, target, code) => {
    const policy: FetchPolicy = {
      ...testPolicy,
      // The first hop reaches the test server; the redirect's name answers the metadata address.
      resolve: async (hostname) => {
        resolved.push(hostname);
        return [{ address: resolved.length === 1 ? '127.0.0.1' : '169.254.169.254', family: 4 }];
      },
    };
    const error = await refusal(download({ policy })({ url: at('media.fonnte.test', `/redirect-to/${encodeURIComponent(target)}`) }, fonnte));
    expect(error.code).toBe(code);
    expect(seen.map((s) => s.url)).toEqual([`/redirect-to/${encodeURIComponent(target)}`]);
  });

  test('more than 3 redirects are refused', async () => {
    const error = await refusal(download()({ url: at('media.fonnte.test', '/files/loop.jpg') }, fonnte));
    expect(error.code).toBe('media_too_many_redirects');
    expect(seen).toHaveLength(4);
  });
});

describe('provider credentials never leave the provider’s hosts', () => {
  const twilio = { TWILIO_ACCOUNT_SID: 'AC0123456789', TWILIO_AUTH_TOKEN: 'twilio-secret-token' };
  const basic = `Basic ${Buffer.from('AC0123456789:twilio-secret-token').toString('base64')}`;

  test('Twilio: Basic auth goes to the media URL, not to the CDN it redirects to', async () => {
    const cdn = at('cdn.twilio.test', '/files/photo.jpg');
    const file = await download({ mediaAccess: mediaAccess(hosts, twilio) })({ url: at('api.twilio.test', `/redirect-to/${encodeURIComponent(cdn)}`) }, { provider: 'twilio' });
    expect(file.data.toString()).toBe('JPEGBYTES');
    expect(seen.map((s) => [s.host, s.authorization])).toEqual([
      ['api.twilio.test', basic],
      ['cdn.twilio.test', undefined],
    ]);
  });

  test('Twilio credentials are never sent with another provider’s media', async () => {
    await download({ mediaAccess: mediaAccess({ ...hosts, fonnte: ['media.fonnte.test', 'api.twilio.test'] }, twilio) })(
      { url: at('api.twilio.test', '/files/photo.jpg') },
      fonnte,
    );
    expect(seen.map((s) => s.authorization)).toEqual([undefined]);
  });

  test('Meta: a Graph answer pointing off Meta’s media hosts is refused; the token is not sent there', async () => {
    const error = await download()({ mediaId: 'ELSEWHERE' }, { provider: 'meta' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaRefusedError);
    expect((error as MediaRefusedError).message).toContain('collector.example.test is not a media host of this provider (MEDIA_HOSTS_META)');
    expect(seen.map((s) => s.host)).toEqual(['graph.meta.test']);
  });

  test('Meta: a media host redirecting elsewhere on the list gets no token there', async () => {
    const downloader = download({
      mediaAccess: mediaAccess({ ...hosts, meta: ['lookaside.meta.test', 'lookaside2.meta.test'] }),
      policy: { ...testPolicy, resolve: resolverWith({ ...dns, 'lookaside2.meta.test': ['127.0.0.1'] }) },
    });
    expect((await downloader({ mediaId: 'REDIRECTING' }, { provider: 'meta' })).data.toString()).toBe('OGG');
    expect(seen.map((s) => [s.host, s.authorization])).toEqual([
      ['graph.meta.test', 'Bearer meta-token'],
      ['lookaside.meta.test', 'Bearer meta-token'],
      ['lookaside2.meta.test', undefined],
    ]);
  });
});

describe('MEDIA_HOSTS_* settings', () => {
  test('the defaults: each provider’s media hosts, and nothing that merely looks like them', () => {
    const config = loadConfig(REQUIRED, {});
    const fonnteHosts = parseHostList(config.MEDIA_HOSTS_FONNTE);
    const metaHosts = parseHostList(config.MEDIA_HOSTS_META);
    const twilioHosts = parseHostList(config.MEDIA_HOSTS_TWILIO);
    expect(['api.fonnte.com', 'media.fonnte.com', 'API.Fonnte.com.'].every((h) => hostMatches(h, fonnteHosts))).toBe(true);
    expect(['lookaside.fbsbx.com', 'scontent.xx.fbcdn.net'].every((h) => hostMatches(h, metaHosts))).toBe(true);
    expect(['api.twilio.com', 'mms.twiliocdn.com', 's3-external-1.amazonaws.com'].every((h) => hostMatches(h, twilioHosts))).toBe(true);
    for (const impostor of ['evilfonnte.com', 'fonnte.com.evil.test', 'localhost', '127.0.0.1', '169.254.169.254']) {
      expect(hostMatches(impostor, fonnteHosts), impostor).toBe(false);
    }
    expect(hostMatches('api.twilio.com.evil.test', twilioHosts)).toBe(false);
    expect(hostMatches('s3.amazonaws.com', twilioHosts)).toBe(false);
  });

  test('the default configuration refuses the loopback media server the other tests use', async () => {
    const config = loadConfig(REQUIRED, {});
    const downloader = createMediaDownloader({
      maxBytes: 1024,
      timeoutMs: 300,
      mediaAccess: mediaAccessByProvider(config),
    });
    for (const provider of ['fonnte', 'meta', 'twilio'] as const) {
      await expect(downloader({ url: at('127.0.0.1', '/files/photo.jpg') }, { provider })).rejects.toBeInstanceOf(MediaRefusedError);
    }
    expect(seen).toEqual([]);
  });

  test.each(['*', '*.com', 'https://api.fonnte.com', 'api.fonnte.com/files', 'a.fonnte.com;b'])('%j is refused at start', (value) => {
    expect(() => loadConfig({ ...REQUIRED, MEDIA_HOSTS_FONNTE: value }, {})).toThrow(/MEDIA_HOSTS_FONNTE must match pattern/);
  });
});

describe('media worker: one slow download holds one slot, not the others', () => {
  test('while one server trickles, the next message’s media is downloaded at once; the slow one ends at the deadline', async () => {
    const spool = openSqliteSpool(':memory:');
    const worker = createMediaWorker(
      {
        spool,
        history: { attachmentState: async () => 'missing', attachMedia: async () => {}, noteError: async () => {} },
        download: download({ timeoutMs: 1500, maxBytes: 1024 * 1024 }),
        logger: pino({ level: 'silent' }),
      },
      { concurrency: 4 },
    );
    try {
      worker.start(20);
      spool.enqueue([inboundMessage('slow', { messageType: 'image', media: { url: at('media.fonnte.test', '/files/trickle.bin') } })]);
      worker.kick();
      await vi.waitFor(() => expect(seen.map((s) => s.url)).toContain('/files/trickle.bin'), { timeout: 2000, interval: 10 });
      const slowStarted = performance.now();

      spool.enqueue([inboundMessage('quick', { messageType: 'image', media: { url: at('media.fonnte.test', '/files/photo.jpg') } })]);
      worker.kick();
      await vi.waitFor(() => expect(spool.storedMediaBytes()).toBe('JPEGBYTES'.length), { timeout: 1000, interval: 10 });
      expect(performance.now() - slowStarted).toBeLessThan(1000); // well before the slow one's deadline
      expect(spool.takeMediaToFetch(10).map((job) => job.providerMessageId)).toEqual(['slow']); // still downloading

      // The slow download ends at MEDIA_TIMEOUT_MS and is retried later (not held for as long as it trickles).
      await vi.waitFor(() => expect(spool.takeMediaToFetch(10, Date.now())).toEqual([]), { timeout: 3000, interval: 20 });
      expect(performance.now() - slowStarted).toBeLessThan(2500);
      const [retry] = spool.takeMediaToFetch(10, Number.MAX_SAFE_INTEGER);
      expect(retry).toMatchObject({ providerMessageId: 'slow', attempts: 1, error: 'media download took longer than MEDIA_TIMEOUT_MS (1500 ms)' });
    } finally {
      await worker.stop();
      spool.close();
    }
  });

  test('stop() aborts a running download at once and leaves its media to fetch after the restart', async () => {
    const spool = openSqliteSpool(':memory:');
    const worker = createMediaWorker({
      spool,
      history: { attachmentState: async () => 'missing', attachMedia: async () => {}, noteError: async () => {} },
      download: download({ timeoutMs: 10_000, maxBytes: 1024 * 1024 }),
      logger: pino({ level: 'silent' }),
    });
    try {
      worker.start(20);
      spool.enqueue([inboundMessage('slow', { messageType: 'image', media: { url: at('media.fonnte.test', '/files/trickle.bin') } })]);
      worker.kick();
      await vi.waitFor(() => expect(seen.map((s) => s.url)).toContain('/files/trickle.bin'), { timeout: 2000, interval: 10 });
      const stopping = performance.now();
      await worker.stop();
      expect(performance.now() - stopping).toBeLessThan(1000);
      expect(spool.takeMediaToFetch(10)).toMatchObject([{ providerMessageId: 'slow', attempts: 0, state: 'pending' }]);
    } finally {
      spool.close();
    }
  });
});
