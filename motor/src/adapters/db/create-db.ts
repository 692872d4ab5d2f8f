import path from 'node:path';
import type { DatabaseConfig } from '../../config.js';
import type { Db } from '../../ports/db.port.js';
import { createPgliteDb } from './pglite/pglite.driver.js';

/** Picks the database driver the configuration asks for. */
export async function createDb(config: DatabaseConfig, opts: { migrationsDir?: string } = {}): Promise<Db> {
  switch (config.driver) {
    case 'pglite':
      return createPgliteDb({ dataDir: path.join(config.dataDir, 'pglite'), migrationsDir: opts.migrationsDir });
    default:
      throw new Error(`database driver ${config.driver} is not available yet`);
  }
}
