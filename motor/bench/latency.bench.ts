import { LoadClient, percentiles, runClosedLoop, runFixedRate, sleep } from '../test/support/load.js';
import { startMotor } from '../test/support/motor-process.js';
import { connectAgents } from './lib/agents.js';
import { createBenchDatabase, seedTenants, type DriverKind } from '../test/support/load-fixture.js';
import type { BenchResult, Row } from './lib/report.js';
import { benchDrivers, benchSeconds, CONCURRENCY } from './lib/settings.js';
import { ingestArgsOf, trafficFor } from './lib/traffic.js';

/**
 * Latency webhook POST → `message.created` received by socket.io-client, with 100 connected
 * agents (5 accounts × 20), at a fixed rate of half the maximum measured in the same run with the
 * agents connected. Baseline: the bare `ingest_message` call at the same rate through the same
 * driver (the database's share of the path).
 */

const ACCOUNTS = 5;
const AGENTS_PER_ACCOUNT = 20;
const CONVERSATIONS_PER_INSTANCE = 10;

async function measure(kind: DriverKind) {
  const seconds = benchSeconds();
  const database = await createBenchDatabase(kind);
  try {
    const db = await database.open();
    const tenants = await seedTenants(db, { accounts: ACCOUNTS, instancesPerAccount: 1 });
    const instances = tenants.flatMap((t) => t.instances);
    const motor = await startMotor({ env: database.motorEnv }).catch(async (err) => {
      await db.close();
      throw err;
    });
    let rate = 0;
    let viaSocket: number[] = [];
    let ack: ReturnType<typeof percentiles>;
    let missing = 0;
    try {
      const agents = await connectAgents({ url: motor.url, tenants, perTenant: AGENTS_PER_ACCOUNT });
      const client = new LoadClient(motor.url, { maxSockets: 256 });
      try {
        const next = trafficFor(instances, CONVERSATIONS_PER_INSTANCE);
        // Max with the agents connected (they receive every event), then half of it.
        const max = await runClosedLoop({
          concurrency: CONCURRENCY,
          durationMs: Math.max(3000, (seconds * 1000) / 2),
          op: async () => {
            const t = next();
            return (await client.post('/api/webhook', t.body, { 'x-motor-token': t.target.secret })).status === 200;
          },
        });
        rate = Math.max(1, Math.floor(max.perSecond / 2));
        await sleep(500);

        const sentAt = new Map<string, number>();
        const firstSeen = new Map<string, number>();
        agents.onMessage((id, at) => {
          const s = sentAt.get(id);
          if (s === undefined) return;
          viaSocket.push(at - s);
          if (!firstSeen.has(id)) firstSeen.set(id, at - s);
        });
        viaSocket = [];
        const ackLat: number[] = [];
        await runFixedRate({
          rate,
          durationMs: seconds * 1000,
          op: async () => {
            const t = next();
            const t0 = performance.now();
            sentAt.set(t.id, t0);
            const r = await client.post('/api/webhook', t.body, { 'x-motor-token': t.target.secret });
            ackLat.push(performance.now() - t0);
            return r.status === 200;
          },
        });
        await sleep(1000);
        ack = percentiles(ackLat);
        missing = sentAt.size * AGENTS_PER_ACCOUNT - viaSocket.length;
      } finally {
        client.close();
        agents.close();
      }
    } finally {
      await motor.stop();
    }
    // Baseline: the bare SQL call at the same rate, same driver (PGlite: after the Motor let go).
    const baseDb = kind === 'pglite' ? (await db.close(), await database.open()) : db;
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
    return { rate, socket: percentiles(viaSocket), ack: ack!, baseline: percentiles(base), missing };
  } finally {
    await database.drop();
  }
}

export async function run(): Promise<BenchResult[]> {
  const started = Date.now();
  const rows: Row[] = [];
  const notes: string[] = [];
  const details: Record<string, unknown> = { agents: ACCOUNTS * AGENTS_PER_ACCOUNT, accounts: ACCOUNTS, seconds: benchSeconds() };
  for (const kind of benchDrivers()) {
    try {
      const r = await measure(kind);
      const b = { name: `bare ingest_message at the same rate`, value: 0 };
      rows.push(
        { name: `${kind}: POST → message.created p50`, value: r.socket.p50, unit: 'ms', baseline: { ...b, value: r.baseline.p50 }, target: '≤ 5 ms' },
        { name: `${kind}: POST → message.created p95`, value: r.socket.p95, unit: 'ms', baseline: { ...b, value: r.baseline.p95 } },
        {
          name: `${kind}: POST → message.created p99`,
          value: r.socket.p99,
          unit: 'ms',
          baseline: { ...b, value: r.baseline.p99 },
          target: '≤ 20 ms',
          note: `at ${r.rate} webhooks/s (half the max with ${ACCOUNTS * AGENTS_PER_ACCOUNT} agents connected); ${r.socket.count} deliveries; webhook 200 p50 ${r.ack.p50.toFixed(1)} / p99 ${r.ack.p99.toFixed(1)} ms${r.missing ? `; ${r.missing} deliveries missing` : ''}`,
        },
      );
      details[kind] = { rate: r.rate, socketMs: r.socket, webhookAckMs: r.ack, baselineMs: r.baseline, missingDeliveries: r.missing };
    } catch (err) {
      notes.push(`${kind}: not measured: ${(err as Error).message}`);
    }
  }
  return [{ bench: 'latency', title: 'webhook POST → message.created on 100 agents, at half the max rate', startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, rows, details, notes }];
}
