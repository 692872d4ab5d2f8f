import { cp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LoadClient, percentiles, runClosedLoop, runFixedRate, sleep } from '../test/support/load.js';
import { startMotor } from '../test/support/motor-process.js';
import { connectAgents, type Agents } from './lib/agents.js';
import { createBenchDatabase, seedTenants, type BenchInstance, type DriverKind } from '../test/support/load-fixture.js';
import { startNaiveProcess } from './lib/naive-process.js';
import type { BenchResult, Row } from './lib/report.js';
import { benchDrivers, benchSeconds, CONCURRENCY } from './lib/settings.js';
import { ingestArgsOf, trafficFor } from './lib/traffic.js';

/**
 * Latency webhook POST → `message.created` received by socket.io-client, with 100 connected
 * agents (5 accounts × 20), on the Motor and on the naive reference server (naive-server.ts, own
 * process, its own 100 agents) in the same run, with the same client, bodies and offered rate:
 * half the lower of the two maxima measured in the same run with the agents connected, so that
 * neither server is saturated. The two are measured in alternating rounds so that other work on
 * the machine weighs on both alike. Baseline: the bare `ingest_message` call at the same rate
 * through the same driver (the database's share of the path).
 */

const ACCOUNTS = 5;
const AGENTS_PER_ACCOUNT = 20;
const CONVERSATIONS_PER_INSTANCE = 10;
const ROUNDS = 3;

interface Target {
  url: string;
  agents: Agents;
}

/** Closed-loop maximum (webhooks/s) of one server with its agents connected. */
async function maxRate(t: Target, instances: BenchInstance[], durationMs: number) {
  const client = new LoadClient(t.url, { maxSockets: 256 });
  const next = trafficFor(instances, CONVERSATIONS_PER_INSTANCE);
  try {
    const r = await runClosedLoop({
      concurrency: CONCURRENCY,
      durationMs,
      op: async () => {
        const m = next();
        return (await client.post('/api/webhook', m.body, { 'x-motor-token': m.target.secret })).status === 200;
      },
    });
    return r.perSecond;
  } finally {
    client.close();
  }
}

/** One fixed-rate round: every delivery's POST → `message.created` time and the 200's. */
async function round(t: Target, instances: BenchInstance[], rate: number, durationMs: number) {
  const client = new LoadClient(t.url, { maxSockets: 256 });
  const next = trafficFor(instances, CONVERSATIONS_PER_INSTANCE);
  const sentAt = new Map<string, number>();
  const socket: number[] = [];
  const ack: number[] = [];
  t.agents.onMessage((id, at) => {
    const s = sentAt.get(id);
    if (s !== undefined) socket.push(at - s);
  });
  try {
    await runFixedRate({
      rate,
      durationMs,
      op: async () => {
        const m = next();
        const t0 = performance.now();
        sentAt.set(m.id, t0);
        const r = await client.post('/api/webhook', m.body, { 'x-motor-token': m.target.secret });
        ack.push(performance.now() - t0);
        return r.status === 200;
      },
    });
    await sleep(1000);
    return { socket, ack, missing: sentAt.size * AGENTS_PER_ACCOUNT - socket.length };
  } finally {
    t.agents.onMessage(() => {});
    client.close();
  }
}

