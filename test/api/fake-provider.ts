/**
 * A provider send API on 127.0.0.1 for tests: records every request (headers, parsed body) and answers
 * from a queue of scripted replies — a status and body, a delay, or a dropped connection. When the
 * queue is empty it answers with `fallback`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** Form fields (multipart or urlencoded) or the JSON body. */
  body: Record<string, unknown>;
  /** When the request had arrived (ms epoch). */
  at: number;
}

export type Reply =
  | { status: number; json?: unknown; text?: string; headers?: Record<string, string>; delayMs?: number }
  /** Read the request, then close the socket without answering. */
  | { drop: true };

export interface FakeProvider {
  url: string;
  requests: RecordedRequest[];
  /** Replies used in order, one per request. */
  replies: Reply[];
  fallback: Reply;
  /** Decides the reply from the request itself (undefined: use `replies`, then `fallback`). */
  decide?: ((request: RecordedRequest) => Reply | undefined) | undefined;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function parseBody(req: IncomingMessage, raw: Buffer): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    // Let the platform's own multipart parser read it, as a real server would.
    const form = await new Request('http://fake.local/', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
    return Object.fromEntries([...form.entries()].map(([k, v]) => [k, typeof v === 'string' ? v : '<file>']));
  }
  if (type.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  if (type.startsWith('application/json')) return JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  return { raw: raw.toString('utf8') };
}

export async function startFakeProvider(fallback: Reply = { status: 500, json: { error: 'no reply scripted' } }): Promise<FakeProvider> {
  const fake: Omit<FakeProvider, 'url' | 'close'> = { requests: [], replies: [], fallback };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const raw = await readBody(req);
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: await parseBody(req, raw), at: Date.now() };
      fake.requests.push(recorded);
      const reply = fake.decide?.(recorded) ?? fake.replies.shift() ?? fake.fallback;
      if ('drop' in reply) {
        req.socket.destroy();
        return;
      }
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      if (res.destroyed) return;
      res.writeHead(reply.status, {
        'content-type': reply.json !== undefined ? 'application/json' : 'text/plain',
        ...reply.headers,
      });
      res.end(reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? ''));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** A port on 127.0.0.1 that nothing listens on (connection refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
