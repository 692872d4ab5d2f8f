import { afterAll, beforeAll, expect, it } from 'vitest';
import { LoadClient, runFixedRate, sleep, waitUntil } from '../support/load.js';
import { createBenchDatabase, seedTenants, type BenchDatabase, type BenchInstance } from '../support/load-fixture.js';
import { ensureMotorBuilt, startMotor, type MotorProcess } from '../support/motor-process.js';
import { TEST_PG_ADMIN_URL, postgresUnavailable } from '../support/postgres-test-db.js';
import { startTcpProxy, type TcpProxy } from '../support/postgres-proxy.js';
import { describeWithService } from '../support/requires-service.js';
import { messageTraffic } from '../support/webhook-factory.js';

// The database becomes unreachable for 10 s under webhook load (a TCP proxy we control between the
// Motor and PostgreSQL is cut: the machine's shared server is never touched). Meanwhile webhooks
// answer 503 (Evolution retries 5xx) and /readyz is 503; after it returns, redelivering every
// webhook that did not get a 200 ingests each message exactly once; the Motor never exits.

const down = await postgresUnavailable();
const OUTAGE_MS = 10_000;

describeWithService(down, 'database outage of 10 s under load (PostgreSQL behind a cut proxy)', () => {
  let database: BenchDatabase;
  let instances: BenchInstance[];
  let proxy: TcpProxy;
  let motor: MotorProcess | undefined;

  beforeAll(async () => {
    ensureMotorBuilt();
    database = await createBenchDatabase('postgres');
    const db = await database.open();
    instances = (await seedTenants(db, { accounts: 5, instancesPerAccount: 1 })).flatMap((t) => t.instances);
    await db.close();
    const pg = new URL(TEST_PG_ADMIN_URL);
    proxy = await startTcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) });
    const viaProxy = new URL(database.url!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    motor = await startMotor({ env: { ...database.motorEnv, DATABASE_URL: viaProxy.toString() } });
  }, 120_000);
  afterAll(async () => {
    await motor?.stop();
    await proxy?.close();
    await database?.drop();
  });

  it('answers 503 while the database is away, never crashes, and ingests every redelivery exactly once', async () => {
    const next = messageTraffic({ targets: instances.map((i) => ({ instance: i.name, secret: i.secret })), conversationsPerTarget: 10 });
    const client = new LoadClient(motor!.url, { maxSockets: 64 });
    const all = new Map<string, { body: unknown; secret: string; status: number | 'error' }>();
    const statusesDuringOutage: Record<string, number> = {};
    let outage = false;
    const readyz: number[] = [];

    const load = runFixedRate({
      rate: 20,
      durationMs: 3000 + OUTAGE_MS + 5000,
      maxInFlight: 500,
      op: async () => {
        const t = next();
        const during = outage;
        let status: number | 'error';
        try {
          status = (await client.post('/api/webhook', t.body, { 'x-motor-token': t.target.secret }, 20_000)).status;
        } catch {
          status = 'error';
        }
        all.set(t.id, { body: t.body, secret: t.target.secret, status });
        if (during) statusesDuringOutage[status] = (statusesDuringOutage[status] ?? 0) + 1;
        return status === 200;
      },
    });

    await sleep(3000);
    proxy.cut();
    outage = true;
    const outageEnds = Date.now() + OUTAGE_MS;
    while (Date.now() < outageEnds) {
      readyz.push((await client.get('/readyz', {}, 5000).catch(() => ({ status: 0 }))).status);
      await sleep(500);
    }
    outage = false;
    await proxy.restore();
    await load;
    await waitUntil(async () => (await client.get('/readyz')).status === 200, { timeoutMs: 30_000, what: '/readyz 200 after the outage' });

    // Evolution redelivers everything that did not get a 200.
    const pending = [...all.entries()].filter(([, w]) => w.status !== 200);
    for (const [id, w] of pending) {
      await waitUntil(
        async () => {
          const r = await client.post('/api/webhook', w.body, { 'x-motor-token': w.secret });
          return r.status === 200;
        },
        { timeoutMs: 30_000, everyMs: 200, what: `redelivery of ${id}` },
      );
    }
    // …and some that did get one, twice (Evolution does that too).
    for (const [, w] of [...all.entries()].filter(([, w]) => w.status === 200).slice(0, 20)) {
      expect((await client.post('/api/webhook', w.body, { 'x-motor-token': w.secret })).status).toBe(200);
    }
    client.close();

    expect(motor!.exited()).toBeNull(); // never crashed
    expect(readyz.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(readyz.every((s) => s === 503 || s === 200)).toBe(true);
    expect(readyz.slice(-4).every((s) => s === 503)).toBe(true); // once noticed, it stays 503 until it returns
    const outageStatuses = Object.keys(statusesDuringOutage);
    expect(statusesDuringOutage['503'] ?? 0).toBeGreaterThan(0);
    // Nothing but 503 (or a 200 committed just before the cut) while the database is away: never a
    // 4xx (Evolution would drop it) nor another 5xx.
    expect(outageStatuses.filter((s) => s !== '503' && s !== '200'), JSON.stringify(statusesDuringOutage)).toEqual([]);

    const stored = await database.query<{ wa: string; n: number }>(`select wa_message_id as wa, count(*)::int as n from public.messages group by 1`);
    const count = new Map(stored.map((r) => [r.wa, Number(r.n)]));
    const notOnce = [...all.keys()].filter((id) => count.get(id) !== 1);
    expect(notOnce, `${notOnce.length} of ${all.size} webhooks not stored exactly once`).toEqual([]);
    console.log(
      `[reliability:outage] ${all.size} webhooks, ${pending.length} redelivered after the outage; during it: ${JSON.stringify(statusesDuringOutage)}; readyz ${JSON.stringify(readyz)}`,
    );
  }, 180_000);
});
