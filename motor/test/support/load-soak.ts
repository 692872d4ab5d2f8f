import { LoadClient, linearSlope, runFixedRate, type RunStats } from './load.js';
import type { RetainedMemory } from './motor-inspector.js';
import type { MotorProcess } from './motor-process.js';
import { messageTraffic, type TrafficTarget } from './webhook-factory.js';

export interface SoakSample {
  /** Seconds since the soak started. */
  t: number;
  rssBytes: number;
}

export interface SoakResult {
  run: RunStats;
  /** Every answer's status code, counted (`error`: no answer at all). */
  statuses: Record<string, number>;
  /** Message ids of the webhooks answered 200, in order. */
  accepted: string[];
  samples: SoakSample[];
  /** RSS growth after the warm-up (the first 20% of the run), MB per minute, least squares. */
  slopeMBPerMin: number;
  r2: number;
  /** Mean RSS (MB) of the middle third and of the last third of the run. */
  middleMB: number;
  lastMB: number;
  /**
   * The trend of the RSS *floor* after the warm-up, MB per minute: the minimum of each 5-second
   * window (what is left after a GC, free of the allocation sawtooth), fitted with the Theil–Sen
   * estimator (median of the pairwise slopes: a stray spike cannot tilt it). A leak raises the floor.
   */
  floorSlopeMBPerMin: number;
  /** Lowest RSS (MB) of the middle third and of the last third of the run. */
  middleFloorMB: number;
  lastFloorMB: number;
  /** The floor series after the warm-up, `[seconds, MB]`, for the report. */
  floor: [number, number][];
  /**
   * Heap + external memory left after two full GCs, `[seconds, MB]`, every `retainedEverySeconds`
   * (only when the Motor was started with `inspect: true`): what a leak really grows.
   */
  retained: [number, number][];
  /** Theil–Sen trend of `retained` after the warm-up, MB per minute (NaN without samples). */
  retainedSlopeMBPerMin: number;
}

const median = (xs: number[]) => {
  const a = [...xs].sort((x, y) => x - y);
  const n = a.length;
  return n === 0 ? 0 : n % 2 ? a[(n - 1) / 2]! : (a[n / 2 - 1]! + a[n / 2]!) / 2;
};

/** Theil–Sen slope: the median of the slopes between every pair of points. */
export function theilSenSlope(xs: number[], ys: number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    for (let j = i + 1; j < xs.length; j++)
      if (xs[j] !== xs[i]) slopes.push((ys[j]! - ys[i]!) / (xs[j]! - xs[i]!));
  }
  return median(slopes);
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
export async function runSoak(o: {
  motor: MotorProcess;
  targets: TrafficTarget[];
  rate: number;
  seconds: number;
  conversationsPerTarget?: number;
  /** Also measure retained memory (needs a Motor started with `inspect: true`) this often. */
  retainedEverySeconds?: number;
}): Promise<SoakResult> {
  const client = new LoadClient(o.motor.url, { maxSockets: 128 });
  const next = messageTraffic({ targets: o.targets, conversationsPerTarget: o.conversationsPerTarget ?? 10 });
  const statuses: Record<string, number> = {};
  const accepted: string[] = [];
  const samples: SoakSample[] = [];
  const t0 = performance.now();
  const sample = () => samples.push({ t: (performance.now() - t0) / 1000, rssBytes: o.motor.rss() });
  sample();
  const timer = setInterval(sample, 1000);
  const retained: [number, number][] = [];
  const measureRetained = async () => {
    const t = (performance.now() - t0) / 1000;
    const m: RetainedMemory = await o.motor.retainedMemory();
    retained.push([t, (m.heapUsed + m.external) / 2 ** 20]);
  };
  let retainedRun: Promise<void> = Promise.resolve();
  const retainedTimer = o.retainedEverySeconds
    ? setInterval(() => {
        retainedRun = retainedRun.then(measureRetained);
      }, o.retainedEverySeconds * 1000)
    : undefined;
  let run: RunStats;
  try {
    run = await runFixedRate({
      rate: o.rate,
      durationMs: o.seconds * 1000,
      op: async () => {
        const t = next();
        let r;
        try {
          r = await client.post('/api/webhook', t.body, { 'x-motor-token': t.target.secret }, 60_000);
        } catch (err) {
          statuses.error = (statuses.error ?? 0) + 1; // no answer at all (timeout, connection dropped)
          throw err;
        }
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status === 200) accepted.push(t.id);
        return r.status === 200;
      },
    });
  } finally {
    clearInterval(timer);
    clearInterval(retainedTimer);
    client.close();
  }
  await retainedRun;
  if (o.retainedEverySeconds) await measureRetained();
  sample();
  const steady = samples.filter((s) => s.t >= o.seconds * 0.2);
  const fit = linearSlope(
    steady.map((s) => s.t / 60),
    steady.map((s) => s.rssBytes / 2 ** 20),
  );
  const third = o.seconds / 3;
  const MB = (b: number) => b / 2 ** 20;
  const windowS = 5;
  const windows = new Map<number, number>();
  for (const s of steady) {
    if (!Number.isFinite(s.rssBytes)) continue;
    const w = Math.floor(s.t / windowS);
    windows.set(w, Math.min(windows.get(w) ?? Infinity, MB(s.rssBytes)));
  }
  const floor = [...windows.entries()].map(([w, mb]) => [w * windowS, mb] as [number, number]);
  const minOf = (xs: number[]) => (xs.length ? Math.min(...xs) : NaN);
  return {
    run,
    statuses,
    accepted,
    samples,
    slopeMBPerMin: fit.slope,
    r2: fit.r2,
    middleMB: mean(samples.filter((s) => s.t >= third && s.t < 2 * third).map((s) => s.rssBytes / 2 ** 20)),
    lastMB: mean(samples.filter((s) => s.t >= 2 * third).map((s) => s.rssBytes / 2 ** 20)),
    floorSlopeMBPerMin: theilSenSlope(
      floor.map(([t]) => t / 60),
      floor.map(([, mb]) => mb),
    ),
    middleFloorMB: minOf(samples.filter((s) => s.t >= third && s.t < 2 * third).map((s) => MB(s.rssBytes))),
    lastFloorMB: minOf(samples.filter((s) => s.t >= 2 * third).map((s) => MB(s.rssBytes))),
    floor,
    retained,
    retainedSlopeMBPerMin: (() => {
      const steadyRetained = retained.filter(([t]) => t >= o.seconds * 0.2);
      return steadyRetained.length < 2
        ? NaN
        : theilSenSlope(
            steadyRetained.map(([t]) => t / 60),
            steadyRetained.map(([, mb]) => mb),
          );
    })(),
  };
}
