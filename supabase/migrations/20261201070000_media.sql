-- Media files of messages (docs/media.md): the lookup the Motor uses to fetch and serve them.

-- A media message of the account, for fetching and serving its file: its kind, media details, the
-- WhatsApp id and the instance's Evolution name. AT404 for another account's message or one
-- without a file (text, location, reaction, deleted).
create or replace function app.message_media(p_account_id uuid, p_message_id uuid) returns jsonb
language plpgsql stable as $$
declare
  v jsonb;
begin
  select jsonb_build_object(
           'id', m.id,
           'type', m.type,
           'direction', m.direction,
           'media', m.media,
           'waMessageId', m.wa_message_id,
           'instanceName', i.name)
    into v
    from public.messages m
    join public.instances i on i.id = m.instance_id
   where m.id = p_message_id and m.account_id = p_account_id
     and m.type in ('image', 'audio', 'video', 'document', 'sticker')
     and m.deleted_at is null;
  if v is null then
    raise exception 'message not found' using errcode = 'AT404';
  end if;
  return v;
end $$;

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
