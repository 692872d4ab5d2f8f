import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBenchDatabase, seedTenants, type BenchDatabase, type BenchInstance } from '../support/load-fixture.js';
import { runSoak } from '../support/load-soak.js';
import { ensureMotorBuilt, startMotor, type MotorProcess } from '../support/motor-process.js';
import { postgresUnavailable } from '../support/postgres-test-db.js';
import { describeWithService } from '../support/requires-service.js';

// A soak at a steady rate with the Motor's RSS sampled every second: every webhook answered 200,
// and no memory growth trend. The issue asks for 10 minutes; that run is `npm run bench -- soak`
// (SOAK_SECONDS, default 600). Here it lasts SOAK_SECONDS (default 60) so the integration tier
// stays far inside CI's time limit; set SOAK_SECONDS=600 to run the full soak as a test.

const down = await postgresUnavailable();
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const RATE = Number(process.env.SOAK_RATE ?? 20);

describeWithService(down, `soak: ${RATE} webhooks/s for ${SECONDS} s (PostgreSQL)`, () => {
  let database: BenchDatabase;
  let instances: BenchInstance[];
  let motor: MotorProcess | undefined;

  beforeAll(async () => {
    ensureMotorBuilt();
    database = await createBenchDatabase('postgres');
    const db = await database.open();
    instances = (await seedTenants(db, { accounts: 5, instancesPerAccount: 1 })).flatMap((t) => t.instances);
    await db.close();
    motor = await startMotor({ env: database.motorEnv });
  }, 120_000);
  afterAll(async () => {
    await motor?.stop();
    await database?.drop();
  });

  it('answers every webhook and shows no memory growth trend', async () => {
    const r = await runSoak({ motor: motor!, targets: instances.map((i) => ({ instance: i.name, secret: i.secret })), rate: RATE, seconds: SECONDS });
    console.log(
      `[reliability:soak] ${r.run.ok} webhooks at ${RATE}/s for ${SECONDS} s, statuses ${JSON.stringify(r.statuses)}; ` +
        `RSS slope after warm-up ${r.slopeMBPerMin.toFixed(2)} MB/min (r² ${r.r2.toFixed(2)}); middle third ${r.middleMB.toFixed(0)} MB, last third ${r.lastMB.toFixed(0)} MB`,
    );
    expect(r.statuses).toEqual({ 200: r.run.ok });
    expect(motor!.exited()).toBeNull();
    // No trend: the last third of the run is not materially above the middle third. (A short run's
    // least-squares slope is dominated by GC sawtooth, so it is reported, not asserted.)
    expect(r.lastMB - r.middleMB).toBeLessThan(40);
  }, (SECONDS + 120) * 1000);
});
