import { startMotor } from '../test/support/motor-process.js';
import type { RunStats } from '../test/support/load.js';
import { createBenchDatabase, seedTenants, type DriverKind } from '../test/support/load-fixture.js';
import { benchDrivers, benchSeconds, CONCURRENCY } from './lib/settings.js';
import type { BenchResult, Row } from './lib/report.js';
import { directIngest, httpIngest } from './lib/traffic.js';
import { startNaiveServer } from './naive-server.js';

/**
 * Ingest throughput: webhooks/s through the running Motor (real HTTP, Evolution-shaped
 * messages.upsert bodies, unique ids, 5 accounts × 1 instance, 50 conversations), against the
 * baseline of calling `app.ingest_message` directly at the same concurrency through the same
 * driver (no HTTP, no parsing, no auth, no socket publish).
 */

const ACCOUNTS = 5;
const CONVERSATIONS = 50;

const summary = (s: RunStats) => ({
  ok: s.ok,
  failed: s.failed,
  perSecond: Math.round(s.perSecond),
  latencyMs: { p50: s.latency.p50, p95: s.latency.p95, p99: s.latency.p99, max: s.latency.max },
  errors: s.errors,
});

/** Max throughput of the Motor on `kind`, for the latency benchmark to pick its rate. */
export async function measureIngest(kind: DriverKind, o: { motorEnv?: Record<string, string>; baselineOpts?: { groupCommit?: boolean } } = {}) {
  const seconds = benchSeconds();
  const database = await createBenchDatabase(kind);
  try {
    const db = await database.open(o.baselineOpts);
    const tenants = await seedTenants(db, { accounts: ACCOUNTS, instancesPerAccount: 1 });
    const instances = tenants.flatMap((t) => t.instances);
    const run = { instances, conversationsPerInstance: CONVERSATIONS / ACCOUNTS, concurrency: CONCURRENCY };

    // Baseline: warm up (creates the 50 conversations), then measure.
    await directIngest({ db, ...run, durationMs: 1500 });
    const baseline = await directIngest({ db, ...run, durationMs: seconds * 1000 });
    // The naive reference server (naive-server.ts) on the same database, same client and bodies.
    const naiveServer = await startNaiveServer({ db, instances });
    let naive: RunStats;
    try {
      await httpIngest({ url: naiveServer.url, ...run, durationMs: 1500 });
      naive = await httpIngest({ url: naiveServer.url, ...run, durationMs: seconds * 1000 });
    } finally {
      await naiveServer.close();
    }
    if (kind === 'pglite') {
      await db.close(); // PGlite: one owner at a time; the Motor takes it over
    }

    const motor = await startMotor({ env: { ...database.motorEnv, ...o.motorEnv } });
    let viaMotor: RunStats;
    let rss = NaN;
    try {
      await httpIngest({ url: motor.url, ...run, durationMs: 1500 });
      viaMotor = await httpIngest({ url: motor.url, ...run, durationMs: seconds * 1000 });
      rss = motor.rss();
    } finally {
      await motor.stop();
    }
    if (kind !== 'pglite') await db.close();
    return { baseline, naive, viaMotor, rss };
  } finally {
    await database.drop();
  }
}

export async function run(): Promise<BenchResult[]> {
  const started = Date.now();
  const rows: Row[] = [];
  const details: Record<string, unknown> = { concurrency: CONCURRENCY, seconds: benchSeconds(), accounts: ACCOUNTS, conversations: CONVERSATIONS };
  const notes: string[] = [];
  type Variant = { kind: DriverKind; label: string; motorEnv?: Record<string, string>; baselineOpts?: { groupCommit?: boolean } };
  const variants = benchDrivers().flatMap((kind): Variant[] =>
    kind === 'postgres'
      ? [
          { kind, label: 'postgres' },
          // Group commit (DATABASE_GROUP_COMMIT=on): the Motor and its baseline both batch.
          { kind, label: 'postgres+group commit', motorEnv: { DATABASE_GROUP_COMMIT: 'on' }, baselineOpts: { groupCommit: true } },
        ]
      : [{ kind, label: kind }],
  );
  for (const { kind, label, ...opts } of variants) {
    try {
      const r = await measureIngest(kind, opts);
      rows.push({
        name: `${label}: Motor (HTTP webhook)`,
        value: r.viaMotor.perSecond,
        unit: 'webhooks/s',
        baseline: { name: `direct ingest_message, ${label} driver`, value: r.baseline.perSecond },
        target: '≥ 50% of baseline',
        note: `naive server ${r.naive.perSecond.toFixed(0)}/s (Motor ×${(r.viaMotor.perSecond / r.naive.perSecond).toFixed(2)}, naive p99 ${r.naive.latency.p99.toFixed(1)} ms); p50 ${r.viaMotor.latency.p50.toFixed(1)} ms, p99 ${r.viaMotor.latency.p99.toFixed(1)} ms at ${CONCURRENCY} in flight; baseline p99 ${r.baseline.latency.p99.toFixed(1)} ms; Motor RSS ${(r.rss / 2 ** 20).toFixed(0)} MB`,
      });
      rows.push({
        name: `${label}: naive server (HTTP webhook)`,
        value: r.naive.perSecond,
        unit: 'webhooks/s',
        baseline: { name: `direct ingest_message, ${label} driver`, value: r.baseline.perSecond },
        target: 'reference (Motor goal: ≥ 2×)',
        note: `p50 ${r.naive.latency.p50.toFixed(1)} ms, p99 ${r.naive.latency.p99.toFixed(1)} ms at ${CONCURRENCY} in flight`,
      });
      details[label] = { baseline: summary(r.baseline), naive: summary(r.naive), motor: summary(r.viaMotor), motorRssBytes: r.rss };
      if (r.viaMotor.failed) notes.push(`${label}: ${r.viaMotor.failed} webhooks failed: ${r.viaMotor.errors.join('; ')}`);
    } catch (err) {
      notes.push(`${label}: not measured: ${(err as Error).message}`);
    }
  }
  return [{ bench: 'ingest', title: 'webhooks/s, Motor vs direct SQL calls at the same concurrency', startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, rows, details, notes }];
}
