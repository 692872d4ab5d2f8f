-- The outbox depth for GET /metrics (docs/operations.md): rows not yet sent or failed, i.e.
-- waiting for their time (pending) or being sent (sending). Counted on the due index's predicate.
create or replace function app.outbox_depth() returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'pending', count(*) filter (where status = 'pending'),
    'sending', count(*) filter (where status = 'sending'))
  from public.outbox where status in ('pending', 'sending')
$$;

-- Lock-down (as 20261129009000_lockdown.sql): app.* only for the owner and the service role.
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
