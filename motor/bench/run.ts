/**
 * `npm run bench [-- name…]`: runs the benchmarks (all, or the ones named), prints a table per
 * benchmark with every figure next to a baseline measured in the same run, and merges the results
 * into motor/bench/results.json. Benchmarks report; they assert nothing.
 *
 *   npm run bench                     # everything, ~10 min on 2 cores
 *   npm run bench -- ingest           # one benchmark
 *   npm run bench -- ingest latency   # several
 *   BENCH_DRIVERS=postgres npm run bench -- ingest   # one driver (default: pglite,postgres)
 *   SOAK_SECONDS=600 npm run bench -- soak
 *   npm run bench -- campaigns        # pacing at 20/120/600 per min (~3 min), p99 with a campaign
 *   npm run bench -- ai               # ingest p99 with the AI off vs on (same run), prompt size per answer
 *   npm run bench -- media            # webhook p99 while 20 media files are fetched, a 5 MB image to 50 agents
 */
import os from 'node:os';
import { ensureMotorBuilt } from '../test/support/motor-process.js';
import { renderTable, writeResults, type BenchResult } from './lib/report.js';

type BenchModule = { run(): Promise<BenchResult[]> };

const benches: Record<string, () => Promise<BenchModule>> = {
  ingest: () => import('./ingest.bench.js'),
  latency: () => import('./latency.bench.js'),
  fanout: () => import('./fanout.bench.js'),
  inbox: () => import('./inbox.bench.js'),
  soak: () => import('./soak.bench.js'),
  campaigns: () => import('./campaigns.bench.js'),
  ai: () => import('./ai.bench.js'),
  media: () => import('./media.bench.js'),
};
/** `soak` is long (SOAK_SECONDS, default 10 min): only when named. */
const defaults = ['ingest', 'latency', 'fanout', 'inbox'];

async function main() {
  const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = asked.filter((a) => !(a in benches));
  if (unknown.length) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  const names = asked.length ? asked : defaults;
  console.log(`building the Motor…`);
  ensureMotorBuilt();
  const all: BenchResult[] = [];
  for (const name of names) {
    console.log(`\n▶ ${name}`);
    const mod = await benches[name]!();
    try {
      const load = os.loadavg()[0]!;
      const results = (await mod.run()).map((r) => ({ ...r, loadAtStart: load }));
      for (const r of results) console.log(renderTable(r));
      all.push(...results);
      writeResults(results, `npm run bench -- ${name}`);
    } catch (err) {
      console.error(`✖ ${name} failed: ${(err as Error).stack ?? err}`);
      process.exitCode = 1;
    }
  }
  console.log(`\nresults written to motor/bench/results.json`);
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
