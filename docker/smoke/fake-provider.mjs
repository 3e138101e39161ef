// A stand-in for the providers' send APIs, for docker/smoke.sh: Fonnte (POST /send), Meta's Graph API
// (POST /<version>/<phone-number-id>/messages) and Twilio (POST /2010-04-01/Accounts/<sid>/Messages.json).
// Each request is printed on stdout as one JSON line starting with "fake-provider request", and
// answered as the real API answers a message it accepted. Node built-ins only.
//
//   FAKE_PROVIDER_HOST (0.0.0.0)  FAKE_PROVIDER_PORT (8090)
import { createServer } from 'node:http';

const host = process.env.FAKE_PROVIDER_HOST || '0.0.0.0';
const port = Number(process.env.FAKE_PROVIDER_PORT || 8090);
let count = 0;

function answer(path) {
  count += 1;
  if (path === '/send') return { status: 200, body: { status: true, id: [String(900000 + count)], process: 'pending', target: [] } };
  if (/\/messages$/.test(path)) return { status: 200, body: { messaging_product: 'whatsapp', messages: [{ id: `wamid.FAKE${count}` }] } };
  if (/\/Messages\.json$/.test(path)) return { status: 201, body: { sid: `SMfake${String(count).padStart(28, '0')}`, status: 'queued' } };
  return undefined;
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const path = new URL(request.url ?? '/', 'http://fake').pathname;
    if (request.method === 'GET' && path === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    }
    const reply = request.method === 'POST' ? answer(path) : undefined;
    const body = Buffer.concat(chunks).toString('utf8');
    console.log(`fake-provider request ${JSON.stringify({ method: request.method, path, authorization: request.headers.authorization ?? null, contentType: request.headers['content-type'] ?? null, body: body.slice(0, 4000), answered: reply?.status ?? 404 })}`);
    if (!reply) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not a send API path"}');
      return;
    }
    response.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
  });
});

server.listen(port, host, () => console.log(`fake-provider listening on ${host}:${port}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
