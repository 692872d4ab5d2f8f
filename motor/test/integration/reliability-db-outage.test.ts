import { afterAll, beforeAll, expect, it } from 'vitest';
import { LoadClient, runFixedRate, sleep, waitUntil } from '../support/load.js';
import {
  createBenchDatabase,
  seedTenants,
  type BenchDatabase,
  type BenchInstance,
} from '../support/load-fixture.js';
import { ensureMotorBuilt, startMotor, type MotorProcess } from '../support/motor-process.js';
import { TEST_PG_ADMIN_URL, postgresUnavailable } from '../support/postgres-test-db.js';
import { startTcpProxy, type TcpProxy } from '../support/postgres-proxy.js';
import { describeWithService } from '../support/requires-service.js';
import { messageTraffic } from '../support/webhook-factory.js';

// The database becomes unreachable for 10 s under webhook load (a TCP proxy we control between the
// Motor and PostgreSQL is cut: the machine's shared server is never touched). Meanwhile webhooks
// answer 503 (Evolution retries 5xx) and /readyz is 503; after it returns, redelivering every
// webhook that did not get a 200 ingests each message exactly once; the Motor never exits.
//
// Outcomes only, no timings: every deadline below is generous (a busy 2-core machine), and a
// request is judged "during the outage" only when it was both sent and answered inside it.

const down = await postgresUnavailable();
const OUTAGE_MS = 10_000;
const RATE = 20;

