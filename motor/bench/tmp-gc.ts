import postgres from 'postgres';
import { createBenchDatabase, seedTenants } from './lib/fixture.js';
import { directIngest } from './lib/traffic.js';
import { createGroupCommit } from '../src/adapters/db/postgres/group-commit.js';
import { buildCall } from '../src/adapters/db/sql-call.js';
import type { Db } from '../src/ports/db.port.js';
const d = await createBenchDatabase('postgres');
const db = await d.open();
const t = await seedTenants(db, { accounts: 5, instancesPerAccount: 1 });
const inst = t.flatMap(x=>x.instances);
const sql = postgres(d.url!, { max: 10, onnotice: () => {} });
const gc = createGroupCommit({ sql, prepare: true });
const gdb: Db = { driver: 'postgres', async call(fn, args) { const s = buildCall(fn, args); const rows = await gc.run(s.sql, Object.values(args ?? {}).filter((v) => v !== undefined)); return (rows[0] as any)?.r ?? null; }, async ping() {}, async close() { await sql.end(); } };
for (const c of [1, 8, 32]) {
  for (const [name, x] of [['pool', db], ['gc', gdb]] as const) {
    const s = await directIngest({ db: x, instances: inst, conversationsPerInstance: 10, concurrency: c, durationMs: 3000 });
    console.log(name, c, Math.round(s.perSecond), s.failed, s.errors.slice(0,1), s.latency.p50.toFixed(2), s.latency.p99.toFixed(2), JSON.stringify(gc.stats()));
  }
}
await gdb.close(); await db.close(); await d.drop();
process.exit(0)
