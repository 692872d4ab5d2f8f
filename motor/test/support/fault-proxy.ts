import net from 'node:net';

/**
 * A TCP proxy we control, put between the Motor and PostgreSQL to make the database unreachable
 * without touching the machine's shared server: `cut()` drops every open connection and refuses
 * new ones (what a database restart or a network partition looks like from the Motor),
 * `hang()` accepts connections but forwards nothing (a black hole: only timeouts notice),
 * `restore()` lets traffic through again.
 *
 * @example
 *   const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: 5432 } });
 *   const url = `postgres://postgres@127.0.0.1:${proxy.port}/db`;
 *   proxy.cut(); await sleep(10_000); proxy.restore();
 */
export interface FaultProxy {
  readonly port: number;
  /** 'open' forwards; 'cut' refuses (RST) and drops; 'hang' accepts and stalls. */
  readonly mode: 'open' | 'cut' | 'hang';
  /** Connections accepted so far (all modes). */
  readonly accepted: number;
  cut(): void;
  hang(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(o: { target: { host: string; port: number }; port?: number }): Promise<FaultProxy> {
  let mode: FaultProxy['mode'] = 'open';
  let accepted = 0;
  const pairs = new Set<{ a: net.Socket; b?: net.Socket }>();

  const server = net.createServer((client) => {
    accepted++;
    client.on('error', () => {});
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const pair: { a: net.Socket; b?: net.Socket } = { a: client };
    pairs.add(pair);
    client.once('close', () => {
      pair.b?.destroy();
      pairs.delete(pair);
    });
    if (mode === 'hang') {
      client.pause();
      return;
    }
    const upstream = net.connect(o.target);
    pair.b = upstream;
    upstream.on('error', () => client.destroy());
    upstream.once('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', resolve);
  });
  const port = (server.address() as net.AddressInfo).port;

  const dropAll = () => {
    for (const p of pairs) {
      p.a.resetAndDestroy();
      p.b?.resetAndDestroy();
    }
    pairs.clear();
  };

  return {
    port,
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    cut() {
      mode = 'cut';
      dropAll();
    },
    hang() {
      mode = 'hang';
      // Existing connections stall too: stop forwarding in both directions.
      for (const p of pairs) {
        p.a.unpipe();
        p.b?.unpipe();
        p.a.pause();
        p.b?.pause();
      }
    },
    restore() {
      if (mode === 'hang') dropAll(); // stalled connections are beyond saving, as after a real partition
      mode = 'open';
    },
    async close() {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
