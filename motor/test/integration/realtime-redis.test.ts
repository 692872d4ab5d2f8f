import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { useRedisAdapter } from '../../src/realtime/redis.adapter.js';
import { describeWithService } from '../support/requires-service.js';
import { testLogger } from '../support/silent-logger.js';
import { TestRealtimeClient } from '../support/socket-client.js';
import { TEST_REDIS_URL, redisUnavailable, startTcpProxy, type TcpProxy } from '../support/socket-redis.js';
import { startRealtimeTestServer, type RealtimeTestServer } from '../support/socket-server.js';
import { createTestDb } from '../support/test-db.js';

// Two gateways in one process, one database, rooms shared through a real Redis reached via a
// proxy we can cut: broadcasts cross over; a Redis outage drops broadcasts (never a crash, never
// a failed write), and clients recover the dropped events from the log.

const down = await redisUnavailable();

describeWithService(down, 'Socket.IO rooms over Redis', () => {
  let db: PgliteDb;
  let a: RealtimeTestServer;
  let b: RealtimeTestServer;
  let proxyA: TcpProxy;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    [a, b] = await Promise.all([startRealtimeTestServer({ db }), startRealtimeTestServer({ db })]);
    proxyA = await startTcpProxy(TEST_REDIS_URL);
    const ra = await useRedisAdapter({ io: a.io, url: proxyA.url, logger: testLogger });
    const rb = await useRedisAdapter({ io: b.io, url: TEST_REDIS_URL, logger: testLogger });
    closers.push(ra.close, rb.close);
  }, 120_000);

  afterAll(async () => {
    for (const c of closers) await c().catch(() => {});
    await proxyA?.close();
    await Promise.allSettled([a?.close(), b?.close()]);
    await db?.close();
  });

  it('delivers an event published on one gateway to the account’s sockets on the other, and nobody else', async () => {
    const agent = await a.signup();
    const stranger = await a.signup();
    const onB = await TestRealtimeClient.connect({ url: b.url, cookie: agent.cookie });
    const strangerOnB = await TestRealtimeClient.connect({ url: b.url, cookie: stranger.cookie });
    await a.append(agent.accountId);
    await onB.waitForSeq(1);
    expect(onB.fetches).toEqual([]);
    await a.append(stranger.accountId);
    await strangerOnB.waitForSeq(1);
    expect(onB.live.map((e) => e.seq)).toEqual([1]);
    onB.close();
    strangerOnB.close();
  });

  it('keeps committing and serving through a Redis outage; clients fill what was dropped', async () => {
    const agent = await a.signup();
    const onB = await TestRealtimeClient.connect({ url: b.url, cookie: agent.cookie });
    proxyA.cut();
    // Writes on A still commit and answer; their broadcasts cannot cross and are dropped.
    await a.append(agent.accountId);
    await a.append(agent.accountId);
    proxyA.restore();
    // Once A's Redis client has reconnected, a broadcast crosses again and reveals the hole.
    for (let i = 0; i < 100 && onB.live.length === 0; i++) {
      await a.append(agent.accountId);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(onB.live.length).toBeGreaterThan(0);
    const head = (await db.call<{ seq: number }>('event_head', { accountId: agent.accountId })).seq;
    await onB.waitForSeq(head);
    expect(onB.appliedSeqs()).toEqual(Array.from({ length: head }, (_, k) => k + 1));
    // Filled from the log: at least the two dropped during the cut.
    expect(onB.fetches[0]).toMatchObject({ after: 0 });
    expect((onB.fetches[0]!.got as number[]).slice(0, 2)).toEqual([1, 2]);
    onB.close();
  }, 60_000);
});
