-- pgTAP, for `supabase test db` against a local Supabase stack (supabase start).
-- The same facts are checked without pgTAP on plain PostgreSQL 15 by
-- motor/test/integration/db-supabase-roles.test.ts (npm run test:integration).
begin;
create extension if not exists pgtap with schema extensions;
select plan(7);

-- The API roles cannot use the schema that holds the Motor's functions; the service role can.
select ok(not has_schema_privilege('anon', 'app', 'usage'), 'anon has no USAGE on schema app');
select ok(not has_schema_privilege('authenticated', 'app', 'usage'), 'authenticated has no USAGE on schema app');
select ok(has_schema_privilege('service_role', 'app', 'usage'), 'service_role has USAGE on schema app');
select is(
  (select count(*)::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'app' and not has_function_privilege('service_role', p.oid, 'execute')),
  0, 'service_role may execute every app function');

-- Every table has RLS on and no policy: the anon key reads and writes nothing.
select is(
  (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'r' and not c.relrowsecurity),
  0, 'every public table has row-level security enabled');
select is((select count(*)::int from pg_policies where schemaname = 'public'), 0, 'no policy opens a table');

set local role anon;
select throws_ok('select app.ping()', '42501', null, 'anon cannot call app.ping()');
reset role;

select * from finish();
rollback;
