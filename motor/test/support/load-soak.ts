import { LoadClient, linearSlope, runFixedRate, type RunStats } from './load.js';
import type { MotorProcess } from './motor-process.js';
import { messageTraffic, type TrafficTarget } from './webhook-factory.js';

export interface SoakSample {
  /** Seconds since the soak started. */
  t: number;
  rssBytes: number;
}

export interface SoakResult {
  run: RunStats;
  /** Status codes other than 200, counted. */
  statuses: Record<string, number>;
  samples: SoakSample[];
  /** RSS growth after the warm-up (the first 20% of the run), MB per minute, least squares. */
  slopeMBPerMin: number;
  r2: number;
  /** Mean RSS (MB) of the middle third and of the last third of the run. */
  middleMB: number;
  lastMB: number;
}

const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / Math.max(1, xs.length);

/**
 * A soak: webhooks at a steady `rate` for `seconds` against a running Motor, its RSS sampled every
 * second; returns the samples and the growth trend after the warm-up. Shared by the soak
 * benchmark (`SOAK_SECONDS`, default 10 min) and the shorter soak in `npm run test:integration`.
 *
 * @example
 *   const r = await runSoak({ motor, targets, rate: 50, seconds: 60 });
 *   console.log(r.slopeMBPerMin);
 */
export async function runSoak(o: { motor: MotorProcess; targets: TrafficTarget[]; rate: number; seconds: number; conversationsPerTarget?: number }): Promise<SoakResult> {
  const client = new LoadClient(o.motor.url, { maxSockets: 128 });
  const next = messageTraffic({ targets: o.targets, conversationsPerTarget: o.conversationsPerTarget ?? 10 });
  const statuses: Record<string, number> = {};
  const samples: SoakSample[] = [];
  const t0 = performance.now();
  const sample = () => samples.push({ t: (performance.now() - t0) / 1000, rssBytes: o.motor.rss() });
  sample();
  const timer = setInterval(sample, 1000);
  let run: RunStats;
  try {
    run = await runFixedRate({
      rate: o.rate,
      durationMs: o.seconds * 1000,
      op: async () => {
        const t = next();
        const r = await client.post('/api/webhook', t.body, { 'x-motor-token': t.target.secret });
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        return r.status === 200;
      },
    });
  } finally {
    clearInterval(timer);
    client.close();
  }
  sample();
  const steady = samples.filter((s) => s.t >= o.seconds * 0.2);
  const fit = linearSlope(
    steady.map((s) => s.t / 60),
    steady.map((s) => s.rssBytes / 2 ** 20),
  );
  const third = o.seconds / 3;
  return {
    run,
    statuses,
    samples,
    slopeMBPerMin: fit.slope,
    r2: fit.r2,
    middleMB: mean(samples.filter((s) => s.t >= third && s.t < 2 * third).map((s) => s.rssBytes / 2 ** 20)),
    lastMB: mean(samples.filter((s) => s.t >= 2 * third).map((s) => s.rssBytes / 2 ** 20)),
  };
}
