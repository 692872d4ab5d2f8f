-- What has been applied to this database, so that the Motor can refuse to start on a database
-- whose migrations differ from its files (docs/adr/0004-migrations-are-history.md). The Supabase
-- driver reads it through PostgREST, where it cannot query the history tables itself.
--
-- `motor`: public.schema_migrations, written by the Motor's own runner (PGlite, DATABASE_URL):
--   name + sha256 of the file text.
-- `cli`:   supabase_migrations.schema_migrations, written by `supabase db push`: version, name and
--   the statements the CLI ran (the CLI records statements, not a checksum of the file).
-- Either table may be missing; security definer because service_role cannot read the CLI's schema.
create or replace function app.migration_history() returns jsonb
language plpgsql stable security definer set search_path = pg_catalog, public as $$
declare
  v_motor jsonb := '[]';
  v_cli jsonb := '[]';
begin
  if to_regclass('public.schema_migrations') is not null then
    select coalesce(jsonb_agg(jsonb_build_object('name', name, 'checksum', checksum) order by name), '[]')
      into v_motor from public.schema_migrations;
  end if;
  if to_regclass('supabase_migrations.schema_migrations') is not null then
    execute $q$select coalesce(jsonb_agg(jsonb_build_object(
        'version', version, 'name', name, 'statements', to_jsonb(statements)) order by version), '[]')
      from supabase_migrations.schema_migrations$q$ into v_cli;
  end if;
  return jsonb_build_object('motor', v_motor, 'cli', v_cli);
end $$;

-- Lock-down, as in 20261129009000_lockdown.sql.
alter default privileges revoke execute on functions from public;
revoke execute on all functions in schema app from public;

do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    execute 'revoke execute on all functions in schema app from anon, authenticated';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant usage on schema app to service_role';
    execute 'grant execute on all functions in schema app to service_role';
  end if;
end $$;
