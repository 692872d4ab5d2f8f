/**
 * The naive reference server as its own process (so the load client and the agents' sockets do
 * not share its event loop, as they do not share the Motor's): `node --import tsx
 * bench/naive-main.ts` with NAIVE_DB (a PGlite directory, or a postgres:// URL) and
 * NAIVE_INSTANCES (JSON of the bench instances). Prints `listening <url>` when ready; SIGTERM
 * closes it.
 */
import { createPostgresDb } from '../src/adapters/db/postgres/postgres.driver.js';
import type { BenchInstance } from '../test/support/load-fixture.js';
import { openMainThreadPglite } from './lib/main-thread-db.js';
import { startNaiveServer } from './naive-server.js';

const where = process.env.NAIVE_DB ?? '';
const instances = JSON.parse(process.env.NAIVE_INSTANCES ?? '[]') as BenchInstance[];
const db = where.startsWith('postgres') ? await createPostgresDb({ url: where, max: 10 }) : await openMainThreadPglite(where);
const server = await startNaiveServer({ db, instances });
process.stdout.write(`listening ${server.url}\n`);
process.on('SIGTERM', () => {
  void server
    .close()
    .then(() => db.close())
    .finally(() => process.exit(0));
});
