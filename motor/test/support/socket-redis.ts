import net from 'node:net';

/** The Redis the integration tier uses (override with TEST_REDIS_URL). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Null when Redis answers PING at TEST_REDIS_URL, else why not (for describeWithService).
 *
 * @example
 *   const down = (await postgresUnavailable()) ?? (await redisUnavailable());
 */
export function redisUnavailable(url = TEST_REDIS_URL): Promise<string | null> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || 6379) });
    let answer = '';
    s.setTimeout(1500);
    s.once('connect', () => s.write('PING\r\n'));
    s.on('data', (b) => {
      answer += b.toString();
      if (answer.includes('\r\n')) {
        s.destroy();
        resolve(/^\+PONG/.test(answer) ? null : `Redis at ${u.host} answered ${JSON.stringify(answer.trim())}`);
      }
    });
    s.once('timeout', () => (s.destroy(), resolve(`Redis not reachable at ${u.host} (timed out)`)));
    s.once('error', (e) => resolve(`Redis not reachable at ${u.host} (${e.message})`));
  });
}

export interface TcpProxy {
  /** `redis://127.0.0.1:<port>` (or whatever scheme the target used), pointing at the proxy. */
  url: string;
  /** Drops every open connection and refuses new ones (a network cut). */
  cut(): void;
  /** Accepts connections again. */
  restore(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a service, to cut and restore the network in tests.
 *
 * @example
 *   const proxy = await startTcpProxy(TEST_REDIS_URL);
 *   proxy.cut(); …; proxy.restore();
 */
export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<net.Socket>();
  let open = true;
  const server = net.createServer((client) => {
    if (!open) return void client.destroy();
    const upstream = net.connect({ host: target.hostname, port: Number(target.port || 6379) });
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  const cut = () => {
    open = false;
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return {
    url: url.toString(),
    cut,
    restore() {
      open = true;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
