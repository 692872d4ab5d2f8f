import path from 'node:path';
import type { DatabaseConfig } from '../../config.js';
import type { Db } from '../../ports/db.port.js';
import { createPgliteDb } from './pglite/pglite.driver.js';
import { createPostgresDb } from './postgres/postgres.driver.js';
import { createSupabaseDb } from './supabase/supabase.driver.js';

/**
 * Picks the database driver the configuration asks for: `DATABASE_URL` → Postgres (migrations
 * applied at start-up), `SUPABASE_URL` + key → Supabase through PostgREST (migrations applied
 * with `supabase db push`, checked at start-up), otherwise the embedded PGlite in `DATA_DIR/pglite`. Rejects with a
 * DatabaseStartError (or MigrationError) whose message names the database and the reason.
 *
 * @example
 *   const db = await createDb(config.database);
 */
export async function createDb(config: DatabaseConfig, opts: { migrationsDir?: string } = {}): Promise<Db> {
  switch (config.driver) {
    case 'pglite':
      return createPgliteDb({
        dataDir: path.join(config.dataDir, 'pglite'),
        migrationsDir: opts.migrationsDir,
      });
    case 'postgres':
      return createPostgresDb({
        url: config.url,
        migrationsDir: opts.migrationsDir,
        prepare: !usesTransactionPooler(config.url),
        groupCommit: config.groupCommit,
      });
    case 'supabase':
      return createSupabaseDb({
        url: config.url,
        serviceRoleKey: config.serviceRoleKey,
        migrationsDir: opts.migrationsDir,
      });
  }
}

/** Supabase's pooler in transaction mode (port 6543) cannot keep prepared statements between transactions. */
function usesTransactionPooler(url: string): boolean {
  try {
    const u = new URL(url);
    return u.port === '6543';
  } catch {
    return false;
  }
}
