import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/adapters/db/migrations.js';

export interface MigrationsCopy {
  dir: string;
  /** Rewrites one file of the copy (e.g. to change a function body after it was applied). */
  edit(name: string, change: (sql: string) => string): Promise<void>;
  remove(): Promise<void>;
}

/**
 * A private copy of supabase/migrations in a temp folder, for tests that edit migrations.
 *
 * @example
 *   const copy = await copyMigrations();
 *   await copy.edit('20261129000200_core_functions.sql', (s) => s + '\n-- changed');
 */
export async function copyMigrations(): Promise<MigrationsCopy> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'atende-migrations-'));
  const dir = path.join(root, 'migrations');
  await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  return {
    dir,
    async edit(name, change) {
      const file = path.join(dir, name);
      await writeFile(file, change(await readFile(file, 'utf8')));
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/** The round-one function body the checksum tests change (any edit of an applied file would do). */
export const CHANGED_FILE = '20261129000200_core_functions.sql';
export const changePing = (sql: string) => sql.replace(/'ok', true/, "'ok', true, 'edited', true");
