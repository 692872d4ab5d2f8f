import { createClient } from '@supabase/supabase-js';
import { AppError, unavailable } from '../../../errors.js';
import type { Db } from '../../../ports/db.port.js';
import { DatabaseStartError } from '../database-start.error.js';
import { mapDbError } from '../db-errors.js';
import { loadMigrations, MigrationError, verifyHistory, type MigrationHistory } from '../migrations.js';
import { toParamName } from '../sql-call.js';

export interface SupabaseDbOptions {
  /** The project URL, e.g. https://xyz.supabase.co (SUPABASE_URL). */
  url: string;
  /** The service_role key: the only role allowed to execute `app.*` (SUPABASE_SERVICE_ROLE_KEY). */
  serviceRoleKey: string;
  /** Injected transport (tests, proxies); defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Per-call timeout; a call that takes longer is `unavailable`. */
  timeoutMs?: number;
  /** The local migrations the project must have applied (default: supabase/migrations). */
  migrationsDir?: string;
}

export interface SupabaseDb extends Db {
  readonly driver: 'supabase';
}

/** What PostgREST answers in `error` (packages/core/postgrest-js/src/PostgrestError.ts). */
export interface PostgrestErrorLike {
  code?: string;
  message?: string;
  details?: string | null;
  hint?: string | null;
}

const FN_NAME = /^[a-z_][a-z0-9_]*$/;

/** A WebSocket constructor that refuses to connect: the Motor pushes through Socket.IO, not Supabase Realtime. */
class NoRealtime {
  constructor() {
    throw new Error('Supabase Realtime is not used by the Motor');
  }
}

/**
 * The Supabase driver: every `call` is `supabase.rpc(fn, { p_…: … })` on schema `app`, through
 * PostgREST. The schema must be exposed to the API (supabase/config.toml `[api] schemas`) and
 * the migrations applied with `supabase db push`; start-up checks both with one `ping`, then
 * compares `app.migration_history()` with the local files (a missing or changed one stops it).
 *
 * @example
 *   const db = await createSupabaseDb({ url: env.SUPABASE_URL, serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY });
 */
export async function createSupabaseDb(opts: SupabaseDbOptions): Promise<SupabaseDb> {
  const migrations = await loadMigrations(opts.migrationsDir);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const baseFetch = opts.fetch ?? fetch;
  const timedFetch: typeof fetch = (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return baseFetch(input, { ...init, signal });
  };
  const client = createClient(opts.url, opts.serviceRoleKey, {
    db: { schema: 'app' },
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: { fetch: timedFetch },
    // Data only: no Realtime. supabase-js builds its realtime client eagerly and, on Node 20
    // (no global WebSocket), throws unless given a transport; this one is never opened.
    realtime: { transport: NoRealtime as unknown as typeof WebSocket },
  });

  const db: SupabaseDb = {
    driver: 'supabase',
    async call<T>(fn: string, args: Record<string, unknown> = {}): Promise<T> {
      if (!FN_NAME.test(fn)) throw new AppError('internal', `invalid function name: ${fn}`);
      const named: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(args)) if (v !== undefined) named[toParamName(k)] = v;
      const { data, error, status } = await client.rpc(fn, named);
      if (error) throw mapPostgrestError(error, status, fn);
      return (data ?? null) as T;
    },
    async ping() {
      await db.call('ping');
    },
    async close() {
      await client.removeAllChannels().catch(() => {});
    },
  };

  try {
    await db.ping();
    verifyHistory(await db.call<MigrationHistory>('migration_history'), migrations);
  } catch (err) {
    if (err instanceof MigrationError) throw err;
    throw new DatabaseStartError(`cannot use Supabase at ${opts.url}: ${startHint(err)}`, { cause: err });
  }
  return db;
}

/**
 * PostgREST error → AppError, branching on `code` (a SQLSTATE, or PGRSTxxx) and the HTTP status,
 * never on the message. Our own AT4xx codes and Postgres' codes go through the same table as the
 * SQL drivers; "the database is unreachable" (network, timeouts, 502-504, PGRST000-002) is
 * `unavailable`; anything else is our bug (`internal`, e.g. PGRST202 unknown function).
 *
 * @example
 *   mapPostgrestError({ code: 'AT404', message: 'not found' }, 400, 'events_after'); // not_found
 */
export function mapPostgrestError(error: PostgrestErrorLike, status: number, fn: string): AppError {
  const code = error.code ?? '';
  const cause = Object.assign(
    new Error(`Supabase rpc ${fn} failed with status ${status}: ${error.message ?? ''}`),
    {
      code,
      details: error.details,
      hint: error.hint,
    },
  );
  if (status === 0 || status === 502 || status === 503 || status === 504 || /^PGRST00[0-2]$/.test(code)) {
    return unavailable(undefined, cause);
  }
  if (code === 'PGRST202')
    return new AppError('internal', `unknown database function app.${fn}`, undefined, { cause });
  if (/^[0-9A-Z]{5}$/.test(code)) {
    const mapped = mapDbError({ code, message: error.message });
    return new AppError(mapped.code, mapped.message, undefined, { cause });
  }
  return new AppError('internal', 'internal error', undefined, { cause });
}

/** The console line for a failed start: what to fix, by code. */
function startHint(err: unknown): string {
  const cause = (err as { cause?: PostgrestErrorLike & { message: string } }).cause;
  switch (cause?.code) {
    case 'PGRST106':
      return 'the API does not expose schema "app" (add it to [api] schemas in supabase/config.toml or the dashboard)';
    case 'PGRST202':
      return `${/app\.\w+/.exec(cause.message)?.[0] ?? 'a function'} is missing (apply the migrations: supabase db push)`;
    default:
      return cause?.message ?? (err as Error).message;
  }
}
