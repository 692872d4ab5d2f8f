-- Labels in use on the account's conversations (the inbox's label filter).

-- GET /api/conversations/labels: every label in use on the account's conversations, sorted (the
-- inbox's label filter and the label picker suggest them).
create or replace function app.conversation_labels(p_account_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(l order by l), '[]'::jsonb)
  from (select distinct unnest(c.labels) as l from public.conversations c
        where c.account_id = p_account_id and c.labels <> '{}') x
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
