import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { inject } from 'vitest';
import { createPgliteDb, type PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { pgliteExtensions as extensions } from '../../src/adapters/db/pglite/pglite.extensions.js';
import { createSupabaseDb } from '../../src/adapters/db/supabase/supabase.driver.js';
import { createPostgresTestDb } from './postgres-test-db.js';
import { startPostgrestServer } from './postgrest-server.js';

/**
 * A fresh, migrated database for one test file: PGlite cloned from the dump global-setup made, or,
 * with TEST_DB=postgres (the `sql-on-postgres` project of `npm run test:integration`), a new
 * database on the local PostgreSQL that `close()` drops. Same SQL, both engines, one test file.
 * TEST_DB=supabase puts the Supabase driver (real supabase-js → the PostgREST stand-in) in front
 * of the PGlite clone: `TEST_DB=supabase npx vitest run --project medium` runs every SQL test that way.
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
      async exec(sql: string) {
        const raw = postgres(db.url, { max: 1, onnotice: () => {} });
        await raw
          .unsafe(sql)
          .simple()
          .finally(() => raw.end({ timeout: 1 }));
      },
    };
  }
  const pglite = await createPgliteDb({ loadDumpPath: inject('pgliteDump') });
  if (process.env.TEST_DB !== 'supabase') return pglite;
  const rest = await startPostgrestServer({ db: pglite });
  const sb = await createSupabaseDb({ url: rest.url, serviceRoleKey: rest.serviceRoleKey });
  return {
    ...sb,
    applied: pglite.applied,
    dump: (file: string) => pglite.dump(file),
    exec: (sql: string) => pglite.exec(sql),
    async close() {
      await sb.close();
      await rest.close();
      await pglite.close();
    },
  };
}

/**
 * A bare PGlite as initdb leaves it (no migration, no helper), cloned from the blank dump
 * global-setup made: for tests that build a database their own way (schema files, round-one
 * migrations) without paying initdb (~3 s) each time.
 *
 * @example
 *   const pg = await blankPglite();
 *   await pg.exec(sql);
 */
export async function blankPglite(): Promise<PGlite> {
  const bytes = await readFile(inject('pgliteBlankDump'));
  const pg = new PGlite({ loadDataDir: new Blob([bytes]), extensions });
  await pg.waitReady;
  return pg;
}
