import { startMotor } from '../test/support/motor-process.js';
import type { RunStats } from '../test/support/load.js';
import { createBenchDatabase, seedTenants, type DriverKind } from '../test/support/load-fixture.js';
import { benchDrivers, benchSeconds, CONCURRENCY } from './lib/settings.js';
import type { BenchResult, Row } from './lib/report.js';
import { directIngest, httpIngest } from './lib/traffic.js';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { connectAgents } from './lib/agents.js';
import { startNaiveProcess } from './lib/naive-process.js';
import { cpuMs, cpuMsOfCommand } from './lib/proc-cpu.js';

/**
 * Ingest throughput: webhooks/s through the running Motor (real HTTP, Evolution-shaped
 * messages.upsert bodies, unique ids, 5 accounts × 1 instance, 50 conversations, 20 agents'
 * sockets connected per account, so every message is fanned out to 20 sockets), against the naive
 * reference server (naive-server.ts, same client, bodies and sockets) and the baseline of calling
 * `app.ingest_message` directly at the same concurrency through the Motor's driver (no HTTP, no
 * parsing, no auth, no socket publish).
 */

const ACCOUNTS = 5;
const CONVERSATIONS = 50;
const AGENTS_PER_ACCOUNT = Number(process.env.BENCH_AGENTS_PER_ACCOUNT ?? 20);
/** Alternating measured rounds per server (the bench's seconds are split between them). */
const ROUNDS = 4;

/** Rounds added up: webhooks/s over the summed time; latency percentiles are the rounds' medians. */
function combine(rs: RunStats[]): RunStats {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const ok = rs.reduce((t, r) => t + r.ok, 0);
  const elapsedMs = rs.reduce((t, r) => t + r.elapsedMs, 0);
  const pick = (k: keyof RunStats['latency']) => median(rs.map((r) => r.latency[k]));
  return {
    ok,
    failed: rs.reduce((t, r) => t + r.failed, 0),
    elapsedMs,
    perSecond: (ok * 1000) / Math.max(1, elapsedMs),
    latency: { count: rs.reduce((t, r) => t + r.latency.count, 0), mean: pick('mean'), p50: pick('p50'), p95: pick('p95'), p99: pick('p99'), max: Math.max(...rs.map((r) => r.latency.max)), min: pick('min') },
    errors: rs.flatMap((r) => r.errors).slice(0, 5),
  };
}

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

    // The naive server (own process) and the Motor, both up with their agents connected, measured
    // in alternating rounds so that other work on the machine weighs on both alike. PGlite has one
    // owner per data directory: the naive server gets a copy of the seeded one.
    let naiveDir = '';
    if (kind === 'pglite') {
      await db.close();
      naiveDir = path.join(database.motorEnv.DATA_DIR!, 'naive-pglite');
      await cp(path.join(database.motorEnv.DATA_DIR!, 'pglite'), naiveDir, { recursive: true });
    }
    const naiveServer = await startNaiveProcess({ db: kind === 'pglite' ? naiveDir : database.url!, instances });
    const motor = await startMotor({ env: { ...database.motorEnv, ...o.motorEnv } }).catch(async (err) => {
      await naiveServer.stop();
      throw err;
    });
    const idleRss = motor.rss();
    const servers = { naive: { url: naiveServer.url, pid: naiveServer.pid }, motor: { url: motor.url, pid: motor.pid } };
    const rounds: Record<keyof typeof servers, Array<RunStats & { cpuMs: number; dbCpuMs: number; clientCpuMs: number }>> = { naive: [], motor: [] };
    // PostgreSQL on this machine: its processes' CPU per webhook too (the database's share).
    const dbCpu = () => (kind === 'postgres' ? cpuMsOfCommand('postgres') : NaN);
    let rss = NaN;
    try {
      const agents = [
        await connectAgents({ url: naiveServer.url, tenants, perTenant: AGENTS_PER_ACCOUNT, naive: true }),
        await connectAgents({ url: motor.url, tenants, perTenant: AGENTS_PER_ACCOUNT }),
      ];
      try {
        for (const s of Object.values(servers)) await httpIngest({ url: s.url, ...run, durationMs: 1500 });
        for (let r = 0; r < ROUNDS; r++) {
          for (const [name, s] of Object.entries(servers) as Array<[keyof typeof servers, (typeof servers)['motor']]>) {
            const cpu0 = cpuMs(s.pid);
            const db0 = dbCpu();
            const client0 = cpuMs(process.pid);
            const stats = await httpIngest({ url: s.url, ...run, durationMs: (seconds * 1000) / ROUNDS });
            rounds[name].push({ ...stats, cpuMs: cpuMs(s.pid) - cpu0, dbCpuMs: dbCpu() - db0, clientCpuMs: cpuMs(process.pid) - client0 });
          }
        }
        rss = motor.rss();
      } finally {
        for (const a of agents) a.close();
      }
    } finally {
      await motor.stop();
      await naiveServer.stop();
    }
    const naive = combine(rounds.naive);
    const viaMotor = combine(rounds.motor);
    const naiveCpu = rounds.naive.reduce((t, x) => t + x.cpuMs, 0) / Math.max(1, naive.ok);
    const motorCpu = rounds.motor.reduce((t, x) => t + x.cpuMs, 0) / Math.max(1, viaMotor.ok);
    const motorDbCpu = rounds.motor.reduce((t, x) => t + x.dbCpuMs, 0) / Math.max(1, viaMotor.ok);
    const naiveDbCpu = rounds.naive.reduce((t, x) => t + x.dbCpuMs, 0) / Math.max(1, naive.ok);
    // The load client and the agents' sockets (this process): what the machine spends besides the servers.
    const clientCpu = [...rounds.motor, ...rounds.naive].reduce((t, x) => t + x.clientCpuMs, 0) / Math.max(1, viaMotor.ok + naive.ok);
    if (kind !== 'pglite') await db.close();
    return { baseline, naive, viaMotor, rss, idleRss, naiveCpu, motorCpu, motorDbCpu, naiveDbCpu, clientCpu };
  } finally {
    await database.drop();
  }
}