async function measure(kind: DriverKind) {
  const seconds = benchSeconds();
  const database = await createBenchDatabase(kind);
  try {
    const db = await database.open();
    const tenants = await seedTenants(db, { accounts: ACCOUNTS, instancesPerAccount: 1 });
    const instances = tenants.flatMap((t) => t.instances);
    // PGlite has one owner per data directory: the naive server gets a copy of the seeded one.
    let naiveDb = database.url ?? '';
    if (kind === 'pglite') {
      await db.close();
      naiveDb = path.join(database.motorEnv.DATA_DIR!, 'naive-pglite');
      await cp(path.join(database.motorEnv.DATA_DIR!, 'pglite'), naiveDb, { recursive: true });
    }
    const naive = await startNaiveProcess({ db: naiveDb, instances });
    const motor = await startMotor({ env: database.motorEnv }).catch(async (err) => {
      await naive.stop();
      throw err;
    });
    const samples = { motor: { socket: [] as number[], ack: [] as number[], missing: 0 }, naive: { socket: [] as number[], ack: [] as number[], missing: 0 } };
    const maxima = { motor: 0, naive: 0 };
    const loads: number[] = [];
    let rate = 0;
    try {
      const targets: Record<'motor' | 'naive', Target> = {
        naive: { url: naive.url, agents: await connectAgents({ url: naive.url, tenants, perTenant: AGENTS_PER_ACCOUNT, naive: true }) },
        motor: { url: motor.url, agents: await connectAgents({ url: motor.url, tenants, perTenant: AGENTS_PER_ACCOUNT }) },
      };
      try {
        const maxMs = Math.max(3000, (seconds * 1000) / 2);
        for (const [name, t] of Object.entries(targets) as Array<['motor' | 'naive', Target]>) maxima[name] = await maxRate(t, instances, maxMs);
        rate = Math.max(1, Math.floor(Math.min(maxima.motor, maxima.naive) / 2));
        await sleep(500);
        for (let r = 0; r < ROUNDS; r++) {
          for (const [name, t] of Object.entries(targets) as Array<['motor' | 'naive', Target]>) {
            loads.push(os.loadavg()[0]!);
            const s = await round(t, instances, rate, (seconds * 1000) / ROUNDS);
            samples[name].socket.push(...s.socket);
            samples[name].ack.push(...s.ack);
            samples[name].missing += s.missing;
          }
        }
      } finally {
        for (const t of Object.values(targets)) t.agents.close();
      }
    } finally {
      await motor.stop();
      await naive.stop();
    }
    // Baseline: the bare SQL call at the same rate, same driver (PGlite: after the Motor let go).
    const baseDb = kind === 'pglite' ? await database.open() : db;
    const base: number[] = [];
    const next = trafficFor(instances, CONVERSATIONS_PER_INSTANCE);
    const byName = new Map(instances.map((i) => [i.name, i]));
    await runFixedRate({
      rate,
      durationMs: seconds * 1000,
      op: async () => {
        const t = next();
        const t0 = performance.now();
        await baseDb.call('ingest_message', ingestArgsOf(t.body, byName.get(t.target.instance)!));
        base.push(performance.now() - t0);
        return true;
      },
    });
    await baseDb.close();
    const of = (s: (typeof samples)['motor']) => ({ socket: percentiles(s.socket), ack: percentiles(s.ack), missing: s.missing });
    return { rate, maxima, motor: of(samples.motor), naive: of(samples.naive), baseline: percentiles(base), load: { min: Math.min(...loads), max: Math.max(...loads) } };
  } finally {
    await database.drop();
  }
}

export async function run(): Promise<BenchResult[]> {
  const started = Date.now();
  const rows: Row[] = [];
  const notes: string[] = [];
  const details: Record<string, unknown> = { agents: ACCOUNTS * AGENTS_PER_ACCOUNT, accounts: ACCOUNTS, seconds: benchSeconds(), rounds: ROUNDS };
  for (const kind of benchDrivers()) {
    try {
      const r = await measure(kind);
      const b = (v: number) => ({ name: 'naive server, same run and rate', value: v });
      const bare = (k: 'p50' | 'p99') => `bare ingest_message at the same rate ${k} ${r.baseline[k].toFixed(1)} ms`;
      rows.push(
        { name: `${kind}: POST → message.created p50`, value: r.motor.socket.p50, unit: 'ms', baseline: b(r.naive.socket.p50), target: '≤ the naive server', note: bare('p50') },
        { name: `${kind}: POST → message.created p95`, value: r.motor.socket.p95, unit: 'ms', baseline: b(r.naive.socket.p95) },
        {
          name: `${kind}: POST → message.created p99`,
          value: r.motor.socket.p99,
          unit: 'ms',
          baseline: b(r.naive.socket.p99),
          target: '≤ 20 ms and ≤ the naive server',
          note: `${bare('p99')}; at ${r.rate} webhooks/s (half the lower max: Motor ${r.maxima.motor.toFixed(0)}/s, naive ${r.maxima.naive.toFixed(0)}/s, ${ACCOUNTS * AGENTS_PER_ACCOUNT} agents connected to each); ${r.motor.socket.count} / ${r.naive.socket.count} deliveries; webhook 200 p50/p99 Motor ${r.motor.ack.p50.toFixed(1)}/${r.motor.ack.p99.toFixed(1)} ms, naive ${r.naive.ack.p50.toFixed(1)}/${r.naive.ack.p99.toFixed(1)} ms; load ${r.load.min.toFixed(2)}–${r.load.max.toFixed(2)}${r.motor.missing || r.naive.missing ? `; missing deliveries Motor ${r.motor.missing}, naive ${r.naive.missing}` : ''}`,
        },
      );
      details[kind] = {
        rate: r.rate,
        maxPerSecond: r.maxima,
        motor: { socketMs: r.motor.socket, webhookAckMs: r.motor.ack, missingDeliveries: r.motor.missing },
        naive: { socketMs: r.naive.socket, webhookAckMs: r.naive.ack, missingDeliveries: r.naive.missing },
        baselineMs: r.baseline,
        loadDuringRounds: r.load,
      };
    } catch (err) {
      notes.push(`${kind}: not measured: ${(err as Error).message}`);
    }
  }
  return [{ bench: 'latency', title: 'webhook POST → message.created on 100 agents, Motor vs naive server at the same rate (half the lower max)', startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, rows, details, notes }];
}
