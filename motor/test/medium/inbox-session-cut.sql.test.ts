import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { TestRealtimeClient } from '../support/socket-client.js';
import { startRealtimeTestServer, type RealtimeTestServer } from '../support/socket-server.js';
import { createTestDb } from '../support/test-db.js';

// Issue 11 (5): another tab of a logged-out session stayed live and received a customer message
// 77 s later (the periodic re-check is minutes apart). Logout cuts THAT session's sockets at once;
// the same user's other sessions (another browser) stay.
describe('logout closes the session sockets at once (issue 11)', () => {
  let db: PgliteDb;
  let srv: RealtimeTestServer;
  beforeAll(async () => {
    db = await createTestDb();
    srv = await startRealtimeTestServer({ db, recheckSessionMs: 3_600_000 }); // no periodic help
  });
  afterAll(async () => {
    await srv?.close();
    await db?.close();
  });

  it("cuts every tab of the logged-out session within a second, and only that session's", async () => {
    const owner = await srv.signup();
    const sameUserOtherBrowser = await srv.auth.login(
      {
        email: (await srv.auth.me(await srv.auth.authenticate({ cookieHeader: owner.cookie }))).user.email,
        password: 'correct horse battery',
      },
      { ip: '127.0.0.1' },
    );
    const tabs = [
      await TestRealtimeClient.connect({ url: srv.url, cookie: owner.cookie }),
      await TestRealtimeClient.connect({ url: srv.url, cookie: owner.cookie, transports: ['polling'] }),
    ];
    const other = await TestRealtimeClient.connect({
      url: srv.url,
      token: sameUserOtherBrowser.session.token,
    });
    const cuts = tabs.map(
      (c) => new Promise<number>((resolve) => c.socket.once('disconnect', () => resolve(Date.now()))),
    );
    const t0 = Date.now();
    await srv.auth.logout(await srv.auth.authenticate({ cookieHeader: owner.cookie }));
    const at = await Promise.race([
      Promise.all(cuts),
      new Promise<null>((r) => setTimeout(() => r(null), 1000)),
    ]);
    expect(at, 'both tabs disconnected within 1 s').not.toBeNull();
    await srv.append(owner.accountId);
    await other.waitForSeq(1);
    expect(other.socket.connected).toBe(true);
    for (const c of tabs) expect(c.live).toEqual([]);
    console.log(`logout → sockets closed in ${Math.max(...(at as number[])) - t0} ms`);
    for (const c of [...tabs, other]) c.close();
  }, 90_000);
});
