import { SESSION_COOKIE } from '../src/adapters/auth/session-cookie.js';
import { createBenchDatabase, seedTenants, type BenchDatabase } from '../test/support/load-fixture.js';
import { LoadClient, percentiles, runFixedRate, sleep, waitUntil } from '../test/support/load.js';
import { startMotor, type MotorProcess } from '../test/support/motor-process.js';
import { testLogger } from '../test/support/silent-logger.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/simulator.server.js';
import { connectAgents } from './lib/agents.js';
import type { BenchResult, Row } from './lib/report.js';
import { benchSeconds } from './lib/settings.js';
import { trafficFor } from './lib/traffic.js';

/**
 * Campaigns on one Motor process (PostgreSQL, real outbox) with the Evolution simulator in its own
 * process (this one), as a real Evolution runs beside the Motor, not inside it:
 *
 * 1. Pacing accuracy at 20, 120 and 600 messages/min, measured on the outbox's send attempts
 *    (`first_attempt_at`, the moment the Motor calls Evolution): achieved rate over the run, the
 *    gap error (|gap − 60000/rate|) p50/p95, and the most sends in any 60 s window. Real clock,
 *    no test clock; short runs (about 25 gaps at 20/min, 60 at 120/min, 300 at 600/min) with
 *    CAMPAIGN_JITTER=0 and no long breaks, so the error is the engine's, not the intended jitter.
 * 2. Webhook POST → message.created on 100 agents at a fixed rate, idle, then with a 600/min
 *    campaign running on another account of the same Motor: p99 with / p99 idle (target ≤ 1.10).
 */

const RATES = [20, 120, 600] as const;
const GAPS: Record<(typeof RATES)[number], number> = { 20: 25, 120: 60, 600: 300 };
const WEBHOOKS_PER_SECOND = 50;

interface Owner {
  cookie: string;
  instanceId: string;
}

async function json(motor: MotorProcess, cookie: string, method: string, path: string, body?: unknown) {
  const r = await fetch(motor.url + path, {
    method,
    headers: { cookie, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

const SIM_KEY = 'bench-campaigns-evolution-key';

/** An account with a connected number at the simulator (connect + simulated QR scan). */
async function campaignOwner(motor: MotorProcess, sim: RunningSimulator): Promise<Owner> {
  const res = await fetch(`${motor.url}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `bench-cmp-${Date.now()}@example.com`,
      password: 'correct horse battery',
      name: 'Bench',
      accountName: 'Campanhas Bench',
    }),
  });
  const cookie = res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${SESSION_COOKIE}=`))!
    .split(';')[0]!;
  const name = `bench-cmp-${Date.now().toString(36)}`;
  const { instanceId } = await json(motor, cookie, 'POST', '/api/instance/connect', { instanceName: name });
  await fetch(`${sim.url}/_sim/instances/${name}/scan`, { method: 'POST', headers: { apikey: SIM_KEY } });
  await waitUntil(
    async () => (await json(motor, cookie, 'GET', '/api/instances'))[0]?.status === 'connected',
    { timeoutMs: 30_000, what: 'bench number connected' },
  );
  return { cookie, instanceId };
}

const phonesFor = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => `55119${prefix}${String(i).padStart(7 - prefix.length, '0')}`);

async function startCampaign(
  motor: MotorProcess,
  o: Owner,
  rate: number,
  recipients: number,
  prefix: string,
) {
  const c = await json(motor, o.cookie, 'POST', '/api/campaigns', {
    name: `bench ${rate}/min`,
    instanceId: o.instanceId,
    text: `bench ${rate}/min {{name}}`,
    audience: { type: 'phones', phones: phonesFor(recipients, prefix) },
    ratePerMinute: rate,
  });
  await json(motor, o.cookie, 'POST', `/api/campaigns/${c.id}/start`);
  return c.id as string;
}

async function sendTimes(database: BenchDatabase, campaignId: string): Promise<number[]> {
  const rows = await database.query<{ t: Date }>(
    `select o.first_attempt_at as t from public.outbox o join public.campaign_recipients r on r.message_id = o.message_id
     where r.campaign_id = $1 and o.first_attempt_at is not null order by o.first_attempt_at`,
    [campaignId],
  );
  return rows.map((r) => new Date(r.t).getTime());
}

function pacing(rate: number, times: number[]) {
  const interval = 60_000 / rate;
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  const errors = percentiles(gaps.map((g) => Math.abs(g - interval)));
  let maxInWindow = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 60_000) j++;
    maxInWindow = Math.max(maxInWindow, i - j + 1);
  }
  const achieved = ((times.length - 1) * 60_000) / (times.at(-1)! - times[0]!);
  return { interval, gaps: gaps.length, achieved, errors, maxInWindow, minGap: Math.min(...gaps) };
}

