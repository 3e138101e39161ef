/**
 * The TCP proxy (./proxy.ts) in a process of its own, so that relaying Odoo's traffic does not run on
 * the gateway's event loop. Target from BENCH_PROXY_TARGET (host:port). Requests: `cut`, `restore`,
 * `stats`.
 */
import { serveParent } from './child.js';
import { startTcpProxy } from './proxy.js';

const [host, port] = (process.env.BENCH_PROXY_TARGET ?? '').split(':');
if (!host || !port) throw new Error('BENCH_PROXY_TARGET must be host:port');
const proxy = await startTcpProxy({ host, port: Number(port) });

serveParent({ type: 'ready', url: proxy.url, port: proxy.port }, async (message) => {
  switch (message.type) {
    case 'cut':
      await proxy.cut();
      return { up: proxy.up };
    case 'restore':
      await proxy.restore();
      return { up: proxy.up };
    case 'stats':
      return { up: proxy.up, connections: proxy.connections };
    default:
      throw new Error(`unknown request ${String(message.type)}`);
  }
});
