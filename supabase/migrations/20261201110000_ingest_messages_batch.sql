-- Several messages.upsert / send.message webhooks in ONE statement, for the PGlite worker's group
-- commit (pglite.worker.js): in PGlite each statement costs ~0.2 ms of protocol and parsing on
-- top of a ~0.6 ms ingest_message, which a batch pays once (docs/perf/README.md). `p_items` is
-- `[{accountId, instanceId, message}, …]`; the answer is each item's ingest_message answer, in
-- order. An error in any item aborts the statement (the worker then runs each call on its own).
create or replace function app.ingest_messages(p_items jsonb) returns jsonb
language plpgsql as $$
declare
  v_item jsonb;
  v_out jsonb[] := '{}';
begin
  for v_item in select value from jsonb_array_elements(p_items) loop
    v_out := array_append(v_out, app.ingest_message(
      (v_item->>'accountId')::uuid, (v_item->>'instanceId')::uuid, v_item->'message'));
  end loop;
  return to_jsonb(v_out);
end $$;

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