async function latencyRun(
  motor: MotorProcess,
  next: ReturnType<typeof trafficFor>,
  agents: Awaited<ReturnType<typeof connectAgents>>,
  seconds: number,
) {
  const client = new LoadClient(motor.url, { maxSockets: 64 });
  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  agents.onMessage((id, at) => {
    const s = sentAt.get(id);
    if (s !== undefined) lat.push(at - s);
  });
  try {
    await runFixedRate({
      rate: WEBHOOKS_PER_SECOND,
      durationMs: seconds * 1000,
      op: async () => {
        const t = next();
        sentAt.set(t.id, performance.now());
        return (
          (await client.post('/api/webhook', t.body, { 'x-motor-token': t.target.secret })).status === 200
        );
      },
    });
    await sleep(1000);
  } finally {
    client.close();
  }
  return percentiles(lat);
}

export async function run(): Promise<BenchResult[]> {
  const started = Date.now();
  const rows: Row[] = [];
  const notes: string[] = [];
  const details: Record<string, unknown> = {};
  const database = await createBenchDatabase('postgres');
  let motor: MotorProcess | undefined;
  const sim = await startSimulator({ port: 0, logger: testLogger, apiKey: SIM_KEY });
  try {
    motor = await startMotor({
      env: {
        ...database.motorEnv,
        EVOLUTION_API_URL: sim.url,
        EVOLUTION_API_KEY: SIM_KEY,
        CAMPAIGN_JITTER: '0',
        CAMPAIGN_BREAK_EVERY: '0',
        CAMPAIGN_DAILY_CAP: '100000',
      },
    });
    const owner = await campaignOwner(motor, sim);

    for (const [k, rate] of RATES.entries()) {
      const id = await startCampaign(motor, owner, rate, GAPS[rate] + 1, String(k + 1));
      await waitUntil(
        async () => (await json(motor!, owner.cookie, 'GET', `/api/campaigns/${id}`)).status === 'completed',
        {
          timeoutMs: (GAPS[rate] * 60_000) / rate + 60_000,
          everyMs: 500,
          what: `campaign at ${rate}/min completed`,
        },
      );
      const p = pacing(rate, await sendTimes(database, id));
      details[`rate${rate}`] = p;
      rows.push(
        {
          name: `${rate}/min: achieved rate`,
          value: p.achieved,
          unit: '/min',
          baseline: { name: 'configured', value: rate },
          note: `${p.gaps} gaps; most sends in any 60 s window: ${p.maxInWindow} (limit ${rate})`,
        },
        {
          name: `${rate}/min: gap error p95`,
          value: p.errors.p95,
          unit: 'ms',
          baseline: { name: 'configured gap', value: p.interval },
          note: `p50 ${p.errors.p50.toFixed(1)} ms, max ${p.errors.max.toFixed(1)} ms, shortest gap ${p.minGap.toFixed(0)} ms`,
        },
      );
    }

    // Webhook → socket p99: idle, then with a 600/min campaign running.
    const seconds = Math.max(10, benchSeconds());
    const db = await database.open({ max: 2 });
    const tenants = await seedTenants(db, { accounts: 5, instancesPerAccount: 1 });
    await db.close();
    const agents = await connectAgents({ url: motor.url, tenants, perTenant: 20 });
    try {
      const next = trafficFor(
        tenants.flatMap((t) => t.instances),
        10,
      );
      await latencyRun(motor, next, agents, 3); // warm-up
      const idle = await latencyRun(motor, next, agents, seconds);
      const id = await startCampaign(motor, owner, 600, Math.ceil((seconds + 10) * 10), '9');
      await sleep(2000);
      const busy = await latencyRun(motor, next, agents, seconds);
      const during = await json(motor, owner.cookie, 'GET', `/api/campaigns/${id}`);
      await json(motor, owner.cookie, 'POST', `/api/campaigns/${id}/cancel`);
      rows.push({
        name: 'webhook → socket p99, 600/min campaign running',
        value: busy.p99,
        unit: 'ms',
        baseline: { name: 'idle (no campaign)', value: idle.p99 },
        target: '≤ 1.10 × idle',
        note: `ratio ${(busy.p99 / idle.p99).toFixed(2)}; p50 ${busy.p50.toFixed(1)} vs ${idle.p50.toFixed(1)} ms; ${WEBHOOKS_PER_SECOND} webhooks/s × 100 agents, ${seconds} s each; campaign had sent ${during.sent} when measured`,
      });
      details.latency = {
        idle,
        busy,
        webhooksPerSecond: WEBHOOKS_PER_SECOND,
        seconds,
        campaignSentDuring: during.sent,
      };
    } finally {
      agents.close();
    }
    notes.push(
      "Real clock, one Motor process on PostgreSQL, Evolution = the simulator in the benchmark's own process (answers in ~1 ms; a real Evolution answers in 100s of ms, which caps one number at 3 / answer time because three campaign messages per number are in flight).",
      'CAMPAIGN_JITTER=0 and CAMPAIGN_BREAK_EVERY=0 here: with the defaults (±30 %, a 30 s break every 50) gaps are intentionally irregular and the achieved rate is lower.',
    );
  } finally {
    await motor?.stop();
    await sim.close();
    await database.drop();
  }
  return [
    {
      bench: 'campaigns',
      title:
        'campaign pacing accuracy (20/120/600 per min) and webhook → socket p99 with a 600/min campaign running',
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      rows,
      details,
      notes,
    },
  ];
}
