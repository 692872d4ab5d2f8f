-- Helpers every area uses: timestamps in the contract's format, the health check, and the
-- migration history the Supabase driver checks at start-up.

-- ISO 8601 UTC with milliseconds, as the contract wants.
create or replace function app.iso(p_ts timestamptz) returns text
language sql immutable as $$
  select to_char(p_ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- Readiness probe: one round trip through the same path every call takes.
create or replace function app.ping() returns jsonb
language sql stable as $$ select jsonb_build_object('ok', true, 'at', app.iso(now())) $$;

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
