-- Lock the SQL API down to the service role. Runs after every migration that creates app.*
-- functions; a later migration that adds functions must end with the same statements.
--
-- Why not only `alter default privileges in schema app revoke … from public` (000100)? Postgres
-- adds per-schema defaults on top of the global ones and cannot revoke per schema what is granted
-- globally (EXECUTE to PUBLIC), so functions would still be executable by anon/authenticated were
-- they ever granted USAGE on schema app. Revoke globally for this role, and on what exists now.

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
