import { randomBytes } from 'node:crypto';
import net from 'node:net';
import postgres from 'postgres';
import { createPostgresDb, type PostgresDb } from '../../src/adapters/db/postgres/postgres.driver.js';
import { TEST_HELPERS_SQL } from './test-helpers-sql.js';

/** The server the integration tier uses: local PostgreSQL with trust auth (override with TEST_PG_URL). */
export const TEST_PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database URL on the same server, with another database name. */
export function pgUrlFor(database: string, base = TEST_PG_ADMIN_URL): string {
  const u = new URL(base);
  u.pathname = '/' + database;
  return u.toString();
}

export interface PostgresTestDb extends PostgresDb {
  /** The fresh database's name and URL (for a second pool, a proxy, a second process…). */
  readonly database: string;
  readonly url: string;
}

/**
 * Creates an empty database `atende_test_<random>` on the test server; `drop()` removes it
 * (terminating whatever is still connected).
 *
 * @example
 *   const { url, drop } = await createEmptyPostgresDatabase();
 */
export async function createEmptyPostgresDatabase(): Promise<{
  database: string;
  url: string;
  drop: () => Promise<void>;
}> {
  const database = `atende_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(TEST_PG_ADMIN_URL, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${database}`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  return { database, url: pgUrlFor(database), drop: () => dropPostgresDatabase(database) };
}

/** Drops a test database, kicking out its remaining connections first. */
export async function dropPostgresDatabase(database: string): Promise<void> {
  const admin = postgres(TEST_PG_ADMIN_URL, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${database} with (force)`);
  } finally {
    await admin.end({ timeout: 1 });
  }
}

/** Applies test/support/sql/test-helpers.sql to a migrated PostgreSQL database (idempotent). */
export async function applyTestHelpers(url: string): Promise<void> {
  const raw = postgres(url, { max: 1, onnotice: () => {} });
  await raw
    .unsafe(TEST_HELPERS_SQL)
    .simple()
    .finally(() => raw.end({ timeout: 1 }));
}

/**
 * A fresh, migrated real-Postgres `Db` for one test file: a new database on the test server,
 * migrations applied by the Postgres driver itself (plus test/support/sql/test-helpers.sql),
 * dropped on `close()`.
 *
 * @example
 *   let db: PostgresTestDb;
 *   beforeAll(async () => { db = await createPostgresTestDb(); });
 *   afterAll(() => db.close());
 */
export async function createPostgresTestDb(opts: { max?: number } = {}): Promise<PostgresTestDb> {
  const { database, url, drop } = await createEmptyPostgresDatabase();
  let db: PostgresDb;
  try {
    db = await createPostgresDb({ url, max: opts.max ?? 4 });
    await applyTestHelpers(url);
  } catch (err) {
    await drop();
    throw err;
  }
  return {
    ...db,
    database,
    url,
    async close() {
      await db.close().catch(() => {});
      await drop();
    },
  };
}

/**
 * Whether the test server answers; the reason when it does not.
 *
 * @example
 *   const down = await postgresUnavailable(); // null when reachable
 */
export async function postgresUnavailable(): Promise<string | null> {
  const u = new URL(TEST_PG_ADMIN_URL);
  const tcp = await new Promise<string | null>((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || 5432) });
    s.setTimeout(1500);
    s.once('connect', () => (s.destroy(), resolve(null)));
    s.once('timeout', () => (s.destroy(), resolve('timed out')));
    s.once('error', (e) => resolve(e.message));
  });
  if (tcp) return `PostgreSQL not reachable at ${u.host} (${tcp})`;
  const sql = postgres(TEST_PG_ADMIN_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return null;
  } catch (err) {
    return `PostgreSQL at ${u.host} refused the test login (${(err as Error).message})`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}
