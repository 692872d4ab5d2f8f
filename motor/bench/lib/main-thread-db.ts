import { PGlite } from '@electric-sql/pglite';
import { pgliteExtensions } from '../../src/adapters/db/pglite/pglite.extensions.js';
import { mapDbError } from '../../src/adapters/db/db-errors.js';
import { buildCall } from '../../src/adapters/db/sql-call.js';
import type { Db } from '../../src/ports/db.port.js';

/**
 * PGlite opened in the calling thread, each `call` one autocommit query: what the naive reference
 * server uses (no worker thread, no batching). Only while no other process owns the data directory.
 *
 * @example
 *   const db = await openMainThreadPglite(path.join(dataDir, 'pglite'));
 */
export async function openMainThreadPglite(dir: string): Promise<Db> {
  const pg = new PGlite(dir, { extensions: pgliteExtensions });
  await pg.waitReady;
  return {
    driver: 'pglite',
    async call<T>(fn: string, args?: Record<string, unknown>) {
      const { sql, params } = buildCall(fn, args);
      try {
        const r = await pg.query<{ r: T }>(sql, params);
        return (r.rows[0]?.r ?? null) as T;
      } catch (err) {
        throw mapDbError(err);
      }
    },
    async ping() {
      await pg.query('select 1');
    },
    close: () => pg.close(),
  };
}
