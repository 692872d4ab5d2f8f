import { runSoak } from '../test/support/load-soak.js';
import { startMotor } from '../test/support/motor-process.js';
import { createBenchDatabase, seedTenants } from '../test/support/load-fixture.js';
import type { BenchResult, Row } from './lib/report.js';
import { benchDrivers } from './lib/settings.js';

/**
 * Soak: webhooks at a steady rate for SOAK_SECONDS (default 600 = the 10 minutes) with the
 * Motor's RSS sampled every second and its retained heap (after forced full GCs) every 30 s;
 * reports both growth slopes after the warm-up. The integration
 * tier runs the same soak for 60 s (test/integration/reliability-soak.test.ts) to stay well inside
 * CI's time limit.
 */

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const RATE = Number(process.env.SOAK_RATE ?? 50);

export async function run(): Promise<BenchResult[]> {
  const started = Date.now();
  const rows: Row[] = [];
  const notes: string[] = [];
  const details: Record<string, unknown> = { seconds: SECONDS, rate: RATE };
  for (const kind of benchDrivers()) {
    const database = await createBenchDatabase(kind).catch((err: Error) => (notes.push(`${kind}: not measured: ${err.message}`), null));
    if (!database) continue;
    try {
      const db = await database.open();
      const tenants = await seedTenants(db, { accounts: 5, instancesPerAccount: 1 });
      await db.close();
      const motor = await startMotor({ env: database.motorEnv, inspect: true });
      try {
        const targets = tenants.flatMap((t) => t.instances.map((i) => ({ instance: i.name, secret: i.secret })));
        const r = await runSoak({ motor, targets, rate: RATE, seconds: SECONDS, retainedEverySeconds: 30 });
        const firstRetained = r.retained[0]?.[1] ?? NaN;
        rows.push({
          name: `${kind}: retained heap slope after warm-up (after full GC)`,
          value: r.retainedSlopeMBPerMin,
          unit: 'MB/min',
          baseline: { name: 'retained heap at the first sample (MB)', value: firstRetained },
          target: 'no growth trend',
          note: `retained [s, MB] ${JSON.stringify(r.retained.map(([t, mb]) => [Math.round(t), +mb.toFixed(1)]))}`,
        });
        rows.push({
          name: `${kind}: RSS slope after warm-up`,
          value: r.slopeMBPerMin,
          unit: 'MB/min',
          baseline: { name: 'mean RSS, middle third (MB)', value: r.middleMB },
          target: 'no growth trend',
          note: `last third ${r.lastMB.toFixed(0)} MB vs middle third ${r.middleMB.toFixed(0)} MB; r² ${r.r2.toFixed(2)}; ${r.run.ok} webhooks at ${RATE}/s, statuses ${JSON.stringify(r.statuses)}`,
        });
        details[kind] = { retainedSlopeMBPerMin: r.retainedSlopeMBPerMin, retained: r.retained, slopeMBPerMin: r.slopeMBPerMin, r2: r.r2, statuses: r.statuses, latencyMs: r.run.latency, rssSamples: r.samples.map((s) => [Math.round(s.t), Math.round(s.rssBytes / 2 ** 20)]) };
      } finally {
        await motor.stop();
      }
    } catch (err) {
      notes.push(`${kind}: not measured: ${(err as Error).message}`);
    } finally {
      await database.drop();
    }
  }
  return [{ bench: 'soak', title: `steady ${RATE} webhooks/s for ${SECONDS} s, Motor RSS sampled every second`, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, rows, details, notes }];
}
