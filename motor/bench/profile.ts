/**
 * `npm run bench:profile [-- seconds]`: profiles the built Motor under the ingest load with the
 * agents' sockets connected (5 accounts × 20 agents, 32 webhooks in flight), with
 * `node --cpu-prof`, and renders each thread's profile as a flame graph (SVG, and PNG when
 * Chromium is there) under docs/perf/. Prints the functions with the most self time, and the CPU
 * per webhook of the process (and of PostgreSQL's processes on this machine).
 *
 *   npm run bench:profile -w motor            # 15 s of load, PGlite
 *   PROFILE_LABEL=after npm run bench:profile -w motor
 *   PROFILE_DRIVER=postgres npm run bench:profile -w motor   # the PostgreSQL pool driver
 *   PROFILE_NAIVE=1 npm run bench:profile -w motor           # the naive server too, same run
 */
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureMotorBuilt, startMotor } from '../test/support/motor-process.js';
import { createBenchDatabase, seedTenants, type BenchTenant, type DriverKind } from '../test/support/load-fixture.js';
import { connectAgents } from './lib/agents.js';
import { renderFlameGraph, topFunctions, type CpuProfile } from './lib/flamegraph.js';
import { startNaiveProcess } from './lib/naive-process.js';
import { cpuMs, cpuMsOfCommand } from './lib/proc-cpu.js';
import { CONCURRENCY } from './lib/settings.js';
import { httpIngest } from './lib/traffic.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(here, '../../docs/perf');

interface Server {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Load on one server with its agents connected; the profile is written when it stops. */
async function load(server: Server, o: { tenants: BenchTenant[]; seconds: number; naive: boolean }) {
  const agents = await connectAgents({ url: server.url, tenants: o.tenants, perTenant: 20, naive: o.naive });
  const run = { instances: o.tenants.flatMap((t) => t.instances), conversationsPerInstance: 10, concurrency: CONCURRENCY };
  try {
    await httpIngest({ url: server.url, ...run, durationMs: 1500 });
    const cpu0 = cpuMs(server.pid);
    const db0 = cpuMsOfCommand('postgres');
    const stats = await httpIngest({ url: server.url, ...run, durationMs: o.seconds * 1000 });
    return { stats, cpuMs: (cpuMs(server.pid) - cpu0) / stats.ok, dbCpuMs: (cpuMsOfCommand('postgres') - db0) / stats.ok };
  } finally {
    agents.close();
    await server.stop();
  }
}

async function render(profDir: string, o: { who: string; label: string; caption: string }) {
  // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread.
  const tid = (f: string) => Number(f.split('.')[4]);
  const files = (await readdir(profDir)).filter((f) => f.endsWith('.cpuprofile')).sort((a, b) => tid(a) - tid(b));
  for (const f of files) {
    const profile = JSON.parse(await readFile(path.join(profDir, f), 'utf8')) as CpuProfile;
    const thread = tid(f) === 0 ? 'main' : `worker${tid(f)}`;
    const written = await renderFlameGraph(profile, { outDir, name: `${o.label}-${thread}`, title: `${o.who} ${thread} thread, ${o.caption}` });
    console.log(`\n${o.who} ${thread}: ${written.join(', ')}`);
    for (const t of topFunctions(profile, Number(process.env.PROFILE_TOP ?? 25))) console.log(`  ${t.selfPct.toFixed(1).padStart(5)}% self ${t.totalPct.toFixed(1).padStart(5)}% total  ${t.name}`);
  }
}

async function main() {
  const seconds = Number(process.argv[2] ?? 15);
  const kind = (process.env.PROFILE_DRIVER ?? 'pglite') as DriverKind;
  const label = process.env.PROFILE_LABEL ?? (kind === 'pglite' ? 'ingest' : `ingest-${kind}`);
  ensureMotorBuilt();
  const profDir = await mkdtemp(path.join(os.tmpdir(), 'atende-prof-'));
  const prof = (dir: string) => ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200'];
  const database = await createBenchDatabase(kind);
  try {
    const db = await database.open();
    const tenants = await seedTenants(db, { accounts: 5, instancesPerAccount: 1 });
    await db.close();
    let naiveDb = database.url ?? '';
    if (kind === 'pglite') {
      naiveDb = path.join(database.motorEnv.DATA_DIR!, 'naive-pglite');
      await cp(path.join(database.motorEnv.DATA_DIR!, 'pglite'), naiveDb, { recursive: true });
    }
    const runs = [{ who: 'Motor', naive: false }, ...(process.env.PROFILE_NAIVE ? [{ who: 'naive server', naive: true }] : [])];
    for (const r of runs) {
      const dir = path.join(profDir, r.naive ? 'naive' : 'motor');
      const server: Server = r.naive
        ? await startNaiveProcess({ db: naiveDb, instances: tenants.flatMap((t) => t.instances), nodeArgs: prof(dir) })
        : await (async () => {
            const m = await startMotor({ env: database.motorEnv, nodeArgs: prof(dir) });
            return { url: m.url, pid: m.pid, stop: () => m.stop(30_000) }; // SIGTERM: the profile is written at exit
          })();
      const { stats, cpuMs: cpu, dbCpuMs } = await load(server, { tenants, seconds, naive: r.naive });
      const rate = Math.round(stats.perSecond);
      console.log(
        `\n${r.who} on ${kind}: ${rate} webhooks/s, p99 ${stats.latency.p99.toFixed(1)} ms, CPU per webhook ${cpu.toFixed(2)} ms${Number.isFinite(dbCpuMs) && kind === 'postgres' ? ` (+ PostgreSQL ${dbCpuMs.toFixed(2)} ms)` : ''}, loadavg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
      );
      await render(dir, {
        who: r.who,
        label: r.naive ? `${label}-naive` : label,
        caption: `${kind}, ${label}: ${seconds} s of webhooks at ${CONCURRENCY} in flight, 100 agents (${rate}/s)`,
      });
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
