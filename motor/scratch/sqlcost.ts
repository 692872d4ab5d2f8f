import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pgliteExtensions } from '../src/adapters/db/pglite/pglite.extensions.js';
import { createBenchDatabase, seedTenants } from '../test/support/load-fixture.js';
import { ingestArgsOf, trafficFor } from '../bench/lib/traffic.js';
import { buildCall } from '../src/adapters/db/sql-call.js';

const database = await createBenchDatabase('pglite');
const db = await database.open();
const tenants = await seedTenants(db, { accounts: 5, instancesPerAccount: 1 });
await db.close();
const instances = tenants.flatMap((t) => t.instances);
const byName = new Map(instances.map((i) => [i.name, i]));
const pg = new PGlite(path.join(database.motorEnv.DATA_DIR!, 'pglite'), { extensions: pgliteExtensions });
await pg.waitReady;
const next = trafficFor(instances, 10);
const stmt = () => { const t = next(); return buildCall('ingest_message', ingestArgsOf(t.body, byName.get(t.target.instance)!)); };
for (let i = 0; i < 200; i++) { const s = stmt(); await pg.query(s.sql, s.params); }
const N = Number(process.argv[2] ?? 600);
if (process.env.TRACK) {
  await pg.exec("set track_functions = 'all'");
  await pg.exec('select pg_stat_reset()');
  for (let i = 0; i < N; i++) { const s = stmt(); await pg.query(s.sql, s.params); }
  await new Promise((r) => setTimeout(r, 100));
  const r = await pg.query(`select funcname, calls, round(total_time::numeric/${N}, 3) as total_ms_per_msg, round(self_time::numeric/${N},3) as self_ms_per_msg from pg_stat_user_functions order by total_time desc limit 30`);
  console.table(r.rows);
  process.exit(0);
}
async function time(label: string, f: () => Promise<void>) {
  const t0 = performance.now(); await f(); const ms = performance.now() - t0;
  console.log(`${label}: ${(ms / N).toFixed(2)} ms/call, ${(N * 1000 / ms).toFixed(0)}/s`);
}
await time('single autocommit', async () => { for (let i = 0; i < N; i++) { const s = stmt(); await pg.query(s.sql, s.params); } });
await time('batch 25 savepoints', async () => {
  for (let b = 0; b < N / 25; b++) { await pg.exec('begin'); for (let i = 0; i < 25; i++) { const s = stmt(); await pg.exec('savepoint c'); await pg.query(s.sql, s.params); await pg.exec('release savepoint c'); } await pg.exec('commit'); }
});
await time('batch 25 no savepoint', async () => {
  for (let b = 0; b < N / 25; b++) { await pg.exec('begin'); for (let i = 0; i < 25; i++) { const s = stmt(); await pg.query(s.sql, s.params); } await pg.exec('commit'); }
});
await time('select 1 query', async () => { for (let i = 0; i < N; i++) await pg.query('select 1'); });
await time('exec savepoint pair (in tx)', async () => { await pg.exec('begin'); for (let i = 0; i < N; i++) { await pg.exec('savepoint c'); await pg.exec('release savepoint c'); } await pg.exec('commit'); });
const ex = await pg.query('explain (analyze, buffers) ' + stmt().sql.replace('$1', "'x'"), []).catch((e) => ({ rows: [String(e)] }));
console.log(await pg.query(`select name, setting from pg_settings where name in ('shared_buffers','work_mem','fsync','synchronous_commit','wal_buffers','full_page_writes','jit')`).then(r=>r.rows));
await pg.close();
await database.drop();
