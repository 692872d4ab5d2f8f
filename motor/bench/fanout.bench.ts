import { LoadClient, percentiles, runFixedRate, sleep } from '../test/support/load.js';
import { startMotor, type MotorProcess } from '../test/support/motor-process.js';
import { connectAgents, type Agents } from './lib/agents.js';
import { createBenchDatabase, seedTenants, type BenchTenant, type DriverKind } from '../test/support/load-fixture.js';
import type { BenchResult, Row } from './lib/report.js';
import { benchDrivers, benchSeconds } from './lib/settings.js';
import { trafficFor } from './lib/traffic.js';

/**
 * Fan-out: 1,000 sockets in 100 accounts (10 agents each), webhooks at a fixed rate spread over
 * the 100 accounts; p99 delivery time over every delivery, and the Motor's RSS (the whole
 * process: with PGlite that includes its WASM heap). Baselines from the same run: the same rate
 * with 100 sockets (one per account), and the idle Motor's RSS before any socket connected.
 */

const ACCOUNTS = 100;
const AGENTS = 10;
const RATE = Number(process.env.BENCH_FANOUT_RATE ?? 50);

async function deliveries(o: { motor: MotorProcess; agents: Agents; tenants: BenchTenant[]; perAccount: number; seconds: number }) {
  const client = new LoadClient(o.motor.url, { maxSockets: 128 });
  const next = trafficFor(o.tenants.flatMap((t) => t.instances), 1);
  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  o.agents.onMessage((id, at) => {
    const s = sentAt.get(id);
    if (s !== undefined) lat.push(at - s);
  });
  let peakRss = o.motor.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, o.motor.rss())), 250);
  try {
    const run = await runFixedRate({
      rate: RATE,
      durationMs: o.seconds * 1000,
      op: async () => {
        const t = next();
        sentAt.set(t.id, performance.now());
        return (await client.post('/api/webhook', t.body, { 'x-motor-token': t.target.secret })).status === 200;
      },
    });
    await sleep(1500);
    return { latency: percentiles(lat), expected: run.ok * o.perAccount, peakRss, failed: run.failed };
  } finally {
    clearInterval(sampler);
    client.close();
  }
}

async function measure(kind: DriverKind) {
  const seconds = benchSeconds();
  const database = await createBenchDatabase(kind);
  try {
    const db = await database.open();
    const tenants = await seedTenants(db, { accounts: ACCOUNTS, instancesPerAccount: 1 });
    await db.close();
    const motor = await startMotor({ env: database.motorEnv });
    try {
      await sleep(1000);
      const idleRss = motor.rss();
      const few = await connectAgents({ url: motor.url, tenants, perTenant: 1 });
      const small = await deliveries({ motor, agents: few, tenants, perAccount: 1, seconds });
      const many = await connectAgents({ url: motor.url, tenants, perTenant: AGENTS - 1 });
      const connectedRss = motor.rss();
      // Every agent of both sets counts: 10 per account.
      const all: Agents = {
        sockets: [...few.sockets, ...many.sockets],
        onMessage(fn) {
          few.onMessage(fn);
          many.onMessage(fn);
        },
        close() {
          few.close();
          many.close();
        },
      };
      const big = await deliveries({ motor, agents: all, tenants, perAccount: AGENTS, seconds });
      all.close();
      return { idleRss, connectedRss, small, big };
    } finally {
      await motor.stop();
    }
  } finally {
    await database.drop();
  }
}

const mb = (b: number) => b / 2 ** 20;

export async function run(): Promise<BenchResult[]> {
  const started = Date.now();
  const rows: Row[] = [];
  const notes: string[] = [];
  const details: Record<string, unknown> = { accounts: ACCOUNTS, socketsPerAccount: AGENTS, rate: RATE, seconds: benchSeconds() };
  for (const kind of benchDrivers()) {
    try {
      const r = await measure(kind);
      rows.push(
        {
          name: `${kind}: delivery p99, 1,000 sockets`,
          value: r.big.latency.p99,
          unit: 'ms',
          baseline: { name: '100 sockets, same rate', value: r.small.latency.p99 },
          note: `${RATE} webhooks/s over 100 accounts; p50 ${r.big.latency.p50.toFixed(1)} ms; ${r.big.latency.count}/${r.big.expected} deliveries`,
        },
        {
          name: `${kind}: Motor RSS, 1,000 sockets (peak under load)`,
          value: mb(r.big.peakRss),
          unit: 'MB',
          baseline: { name: 'idle Motor, no socket', value: mb(r.idleRss) },
          target: '≤ idle + 100 MB (idle ≤ 300 MB)',
          note: `+${mb(r.big.peakRss - r.idleRss).toFixed(0)} MB over idle; ${mb(r.connectedRss).toFixed(0)} MB right after the 1,000 handshakes${kind === 'pglite' ? '; includes PGlite (Postgres in WASM) in its worker thread' : ''}`,
        },
      );
      details[kind] = {
        idleRssBytes: r.idleRss,
        connectedRssBytes: r.connectedRss,
        sockets100: { latencyMs: r.small.latency, expected: r.small.expected, peakRssBytes: r.small.peakRss },
        sockets1000: { latencyMs: r.big.latency, expected: r.big.expected, peakRssBytes: r.big.peakRss },
      };
      if (r.big.latency.count < r.big.expected) notes.push(`${kind}: ${r.big.expected - r.big.latency.count} of ${r.big.expected} deliveries did not arrive within 1.5 s of the end`);
    } catch (err) {
      notes.push(`${kind}: not measured: ${(err as Error).message}`);
    }
  }
  return [{ bench: 'fanout', title: '1,000 sockets in 100 accounts: delivery p99 and Motor RSS', startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, rows, details, notes }];
}
