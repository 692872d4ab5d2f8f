import type { DriverKind } from '../../test/support/load-fixture.js';

/** Knobs shared by the benchmarks, from the environment (bench-only; the Motor's own config is config.ts). */

/** Requests in flight in the closed-loop throughput runs. */
export const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);

/** Seconds per measured phase (each phase also gets a short warm-up). */
export const benchSeconds = () => Number(process.env.BENCH_SECONDS ?? 8);

/** Which database drivers to measure: BENCH_DRIVERS=pglite,postgres (default both). */
export function benchDrivers(): DriverKind[] {
  const raw = (process.env.BENCH_DRIVERS ?? 'pglite,postgres').split(',').map((s) => s.trim());
  return raw.filter((d): d is DriverKind => d === 'pglite' || d === 'postgres');
}
