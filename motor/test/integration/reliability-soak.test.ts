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
// The trend is judged on the RSS *floor* (the lowest sample of each 5-second window, i.e. what is
// left after a GC), not on raw samples, whose GC sawtooth dominates a short run's least-squares
// slope. Both slopes are printed.

const down = await postgresUnavailable();
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const RATE = Number(process.env.SOAK_RATE ?? 20);
/** The RSS floor may not rise by more than this from the middle third to the last third. */
const MAX_FLOOR_GROWTH_MB = 24;
/** …nor trend upwards faster than this over the steady part (a leak of ~16 MB per minute or more). */
const MAX_FLOOR_SLOPE_MB_PER_MIN = 16;

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
    motor = await startMotor({ env: database.motorEnv });
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
      });
      const sent = r.run.ok + r.run.failed;
      console.log(
        `[reliability:soak] ${sent} webhooks at ${RATE}/s for ${SECONDS} s, statuses ${JSON.stringify(r.statuses)}, ` +
          `latency p50 ${r.run.latency.p50.toFixed(0)} ms p99 ${r.run.latency.p99.toFixed(0)} ms\n` +
          `  RSS slope after warm-up: ${r.slopeMBPerMin.toFixed(2)} MB/min (least squares over every sample, r² ${r.r2.toFixed(2)}); ` +
          `floor slope ${r.floorSlopeMBPerMin.toFixed(2)} MB/min (Theil–Sen over 5-s minima; asserted < ${MAX_FLOOR_SLOPE_MB_PER_MIN})\n` +
          `  RSS mean middle third ${r.middleMB.toFixed(0)} MB, last third ${r.lastMB.toFixed(0)} MB; ` +
          `floor middle third ${r.middleFloorMB.toFixed(0)} MB, last third ${r.lastFloorMB.toFixed(0)} MB (asserted growth < ${MAX_FLOOR_GROWTH_MB} MB)\n` +
          `  floor [s, MB]: ${JSON.stringify(r.floor.map(([t, mb]) => [t, Math.round(mb)]))}`,
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
      expect(r.lastFloorMB - r.middleFloorMB).toBeLessThan(MAX_FLOOR_GROWTH_MB);
      expect(r.floorSlopeMBPerMin).toBeLessThan(MAX_FLOOR_SLOPE_MB_PER_MIN);
    },
    (SECONDS + 240) * 1000,
  );
});
