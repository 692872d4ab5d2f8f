import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { recheckSession } from '../../src/realtime/socket-auth.middleware.js';
import { TestRealtimeClient } from '../support/socket-client.js';
import { startRealtimeTestServer, type RealtimeTestServer } from '../support/socket-server.js';
import { createTestDb } from '../support/test-db.js';

// A socket authenticates once, at the handshake; these prove a revoked session does not keep
// receiving the account's events.
describe(recheckSession.name, () => {
  let db: PgliteDb;
  let srv: RealtimeTestServer;
  beforeAll(async () => {
    db = await createTestDb();
    srv = await startRealtimeTestServer({ db, recheckSessionMs: 150 });
  });
  afterAll(async () => {
    await srv?.close();
    await db?.close();
  });

  const disconnected = (c: TestRealtimeClient) =>
    new Promise<string>((resolve) => c.socket.once('disconnect', (reason) => resolve(reason)));

  it('disconnects a socket once its session is logged out, and refuses it afterwards', async () => {
    const owner = await srv.signup();
    const colleague = await srv.addAgent(owner);
    const gone = await TestRealtimeClient.connect({ url: srv.url, cookie: colleague.cookie });
    const stays = await TestRealtimeClient.connect({ url: srv.url, cookie: owner.cookie });
    const refused = new Promise<string>((resolve) => gone.socket.on('connect_error', (e) => resolve(e.message)));
    const cut = disconnected(gone);

    await srv.auth.logout(await srv.auth.authenticate({ cookieHeader: colleague.cookie }));
    expect(await cut).toBe('io server disconnect');
    expect(await refused).toBe('unauthenticated'); // its reconnect is refused at the handshake

    await srv.append(owner.accountId);
    await stays.waitForSeq(1);
    expect(stays.socket.connected).toBe(true);
    expect(gone.live).toEqual([]);
    gone.close();
    stays.close();
  }, 90_000);

  it('disconnects every socket of a user at once through disconnectUser', async () => {
    const owner = await srv.signup();
    const other = await srv.addAgent(owner);
    const tabs = [
      await TestRealtimeClient.connect({ url: srv.url, cookie: owner.cookie }),
      await TestRealtimeClient.connect({ url: srv.url, cookie: owner.cookie, transports: ['polling'] }),
    ];
    const bystander = await TestRealtimeClient.connect({ url: srv.url, cookie: other.cookie });
    const cuts = tabs.map(disconnected);
    srv.realtime.disconnectUser(owner.userId);
    expect(await Promise.all(cuts)).toEqual(['io server disconnect', 'io server disconnect']);
    expect(await bystander.command('conversation:read', {})).toMatchObject({ ok: false }); // still connected and answering
    for (const c of [...tabs, bystander]) c.close();
  }, 90_000);

  it('closes a removed member\'s sockets at once, without waiting for the periodic re-check', async () => {
    const slow = await startRealtimeTestServer({ db, recheckSessionMs: 3_600_000 });
    try {
      const owner = await slow.signup();
      const member = await slow.addAgent(owner);
      const sock = await TestRealtimeClient.connect({ url: slow.url, cookie: member.cookie });
      const cut = disconnected(sock);
      const ownerCtx = await slow.auth.authenticate({ cookieHeader: owner.cookie });
      await slow.users.remove(ownerCtx, member.userId);
      expect(await cut).toBe('io server disconnect');
      sock.close();
    } finally {
      await slow.close();
    }
  }, 90_000);
});
