import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { Server } from 'socket.io';
import { EvolutionInbound } from '../src/adapters/evolution/webhook/evolution.inbound.js';
import type { Db } from '../src/ports/db.port.js';
import type { AccountEvent } from '../src/ports/realtime.port.js';
import { accountRoom } from '../src/realtime/socket.types.js';
import type { BenchInstance } from '../test/support/load-fixture.js';

/**
 * The reference the ingest figures are compared with: the webhook flow written the obvious way.
 * A Koa route reads the JSON body, finds the instance by name in a map, makes ONE
 * `app.ingest_message` call on the database it is given (PGlite: opened in this thread by
 * lib/main-thread-db.ts, no worker, no batching) and emits each event to the account's room. No
 * auth, no auth cache, no load shedding. Agents join their account's room with
 * `auth: { accountId }` at the handshake and are told `ready`, as the Motor's are.
 *
 * @example
 *   const naive = await startNaiveServer({ db, instances });
 *   await httpIngest({ url: naive.url, instances, … });
 *   await naive.close();
 */
export async function startNaiveServer(o: { db: Db; instances: readonly BenchInstance[] }) {
  const inbound = new EvolutionInbound();
  const byName = new Map(o.instances.map((i) => [i.name, i]));
  const app = new Koa();
  app.use(async (ctx) => {
    if (ctx.method !== 'POST' || !ctx.path.startsWith('/api/webhook')) return;
    const chunks: Buffer[] = [];
    for await (const c of ctx.req) chunks.push(c as Buffer);
    const hook = inbound.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    const inst = byName.get(hook.instanceName);
    const change = await hook.read();
    if (!inst || change?.kind !== 'message.received') {
      ctx.body = { success: true, ignored: true };
      return;
    }
    const r = await o.db.call<{ events: AccountEvent[] }>('ingest_message', {
      accountId: inst.accountId,
      instanceId: inst.id,
      message: change.message,
    });
    for (const e of r.events) {
      io.to(accountRoom(e.accountId)).emit(e.type, {
        seq: Number(e.seq),
        type: e.type,
        at: e.at,
        data: e.data,
      });
    }
    ctx.body = { success: true };
  });
  const server = http.createServer(app.callback());
  const io = new Server(server);
  io.on('connection', (socket) => {
    const accountId = (socket.handshake.auth as { accountId?: string }).accountId;
    if (!accountId) return socket.disconnect(true);
    void socket.join(accountRoom(accountId));
    socket.emit('ready', { accountId });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await io.close();
      server.closeAllConnections();
    },
  };
}
