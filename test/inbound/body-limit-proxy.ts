/**
 * A reverse proxy on 127.0.0.1 with a request-body limit, as nginx has by default
 * (client_max_body_size 1m): a bigger body gets nginx's 413 page; anything else is passed to `target`.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BodyLimitProxy {
  url: string;
  /** Where requests go (e.g. the Odoo double's URL); set before use. */
  target: string;
  /** Bodies larger than this many bytes are refused with 413. */
  limitBytes: number;
  /** Requests refused with 413 so far. */
  refused: number;
  close(): Promise<void>;
}

const PAGE_413 =
  '<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

export async function startBodyLimitProxy(limitBytes: number): Promise<BodyLimitProxy> {
  const proxy: Omit<BodyLimitProxy, 'url' | 'close'> = { target: '', limitBytes, refused: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (body.length > proxy.limitBytes) {
        proxy.refused += 1;
        res.writeHead(413, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(PAGE_413), Connection: 'close' });
        res.end(PAGE_413);
        return;
      }
      const upstream = request(new URL(req.url ?? '/', proxy.target), { method: req.method, headers: { ...req.headers, host: new URL(proxy.target).host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
