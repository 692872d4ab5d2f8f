import postgres from 'postgres';
import { AppError } from '../../../errors.js';
import type { Db } from '../../../ports/db.port.js';
import { DatabaseStartError, redactUrl } from '../database-start.error.js';
import { mapDbError } from '../db-errors.js';
import { applyMigrations, loadMigrations, type MigrationExecutor } from '../migrations.js';
import { buildCall, isBatchableIngest } from '../sql-call.js';
import { createGroupCommit, type GroupCommit } from './group-commit.js';

export interface PostgresDbOptions {
  /** A `postgres://` connection string (DATABASE_URL). */
  url: string;
  /** Pool size per process. */
  max?: number;
  /** Seconds to wait for a connection before failing (start-up and every reconnect). */
  connectTimeoutSeconds?: number;
  /**
   * Prepared statements per connection. Must be false behind a transaction-mode pooler
   * (PgBouncer, Supabase's pooler on port 6543), which cannot keep them.
   */
  prepare?: boolean;
  migrationsDir?: string;
  /**
   * A call that has not answered after this long rejects with `unavailable` (the database or the
   * network is stuck); the webhook then answers 503 and Evolution retries, which ingest tolerates.
   */
  callTimeoutMs?: number;
  /**
   * Group commit (see group-commit.ts): concurrent calls of volatile (writing) `app` functions share
   * one pipelined transaction, each still answered after its COMMIT. Stable (read-only) functions
   * always go straight to the pool. Default false.
   */
  groupCommit?: boolean;
  /** false = do not migrate at start-up (the schema is managed elsewhere, e.g. `supabase db push`). */
  migrate?: boolean;
}

export interface PostgresDb extends Db {
  readonly driver: 'postgres';
  /** Names of the migrations this process applied at start-up (empty when another did). */
  readonly applied: string[];
}

/**
 * The Postgres driver: a pool from the `postgres` package; every `call` is one
 * `select app.fn(p_a := $1, …)` (one statement = its own transaction). Migrations are applied at
 * start-up under an advisory lock, so several Motor processes can start at once.
 *
 * @example
 *   const db = await createPostgresDb({ url: 'postgres://127.0.0.1:5432/atende' });
 *   await db.call('ping');
 */
export async function createPostgresDb(opts: PostgresDbOptions): Promise<PostgresDb> {
  const migrations = opts.migrate === false ? [] : await loadMigrations(opts.migrationsDir);
  const sql = postgres(opts.url, {
    max: opts.max ?? 10,
    connect_timeout: opts.connectTimeoutSeconds ?? 5,
    idle_timeout: 60,
    max_lifetime: 30 * 60,
    prepare: opts.prepare ?? true,
    onnotice: () => {}, // "relation … already exists, skipping" and friends
    connection: { application_name: 'atende-motor' },
  });

  const callTimeoutMs = opts.callTimeoutMs ?? 15_000;
  // connect_timeout only covers the TCP connect: a server that accepts and never speaks Postgres
  // (a wrong port, a stuck proxy) would hang start-up without this bound.
  const startTimeoutMs = ((opts.connectTimeoutSeconds ?? 5) + 3) * 1000;
  let applied: string[] = [];
  let writes: { gc: GroupCommit; volatile: Set<string> } | null = null;
  try {
    await withTimeout(sql`select 1`, startTimeoutMs);
    applied = opts.migrate === false ? [] : await migrate(sql, migrations);
    if (opts.groupCommit) {
      // Only writing (volatile) functions need a commit; reads go straight to the pool.
      const rows = await sql<{ proname: string }[]>`
        select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'app' and p.provolatile = 'v'`;
      writes = {
        gc: createGroupCommit({ sql, prepare: opts.prepare ?? true }),
        volatile: new Set(rows.map((r) => r.proname)),
      };
    }
  } catch (err) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw startError(opts.url, err);
  }

  const db: PostgresDb = {
    driver: 'postgres',
    applied,
    async call<T>(fn: string, args?: Record<string, unknown>): Promise<T> {
      let stmt;
      try {
        stmt = buildCall(fn, args);
      } catch (err) {
        throw new AppError('internal', (err as Error).message);
      }
      // buildCall binds objects as JSON text (right for PGlite); postgres.js would JSON-encode that
      // text once more for a jsonb parameter, so it gets the objects themselves.
      const params = Object.values(args ?? {}).filter(
        (v) => v !== undefined,
      ) as postgres.ParameterOrJSON<never>[];
      try {
        const run = writes?.volatile.has(fn)
          ? writes.gc.run(stmt.sql, params, isBatchableIngest(fn, args) ? args : undefined, args?.accountId)
          : sql.unsafe(stmt.sql, params, { prepare: opts.prepare ?? true });
        const rows = await withTimeout(run, callTimeoutMs);
        return ((rows[0] as { r?: T } | undefined)?.r ?? null) as T;
      } catch (err) {
        throw mapDbError(err);
      }
    },
    async ping() {
      await db.call('ping');
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
  return db;
}

/** Runs the migration runner on one reserved connection (the advisory lock is per session). */
async function migrate(sql: postgres.Sql, migrations: Awaited<ReturnType<typeof loadMigrations>>) {
  const conn = await sql.reserve();
  try {
    const ex: MigrationExecutor = {
      async exec(text) {
        await conn.unsafe(text);
      },
      async query<T>(text: string, params: unknown[] = []) {
        return (await conn.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as T[];
      },
    };
    return await applyMigrations(ex, migrations, { lock: true });
  } finally {
    conn.release();
  }
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
  readonly code = 'CONNECT_TIMEOUT';
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer from the database within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A start-up failure with the target (password hidden) and the reason, for the console. */
function startError(url: string, err: unknown): Error {
  if (err instanceof Error && err.name === 'MigrationError') return err;
  const e = err as { code?: string; message?: string };
  const reason =
    e.code === 'CONNECT_TIMEOUT'
      ? `connection timed out (${e.message})`
      : e.code === '3D000'
        ? `${e.message} (create it first, e.g. createdb)`
        : (e.message ?? String(err));
  return new DatabaseStartError(
    `cannot use DATABASE_URL ${redactUrl(url)}: ${reason}${e.code ? ` [${e.code}]` : ''}`,
    {
      cause: err,
    },
  );
}
