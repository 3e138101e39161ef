import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMediaDownloader, PermanentMediaError } from './media.js';

let server: Server;
let base: string;
const seen: { url: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const url = req.url ?? '';
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
    if (url === '/files/slow.jpg') return; // never answers
    if (url === '/graph/MEDIA123') {
      if (req.headers.authorization !== 'Bearer meta-token') return res.writeHead(401).end();
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: `${base}/cdn/MEDIA123.ogg`, mime_type: 'audio/ogg' }));
    }
    if (url === '/cdn/MEDIA123.ogg') return res.writeHead(200, { 'content-type': 'audio/ogg' }).end('OGG');
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const download = (overrides: Partial<Parameters<typeof createMediaDownloader>[0]> = {}) =>
  createMediaDownloader({ maxBytes: 1024, timeoutMs: 300, metaGraphUrl: `${base}/graph`, metaAccessToken: 'meta-token', ...overrides });

describe('media downloader', () => {
  test('a provider URL: bytes, the content type, the file name from the URL', async () => {
    expect(await download()({ url: `${base}/files/photo.jpg` })).toEqual({ data: Buffer.from('JPEGBYTES'), mimetype: 'image/jpeg', filename: 'photo.jpg' });
  });

  test('the provider’s own mimetype and file name win', async () => {
    const file = await download()({ url: `${base}/files/photo.jpg`, mimetype: 'image/png', filename: 'bukti.png' });
    expect(file).toMatchObject({ mimetype: 'image/png', filename: 'bukti.png' });
  });

  test('redirects (CDN links) are followed', async () => {
    expect((await download()({ url: `${base}/files/redirect.jpg` })).data.toString()).toBe('JPEGBYTES');
  });

  test("Meta: the media id is resolved with the access token, then fetched with it", async () => {
    seen.length = 0;
    const file = await download()({ mediaId: 'MEDIA123' });
    expect(file).toEqual({ data: Buffer.from('OGG'), mimetype: 'audio/ogg', filename: null });
    expect(seen.map((s) => [s.url, s.authorization])).toEqual([
      ['/graph/MEDIA123', 'Bearer meta-token'],
      ['/cdn/MEDIA123.ogg', 'Bearer meta-token'],
    ]);
  });

  test.each([
    ['over the size cap (Content-Length)', '/files/big.bin', /over MEDIA_MAX_BYTES/],
    ['over the size cap (streamed)', '/files/chunked.bin', /over MEDIA_MAX_BYTES/],
    ['gone (404)', '/files/gone.jpg', /HTTP 404/],
  ])('%s is a permanent failure (not retried)', async (_name, path, message) => {
    const failure = download()({ url: `${base}${path}` });
    await expect(failure).rejects.toBeInstanceOf(PermanentMediaError);
    await expect(failure).rejects.toThrow(message);
  });

  test.each([
    ['a 503', '/files/busy.jpg'],
    ['a server that never answers (timeout)', '/files/slow.jpg'],
  ])('%s is a transient failure (retried later)', async (_name, path) => {
    const error = await download()({ url: `${base}${path}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentMediaError);
  });

  test('Meta media without META_ACCESS_TOKEN fails for good with a message saying what to set', async () => {
    await expect(download({ metaAccessToken: '' })({ mediaId: 'MEDIA123' })).rejects.toThrow(/META_ACCESS_TOKEN is not set/);
  });
});
