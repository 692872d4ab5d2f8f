import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { pgliteExtensions as extensions } from '../../src/adapters/db/pglite/pglite.extensions.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPostgresDb } from '../../src/adapters/db/postgres/postgres.driver.js';
import { createEmptyPostgresDatabase } from '../support/postgres-test-db.js';
import {
  applySchemaFiles,
  catalogOf,
  diffCatalogs,
  loadSchemaFiles,
  pgliteEngine,
  postgresEngine,
  type SqlEngine,
} from '../support/schema-catalog.js';
import { blankPglite } from '../support/test-db.js';

// supabase/schemas/*.sql (the live definition) and supabase/migrations/*.sql (the history) must
// build the same database. PGlite in `npm test`; PostgreSQL 15 in `npm run test:integration`
// (project sql-on-postgres, TEST_DB=postgres).
const onPostgres = process.env.TEST_DB === 'postgres';
const cleanups: (() => Promise<void>)[] = [];

/** A database as the migrations leave it: the migrated dump on PGlite, the runner on PostgreSQL. */
async function migratedDb(): Promise<SqlEngine> {
  if (!onPostgres) {
    const bytes = await readFile(inject('pgliteDump'));
    return track(pgliteEngine(new PGlite({ loadDataDir: new Blob([bytes]), extensions })));
  }
  const target = await createEmptyPostgresDatabase();
  cleanups.push(target.drop);
  await (await createPostgresDb({ url: target.url })).close();
  return track(postgresEngine(target.url));
}

/** An empty database with the given schema files applied in order. */
async function schemaDb(files: { name: string; sql: string }[]): Promise<SqlEngine> {
  let db: SqlEngine;
  if (!onPostgres) db = track(pgliteEngine(await blankPglite()));
  else {
    const target = await createEmptyPostgresDatabase();
    cleanups.push(target.drop);
    db = track(postgresEngine(target.url));
  }
  await applySchemaFiles(db, files);
  return db;
}

function track(db: SqlEngine): SqlEngine {
  cleanups.unshift(() => db.close());
  return db;
}

const HINT =
  'supabase/schemas/ no longer matches supabase/migrations/: mirror the new migration in its area file ' +
  '(function bodies character for character), see docs/adr/0004-migrations-are-history.md';

describe(`declarative schema vs migrations (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let fromMigrations: SqlEngine;
  let migrationsCatalog: Map<string, string>;
  let schemasCatalog: Map<string, string>;
  beforeAll(async () => {
    fromMigrations = await migratedDb();
    migrationsCatalog = await catalogOf(fromMigrations);
    schemasCatalog = await catalogOf(await schemaDb(await loadSchemaFiles()));
  });
  afterAll(async () => {
    for (const c of cleanups) await c().catch(() => {});
  });

  it('builds the same tables, columns, indexes, constraints, policies, triggers, functions and grants', () => {
    expect(migrationsCatalog.size).toBeGreaterThan(300);
    expect(diffCatalogs(migrationsCatalog, schemasCatalog), HINT).toEqual([]);
  });

  it('finds a new migration that the schema files do not mirror', async () => {
    // The migrations side alone moves on (inside a transaction rolled back afterwards).
    await fromMigrations.exec(`begin;
      alter table public.products add column color text;
      create index products_color_idx on public.products (color);
      create or replace function app.ping() returns jsonb
      language sql stable as $$ select jsonb_build_object('ok', true, 'v', 2) $$;`);
    const moved = await catalogOf(fromMigrations);
    await fromMigrations.exec('rollback');
    const diff = diffCatalogs(moved, schemasCatalog).join('\n');
    expect(diff).toContain('column public.products.color: only in migrations');
    expect(diff).toContain('index public.products_color_idx: only in migrations');
    expect(diff).toMatch(/function app\.ping\(\):\n\s+migrations: [^]*'v', 2[^]*schemas: [^]*'at'/);
  });

  it('finds a schema file edited without a migration', async () => {
    const files = (await loadSchemaFiles()).map((f) => ({
      ...f,
      sql: f.sql
        .replace('unread_count integer not null default 0', 'unread_count integer not null default 1')
        .replace("jsonb_build_object('ok', true, 'at'", "jsonb_build_object('ok', false, 'at'"),
    }));
    const edited = await catalogOf(await schemaDb(files));
    const diff = diffCatalogs(migrationsCatalog, edited).join('\n');
    expect(diff).toMatch(/column public\.conversations\.unread_count:\n.*default 0\n.*default 1/);
    expect(diff).toMatch(
      /function app\.ping\(\):\n\s+migrations: [^]*'ok', true[^]*schemas: [^]*'ok', false/,
    );
    expect(diff.match(/^function /gm)).toHaveLength(1);
  });
});