describeWithService(down, 'database outage of 10 s under load (PostgreSQL behind a cut proxy)', () => {
  let database: BenchDatabase | undefined;
  let instances: BenchInstance[];
  let proxy: TcpProxy | undefined;
  let motor: MotorProcess | undefined;

  beforeAll(async () => {
    ensureMotorBuilt();
    database = await createBenchDatabase('postgres');
    const db = await database.open();
    try {
      instances = (await seedTenants(db, { accounts: 5, instancesPerAccount: 1 })).flatMap(
        (t) => t.instances,
      );
    } finally {
      await db.close();
    }
    const pg = new URL(TEST_PG_ADMIN_URL);
    proxy = await startTcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) });
    const viaProxy = new URL(database.url!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    motor = await startMotor({ env: { ...database.motorEnv, DATABASE_URL: viaProxy.toString() } });
  }, 300_000);
  afterAll(async () => {
    await motor?.stop();
    await proxy?.close();
    await database?.drop();
  }, 60_000);

  it('answers 503 while the database is away, never crashes, and ingests every redelivery exactly once', async () => {
    const next = messageTraffic({
      targets: instances.map((i) => ({ instance: i.name, secret: i.secret })),
      conversationsPerTarget: 10,
    });
    const client = new LoadClient(motor!.url, { maxSockets: 64 });
    type Sent = {
      body: unknown;
      secret: string;
      status: number | 'error';
      sentAt: number;
      answeredAt: number;
      answer: string;
    };
    const all = new Map<string, Sent>();
    let cutAt = Infinity;
    let restoredAt = Infinity;
    const readyz: { status: number | 'error'; body: string }[] = [];

    try {
      const load = runFixedRate({
        rate: RATE,
        durationMs: 3000 + OUTAGE_MS + 5000,
        maxInFlight: 1000,
        op: async () => {
          const t = next();
          const sentAt = performance.now();
          let status: number | 'error';
          let answer = '';
          try {
            const r = await client.post('/api/webhook', t.body, { 'x-motor-token': t.target.secret }, 60_000);
            status = r.status;
            answer = r.body;
          } catch (err) {
            status = 'error';
            answer = (err as Error).message;
          }
          all.set(t.id, {
            body: t.body,
            secret: t.target.secret,
            status,
            sentAt,
            answeredAt: performance.now(),
            answer,
          });
          return status === 200;
        },
      });

      // Cut only once the Motor has demonstrably been ingesting under load.
      await waitUntil(() => [...all.values()].filter((w) => w.status === 200).length >= 20, {
        timeoutMs: 60_000,
        what: '20 webhooks ingested before the cut',
      });
      await proxy!.cut();
      cutAt = performance.now();
      const outageEnds = cutAt + OUTAGE_MS;
      while (performance.now() < outageEnds) {
        const r = await client
          .get('/readyz', {}, 30_000)
          .catch((err: Error) => ({ status: 'error' as const, body: err.message }));
        readyz.push({ status: r.status, body: r.body.slice(0, 200) });
        await sleep(250);
      }
      await proxy!.restore();
      restoredAt = performance.now();
      await load;
      await waitUntil(async () => (await client.get('/readyz', {}, 10_000)).status === 200, {
        timeoutMs: 60_000,
        everyMs: 200,
        what: '/readyz 200 after the outage',
      });

      // Evolution redelivers everything that did not get a 200 (8 at a time, until it does).
      const pending = [...all.entries()].filter(([, w]) => w.status !== 200);
      const queue = [...pending];
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let item = queue.shift(); item; item = queue.shift()) {
            const [id, w] = item;
            await waitUntil(
              async () =>
                (await client.post('/api/webhook', w.body, { 'x-motor-token': w.secret }, 30_000)).status ===
                200,
              {
                timeoutMs: 60_000,
                everyMs: 200,
                what: `redelivery of ${id}`,
              },
            );
          }
        }),
      );
      // …and some that did get one, again (Evolution does that too): still 200, still stored once.
      for (const [, w] of [...all.entries()].filter(([, w]) => w.status === 200).slice(0, 20)) {
        expect(
          (await client.post('/api/webhook', w.body, { 'x-motor-token': w.secret }, 30_000)).status,
        ).toBe(200);
      }

      const statuses = (ws: Sent[]) =>
        ws.reduce<Record<string, number>>((acc, w) => ((acc[w.status] = (acc[w.status] ?? 0) + 1), acc), {});
      const during = [...all.values()].filter((w) => w.sentAt >= cutAt && w.answeredAt <= restoredAt);
      const before = [...all.values()].filter((w) => w.sentAt < cutAt && w.answeredAt >= cutAt);
      const held = [...all.values()].filter(
        (w) => w.sentAt >= cutAt && w.sentAt <= restoredAt && w.answeredAt > restoredAt,
      );
      console.log(
        `[reliability:outage] ${all.size} webhooks at ${RATE}/s, ${pending.length} redelivered after the outage; ` +
          `sent and answered during it: ${JSON.stringify(statuses(during))}; sent before the cut, answered after it: ${JSON.stringify(statuses(before))}; ` +
          `sent during it, answered only after the restore (held by the driver): ${JSON.stringify(statuses(held))}; ` +
          `all first answers: ${JSON.stringify(statuses([...all.values()]))}; /readyz during it: ${JSON.stringify(readyz.map((r) => r.status))}`,
      );

      expect(motor!.exited(), motor!.output().slice(-4000)).toBeNull(); // never crashed
      expect((await client.get('/healthz', {}, 10_000)).status).toBe(200);

      // /readyz says 503 the whole time the database is away (every probe was sent after the cut).
      expect(readyz.length).toBeGreaterThan(0);
      expect(
        readyz.filter((r) => r.status !== 503),
        'a /readyz answer other than 503 during the outage',
      ).toEqual([]);

      // Webhooks sent and answered while the database was away: 503 `unavailable`, nothing else
      // (a 4xx would make Evolution drop the message; another 5xx or a dropped connection is a bug).
      expect(during.length, 'no webhook was sent and answered during the outage').toBeGreaterThan(0);
      const notUnavailable = during.filter(
        (w) => w.status !== 503 || JSON.parse(w.answer)?.error?.code !== 'unavailable',
      );
      expect(notUnavailable.slice(0, 3).map((w) => `${w.status} ${w.answer.slice(0, 300)}`)).toEqual([]);
      // Around the edges a webhook may have been committed (200) or not (503), never anything else.
      const odd = [...all.values()].filter((w) => w.status !== 200 && w.status !== 503);
      expect(odd.slice(0, 3).map((w) => `${w.status} ${w.answer.slice(0, 300)}`)).toEqual([]);

      // Every message, whatever its first answer, is stored exactly once, with one message.created.
      const stored = await database!.query<{ wa: string; n: number }>(
        `select wa_message_id as wa, count(*)::int as n from public.messages group by 1`,
      );
      const created = await database!.query<{ wa: string; n: number }>(
        `select data->'message'->>'waMessageId' as wa, count(*)::int as n from public.events where type = 'message.created' group by 1`,
      );
      const storedCount = new Map(stored.map((r) => [r.wa, Number(r.n)]));
      const createdCount = new Map(created.map((r) => [r.wa, Number(r.n)]));
      const notOnce = [...all.keys()].filter((id) => storedCount.get(id) !== 1 || createdCount.get(id) !== 1);
      expect(
        notOnce.slice(0, 5),
        `${notOnce.length} of ${all.size} webhooks not stored exactly once`,
      ).toEqual([]);
      expect(stored.length, 'messages nobody sent').toBe(all.size);
    } finally {
      client.close();
    }
  }, 300_000);
});
