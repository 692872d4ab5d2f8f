/**
 * The database port: the Motor reads and writes only by calling SQL functions in the `app`
 * schema, one call = one round trip = one transaction.
 *
 * Arguments are passed by name: a camelCase key `accountId` binds the SQL parameter `p_account_id`.
 * Values are scalars (string, number, boolean, null) or JSON (objects/arrays, bound as jsonb).
 * Every function returns jsonb, handed back parsed.
 *
 * Failures are AppErrors: SQL-raised codes map to the taxonomy (see db-errors.ts), and a database
 * that cannot be reached is `unavailable` (503).
 *
 * @example
 *   const page = await db.call<EventsPage>('events_after', { accountId, after: 10 });
 */
export interface Db {
  readonly driver: 'pglite' | 'postgres' | 'supabase';
  call<T = unknown>(fn: string, args?: Record<string, unknown>): Promise<T>;
  /** Resolves when the database answers a trivial call; rejects with `unavailable` otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
