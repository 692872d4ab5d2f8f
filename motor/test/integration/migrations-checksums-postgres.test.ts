import postgres from 'postgres';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadMigrations, MigrationError } from '../../src/adapters/db/migrations.js';
import { createPostgresDb } from '../../src/adapters/db/postgres/postgres.driver.js';
import { CHANGED_FILE, changePing, copyMigrations, type MigrationsCopy } from '../support/migrations-copy.js';
import { createEmptyPostgresDatabase, postgresUnavailable } from '../support/postgres-test-db.js';
import { describeWithService } from '../support/requires-service.js';

const down = await postgresUnavailable();
const changedMessage = new RegExp(`${CHANGED_FILE} changed after being applied.*new migration`);

describeWithService(down, 'migration checksums on PostgreSQL', () => {
  let target: Awaited<ReturnType<typeof createEmptyPostgresDatabase>>;
  let copy: MigrationsCopy;
  beforeEach(async () => {
    target = await createEmptyPostgresDatabase();
    copy = await copyMigrations();
  });
  afterEach(async () => {
    await copy.remove();
    await target.drop();
  });

  it('restarts on unchanged migrations, and stops naming the file once one was edited', async () => {
    const first = await createPostgresDb({ url: target.url, migrationsDir: copy.dir });
    await first.close();
    const again = await createPostgresDb({ url: target.url, migrationsDir: copy.dir });
    expect(again.applied).toEqual([]);
    await again.close();

    await copy.edit(CHANGED_FILE, changePing);
    const err = await createPostgresDb({ url: target.url, migrationsDir: copy.dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toMatch(changedMessage);
  });

  it('backfills checksums of a round-one database (names only), then guards them', async () => {
    const sql = postgres(target.url, { max: 1, onnotice: () => {} });
    try {
      await sql.unsafe(`create table public.schema_migrations (
        name text primary key, applied_at timestamptz not null default now())`);
      for (const m of (await loadMigrations(copy.dir)).filter((x) => x.name < '20261201')) {
        await sql.begin(async (tx) => {
          await tx.unsafe(m.sql);
          await tx.unsafe('insert into public.schema_migrations(name) values ($1)', [m.name]);
        });
      }
    } finally {
      await sql.end({ timeout: 1 });
    }
    const upgraded = await createPostgresDb({ url: target.url, migrationsDir: copy.dir });
    expect(upgraded.applied.every((n) => n >= '20261201')).toBe(true);
    await upgraded.close();

    await copy.edit(CHANGED_FILE, changePing);
    await expect(createPostgresDb({ url: target.url, migrationsDir: copy.dir })).rejects.toThrow(
      changedMessage,
    );
  });
});
