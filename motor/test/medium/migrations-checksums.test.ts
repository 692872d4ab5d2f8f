import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  loadMigrations,
  MigrationError,
  migrationChecksum,
  verifyHistory,
} from '../../src/adapters/db/migrations.js';
import { createPgliteDb, type PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { createSupabaseDb } from '../../src/adapters/db/supabase/supabase.driver.js';
import { CHANGED_FILE, changePing, copyMigrations, type MigrationsCopy } from '../support/migrations-copy.js';
import { startPostgrestServer } from '../support/postgrest-server.js';
import { blankPglite } from '../support/test-db.js';

const changedMessage = new RegExp(`${CHANGED_FILE} changed after being applied.*new migration`);

describe('migration checksums on PGlite', () => {
  let copy: MigrationsCopy;
  beforeEach(async () => {
    copy = await copyMigrations();
  });
  afterEach(() => copy.remove());

  it('starts when no applied migration changed', async () => {
    const db = await createPgliteDb({ loadDumpPath: inject('pgliteDump'), migrationsDir: copy.dir });
    try {
      expect(db.applied).toEqual([]);
      await expect(db.call('ping')).resolves.toMatchObject({ ok: true });
    } finally {
      await db.close();
    }
  });

  it('stops naming the file when an applied migration was edited', async () => {
    await copy.edit(CHANGED_FILE, changePing);
    const err = await createPgliteDb({ loadDumpPath: inject('pgliteDump'), migrationsDir: copy.dir }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toMatch(changedMessage);
  });

  it('backfills checksums of a round-one database (names only), then guards them', async () => {
    // A database as the round-one runner left it: schema_migrations without a checksum column.
    const roundOne = (await loadMigrations(copy.dir)).filter((m) => m.name < '20261201');
    const pg = await blankPglite();
    await pg.exec(`create table public.schema_migrations (
      name text primary key, applied_at timestamptz not null default now())`);
    for (const m of roundOne) {
      await pg.exec(
        `begin;\n${m.sql}\n;insert into public.schema_migrations(name) values ('${m.name}');commit;`,
      );
    }
    const oldDump = path.join(copy.dir, '..', 'round-one.tar');
    await writeFile(oldDump, Buffer.from(await (await pg.dumpDataDir('none')).arrayBuffer()));
    await pg.close();

    const upgraded = await createPgliteDb({ loadDumpPath: oldDump, migrationsDir: copy.dir });
    const newDump = path.join(copy.dir, '..', 'upgraded.tar');
    try {
      expect(upgraded.applied).not.toContain(CHANGED_FILE);
      expect(upgraded.applied.every((n) => n >= '20261201')).toBe(true);
      await upgraded.dump(newDump);
    } finally {
      await upgraded.close();
    }

    await copy.edit(CHANGED_FILE, changePing);
    await expect(createPgliteDb({ loadDumpPath: newDump, migrationsDir: copy.dir })).rejects.toThrow(
      changedMessage,
    );
  });
});

describe('migration checksums on the Supabase driver (it checks, `supabase db push` applies)', () => {
  let inner: PgliteDb;
  let copy: MigrationsCopy;
  beforeAll(async () => {
    inner = await createPgliteDb({ loadDumpPath: inject('pgliteDump') });
  });
  afterAll(() => inner?.close());
  beforeEach(async () => {
    copy = await copyMigrations();
  });
  afterEach(() => copy.remove());

  const start = async () => {
    const rest = await startPostgrestServer({ db: inner });
    try {
      const sb = await createSupabaseDb({
        url: rest.url,
        serviceRoleKey: rest.serviceRoleKey,
        migrationsDir: copy.dir,
      });
      await sb.close();
    } finally {
      await rest.close();
    }
  };

  it('starts when the project has every local migration, unchanged', async () => {
    await expect(start()).resolves.toBeUndefined();
  });

  it('stops naming the file when an applied migration was edited', async () => {
    await copy.edit(CHANGED_FILE, changePing);
    const err = await start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toMatch(changedMessage);
  });

  it('stops naming the migration the project lacks', async () => {
    await writeFile(path.join(copy.dir, '20261201009999_not_pushed.sql'), 'select 1;\n');
    await expect(start()).rejects.toThrow(/lacks migration 20261201009999_not_pushed\.sql.*supabase db push/);
  });
});

describe('verifyHistory with the Supabase CLI history (statements, not checksums)', () => {
  const local = [
    {
      name: '20261129000100_schema.sql',
      sql: '-- tables\ncreate table t (a int);\n\ncreate index on t (a);\n',
    },
  ].map((m) => ({ ...m, checksum: migrationChecksum(m.sql) }));
  const cliRow = (statements: string[]) => ({
    motor: [],
    cli: [{ version: '20261129000100', name: 'schema', statements }],
  });

  it('accepts the statements the CLI split from the unchanged file', () => {
    expect(() =>
      verifyHistory(cliRow(['create table t (a int)', 'create index on t (a)']), local),
    ).not.toThrow();
  });

  it('names the file whose statements differ from what the CLI applied', () => {
    expect(() =>
      verifyHistory(cliRow(['create table t (a bigint)', 'create index on t (a)']), local),
    ).toThrow(/20261129000100_schema\.sql changed after being applied/);
  });
});
