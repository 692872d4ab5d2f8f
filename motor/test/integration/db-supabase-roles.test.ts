import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPostgresDb, type PostgresDb } from '../../src/adapters/db/postgres/postgres.driver.js';
import {
  TEST_PG_ADMIN_URL,
  createEmptyPostgresDatabase,
  postgresUnavailable,
} from '../support/postgres-test-db.js';
import { describeWithService } from '../support/requires-service.js';

// Supabase's security model for our schema, checked on a real PostgreSQL 15 that has Supabase's
// roles and default grants: anon/authenticated can execute nothing in `app` and see no rows;
// service_role (what supabase-js uses) can call every function. supabase/tests/database/ has the
// same checks as pgTAP for `supabase test db` against a Supabase stack.
const down = await postgresUnavailable();

describeWithService(down, 'Supabase roles on the migrated schema (PostgreSQL 15)', () => {
  let target: Awaited<ReturnType<typeof createEmptyPostgresDatabase>>;
  let db: PostgresDb;
  let sql: postgres.Sql;

  beforeAll(async () => {
    const admin = postgres(TEST_PG_ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`do $$ begin
      if not exists (select 1 from pg_roles where rolname = 'anon') then create role anon nologin noinherit; end if;
      if not exists (select 1 from pg_roles where rolname = 'authenticated') then create role authenticated nologin noinherit; end if;
      if not exists (select 1 from pg_roles where rolname = 'service_role') then create role service_role nologin noinherit bypassrls; end if;
    end $$`);
    await admin.end();
    target = await createEmptyPostgresDatabase();
    sql = postgres(target.url, { max: 1, onnotice: () => {} });
    // What a Supabase project grants by default before any migration runs.
    await sql.unsafe(`grant usage on schema public to anon, authenticated, service_role;
      alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
      alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
      alter default privileges in schema public grant all on functions to anon, authenticated, service_role;`);
    db = await createPostgresDb({ url: target.url, max: 1 });
  });
  afterAll(async () => {
    await sql?.end();
    await db?.close();
    await target?.drop();
  });

  const as = <T>(role: string, text: string) =>
    sql.begin(async (tx) => {
      await tx.unsafe(`set local role ${role}`);
      return (await tx.unsafe(text)) as unknown as T[];
    });

  it('refuses app.* to anon and authenticated (permission denied), and allows it to service_role', async () => {
    await expect(as('anon', 'select app.ping()')).rejects.toMatchObject({ code: '42501' });
    await expect(as('authenticated', 'select app.ping()')).rejects.toMatchObject({ code: '42501' });
    const [row] = await as<{ r: { user: { role: string } } }>(
      'service_role',
      `select app.signup(p_email := 'sr@example.com', p_name := 'S', p_account_name := 'S') as r`,
    );
    expect(row!.r.user.role).toBe('owner');
  });

  it('gives service_role EXECUTE on every app function; anon/authenticated cannot even use the schema', async () => {
    // Two locks for anon/authenticated: no USAGE on schema `app`, and (20261129009000_lockdown)
    // no EXECUTE on any app function either.
    const [usage] = await sql<{ anon: boolean; auth: boolean; svc: boolean }[]>`
      select has_schema_privilege('anon', 'app', 'usage') as anon,
             has_schema_privilege('authenticated', 'app', 'usage') as auth,
             has_schema_privilege('service_role', 'app', 'usage') as svc`;
    expect(usage).toEqual({ anon: false, auth: false, svc: true });
    const rows = await sql<{ fn: string; svc: boolean; client: boolean }[]>`
      select p.oid::regprocedure::text as fn, has_function_privilege('service_role', p.oid, 'execute') as svc,
             has_function_privilege('anon', p.oid, 'execute') or has_function_privilege('authenticated', p.oid, 'execute') as client
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'app'`;
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.filter((r) => !r.svc).map((r) => r.fn)).toEqual([]);
    expect(rows.filter((r) => r.client).map((r) => r.fn)).toEqual([]);
  });

  it('has row-level security on every table, with no policy, so the anon key reads and writes nothing', async () => {
    const noRls = await sql<{ t: string }[]>`
      select c.relname as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r' and not c.relrowsecurity`;
    expect(noRls.map((r) => r.t)).toEqual([]);
    const policies = await sql`select * from pg_policies where schemaname = 'public'`;
    expect(policies).toHaveLength(0);

    const [count] = await as<{ n: string }>('anon', 'select count(*)::text as n from public.accounts');
    expect(count!.n).toBe('0'); // the account service_role created above is invisible
    await expect(as('anon', `insert into public.accounts (name) values ('x')`)).rejects.toMatchObject({
      code: '42501',
    });
  });
});
