-- The opt-out confirmation goes to the customer through WhatsApp, so it is a campaign message
-- (sender 'campaign'), not a system notice: system messages are shown to agents and never sent.
-- Redefines app.campaign_opt_out_step of 20261201060100 with that one change.
create or replace function app.campaign_opt_out_step() returns trigger
language plpgsql as $$
declare
  v_k public.contacts;
begin
  select k.* into v_k from public.conversations c join public.contacts k on k.id = c.contact_id
    where c.id = new.conversation_id;
  if v_k.id is null or v_k.opted_out or not app.is_opt_out(new.text) then
    return null;
  end if;
  update public.contacts set opted_out = true, updated_at = now() where id = v_k.id;
  update public.campaign_recipients set status = 'skipped', error = 'opted_out', updated_at = clock_timestamp()
    where id in (select r.id from public.campaign_recipients r
                 where r.status = 'pending' and (r.contact_id = v_k.id
                   or r.account_id = v_k.account_id and r.phone in (v_k.phone, app.br_phone_alt(v_k.phone)))
                 for update skip locked);
  perform app.outbox_send_text(new.account_id, new.conversation_id, 'campaign', 'optout',
    'Pronto! Você não vai mais receber nossas campanhas. Se mudar de ideia, é só falar com a gente por aqui.');
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
