import { io, type Socket } from 'socket.io-client';
import type { BenchTenant } from '../../test/support/load-fixture.js';

/**
 * Agents for the realtime benchmarks: plain socket.io-client sockets (websocket transport, the
 * session cookie at the handshake, as a browser), each resolved at its `ready`. `onMessage` sees
 * every `message.created` with the receiving socket's index and the receive time.
 */
export interface Agents {
  sockets: Socket[];
  /** Called for every `message.created` any agent receives. */
  onMessage(fn: (waMessageId: string, receivedAt: number, agent: number, seq: number) => void): void;
  close(): void;
}

/**
 * Connects `perTenant` agents to each tenant's account, `parallel` handshakes at a time.
 *
 * @example
 *   const agents = await connectAgents({ url, tenants, perTenant: 20 });
 */
export async function connectAgents(o: {
  url: string;
  tenants: BenchTenant[];
  perTenant: number;
  parallel?: number;
  /** Handshake with `auth: { accountId }` instead of the session cookie (the naive server). */
  naive?: boolean;
}): Promise<Agents> {
  const sockets: Socket[] = [];
  let handler: (id: string, at: number, agent: number, seq: number) => void = () => {};
  const specs = o.tenants.flatMap((t) => Array.from({ length: o.perTenant }, () => t));
  const connectOne = (t: BenchTenant, index: number) =>
    new Promise<Socket>((resolve, reject) => {
      const s = io(o.url, {
        path: '/socket.io',
        transports: ['websocket'],
        ...(o.naive ? { auth: { accountId: t.accountId } } : { extraHeaders: { cookie: t.cookie } }),
        forceNew: true,
        reconnection: false,
        timeout: 30_000,
      });
      s.on('message.created', (e: { seq: number; data: { message: { waMessageId: string } } }) =>
        handler(e.data.message.waMessageId, performance.now(), index, e.seq),
      );
      s.once('ready', () => resolve(s));
      s.once('connect_error', (err) => reject(new Error(`agent ${index} could not connect: ${err.message}`)));
    });
  const parallel = o.parallel ?? 50;
  for (let i = 0; i < specs.length; i += parallel) {
    const chunk = specs.slice(i, i + parallel);
    sockets.push(...(await Promise.all(chunk.map((t, j) => connectOne(t, i + j)))));
  }
  return {
    sockets,
    onMessage(fn) {
      handler = fn;
    },
    close() {
      for (const s of sockets) s.disconnect();
    },
  };
}
