import { createHash } from 'node:crypto';
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
  /** sha256 (hex) of the file text, line endings normalised to \n. */
  checksum: string;
}

/** What the runner needs from a connection; each driver adapts its client to this. */
export interface MigrationExecutor {
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * sha256 of a migration's text. CRLF is read as LF, so a Windows checkout (git autocrlf) of an
 * unchanged file keeps its checksum.
 *
 * @example
 *   migrationChecksum('select 1;\n'); // '3b1f…' (64 hex digits)
 */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
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
  return Promise.all(
    files.map(async (name) => {
      const sql = await readFile(path.join(dir, name), 'utf8');
      return { name, sql, checksum: migrationChecksum(sql) };
    }),
  );
}

/** One row of `public.schema_migrations`; `checksum` is null only before the first backfill. */
export interface AppliedMigration {
  name: string;
  checksum: string | null;
}

/**
 * Stops start-up when an applied migration's file no longer matches what was applied: the
 * database would keep running the old body with no warning. Names every changed file.
 *
 * @example
 *   assertUnchanged([{ name: 'a.sql', checksum: 'x' }], await loadMigrations()); // throws if a.sql changed
 */
export function assertUnchanged(applied: AppliedMigration[], local: Migration[]): void {
  const byName = new Map(local.map((m) => [m.name, m]));
  const changed = applied
    .filter((a) => a.checksum !== null && byName.has(a.name) && byName.get(a.name)!.checksum !== a.checksum)
    .map((a) => a.name);
  if (changed.length > 0) throw changedError(changed);
}

/** The one message for "a shipped migration was edited", whichever driver found it. */
export function changedError(files: string[]): MigrationError {
  const list = files.join(', ');
  return new MigrationError(
    `migration${files.length > 1 ? 's' : ''} ${list} changed after being applied to this database ` +
      `(the database still runs the old text). Shipped migrations are history: restore the file ` +
      `(git checkout main -- supabase/migrations/${files[0]}) and put the change in a new migration ` +
      `(docs/adr/0004-migrations-are-history.md).`,
  );
}

const LOCK_KEY = 727_001; // pg_advisory_lock key shared by every Motor process

/**
 * Applies the migrations not yet recorded in `public.schema_migrations`, each in its own
 * transaction with its name and checksum. Before applying anything it checks the checksums of the
 * ones already applied (a changed file stops start-up: `assertUnchanged`); rows recorded before
 * checksums existed get the current file's checksum once. With `lock`, a session advisory lock
 * makes two processes starting at once apply them one after the other (the second finds nothing
 * left to do).
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
      alter table public.schema_migrations add column if not exists checksum text;
      alter table public.schema_migrations enable row level security;`);
    const rows = await ex.query<AppliedMigration>('select name, checksum from public.schema_migrations');
    await backfillChecksums(ex, rows, migrations);
    assertUnchanged(rows, migrations);
    const done = new Set(rows.map((r) => r.name));
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.name)) continue;
      try {
        await ex.exec(
          `begin;\n${m.sql}\n;insert into public.schema_migrations(name, checksum) ` +
            `values ('${m.name.replace(/'/g, "''")}', '${m.checksum}');\ncommit;`,
        );
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

/**
 * Rows applied by the round-one runner have no checksum: they were applied from the files as
 * shipped, so the current file's checksum is recorded (once; `rows` is updated in place).
 */
async function backfillChecksums(ex: MigrationExecutor, rows: AppliedMigration[], migrations: Migration[]) {
  const byName = new Map(migrations.map((m) => [m.name, m]));
  for (const row of rows) {
    const m = byName.get(row.name);
    if (row.checksum !== null || !m) continue;
    await ex.query('update public.schema_migrations set checksum = $2 where name = $1 and checksum is null', [
      m.name,
      m.checksum,
    ]);
    row.checksum = m.checksum;
  }
}

/** What `app.migration_history()` answers (see 20261201000100_migration_history.sql). */
export interface MigrationHistory {
  motor: AppliedMigration[];
  cli: { version: string; name: string | null; statements: string[] | null }[];
}

/**
 * The Supabase driver's start-up check (it does not migrate; `supabase db push` does): every local
 * migration must be applied, and none of the applied ones may have changed. Rows of the Motor's
 * runner are compared by checksum; rows of the Supabase CLI by their statements, which the CLI
 * stores split and trimmed, so both sides are compared without comments, whitespace and `;`.
 *
 * @example
 *   verifyHistory(await db.call('migration_history'), await loadMigrations());
 */
export function verifyHistory(history: MigrationHistory, local: Migration[]): void {
  assertUnchanged(history.motor, local);
  const applied = new Set(history.motor.map((r) => r.name));
  const changed: string[] = [];
  for (const row of history.cli) {
    const m = local.find((l) => l.name.startsWith(`${row.version}_`));
    if (!m) continue;
    applied.add(m.name);
    if (row.statements && sqlShape(row.statements.join('\n')) !== sqlShape(m.sql)) changed.push(m.name);
  }
  if (changed.length > 0) throw changedError(changed);
  const pending = local.filter((m) => !applied.has(m.name)).map((m) => m.name);
  if (pending.length > 0) {
    throw new MigrationError(
      `the database lacks migration${pending.length > 1 ? 's' : ''} ${pending.join(', ')}: ` +
        `apply them with \`supabase db push\` before starting the Motor`,
    );
  }
}

/** SQL text without comments, whitespace and statement separators: what the CLI's split keeps. */
function sqlShape(sql: string): string {
  return sql
    .replace(/\r\n/g, '\n')
    .replace(/--[^\n]*/g, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/[\s;]+/g, '');
}