export async function run(): Promise<BenchResult[]> {
  const started = Date.now();
  const rows: Row[] = [];
  const details: Record<string, unknown> = { concurrency: CONCURRENCY, seconds: benchSeconds(), accounts: ACCOUNTS, conversations: CONVERSATIONS, agents: ACCOUNTS * AGENTS_PER_ACCOUNT };
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
        target: '≥ 2× the naive server',
        note: `naive server ${r.naive.perSecond.toFixed(0)}/s (Motor ×${(r.viaMotor.perSecond / r.naive.perSecond).toFixed(2)}, naive p99 ${r.naive.latency.p99.toFixed(1)} ms); p50 ${r.viaMotor.latency.p50.toFixed(1)} ms, p99 ${r.viaMotor.latency.p99.toFixed(1)} ms at ${CONCURRENCY} in flight; baseline p99 ${r.baseline.latency.p99.toFixed(1)} ms; Motor RSS ${(r.idleRss / 2 ** 20).toFixed(0)} MB idle, ${(r.rss / 2 ** 20).toFixed(0)} MB under load; CPU per webhook: Motor ${r.motorCpu.toFixed(2)} ms, naive ${r.naiveCpu.toFixed(2)} ms${Number.isFinite(r.motorDbCpu) ? `, PostgreSQL for the Motor's ${r.motorDbCpu.toFixed(2)} ms, for the naive's ${r.naiveDbCpu.toFixed(2)} ms` : ''}, load client + 100 agents ${r.clientCpu.toFixed(2)} ms`,
      });
      rows.push({
        name: `${label}: naive server (HTTP webhook)`,
        value: r.naive.perSecond,
        unit: 'webhooks/s',
        baseline: { name: `direct ingest_message, ${label} driver`, value: r.baseline.perSecond },
        target: 'reference (Motor goal: ≥ 2×)',
        note: `p50 ${r.naive.latency.p50.toFixed(1)} ms, p99 ${r.naive.latency.p99.toFixed(1)} ms at ${CONCURRENCY} in flight`,
      });
      details[label] = {
        baseline: summary(r.baseline),
        naive: { ...summary(r.naive), cpuMsPerWebhook: r.naiveCpu, postgresCpuMsPerWebhook: r.naiveDbCpu },
        motor: { ...summary(r.viaMotor), cpuMsPerWebhook: r.motorCpu, postgresCpuMsPerWebhook: r.motorDbCpu },
        clientCpuMsPerWebhook: r.clientCpu,
        motorRssBytes: r.rss,
        motorIdleRssBytes: r.idleRss,
      };
      if (r.viaMotor.failed) notes.push(`${label}: ${r.viaMotor.failed} webhooks failed: ${r.viaMotor.errors.join('; ')}`);
    } catch (err) {
      notes.push(`${label}: not measured: ${(err as Error).message}`);
    }
  }
  return [{ bench: 'ingest', title: `webhooks/s with ${ACCOUNTS * AGENTS_PER_ACCOUNT} agents connected, Motor vs naive server vs direct SQL calls at the same concurrency`, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, rows, details, notes }];
}
