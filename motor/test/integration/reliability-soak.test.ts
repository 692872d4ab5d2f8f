import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createBenchDatabase,
  seedTenants,
  type BenchDatabase,
  type BenchInstance,
} from '../support/load-fixture.js';
import { runSoak } from '../support/load-soak.js';
import { ensureMotorBuilt, startMotor, type MotorProcess } from '../support/motor-process.js';
import { postgresUnavailable } from '../support/postgres-test-db.js';
import { describeWithService } from '../support/requires-service.js';

// A soak at a steady rate with the Motor's RSS sampled every second: every webhook answered 200 and
// stored exactly once, the Motor never exits, and no memory growth trend. The issue asks for 10
// minutes; that run is `npm run bench -- soak` (SOAK_SECONDS, default 600). Here it lasts
// SOAK_SECONDS (default 60) so the integration tier stays far inside CI's time limit; set
// SOAK_SECONDS=600 to run the full soak as a test (the test's timeout follows).
//
// A leak is judged on *retained* memory: the Motor runs with `--expose-gc --inspect`, and every
// 10 s the test forces two full GCs and reads heapUsed + external. RSS is not a leak detector
// over a minute: V8 grows its heap lazily under load (heapTotal 32 → 45 MB while the retained
// heap stays at 27.5 MB), so the RSS floor climbs for minutes before settling. RSS is held to
// the capacity budget instead (docs/capacity.md: 300 MB), and its slopes are printed.

const down = await postgresUnavailable();
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const RATE = Number(process.env.SOAK_RATE ?? 20);
/** Retained memory may not trend upwards faster than this: at 20 webhooks/s, ~1.7 KB kept per webhook. */
const MAX_RETAINED_SLOPE_MB_PER_MIN = 2;
/** The RSS budget of one Motor under this load. */
const MAX_RSS_MB = 300;

describeWithService(down, `soak: ${RATE} webhooks/s for ${SECONDS} s (PostgreSQL)`, () => {
  let database: BenchDatabase | undefined;
  let instances: BenchInstance[];
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
    motor = await startMotor({ env: database.motorEnv, inspect: true });
  }, 300_000);
  afterAll(async () => {
    await motor?.stop();
    await database?.drop();
  }, 60_000);

  it(
    'answers every webhook, stores each once, and shows no memory growth trend',
    async () => {
      const r = await runSoak({
        motor: motor!,
        targets: instances.map((i) => ({ instance: i.name, secret: i.secret })),
        rate: RATE,
        seconds: SECONDS,
        retainedEverySeconds: 10,
      });
      const sent = r.run.ok + r.run.failed;
      const maxRss = Math.max(...r.samples.map((x) => x.rssBytes).filter(Number.isFinite)) / 2 ** 20;
      console.log(
        `[reliability:soak] ${sent} webhooks at ${RATE}/s for ${SECONDS} s, statuses ${JSON.stringify(r.statuses)}, ` +
          `latency p50 ${r.run.latency.p50.toFixed(0)} ms p99 ${r.run.latency.p99.toFixed(0)} ms\n` +
          `  RSS slope after warm-up: ${r.slopeMBPerMin.toFixed(2)} MB/min (least squares over every sample, r² ${r.r2.toFixed(2)}); ` +
          `floor slope ${r.floorSlopeMBPerMin.toFixed(2)} MB/min (Theil–Sen over 5-s minima)\n` +
          `  RSS mean middle third ${r.middleMB.toFixed(0)} MB, last third ${r.lastMB.toFixed(0)} MB; ` +
          `floor middle third ${r.middleFloorMB.toFixed(0)} MB, last third ${r.lastFloorMB.toFixed(0)} MB; max ${maxRss.toFixed(0)} MB (asserted < ${MAX_RSS_MB})\n` +
          `  floor [s, MB]: ${JSON.stringify(r.floor.map(([t, mb]) => [t, Math.round(mb)]))}\n` +
          `  retained after GC [s, MB]: ${JSON.stringify(r.retained.map(([t, mb]) => [Math.round(t), +mb.toFixed(2)]))}, ` +
          `slope ${r.retainedSlopeMBPerMin.toFixed(2)} MB/min (asserted < ${MAX_RETAINED_SLOPE_MB_PER_MIN})`,
      );

      expect(motor!.exited(), motor!.output().slice(-4000)).toBeNull();
      // Every webhook answered, and answered 200 (a steady load the Motor must simply keep up with).
      expect(r.run.errors, 'requests that got no answer').toEqual([]);
      expect(r.statuses).toEqual({ 200: sent });
      expect(r.accepted.length).toBe(sent);

      // Each stored exactly once.
      const stored = await database!.query<{ wa: string; n: number }>(
        `select wa_message_id as wa, count(*)::int as n from public.messages group by 1`,
      );
      const count = new Map(stored.map((row) => [row.wa, Number(row.n)]));
      const notOnce = r.accepted.filter((id) => count.get(id) !== 1);
      expect(notOnce.slice(0, 5), `${notOnce.length} of ${sent} not stored exactly once`).toEqual([]);
      expect(stored.length).toBe(sent);

      // No growth trend.
      expect(r.floor.length).toBeGreaterThanOrEqual(4); // RSS was really sampled
      expect(r.retained.length).toBeGreaterThanOrEqual(4); // …and the retained heap
      expect(r.retainedSlopeMBPerMin).toBeLessThan(MAX_RETAINED_SLOPE_MB_PER_MIN);
      expect(maxRss).toBeLessThan(MAX_RSS_MB);
    },
    (SECONDS + 240) * 1000,
  );
});
