import { afterAll, beforeAll, expect, it } from 'vitest';
import { LoadClient } from '../support/load.js';
import { createBenchDatabase, seedTenants, type BenchDatabase, type BenchTenant } from '../support/load-fixture.js';
import { ensureMotorBuilt, startMotor, type MotorProcess } from '../support/motor-process.js';
import { postgresUnavailable } from '../support/postgres-test-db.js';
import { describeWithService } from '../support/requires-service.js';
import { TestRealtimeClient } from '../support/socket-client.js';
import { messageUpsertBody, phoneFor } from '../support/webhook-factory.js';

// A reconnect storm: 500 agents (5 accounts × 100) lose the Motor at once (kill -9), it comes
// back on the same database, they all reconnect together while new messages keep arriving, and
// every one of them ends with every event of its account exactly once, in order (live events plus
// GET /api/events catch-up, as the dashboard does).

const down = await postgresUnavailable();
const ACCOUNTS = 5;
const PER_ACCOUNT = 100;
const BEFORE = 10;
const AFTER = 10;

describeWithService(down, 'reconnect storm: 500 sockets after a Motor restart', () => {
  let database: BenchDatabase;
  let tenants: BenchTenant[];
  let motor: MotorProcess | undefined;
  const clients: { tenant: BenchTenant; client: TestRealtimeClient }[] = [];

  beforeAll(async () => {
    ensureMotorBuilt();
    database = await createBenchDatabase('postgres');
    const db = await database.open();
    tenants = await seedTenants(db, { accounts: ACCOUNTS, instancesPerAccount: 1 });
    await db.close();
    // A fixed port: the clients reconnect to the same URL after the restart.
    motor = await startMotor({ env: database.motorEnv });
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) c.client.close();
    await motor?.stop();
    await database?.drop();
  });

  async function send(n: number, from: number) {
    const http = new LoadClient(motor!.url, { maxSockets: 8 });
    try {
      await Promise.all(
        tenants.map(async (t) => {
          const inst = t.instances[0]!;
          for (let i = from; i < from + n; i++) {
            const r = await http.post('/api/webhook', messageUpsertBody({ instance: inst.name, phone: phoneFor(i % 7), text: `m${i}` }), { 'x-motor-token': inst.secret });
            expect(r.status).toBe(200);
          }
        }),
      );
    } finally {
      http.close();
    }
  }

  it('ends with every event exactly once on every socket', async () => {
    for (const tenant of tenants) {
      for (let i = 0; i < PER_ACCOUNT; i += 50) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(50, PER_ACCOUNT - i) }, () => TestRealtimeClient.connect({ url: motor!.url, cookie: tenant.cookie, fromSeq: 0 })),
        );
        clients.push(...batch.map((client) => ({ tenant, client })));
      }
    }
    await send(BEFORE, 0);
    await Promise.all(clients.map((c) => c.client.waitForSeq(BEFORE, 60_000)));

    await motor!.kill9(); // every socket drops at once
    await motor!.restart();
    await send(AFTER, BEFORE); // while 500 sockets storm back in
    await Promise.all(clients.map((c) => c.client.waitForSeq(BEFORE + AFTER, 90_000)));

    const expected = Array.from({ length: BEFORE + AFTER }, (_, i) => i + 1);
    let reconnected = 0;
    for (const { client } of clients) {
      expect(client.appliedSeqs()).toEqual(expected);
      const ids = client.applied.map((e) => (e.data as { message: { waMessageId: string } }).message.waMessageId);
      expect(new Set(ids).size).toBe(ids.length);
      if (client.readies.length > 1) reconnected++;
    }
    expect(reconnected).toBe(ACCOUNTS * PER_ACCOUNT);
    const fetched = clients.reduce((s, c) => s + c.client.fetches.length, 0);
    console.log(`[reliability:reconnect] ${clients.length} sockets reconnected; ${fetched} catch-up fetches; all at seq ${BEFORE + AFTER} exactly once`);
  }, 240_000);
});
