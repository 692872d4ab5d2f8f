import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `supabase/migrations` sits, from motor/src/adapters/db or motor/dist/adapters/db. */
export const DEFAULT_MIGRATIONS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../supabase/migrations',
);

export interface Migration {
  name: string;
  sql: string;
}

/** What the runner needs from a connection; each driver adapts its client to this. */
export interface MigrationExecutor {
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Reads `*.sql` in name order (timestamped names, as `supabase db push` expects). */
export async function loadMigrations(dir = DEFAULT_MIGRATIONS_DIR): Promise<Migration[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  } catch (err) {
    throw new MigrationError(`migrations folder not found: ${dir} (${(err as Error).message})`);
  }
  if (files.length === 0) throw new MigrationError(`no .sql migrations in ${dir}`);
  return Promise.all(files.map(async (name) => ({ name, sql: await readFile(path.join(dir, name), 'utf8') })));
}

const LOCK_KEY = 727_001; // pg_advisory_lock key shared by every Motor process

/**
 * Applies the migrations not yet recorded in `public.schema_migrations`, each in its own
 * transaction. With `lock`, a session advisory lock makes two processes starting at once apply
 * them one after the other (the second finds nothing left to do).
 *
 * @example
 *   await applyMigrations(executor, await loadMigrations(), { lock: true });
 */
export async function applyMigrations(
  ex: MigrationExecutor,
  migrations: Migration[],
  opts: { lock: boolean },
): Promise<string[]> {
  if (opts.lock) await ex.query('select pg_advisory_lock($1)', [LOCK_KEY]);
  try {
    await ex.exec(`create table if not exists public.schema_migrations (
      name text primary key, applied_at timestamptz not null default now());
      alter table public.schema_migrations enable row level security;`);
    const done = new Set(
      (await ex.query<{ name: string }>('select name from public.schema_migrations')).map((r) => r.name),
    );
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.name)) continue;
      try {
        await ex.exec(`begin;\n${m.sql}\n;insert into public.schema_migrations(name) values ('${m.name.replace(/'/g, "''")}');\ncommit;`);
      } catch (err) {
        await ex.exec('rollback').catch(() => {});
        throw new MigrationError(`migration ${m.name} failed: ${(err as Error).message}`);
      }
      applied.push(m.name);
    }
    return applied;
  } finally {
    if (opts.lock) await ex.query('select pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
  }
}
