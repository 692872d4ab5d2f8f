import http from 'node:http';

/**
 * Load generation for benchmarks and reliability tests: a lean keep-alive HTTP client, a
 * closed-loop runner (N workers back to back: max throughput), an open-loop fixed-rate runner
 * (latency at a given rate, measured from the scheduled send time so a stalled server cannot hide
 * its queueing: no coordinated omission), and percentiles by sorting (exact; fine for ≤ 10⁶ samples).
 */

export interface Percentiles {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  min: number;
}

/**
 * Exact percentiles (nearest rank) of a sample set, in the samples' unit.
 *
 * @example
 *   percentiles([1, 2, 3, 4]).p50 // 2
 */
export function percentiles(samples: ArrayLike<number>): Percentiles {
  const a = Float64Array.from(samples as ArrayLike<number>).sort();
  const n = a.length;
  if (n === 0) return { count: 0, mean: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN, min: NaN };
  const at = (q: number) => a[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i]!;
  return { count: n, mean: sum / n, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: a[n - 1]!, min: a[0]! };
}

/**
 * Least-squares slope of y over x (e.g. RSS bytes over seconds), with the fit's r².
 *
 * @example
 *   linearSlope([0, 1, 2], [10, 12, 14]) // { slope: 2, intercept: 10, r2: 1 }
 */
export function linearSlope(xs: number[], ys: number[]): { slope: number; intercept: number; r2: number } {
  const n = xs.length;
  if (n < 2) return { slope: 0, intercept: ys[0] ?? 0, r2: 0 };
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const r2 = sxx === 0 || syy === 0 ? 0 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept: my - slope * mx, r2 };
}

export interface HttpResult {
  status: number;
  body: string;
}

/**
 * A minimal keep-alive JSON client on node:http (several times cheaper per request than fetch,
 * which matters when the load generator shares 2 cores with the server it measures).
 *
 * @example
 *   const client = new LoadClient('http://127.0.0.1:3000', { maxSockets: 64 });
 *   const r = await client.post('/api/webhook', body, { 'x-motor-token': secret });
 */
export class LoadClient {
  readonly agent: http.Agent;
  private readonly base: URL;

  constructor(baseUrl: string, opts: { maxSockets?: number } = {}) {
    this.base = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 256 });
  }

  /** POSTs JSON (an object, or a string sent as-is); resolves on any status, rejects on network errors. */
  post(path: string, body: unknown, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<HttpResult> {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    return this.request('POST', path, payload, { 'content-type': 'application/json', ...headers }, timeoutMs);
  }

  get(path: string, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<HttpResult> {
    return this.request('GET', path, undefined, headers, timeoutMs);
  }

  request(method: string, path: string, payload: string | undefined, headers: Record<string, string>, timeoutMs: number): Promise<HttpResult> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          headers: payload === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close() {
    this.agent.destroy();
  }
}

export interface RunStats {
  /** Operations that resolved `true` (e.g. a 2xx). */
  ok: number;
  /** Operations that resolved `false` or threw. */
  failed: number;
  elapsedMs: number;
  /** ok / elapsed seconds. */
  perSecond: number;
  /** Latency of every operation, in ms. */
  latency: Percentiles;
  /** A few failure reasons, for the report. */
  errors: string[];
}

type Op = () => Promise<boolean>;

function collector() {
  const lat: number[] = [];
  const errors: string[] = [];
  let ok = 0;
  let failed = 0;
  return {
    lat,
    errors,
    record(t0: number, r: boolean | Error) {
      lat.push(performance.now() - t0);
      if (r === true) ok++;
      else {
        failed++;
        if (errors.length < 5 && r instanceof Error) errors.push(r.message);
      }
    },
    stats(elapsedMs: number): RunStats {
      return { ok, failed, elapsedMs, perSecond: (ok * 1000) / elapsedMs, latency: percentiles(lat), errors };
    },
  };
}

/**
 * Closed loop: `concurrency` workers each run `op` back to back until `durationMs` passed or
 * `total` ops were started (or `stop()` says so). Measures maximum throughput at that concurrency.
 *
 * @example
 *   const s = await runClosedLoop({ concurrency: 32, durationMs: 10_000, op: async () => (await post()).status === 200 });
 */
export async function runClosedLoop(o: { concurrency: number; durationMs?: number; total?: number; op: Op; stop?: () => boolean }): Promise<RunStats> {
  const c = collector();
  const t0 = performance.now();
  const deadline = o.durationMs === undefined ? Infinity : t0 + o.durationMs;
  let started = 0;
  const worker = async () => {
    while (performance.now() < deadline && (o.total === undefined || started < o.total) && !o.stop?.()) {
      started++;
      const s = performance.now();
      try {
        c.record(s, await o.op());
      } catch (err) {
        c.record(s, err as Error);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return c.stats(performance.now() - t0);
}

/**
 * Open loop at a fixed rate: op i is due at t0 + i/rate, and its latency counts from that due time
 * (a late send is the server's fault when the generator is idle). Never more than `maxInFlight`
 * outstanding; ops past it are counted as failed ("overloaded").
 *
 * @example
 *   const s = await runFixedRate({ rate: 500, durationMs: 10_000, op: post });
 */
export async function runFixedRate(o: { rate: number; durationMs: number; op: Op; maxInFlight?: number }): Promise<RunStats> {
  const c = collector();
  const maxInFlight = o.maxInFlight ?? 2000;
  const total = Math.floor((o.rate * o.durationMs) / 1000);
  const interval = 1000 / o.rate;
  const t0 = performance.now();
  const inflight = new Set<Promise<void>>();
  for (let i = 0; i < total; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    // Timers are ~1 ms coarse: batch every op that is due within the next millisecond.
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (inflight.size >= maxInFlight) {
      c.record(due, new Error('overloaded: too many requests in flight'));
      continue;
    }
    const p: Promise<void> = o
      .op()
      .then(
        (r) => c.record(due, r),
        (err: Error) => c.record(due, err),
      )
      .finally(() => inflight.delete(p));
    inflight.add(p);
  }
  await Promise.all(inflight);
  return c.stats(performance.now() - t0);
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `check` every `everyMs` until it returns a truthy value (returned) or `timeoutMs` passes (throws
 * with `what` in the message).
 *
 * @example
 *   await waitUntil(() => client.get('/healthz').then((r) => r.status === 200, () => false), { what: 'healthz' });
 */
export async function waitUntil<T>(check: () => Promise<T> | T, o: { timeoutMs?: number; everyMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${o.what ?? 'a condition'}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await sleep(o.everyMs ?? 50);
  }
}
