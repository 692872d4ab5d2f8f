import net from 'node:net';

/**
 * A TCP proxy we control, in front of PostgreSQL: `cut()` kills every open connection and refuses
 * new ones (the database "went away"); `restore()` listens again on the same port.
 *
 * @example
 *   const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
 *   await proxy.cut(); … await proxy.restore();
 */
export interface TcpProxy {
  readonly port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let port = 0;

  const listen = async () => {
    if (server) return; // already listening
    const s = net.createServer((client) => {
      const upstream = net.connect(target);
      for (const sock of [client, upstream]) {
        sockets.add(sock);
        sock.on('close', () => sockets.delete(sock));
        sock.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    // Same port as before on restore (the Motor's DATABASE_URL points at it); a fresh one at first.
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => (s.off('error', reject), resolve()));
    });
    port = (s.address() as net.AddressInfo).port;
    server = s;
  };
  const cut = async () => {
    const s = server;
    server = null;
    for (const sock of sockets) sock.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  return {
    get port() {
      return port;
    },
    cut,
    restore: listen,
    close: cut,
  };
}
