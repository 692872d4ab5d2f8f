-- The inbox line is data, not a sentence: a conversation keeps its last message's TYPE next to
-- its text, and the dashboard words it in the agent's language ("📷 Photo" / "📷 Imagem") through
-- i18n. Before, SQL wrote Portuguese labels ('📷 Imagem') into last_message_preview, and the
-- English UI showed them as they were.
--
-- The contract (shared Conversation): `lastMessagePreview` is the last message's text or caption,
-- or null; `lastMessageType` is its message type (text, image, audio, …), or null before the first.

alter table public.conversations add column if not exists last_message_type text;

-- Existing conversations: type and text of their newest message (the labels written before go).
update public.conversations c set
  last_message_type = l.type,
  last_message_preview = left(nullif(l.text, ''), 200)
from (
  select distinct on (conversation_id) conversation_id, type, text
  from public.messages
  order by conversation_id, sent_at desc nulls last, created_at desc
) l
where l.conversation_id = c.id;

-- The preview text of a message: its text or caption (at most 200 characters), or null. The type
-- is no longer turned into words here; it is stored beside it (bump_conversation's p_type).
-- `p_type` stays in the signature so that every caller keeps working unchanged.
create or replace function app.message_preview(p_type text, p_text text) returns text
language sql immutable as $$
  select left(nullif(p_text, ''), 200)
$$;

-- Moves the conversation's last activity to this message if it is the newest (out-of-order safe):
-- its time, its preview text and its type. `p_type` defaults to 'text' (what agents type).
drop function if exists app.bump_conversation(uuid, timestamptz, text);
create or replace function app.bump_conversation(
  p_conversation_id uuid, p_at timestamptz, p_preview text, p_type text default 'text'
) returns void
language sql as $$
  update public.conversations set
    last_message_at = p_at, last_message_preview = p_preview, last_message_type = p_type, updated_at = now()
  where id = p_conversation_id and (last_message_at is null or p_at >= last_message_at)
$$;

-- Conversation as the contract's `Conversation`.
create or replace function app.conversation_json(p_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'id', c.id,
    'instanceId', c.instance_id,
    'contact', case when ct.id is null then null else jsonb_build_object(
      'id', ct.id, 'name', coalesce(ct.name, ct.push_name), 'phone', ct.phone, 'avatarUrl', ct.avatar_url) end,
    'group', case when g.id is null then null else jsonb_build_object('id', g.id, 'subject', g.subject) end,
    'status', c.status,
    'assigneeId', c.assignee_id,
    'aiEnabled', c.ai_enabled,
    'unreadCount', c.unread_count,
    'lastMessageAt', to_char(c.last_message_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'lastMessagePreview', c.last_message_preview,
    'lastMessageType', c.last_message_type)
  from public.conversations c
  left join public.contacts ct on ct.id = c.contact_id
  left join public.groups g on g.id = c.group_id
  where c.id = p_id
$$;

-- Moves everything of contact `p_gone` onto `p_keep` (one person seen under two identities) and
-- deletes `p_gone`. Conversations of the same instance are merged into the kept one.
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

-- The conversation after a new message: last activity (if newest), and for a customer's message
-- the read mark of an early READ receipt, reopening a resolved thread and the unread count; a
-- message typed on the business's phone (fromMe upsert) pauses the AI, like an agent's reply.
create or replace function app.ingest_touch_conversation(p_msg public.messages, p_receipt text, p_origin text)
returns void
language plpgsql as $$
begin
  perform app.bump_conversation(p_msg.conversation_id, p_msg.sent_at, app.message_preview(p_msg.type, p_msg.text),
    p_msg.type);
  if p_msg.direction = 'in' and p_msg.type <> 'reaction' then
    update public.conversations set
      read_up_to = case when p_receipt = 'read' then greatest(read_up_to, p_msg.sent_at) else read_up_to end,
      status = case when status = 'resolved' then 'open' else status end,
      updated_at = now()
    where id = p_msg.conversation_id;
    perform app.recount_unread(p_msg.conversation_id);
  elsif p_msg.direction = 'out' and coalesce(p_origin, 'upsert') = 'upsert' then
    update public.conversations set ai_enabled = false, updated_at = now()
      where id = p_msg.conversation_id and ai_enabled;
  end if;
end $$;

-- Lock-down, as in 20261129009000_lockdown.sql.
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
