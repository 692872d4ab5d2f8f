import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoadClient, runClosedLoop, sleep, waitUntil } from '../support/load.js';
import { createBenchDatabase, seedTenants, type BenchDatabase, type BenchInstance } from '../support/load-fixture.js';
import { ensureMotorBuilt, startMotor, type MotorProcess } from '../support/motor-process.js';
import { postgresUnavailable } from '../support/postgres-test-db.js';
import { describeWithService } from '../support/requires-service.js';
import { messageTraffic } from '../support/webhook-factory.js';

// "2xx means committed" (docs/api.md "2xx means committed"): kill -9 the Motor in the middle of sustained webhook load,
// restart it on the same database, and every webhook that got a 200 is stored, exactly once.
// PGlite runs with fsync off: a process crash must lose nothing (only an OS crash may).

const down = await postgresUnavailable();

function killSuite(kind: 'postgres' | 'pglite') {
  let database: BenchDatabase;
  let instances: BenchInstance[];
  let motor: MotorProcess | undefined;

  beforeAll(async () => {
    ensureMotorBuilt();
    database = await createBenchDatabase(kind);
    const db = await database.open();
    instances = (await seedTenants(db, { accounts: 5, instancesPerAccount: 1 })).flatMap((t) => t.instances);
    await db.close();
    motor = await startMotor({ env: database.motorEnv });
  }, 300_000); // ensureMotorBuilt() may rebuild (tsc) on a busy machine
  afterAll(async () => {
    await motor?.stop();
    await database?.drop();
  }, 60_000);

  it('stores every webhook that got a 200, exactly once, across a kill -9 and a restart', async () => {
    const next = messageTraffic({ targets: instances.map((i) => ({ instance: i.name, secret: i.secret })), conversationsPerTarget: 10 });
    const client = new LoadClient(motor!.url, { maxSockets: 16 });
    const accepted = new Map<string, { body: unknown; secret: string }>();
    let stop = false;
    const load = runClosedLoop({
      concurrency: 16,
      durationMs: 120_000,
      stop: () => stop,
      op: async () => {
        const t = next();
        try {
          const r = await client.post('/api/webhook', t.body, { 'x-motor-token': t.target.secret }, 5000);
          if (r.status === 200) accepted.set(t.id, { body: t.body, secret: t.target.secret });
          return r.status === 200;
        } catch {
          await sleep(20); // the Motor is gone: do not spin
          return false;
        }
      },
    });
    await waitUntil(() => accepted.size >= 50, { timeoutMs: 90_000, what: '50 acknowledged webhooks' });
    const acceptedBeforeKill = accepted.size;
    await motor!.kill9();
    await sleep(500);
    stop = true;
    const stats = await load;
    client.close();
    expect(acceptedBeforeKill).toBeGreaterThanOrEqual(50); // the kill really happened under load
    expect(stats.failed).toBeGreaterThan(0); // and cut requests in flight

    await motor!.restart();
    const ids = [...accepted.keys()];
    // An Evolution-style redelivery of some accepted webhooks after the restart changes nothing.
    const again = new LoadClient(motor!.url, { maxSockets: 4 });
    for (const id of ids.slice(0, 50)) {
      const { body, secret } = accepted.get(id)!;
      expect((await again.post('/api/webhook', body, { 'x-motor-token': secret })).status).toBe(200);
    }
    again.close();
    if (kind === 'pglite') await motor!.stop(); // PGlite: one owner; read it after the Motor let go

    const stored = await database.query<{ wa: string; n: number }>(
      `select wa_message_id as wa, count(*)::int as n from public.messages group by wa_message_id`,
    );
    const created = await database.query<{ wa: string; n: number }>(
      `select data->'message'->>'waMessageId' as wa, count(*)::int as n from public.events
       where type = 'message.created' group by 1`,
    );
    const storedCount = new Map(stored.map((r) => [r.wa, Number(r.n)]));
    const createdCount = new Map(created.map((r) => [r.wa, Number(r.n)]));
    const lost = ids.filter((id) => storedCount.get(id) !== 1);
    expect(lost, `${lost.length} of ${ids.length} acknowledged webhooks are not stored exactly once`).toEqual([]);
    expect(ids.filter((id) => createdCount.get(id) !== 1)).toEqual([]);
    expect([...storedCount.values()].every((n) => n === 1)).toBe(true);
    console.log(`[reliability:${kind}] kill -9 after ${acceptedBeforeKill} acks; ${ids.length} acknowledged, all stored once; ${stored.length} rows in total`);
  }, 180_000);
}

describe('kill -9 under webhook load (PGlite)', () => killSuite('pglite'));
describeWithService(down, 'kill -9 under webhook load (PostgreSQL)', () => killSuite('postgres'));
