import { createSupabaseDb } from '../../src/adapters/db/supabase/supabase.driver.js';
import type { Db } from '../../src/ports/db.port.js';
import { describeDbContract } from '../support/db-suite.js';
import { startPostgrestServer } from '../support/postgrest-server.js';
import { createTestDb } from '../support/test-db.js';

// The same driver contract on the embedded database and on the Supabase driver (real supabase-js
// → the PostgREST fake → the same SQL on PGlite). The integration tier runs it on PostgreSQL.
describeDbContract(process.env.TEST_DB ?? 'PGlite', () => createTestDb());

const behind = new WeakMap<Db, () => Promise<void>>();
describeDbContract(
  'Supabase → PostgREST fake → PGlite',
  async () => {
    const inner = await createTestDb();
    const server = await startPostgrestServer({ db: inner });
    const db = await createSupabaseDb({ url: server.url, serviceRoleKey: server.serviceRoleKey });
    behind.set(db, async () => {
      await server.close();
      await inner.close();
    });
    return db;
  },
  async (db) => {
    await db.close();
    await behind.get(db)?.();
  },
);
