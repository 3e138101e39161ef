/**
 * A TCP proxy on 127.0.0.1 in front of Odoo, to take "Odoo" down and up without touching the Odoo
 * that other people use. `cut()` stops listening and destroys every open connection (clients get
 * ECONNREFUSED / ECONNRESET, as when Odoo is stopped); `restore()` listens again on the same port.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  readonly up: boolean;
  /** Connections accepted while up (each Odoo 13 RPC is one connection). */
  readonly connections: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  let connections = 0;

  function track(socket: Socket): void {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  async function listen(): Promise<void> {
    const s = createServer((client) => {
      connections++;
      track(client);
      const upstream = createConnection({ host: target.host, port: target.port });
      track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        s.off('error', reject);
        resolve();
      });
    });
    const address = s.address();
    if (address && typeof address === 'object') port = address.port;
    server = s;
  }

  async function cut(): Promise<void> {
    const s = server;
    server = undefined;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closed;
  }

  await listen();
  return {
    get port() {
      return port;
    },
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get up() {
      return server !== undefined;
    },
    get connections() {
      return connections;
    },
    cut,
    async restore() {
      if (!server) await listen();
    },
    close: cut,
  };
}
