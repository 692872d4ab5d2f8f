/**
 * `npm run bench:profile [-- seconds]`: profiles the built Motor on PGlite under the ingest load
 * with the agents' sockets connected (5 accounts × 20 agents, 32 webhooks in flight), with
 * `node --cpu-prof`, and renders each thread's profile as a flame graph (SVG, and PNG when
 * Chromium is there) under docs/perf/. Prints the functions with the most self time.
 *
 *   npm run bench:profile -w motor            # 15 s of load
 *   PROFILE_LABEL=after npm run bench:profile -w motor
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureMotorBuilt, startMotor } from '../test/support/motor-process.js';
import { createBenchDatabase, seedTenants } from '../test/support/load-fixture.js';
import { connectAgents } from './lib/agents.js';
import { renderFlameGraph, topFunctions, type CpuProfile } from './lib/flamegraph.js';
import { CONCURRENCY } from './lib/settings.js';
import { httpIngest } from './lib/traffic.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(here, '../../docs/perf');

async function main() {
  const seconds = Number(process.argv[2] ?? 15);
  const label = process.env.PROFILE_LABEL ?? 'ingest';
  ensureMotorBuilt();
  const profDir = await mkdtemp(path.join(os.tmpdir(), 'atende-prof-'));
  const database = await createBenchDatabase('pglite');
  try {
    const db = await database.open();
    const tenants = await seedTenants(db, { accounts: 5, instancesPerAccount: 1 });
    await db.close();
    const instances = tenants.flatMap((t) => t.instances);
    const motor = await startMotor({
      env: database.motorEnv,
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=200'],
    });
    let stats;
    try {
      const agents = await connectAgents({ url: motor.url, tenants, perTenant: 20 });
      const run = { instances, conversationsPerInstance: 10, concurrency: CONCURRENCY };
      await httpIngest({ url: motor.url, ...run, durationMs: 1500 });
      stats = await httpIngest({ url: motor.url, ...run, durationMs: seconds * 1000 });
      agents.close();
    } finally {
      await motor.stop(30_000); // SIGTERM: the profile is written at exit
    }
    console.log(`load: ${Math.round(stats.perSecond)} webhooks/s, p99 ${stats.latency.p99.toFixed(1)} ms, loadavg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread.
    const tid = (f: string) => Number(f.split('.')[4]);
    const files = (await readdir(profDir)).filter((f) => f.endsWith('.cpuprofile')).sort((a, b) => tid(a) - tid(b));
    for (const f of files) {
      const profile = JSON.parse(await readFile(path.join(profDir, f), 'utf8')) as CpuProfile;
      const thread = tid(f) === 0 ? 'main' : `worker${tid(f)}`;
      const name = `${label}-${thread}`;
      const title = `Motor ${thread} thread, ${label}: ${seconds} s of webhooks at ${CONCURRENCY} in flight, 100 agents (${Math.round(stats.perSecond)}/s)`;
      const written = await renderFlameGraph(profile, { outDir, name, title });
      console.log(`\n${thread}: ${written.join(', ')}`);
      for (const t of topFunctions(profile, Number(process.env.PROFILE_TOP ?? 25))) console.log(`  ${t.selfPct.toFixed(1).padStart(5)}% self ${t.totalPct.toFixed(1).padStart(5)}% total  ${t.name}`);
    }
  } finally {
    await database.drop();
    if (process.env.PROFILE_KEEP) console.log(`profiles kept in ${profDir}`);
    else await rm(profDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
