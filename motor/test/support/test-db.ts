import { inject } from 'vitest';
import { createPgliteDb, type PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { createPostgresTestDb } from './postgres-test-db.js';

/**
 * A fresh, migrated database for one test file: PGlite cloned from the dump global-setup made, or,
 * with TEST_DB=postgres (the `sql-on-postgres` project of `npm run test:integration`), a new
 * database on the local PostgreSQL that `close()` drops. Same SQL, both engines, one test file.
 *
 * @example
 *   let db: PgliteDb;
 *   beforeAll(async () => { db = await createTestDb(); });
 *   afterAll(() => db.close());
 */
export async function createTestDb(): Promise<PgliteDb> {
  if (process.env.TEST_DB === 'postgres') {
    const db = await createPostgresTestDb();
    return {
      ...db,
      dump: () => Promise.reject(new Error('dump() is PGlite-only; this test runs with TEST_DB=postgres')),
    };
  }
  return createPgliteDb({ loadDumpPath: inject('pgliteDump') });
}
