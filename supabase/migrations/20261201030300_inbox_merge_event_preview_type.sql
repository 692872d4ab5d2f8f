-- 20261201030200 redefined merge_contacts from its first version and so dropped what
-- 20261201000300 added (the kept conversation takes the newer `last_message_type`). This is
-- 20261201000300's merge_contacts plus the `conversation.merged` event of 20261201030200.
create or replace function app.merge_contacts(p_keep uuid, p_gone uuid) returns void
language plpgsql as $$
declare
  g public.conversations;
  v_keep_conv uuid;
  v_gone public.contacts;
begin
  for g in select * from public.conversations where contact_id = p_gone loop
    select id into v_keep_conv from public.conversations
      where instance_id = g.instance_id and contact_id = p_keep;
    if v_keep_conv is null then
      update public.conversations set contact_id = p_keep, updated_at = now() where id = g.id;
    else
      update public.messages set conversation_id = v_keep_conv where conversation_id = g.id;
      update public.conversations k set
        unread_count = k.unread_count + g.unread_count,
        last_message_preview = case when g.last_message_at > coalesce(k.last_message_at, '-infinity')
                                    then g.last_message_preview else k.last_message_preview end,
        last_message_type = case when g.last_message_at > coalesce(k.last_message_at, '-infinity')
                                 then g.last_message_type else k.last_message_type end,
        last_message_at = greatest(k.last_message_at, g.last_message_at),
        status = case when 'open' in (k.status, g.status) then 'open' else k.status end,
        ai_enabled = k.ai_enabled and g.ai_enabled,
        assignee_id = coalesce(k.assignee_id, g.assignee_id),
        updated_at = now()
      where k.id = v_keep_conv;
      delete from public.conversations where id = g.id;
      -- Every open inbox drops the ghost and shows the kept thread (before the message that proved
      -- the merge: clients see the gap and read it from the log, see docs/inbox.md).
      perform app.append_event(g.account_id, 'conversation.merged', jsonb_build_object(
        'fromId', g.id, 'intoId', v_keep_conv, 'conversation', app.conversation_json(v_keep_conv)));
    end if;
  end loop;
  delete from public.contacts where id = p_gone returning * into v_gone;
  update public.contacts set
    jid = coalesce(jid, v_gone.jid),
    lid = coalesce(lid, v_gone.lid),
    phone = coalesce(phone, v_gone.phone),
    name = coalesce(name, v_gone.name),
    push_name = coalesce(push_name, v_gone.push_name),
    avatar_url = coalesce(avatar_url, v_gone.avatar_url),
    opted_out = opted_out or v_gone.opted_out,
    updated_at = now()
  where id = p_keep;
end $$;

-- Lock-down (as 20261129009000_lockdown.sql).
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
