-- A campaign message the outbox refused because the number was not connected (reason
-- `instance_disconnected`, nothing reached WhatsApp) puts its recipient back to `pending`, so the
-- campaign sends it after the reconnect instead of counting a failure (docs/campaigns.md).

create or replace function app.campaign_message_status() returns trigger
language plpgsql as $$
declare
  v_status text := case new.status when 'sent' then 'sent' when 'delivered' then 'delivered'
    when 'read' then 'read' when 'failed' then 'failed' end;
begin
  if v_status is null then
    return null;
  end if;
  -- Refused because the number was not connected: it never left, so the recipient waits again
  -- (fed anew once the campaign resumes); the failed message stays in the thread.
  if v_status = 'failed' and new.error = 'instance_disconnected' then
    update public.campaign_recipients set status = 'pending', message_id = null, error = null,
      updated_at = clock_timestamp()
    where message_id = new.id and status = 'sending';
    return null;
  end if;
  update public.campaign_recipients set
    status = v_status,
    error = case when v_status = 'failed' then left(coalesce(new.error, 'sending failed'), 500) else null end,
    sent_at = case when v_status = 'failed' then sent_at else coalesce(sent_at, now()) end,
    updated_at = clock_timestamp()
  where message_id = new.id
    and case status when 'sending' then 1 when 'sent' then 2 when 'failed' then 3 when 'delivered' then 4
          when 'read' then 5 else 99 end
      < case v_status when 'sent' then 2 when 'failed' then 3 when 'delivered' then 4 when 'read' then 5 end;
  return null;
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
