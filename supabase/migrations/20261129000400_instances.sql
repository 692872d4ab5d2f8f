-- WhatsApp instances: creation and the lookups webhook intake needs.

-- Registers a new instance for the account (name globally unique: AT409 when taken).
create or replace function app.instance_create(p_account_id uuid, p_name text, p_webhook_secret text)
returns jsonb
language plpgsql as $$
declare
  v public.instances;
begin
  if exists (select 1 from public.instances where name = p_name) then
    raise exception 'instance name already in use' using errcode = 'AT409';
  end if;
  insert into public.instances (account_id, name, webhook_secret, status)
  values (p_account_id, p_name, p_webhook_secret, 'connecting')
  returning * into v;
  return app.instance_json(v);
end $$;

-- For webhook authentication: the instance's id, account and secret by its Evolution name, or
-- null when no such instance exists.
create or replace function app.instance_auth(p_name text) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', i.id, 'accountId', i.account_id, 'webhookSecret', i.webhook_secret)
  from public.instances i where i.name = p_name
$$;
