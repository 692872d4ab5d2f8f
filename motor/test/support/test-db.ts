import { inject } from 'vitest';
import { createPgliteDb, type PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';

/**
 * A fresh, migrated PGlite for one test file, cloned from the dump global-setup made.
 *
 * @example
 *   let db: PgliteDb;
 *   beforeAll(async () => { db = await createTestDb(); });
 *   afterAll(() => db.close());
 */
export function createTestDb(): Promise<PgliteDb> {
  return createPgliteDb({ loadDumpPath: inject('pgliteDump') });
}
