import { afterAll, beforeAll, expect, it } from 'vitest';
import { ingestArgsOf } from '../../bench/lib/traffic.js';
import { LoadClient } from '../support/load.js';
import {
  createBenchDatabase,
  seedTenants,
  type BenchDatabase,
  type BenchTenant,
} from '../support/load-fixture.js';
import { ensureMotorBuilt, startMotor, type MotorProcess } from '../support/motor-process.js';
import { postgresUnavailable } from '../support/postgres-test-db.js';
import { describeWithService } from '../support/requires-service.js';
import { TestRealtimeClient } from '../support/socket-client.js';
import { messageUpsertBody, phoneFor, uniqueMessageId } from '../support/webhook-factory.js';

// A reconnect storm: 500 agents (5 accounts × 100) lose the Motor at once (kill -9). While it is
// down, more messages are committed to the same database (as another Motor process behind the load
// balancer would: straight through the SQL API), so nobody saw them live. The Motor comes back on
// the same port and database, all 500 sockets storm back in at once while new webhooks keep
// arriving, and every socket ends with every event of its account exactly once, in order: live
// events plus catch-up through GET /api/events, exactly as the dashboard does it.

const down = await postgresUnavailable();
const ACCOUNTS = 5;
const PER_ACCOUNT = 100;
const BEFORE = 10; // over HTTP, seen live
const WHILE_DOWN = 5; // committed while the Motor is dead: only catch-up can deliver them
const AFTER = 10; // over HTTP, during the storm
const TOTAL = BEFORE + WHILE_DOWN + AFTER;

describeWithService(down, 'reconnect storm: 500 sockets after a Motor restart', () => {
  let database: BenchDatabase | undefined;
  let tenants: BenchTenant[];
  let motor: MotorProcess | undefined;
  const clients: { tenant: BenchTenant; client: TestRealtimeClient }[] = [];
  /** Every message id sent to each account, in order. */
  const sent = new Map<string, string[]>();

  beforeAll(async () => {
    ensureMotorBuilt();
    database = await createBenchDatabase('postgres');
    const db = await database.open();
    try {
      tenants = await seedTenants(db, { accounts: ACCOUNTS, instancesPerAccount: 1 });
    } finally {
      await db.close();
    }
    for (const t of tenants) sent.set(t.accountId, []);
    // restart() reuses the port: the clients reconnect to the same URL.
    motor = await startMotor({ env: database.motorEnv });
  }, 300_000);
  afterAll(async () => {
    for (const c of clients) c.client.close();
    await motor?.stop();
    await database?.drop();
  }, 60_000);

  const bodyFor = (t: BenchTenant, i: number) => {
    const id = uniqueMessageId();
    sent.get(t.accountId)!.push(id);
    return messageUpsertBody({ instance: t.instances[0]!.name, id, phone: phoneFor(i % 7), text: `m${i}` });
  };

  /** `n` webhooks per account over HTTP, one account's in order, accounts in parallel. */
  async function sendOverHttp(n: number, from: number) {
    const http = new LoadClient(motor!.url, { maxSockets: 8 });
    try {
      await Promise.all(
        tenants.map(async (t) => {
          for (let i = from; i < from + n; i++) {
            const r = await http.post(
              '/api/webhook',
              bodyFor(t, i),
              { 'x-motor-token': t.instances[0]!.secret },
              60_000,
            );
            expect(r.status, r.body).toBe(200);
          }
        }),
      );
    } finally {
      http.close();
    }
  }

  /** `n` messages per account straight through `app.ingest_message`, while no Motor runs. */
  async function commitWhileDown(n: number, from: number) {
    const db = await database!.open({ max: 2 });
    try {
      for (const t of tenants) {
        for (let i = from; i < from + n; i++) {
          await db.call('ingest_message', ingestArgsOf(bodyFor(t, i) as never, t.instances[0]!));
        }
      }
    } finally {
      await db.close();
    }
  }

  it('ends with every event exactly once on every socket', async () => {
    for (const tenant of tenants) {
      for (let i = 0; i < PER_ACCOUNT; i += 50) {
        const batch = await Promise.allSettled(
          Array.from({ length: Math.min(50, PER_ACCOUNT - i) }, () =>
            TestRealtimeClient.connect({ url: motor!.url, cookie: tenant.cookie, fromSeq: 0 }),
          ),
        );
        for (const r of batch) if (r.status === 'fulfilled') clients.push({ tenant, client: r.value });
        const failed = batch.find((r) => r.status === 'rejected');
        if (failed) throw (failed as PromiseRejectedResult).reason;
      }
    }
    await sendOverHttp(BEFORE, 0);
    await Promise.all(clients.map((c) => c.client.waitForSeq(BEFORE, 120_000)));
    const readiesBefore = new Map(clients.map((c) => [c.client, c.client.readies.length]));
    const fetchesBefore = new Map(clients.map((c) => [c.client, c.client.fetches.length]));

    await motor!.kill9(); // every socket drops at once and starts retrying
    await commitWhileDown(WHILE_DOWN, BEFORE);
    await motor!.restart(); // resolves at /readyz; the 500 sockets are already knocking
    await sendOverHttp(AFTER, BEFORE + WHILE_DOWN); // while they storm back in
    await Promise.all(clients.map((c) => c.client.waitForSeq(TOTAL, 180_000)));

    const expectedSeqs = Array.from({ length: TOTAL }, (_, i) => i + 1);
    let liveDuplicates = 0;
    let catchUpFetches = 0;
    for (const { tenant, client } of clients) {
      expect(client.appliedSeqs()).toEqual(expectedSeqs);
      const ids = client.applied.map(
        (e) => (e.data as { message: { waMessageId: string } }).message.waMessageId,
      );
      expect(ids).toEqual(sent.get(tenant.accountId)); // this account's messages, each once, in order
      expect(client.readies.length).toBeGreaterThan(readiesBefore.get(client)!); // it really reconnected
      // The messages committed while the Motor was dead were never broadcast: catch-up fetched them.
      const fetched = client.fetches.slice(fetchesBefore.get(client)!);
      expect(fetched.some((f) => f.got !== 'reset' && f.got.includes(BEFORE + 1))).toBe(true);
      expect(client.resets).toBe(0);
      catchUpFetches += fetched.length;
      const liveSeqs = client.live.map((e) => e.seq);
      liveDuplicates += liveSeqs.length - new Set(liveSeqs).size;
    }
    expect(clients.length).toBe(ACCOUNTS * PER_ACCOUNT);
    expect(motor!.exited()).toBeNull();
    console.log(
      `[reliability:reconnect] ${clients.length} sockets reconnected at once after a kill -9; ${catchUpFetches} catch-up fetches of GET /api/events; ` +
        `every socket applied seq 1..${TOTAL} exactly once (${WHILE_DOWN} per account only via catch-up); ${liveDuplicates} duplicate live deliveries dropped by seq`,
    );
  }, 420_000);
});
