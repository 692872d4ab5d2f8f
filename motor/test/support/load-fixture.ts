import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pgliteExtensions } from '../../src/adapters/db/pglite/pglite.extensions.js';
import postgres from 'postgres';
import { createPgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { createPostgresDb } from '../../src/adapters/db/postgres/postgres.driver.js';
import { SESSION_COOKIE, signSessionId } from '../../src/adapters/auth/session-cookie.js';
import type { Db } from '../../src/ports/db.port.js';
import { applyTestHelpers, createEmptyPostgresDatabase, postgresUnavailable } from './postgres-test-db.js';
import { TEST_HELPERS_SQL } from './test-helpers-sql.js';

/**
 * Databases and tenants for benchmarks and reliability tests. A bench database is either a fresh PGlite data directory
 * (seeded from this process, then handed to the Motor child: PGlite has one owner at a time) or a
 * fresh database on the local PostgreSQL server.
 */

export type DriverKind = 'pglite' | 'postgres';

export interface BenchDatabase {
  kind: DriverKind;
  /** Environment that points a Motor process at this database. */
  motorEnv: Record<string, string>;
  /** Opens the database from the bench process (PGlite: only while no Motor runs on it). */
  open(opts?: { max?: number; groupCommit?: boolean }): Promise<Db>;
  /**
   * Raw SQL for checks (rows as objects). PGlite: opens the data directory itself, so only while
   * no Motor runs on it.
   */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** The postgres:// URL (postgres only). */
  url?: string;
  drop(): Promise<void>;
}

/** A session secret shared by the bench and the Motor it starts, so the bench can mint cookies. */
export const BENCH_SESSION_SECRET = randomBytes(32).toString('hex');
export const BENCH_WEBHOOK_TOKEN = 'bench-' + randomBytes(8).toString('hex');

export async function createBenchDatabase(kind: DriverKind): Promise<BenchDatabase> {
  const common = { SESSION_SECRET: BENCH_SESSION_SECRET, WEBHOOK_TOKEN: BENCH_WEBHOOK_TOKEN };
  if (kind === 'pglite') {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'atende-bench-'));
    return {
      kind,
      motorEnv: { ...common, DATA_DIR: dataDir },
      // With the test-only helpers (seedTenants creates instances with app.instance_create).
      async open() {
        const db = await createPgliteDb({ dataDir: path.join(dataDir, 'pglite') });
        await db.exec(TEST_HELPERS_SQL);
        return db;
      },
      async query<T>(text: string, params?: unknown[]) {
        const pg = new PGlite(path.join(dataDir, 'pglite'), { extensions: pgliteExtensions });
        try {
          return (await pg.query<T>(text, params)).rows;
        } finally {
          await pg.close();
        }
      },
      drop: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  const down = await postgresUnavailable();
  if (down) throw new Error(down);
  const { url, drop } = await createEmptyPostgresDatabase();
  return {
    kind,
    url,
    motorEnv: { ...common, DATABASE_URL: url },
    async open(o = {}) {
      const db = await createPostgresDb({ url, max: o.max ?? 10, groupCommit: o.groupCommit });
      await applyTestHelpers(url);
      return db;
    },
    async query<T>(text: string, params?: unknown[]) {
      const pg = postgres(url, { max: 1, onnotice: () => {} });
      try {
        return (await pg.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as T[];
      } finally {
        await pg.end({ timeout: 1 });
      }
    },
    drop,
  };
}

export interface BenchInstance {
  id: string;
  name: string;
  secret: string;
  accountId: string;
}

export interface BenchTenant {
  accountId: string;
  userId: string;
  /** `Cookie` header value that authenticates as this account's owner (HTTP and socket handshake). */
  cookie: string;
  instances: BenchInstance[];
}

/**
 * Creates `accounts` accounts (owner + a 1-day session each) with `instancesPerAccount` instances
 * each, straight through the SQL API.
 *
 * @example
 *   const tenants = await seedTenants(db, { accounts: 5, instancesPerAccount: 1 });
 */
export async function seedTenants(
  db: Db,
  o: { accounts: number; instancesPerAccount: number },
): Promise<BenchTenant[]> {
  const tenants: BenchTenant[] = [];
  const tag = randomBytes(3).toString('hex');
  for (let a = 0; a < o.accounts; a++) {
    const r = await db.call<{ user: { id: string }; account: { id: string }; session: { id: string } }>(
      'signup',
      {
        email: `bench-${tag}-${a}-${randomUUID()}@example.com`,
        name: `Agente ${a}`,
        accountName: `Loja Bench ${a}`,
        passwordHash: null,
        sessionTtlSeconds: 86_400,
      },
    );
    const instances: BenchInstance[] = [];
    for (let i = 0; i < o.instancesPerAccount; i++) {
      const name = `bench-${tag}-${a}-${i}`;
      const secret = randomBytes(16).toString('hex');
      const inst = await db.call<{ id: string }>('instance_create', {
        accountId: r.account.id,
        name,
        webhookSecret: secret,
      });
      instances.push({ id: inst.id, name, secret, accountId: r.account.id });
    }
    tenants.push({
      accountId: r.account.id,
      userId: r.user.id,
      cookie: `${SESSION_COOKIE}=${encodeURIComponent(signSessionId(BENCH_SESSION_SECRET, r.session.id))}`,
      instances,
    });
  }
  return tenants;
}
