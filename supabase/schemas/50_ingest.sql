-- Webhook intake: one function per Evolution event, each one transaction, idempotent and
-- order-tolerant, each returning `{events: [...]}` (empty for a no-op). The Motor normalises
-- Evolution's payloads before calling them (motor/src/adapters/evolution/webhook/). Every ingest
-- function takes the account id and the instance id webhook authentication resolved.

-- Receipts (messages.update) that arrived before their message; applied when it lands.
create table public.pending_receipts (
  instance_id uuid not null references public.instances(id) on delete cascade,
  wa_message_id text not null,
  status text not null check (status in ('sent', 'delivered', 'read', 'failed')),
  received_at timestamptz not null default now(),
  primary key (instance_id, wa_message_id)
);
alter table public.pending_receipts enable row level security;

-- Webhook intake: one function per Evolution event, each one transaction, idempotent and
-- order-tolerant. Each returns `{events: [...]}` built by app.append_event (empty for a no-op).
-- The Motor normalises Evolution's payloads (JIDs, message kinds, statuses) before calling these;
-- see motor/src/adapters/evolution/webhook/.
--
-- Every ingest function takes the account id AND the instance id that webhook authentication
-- resolved, and refuses (AT404) an instance of another account.

-- Edits and deletions that arrived before their message (applied when it lands), the same way
-- public.pending_receipts keeps early receipts.
create table public.pending_message_changes (
  instance_id uuid not null references public.instances(id) on delete cascade,
  wa_message_id text not null,
  text text,
  edited_at timestamptz,
  deleted_at timestamptz,
  received_at timestamptz not null default now(),
  primary key (instance_id, wa_message_id)
);
alter table public.pending_message_changes enable row level security;

-- Order of message statuses: a receipt only ever moves a message forward. `failed` sits above
-- pending/sent (it can only replace those) and below delivered/read (proof it went out anyway).
create or replace function app.status_rank(p_status text) returns integer
language sql immutable as $$
  select case p_status
    when 'received' then 0 when 'pending' then 1 when 'sent' then 2 when 'failed' then 3
    when 'delivered' then 4 when 'read' then 5 else -1 end
$$;

-- Statuses only move forward (pending → sent → delivered → read; `failed` above pending/sent and
-- below delivered/read, see app.status_rank): true when `p_to` would replace `p_from`.
create or replace function app.status_moves_forward(p_from text, p_to text) returns boolean
language sql immutable as $$
  select p_to is not null and (p_from is null or app.status_rank(p_to) > app.status_rank(p_from))
$$;

-- The further of two statuses.
create or replace function app.max_status(p_a text, p_b text) returns text
language sql immutable as $$
  select case when app.status_moves_forward(p_a, p_b) then p_b else p_a end
$$;

-- The instance row, checked against the account (AT404 otherwise).
create or replace function app.ingest_instance(p_account_id uuid, p_instance_id uuid) returns public.instances
language plpgsql as $$
declare
  v public.instances;
begin
  -- The account row first: app.append_event locks it later anyway, and taking it before any
  -- message/contact row keeps one lock order across all ingest functions (no deadlocks).
  perform 1 from public.accounts where id = p_account_id for update;
  select * into v from public.instances where id = p_instance_id and account_id = p_account_id;
  if v.id is null then
    raise exception 'instance not found' using errcode = 'AT404';
  end if;
  return v;
end $$;

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

-- Finds or creates the contact for a person seen as phone JID and/or LID (the LID rule: one person
-- is one contact). Fills the missing identity, merges two contacts when a message proves they are
-- the same person, and refreshes push name / avatar when given (null = unknown, kept).
create or replace function app.resolve_contact(
  p_account_id uuid, p_jid text, p_lid text, p_push_name text default null, p_avatar_url text default null
) returns uuid
language plpgsql as $$
declare
  v_by_jid uuid;
  v_by_lid uuid;
  v_id uuid;
begin
  if p_jid is null and p_lid is null then
    raise exception 'contact without identity' using errcode = 'AT400';
  end if;
  if p_jid is not null then
    select id into v_by_jid from public.contacts where account_id = p_account_id and jid = p_jid for update;
  end if;
  if p_lid is not null then
    select id into v_by_lid from public.contacts where account_id = p_account_id and lid = p_lid for update;
  end if;

  if v_by_jid is not null and v_by_lid is not null and v_by_jid <> v_by_lid then
    perform app.merge_contacts(v_by_jid, v_by_lid);
    v_id := v_by_jid;
  elsif v_by_jid is null and v_by_lid is null then
    insert into public.contacts (account_id, jid, lid, phone, push_name, avatar_url)
    values (p_account_id, p_jid, p_lid, nullif(regexp_replace(split_part(p_jid, '@', 1), '\D', '', 'g'), ''),
            p_push_name, p_avatar_url)
    on conflict do nothing
    returning id into v_id;
    if v_id is null then -- a concurrent transaction created it: take that one
      return app.resolve_contact(p_account_id, p_jid, p_lid, p_push_name, p_avatar_url);
    end if;
    return v_id;
  else
    v_id := coalesce(v_by_jid, v_by_lid);
  end if;

  update public.contacts set
    jid = coalesce(jid, p_jid),
    phone = coalesce(phone, nullif(regexp_replace(split_part(p_jid, '@', 1), '\D', '', 'g'), '')),
    lid = coalesce(lid, p_lid),
    push_name = coalesce(p_push_name, push_name),
    avatar_url = coalesce(p_avatar_url, avatar_url),
    updated_at = now()
  where id = v_id
    and (jid is null and p_jid is not null
      or lid is null and p_lid is not null
      or p_push_name is distinct from push_name and p_push_name is not null
      or p_avatar_url is distinct from avatar_url and p_avatar_url is not null);
  return v_id;
end $$;

-- The group row of an instance by JID, created on first sight.
create or replace function app.resolve_group(p_account_id uuid, p_instance_id uuid, p_jid text) returns uuid
language plpgsql as $$
declare
  v_id uuid;
begin
  select id into v_id from public.groups where instance_id = p_instance_id and jid = p_jid;
  if v_id is null then
    insert into public.groups (account_id, instance_id, jid) values (p_account_id, p_instance_id, p_jid)
    on conflict (instance_id, jid) do nothing returning id into v_id;
    if v_id is null then
      select id into v_id from public.groups where instance_id = p_instance_id and jid = p_jid;
    end if;
  end if;
  return v_id;
end $$;

-- The conversation of an instance with a contact or a group, created on first sight.
create or replace function app.resolve_conversation(
  p_account_id uuid, p_instance_id uuid, p_contact_id uuid, p_group_id uuid
) returns uuid
language plpgsql as $$
declare
  v_id uuid;
begin
  select id into v_id from public.conversations
    where instance_id = p_instance_id
      and (contact_id = p_contact_id or group_id = p_group_id);
  if v_id is null then
    insert into public.conversations (account_id, instance_id, contact_id, group_id)
    values (p_account_id, p_instance_id, p_contact_id, p_group_id)
    on conflict do nothing returning id into v_id;
    if v_id is null then
      select id into v_id from public.conversations
        where instance_id = p_instance_id and (contact_id = p_contact_id or group_id = p_group_id);
    end if;
  end if;
  return v_id;
end $$;

-- The preview text of a message: its text or caption (at most 200 characters), or null. The type
-- is no longer turned into words here; it is stored beside it (bump_conversation's p_type).
-- `p_type` stays in the signature so that every caller keeps working unchanged.
create or replace function app.message_preview(p_type text, p_text text) returns text
language sql immutable as $$
  select left(nullif(p_text, ''), 200)
$$;

-- Emoji → count of a message's reactions, from the reaction messages that target it: the latest
-- reaction of each reactor counts ("" = removed; one the business could not send does not). Null
-- when there are none.
create or replace function app.reactions_of(p_instance_id uuid, p_wa_message_id text) returns jsonb
language sql stable as $$
  select jsonb_object_agg(emoji, n) from (
    select text as emoji, count(*) as n from (
      select distinct on (r.direction, coalesce(r.participant, '')) r.text
      from public.messages r
      where r.instance_id = p_instance_id and r.quoted_wa_message_id = p_wa_message_id and r.type = 'reaction'
        and r.status <> 'failed'
      order by r.direction, coalesce(r.participant, ''), r.sent_at desc nulls last, r.wa_message_id desc
    ) latest
    where coalesce(text, '') <> ''
    group by text
  ) x
$$;

-- The unread count, recomputed: incoming messages (not reactions, not deleted) after both read
-- marks (read on the phone, read in the inbox). Counting instead of +1/-1 is what makes the result
-- independent of the order receipts, deletions and messages arrive in. True if it changed.
create or replace function app.recount_unread(p_conversation_id uuid) returns boolean
language plpgsql as $$
declare
  v_conv public.conversations;
  v_new integer;
begin
  select * into v_conv from public.conversations where id = p_conversation_id;
  select count(*) into v_new from public.messages m
    where m.conversation_id = p_conversation_id and m.direction = 'in' and m.type <> 'reaction'
      and m.deleted_at is null and m.sent_at > coalesce(v_conv.read_up_to, '-infinity')
      and m.created_at > coalesce(v_conv.agent_read_at, '-infinity');
  if v_new = v_conv.unread_count then
    return false;
  end if;
  update public.conversations set unread_count = v_new, updated_at = now() where id = p_conversation_id;
  return true;
end $$;

-- Moves the conversation's last activity to this message if it is the newest (out-of-order safe):
-- its time, its preview text and its type. `p_type` defaults to 'text' (what agents type).
-- Compared at WhatsApp's precision (whole seconds): a conversation started at 10:00:00.700 takes
-- its first message, stamped 10:00:00.
create or replace function app.bump_conversation(
  p_conversation_id uuid, p_at timestamptz, p_preview text, p_type text default 'text'
) returns void
language sql as $$
  update public.conversations set
    last_message_at = p_at, last_message_preview = p_preview, last_message_type = p_type, updated_at = now()
  where id = p_conversation_id and (last_message_at is null or p_at >= date_trunc('second', last_message_at))
$$;

-- app.ingest_message is told as the intake's story: one call and one transaction for the Motor, a
-- short function that calls one named step per job. Each step
-- is one decision; together they read in order:
--
--   ingest_known_message          a redelivery (nothing), or send.message confirming a stored row
--   ingest_resolve_conversation   who it is with: the contact (LID rule) or the group, and the thread
--   ingest_adopt_pending_reply    send.message for the Motor's own reply still waiting for its id
--   ingest_insert_message         the new row (none when a concurrent delivery won)
--   ingest_take_pending_receipt   a receipt that arrived before the message
--   ingest_apply_early_changes    that receipt, early edits/deletions, reactions already received
--   ingest_touch_conversation     last activity, unread count, reopen, AI pause
--   ingest_reaction_target        a reaction updates its target's counts
--   append_event                  message.created (+ the target's message.updated)

-- A message already stored under this id: `{events: []}` for a redelivery, `{events: [updated]}`
-- when send.message confirms a row the Motor stored (status moves to sent), null when new.
create or replace function app.ingest_known_message(p_account_id uuid, p_instance_id uuid, p_message jsonb)
returns jsonb
language plpgsql as $$
declare
  v_msg public.messages;
begin
  select * into v_msg from public.messages
    where instance_id = p_instance_id and wa_message_id = p_message->>'waMessageId' for update;
  if v_msg.id is null then
    return null;
  end if;
  if coalesce(p_message->>'origin', 'upsert') <> 'send' or not app.status_moves_forward(v_msg.status, 'sent') then
    return jsonb_build_object('events', '[]'::jsonb);
  end if;
  update public.messages set status = 'sent', error = null, updated_at = now()
    where id = v_msg.id returning * into v_msg;
  return jsonb_build_object('events', jsonb_build_array(
    app.append_event(p_account_id, 'message.updated', jsonb_build_object('message', app.message_json(v_msg)))));
end $$;

-- The conversation the message belongs to: with the group, or with the contact (found or created
-- by the LID rule; a customer's push name refreshes it, the business's own messages do not).
create or replace function app.ingest_resolve_conversation(p_account_id uuid, p_instance_id uuid, p_message jsonb)
returns uuid
language plpgsql as $$
declare
  v_chat jsonb := p_message->'chat';
  v_from_me boolean := coalesce((p_message->>'fromMe')::boolean, false);
begin
  if v_chat->>'kind' = 'group' then
    return app.resolve_conversation(p_account_id, p_instance_id, null,
      app.resolve_group(p_account_id, p_instance_id, v_chat->>'jid'));
  end if;
  return app.resolve_conversation(p_account_id, p_instance_id,
    app.resolve_contact(p_account_id, v_chat->>'jid', v_chat->>'lid',
      case when v_from_me then null else nullif(p_message->>'pushName', '') end, null),
    null);
end $$;

-- send.message of the Motor's own reply whose send answer is not recorded yet (same kind and
-- text or caption, still pending, no id): the row adopts the id and moves to sent. Null when
-- there is none.
create or replace function app.ingest_adopt_pending_reply(p_account_id uuid, p_conversation_id uuid, p_message jsonb)
returns jsonb
language plpgsql as $$
declare
  v_msg public.messages;
begin
  if coalesce(p_message->>'origin', 'upsert') <> 'send' then
    return null;
  end if;
  select * into v_msg from public.messages
    where conversation_id = p_conversation_id and wa_message_id is null and direction = 'out'
      and status = 'pending' and text is not distinct from p_message->>'text'
      and type = coalesce(p_message->>'type', 'text')
    order by created_at limit 1 for update skip locked;
  if v_msg.id is null then
    return null;
  end if;
  update public.messages set wa_message_id = p_message->>'waMessageId', status = 'sent', error = null, updated_at = now()
    where id = v_msg.id returning * into v_msg;
  return jsonb_build_object('events', jsonb_build_array(
    app.append_event(p_account_id, 'message.updated', jsonb_build_object('message', app.message_json(v_msg)))));
end $$;

-- The new message row: incoming from the contact, or outgoing typed on the business's phone
-- (fromMe); a reply keeps what it quotes (app.quoted_json). Its id is null when a concurrent
-- delivery of the same message inserted it first.
create or replace function app.ingest_insert_message(
  p_account_id uuid, p_instance_id uuid, p_conversation_id uuid, p_message jsonb
) returns public.messages
language plpgsql as $$
declare
  v_from_me boolean := coalesce((p_message->>'fromMe')::boolean, false);
  v_msg public.messages;
begin
  insert into public.messages (
    account_id, conversation_id, instance_id, wa_message_id, direction, sender, author_id, author_name,
    participant, type, text, media, quoted_wa_message_id, quoted, status, sent_at, created_at, updated_at)
  values (
    p_account_id, p_conversation_id, p_instance_id, p_message->>'waMessageId',
    case when v_from_me then 'out' else 'in' end,
    case when v_from_me then 'agent' else 'contact' end,
    null,
    nullif(p_message->>'authorName', ''),
    case when p_message->'chat'->>'kind' = 'group'
      then coalesce(p_message->'participant'->>'jid', p_message->'participant'->>'lid') end,
    p_message->>'type', p_message->>'text', nullif(p_message->'media', 'null'::jsonb),
    p_message->>'quotedWaMessageId',
    case when p_message->>'quotedWaMessageId' is not null and p_message->>'type' <> 'reaction'
      then app.quoted_json(p_instance_id, p_message->>'quotedWaMessageId', p_message->'quoted') end,
    case when v_from_me then 'sent' else 'received' end,
    coalesce(to_timestamp((p_message->>'sentAt')::double precision), now()), clock_timestamp(), now())
  on conflict (instance_id, wa_message_id) do nothing
  returning * into v_msg;
  return v_msg;
end $$;

-- The receipt status that arrived before its message (null when none), taken off the waiting list.
create or replace function app.ingest_take_pending_receipt(p_instance_id uuid, p_wa_message_id text) returns text
language plpgsql as $$
declare
  v_status text;
begin
  delete from public.pending_receipts where instance_id = p_instance_id and wa_message_id = p_wa_message_id
    returning status into v_status;
  return v_status;
end $$;

-- What happened to a message before it was stored: an early receipt moves an outgoing message's
-- status forward, an early edit or deletion applies, reactions already received are counted.
-- Written back to the row only when one of them changed it; returns the row as it now is.
create or replace function app.ingest_apply_early_changes(p_msg public.messages, p_receipt text)
returns public.messages
language plpgsql as $$
declare
  v_msg public.messages := p_msg;
  v_change public.pending_message_changes;
begin
  if p_receipt is not null and v_msg.direction = 'out' then
    v_msg.status := app.max_status(v_msg.status, p_receipt);
  end if;
  delete from public.pending_message_changes where instance_id = v_msg.instance_id and wa_message_id = v_msg.wa_message_id
    returning * into v_change;
  if v_change.instance_id is not null then
    if v_change.edited_at is not null then
      v_msg.text := v_change.text;
      v_msg.edited_at := v_change.edited_at;
    end if;
    v_msg.deleted_at := v_change.deleted_at;
  end if;
  v_msg.reactions := app.reactions_of(v_msg.instance_id, v_msg.wa_message_id);
  if (v_msg.status, v_msg.text, v_msg.edited_at, v_msg.deleted_at, v_msg.reactions)
     is distinct from (p_msg.status, p_msg.text, p_msg.edited_at, p_msg.deleted_at, p_msg.reactions) then
    update public.messages set status = v_msg.status, text = v_msg.text, edited_at = v_msg.edited_at,
      deleted_at = v_msg.deleted_at, reactions = v_msg.reactions
    where id = v_msg.id;
  end if;
  return v_msg;
end $$;

-- The conversation after a new message: last activity (if newest), and for a customer's message
-- the read mark of an early READ receipt, reopening a resolved thread and the unread count; a
-- message typed on the business's phone (fromMe upsert) pauses the AI, like an agent's reply.
-- A customer's message without an early READ receipt is one update of the row: the new message is
-- then the only change to what counts as unread, so the count moves by one or zero instead of
-- being recounted (an early READ moves the read mark, and the count is recounted).
create or replace function app.ingest_touch_conversation(p_msg public.messages, p_receipt text, p_origin text)
returns void
language plpgsql as $$
begin
  if p_msg.direction = 'in' and p_msg.type <> 'reaction' and p_receipt is distinct from 'read' then
    update public.conversations c set
      last_message_at = case when c.last_message_at is null or p_msg.sent_at >= c.last_message_at
        then p_msg.sent_at else c.last_message_at end,
      last_message_preview = case when c.last_message_at is null or p_msg.sent_at >= c.last_message_at
        then app.message_preview(p_msg.type, p_msg.text) else c.last_message_preview end,
      last_message_type = case when c.last_message_at is null or p_msg.sent_at >= c.last_message_at
        then p_msg.type else c.last_message_type end,
      status = case when c.status = 'resolved' then 'open' else c.status end,
      unread_count = c.unread_count + case
        when p_msg.deleted_at is null and p_msg.sent_at > coalesce(c.read_up_to, '-infinity')
          and p_msg.created_at > coalesce(c.agent_read_at, '-infinity') then 1 else 0 end,
      updated_at = now()
    where c.id = p_msg.conversation_id;
    return;
  end if;
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

-- A reaction changes its target's counts: `[message.updated]` of the target, or `[]`.
create or replace function app.ingest_reaction_target(p_account_id uuid, p_msg public.messages) returns jsonb
language plpgsql as $$
declare
  v_target public.messages;
begin
  if p_msg.type <> 'reaction' or p_msg.quoted_wa_message_id is null then
    return '[]'::jsonb;
  end if;
  update public.messages t set reactions = app.reactions_of(p_msg.instance_id, t.wa_message_id), updated_at = now()
    where t.instance_id = p_msg.instance_id and t.wa_message_id = p_msg.quoted_wa_message_id
      and t.reactions is distinct from app.reactions_of(p_msg.instance_id, t.wa_message_id)
    returning * into v_target;
  if v_target.id is null then
    return '[]'::jsonb;
  end if;
  return jsonb_build_array(app.append_event(p_account_id, 'message.updated',
    jsonb_build_object('message', app.message_json(v_target))));
end $$;

-- messages.upsert and send.message. `p_message` is the normalised message:
--   {waMessageId, origin: "upsert"|"send", fromMe, chat: {kind: "direct"|"group", jid, lid},
--    participant: {jid, lid}|null, pushName, authorName, type, text, media, quotedWaMessageId,
--    sentAt (epoch seconds)}
-- Inserted once per (instance, waMessageId): a redelivery returns no events. `send.message` is
-- matched to the Motor's own stored message (same id, or the pending agent reply with this text
-- that waits for sendText's answer) instead of inserting a second row.
create or replace function app.ingest_message(p_account_id uuid, p_instance_id uuid, p_message jsonb)
returns jsonb
language plpgsql as $$
declare
  v_inst public.instances := app.ingest_instance(p_account_id, p_instance_id); -- locks the account first
  v_known jsonb;
  v_conv uuid;
  v_msg public.messages;
  v_receipt text;
  v_events jsonb;
begin
  if coalesce(p_message->>'waMessageId', '') = '' then
    raise exception 'message without id' using errcode = 'AT400';
  end if;
  v_known := app.ingest_known_message(p_account_id, p_instance_id, p_message);
  if v_known is not null then
    return v_known;
  end if;
  v_conv := app.ingest_resolve_conversation(p_account_id, p_instance_id, p_message);
  v_known := app.ingest_adopt_pending_reply(p_account_id, v_conv, p_message);
  if v_known is not null then
    return v_known;
  end if;
  v_msg := app.ingest_insert_message(p_account_id, p_instance_id, v_conv, p_message);
  if v_msg.id is null then
    return jsonb_build_object('events', '[]'::jsonb);
  end if;
  v_receipt := app.ingest_take_pending_receipt(p_instance_id, v_msg.wa_message_id);
  v_msg := app.ingest_apply_early_changes(v_msg, v_receipt);
  perform app.ingest_touch_conversation(v_msg, v_receipt, p_message->>'origin');
  v_events := jsonb_build_array(app.append_event(p_account_id, 'message.created', jsonb_build_object(
    'message', app.message_json(v_msg), 'conversation', app.conversation_json(v_conv))));
  return jsonb_build_object('events', v_events || app.ingest_reaction_target(p_account_id, v_msg));
end $$;

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

-- messages.update: a delivery/read receipt (`p_status` already mapped to ours). Moves the status
-- forward only; a receipt for a message not stored yet waits in pending_receipts. A READ of an
-- incoming message (read on the phone) clears the conversation's unread count. An ERROR receipt
-- stores the stable reason code 'whatsapp_error' (shared FAILURE_REASONS; the dashboard translates it).
create or replace function app.ingest_receipt(
  p_account_id uuid, p_instance_id uuid, p_wa_message_id text, p_status text
) returns jsonb
language plpgsql as $$
declare
  v_inst public.instances := app.ingest_instance(p_account_id, p_instance_id);
  v_msg public.messages;
  v_conv_id uuid;
  v_events jsonb := '[]'::jsonb;
begin
  if app.status_rank(p_status) < 1 then
    raise exception 'unknown status %', p_status using errcode = 'AT400';
  end if;
  select * into v_msg from public.messages where instance_id = p_instance_id and wa_message_id = p_wa_message_id for update;
  if v_msg.id is null then
    insert into public.pending_receipts (instance_id, wa_message_id, status)
    values (p_instance_id, p_wa_message_id, p_status)
    on conflict (instance_id, wa_message_id) do update set status = app.max_status(pending_receipts.status, excluded.status);
    return jsonb_build_object('events', v_events);
  end if;

  if v_msg.direction = 'in' then
    if p_status = 'read' then
      update public.conversations set read_up_to = greatest(read_up_to, v_msg.sent_at)
        where id = v_msg.conversation_id;
      if app.recount_unread(v_msg.conversation_id) then
        v_conv_id := v_msg.conversation_id;
        v_events := v_events || app.append_event(p_account_id, 'conversation.updated',
          jsonb_build_object('conversation', app.conversation_json(v_conv_id)));
      end if;
    end if;
    return jsonb_build_object('events', v_events);
  end if;

  if not app.status_moves_forward(v_msg.status, p_status) then
    return jsonb_build_object('events', v_events); -- duplicate or late (older) receipt
  end if;
  update public.messages set status = p_status,
    error = case when p_status = 'failed' then coalesce(error, 'whatsapp_error') else null end,
    updated_at = now()
  where id = v_msg.id returning * into v_msg;
  return jsonb_build_object('events', jsonb_build_array(
    app.append_event(p_account_id, 'message.updated', jsonb_build_object('message', app.message_json(v_msg)))));
end $$;

-- messages.edited (`p_text`, `p_edited_at`) and messages.delete (`p_deleted` true). Kept for later
-- when the message is not stored yet. The newest edit wins, whatever the arrival order.
create or replace function app.ingest_message_change(
  p_account_id uuid, p_instance_id uuid, p_wa_message_id text,
  p_text text default null, p_edited_at timestamptz default null, p_deleted boolean default false
) returns jsonb
language plpgsql as $$
declare
  v_inst public.instances := app.ingest_instance(p_account_id, p_instance_id);
  v_msg public.messages;
  v_is_edit boolean := p_edited_at is not null;
  v_latest boolean;
  v_conv_changed boolean := false;
  v_events jsonb;
begin
  select * into v_msg from public.messages where instance_id = p_instance_id and wa_message_id = p_wa_message_id for update;
  if v_msg.id is null then
    insert into public.pending_message_changes (instance_id, wa_message_id, text, edited_at, deleted_at)
    values (p_instance_id, p_wa_message_id,
            case when v_is_edit then p_text end, case when v_is_edit then p_edited_at end,
            case when p_deleted then now() end)
    on conflict (instance_id, wa_message_id) do update set
      text = case when excluded.edited_at > coalesce(pending_message_changes.edited_at, '-infinity')
                  then excluded.text else pending_message_changes.text end,
      edited_at = greatest(pending_message_changes.edited_at, excluded.edited_at),
      deleted_at = coalesce(pending_message_changes.deleted_at, excluded.deleted_at);
    return jsonb_build_object('events', '[]'::jsonb);
  end if;

  if p_deleted then
    if v_msg.deleted_at is not null then
      return jsonb_build_object('events', '[]'::jsonb);
    end if;
    update public.messages set deleted_at = now(), updated_at = now() where id = v_msg.id returning * into v_msg;
    if v_msg.direction = 'in' and app.recount_unread(v_msg.conversation_id) then
      v_conv_changed := true;
    end if;
  else
    if not v_is_edit or p_edited_at <= coalesce(v_msg.edited_at, '-infinity') then
      return jsonb_build_object('events', '[]'::jsonb);
    end if;
    update public.messages set text = p_text, edited_at = p_edited_at, updated_at = now()
      where id = v_msg.id returning * into v_msg;
    -- The inbox line follows an edit of the conversation's newest message.
    select not exists (select 1 from public.messages o where o.conversation_id = v_msg.conversation_id
                        and o.sent_at > v_msg.sent_at) into v_latest;
    if v_latest then
      update public.conversations set last_message_preview = app.message_preview(v_msg.type, v_msg.text)
        where id = v_msg.conversation_id;
    end if;
  end if;
  v_events := jsonb_build_array(
    app.append_event(p_account_id, 'message.updated', jsonb_build_object('message', app.message_json(v_msg))));
  if v_conv_changed then
    v_events := v_events || app.append_event(p_account_id, 'conversation.updated',
      jsonb_build_object('conversation', app.conversation_json(v_msg.conversation_id)));
  end if;
  return jsonb_build_object('events', v_events);
end $$;

-- connection.update / logout.instance / remove.instance. Evolution 2.3.6 repeats `connecting` about
-- four times a second while a session loops, so a change that changes nothing returns before any
-- lock or write (no row rewrite, no event). A disconnected number only leaves `disconnected`
-- through the Motor's own connect (app.instance_connecting): a `connecting` webhook then is a late
-- event of a session the user stopped and changes nothing. A removed number changes no more.
create or replace function app.ingest_connection(
  p_account_id uuid, p_instance_id uuid, p_status text, p_reason text default null,
  p_phone_number text default null, p_profile_name text default null, p_profile_picture_url text default null
) returns jsonb
language plpgsql as $$
declare
  v_old public.instances;
  v_new public.instances;
  v_reason text := case when p_status = 'disconnected' then p_reason end;
begin
  select * into v_old from public.instances where id = p_instance_id and account_id = p_account_id;
  if v_old.id is null then
    raise exception 'instance not found' using errcode = 'AT404';
  end if;
  if v_old.removed_at is not null
     or (p_status = 'connecting' and v_old.status in ('connecting', 'disconnected'))
     or (p_status = 'disconnected' and v_old.status = 'disconnected' and v_old.reason is not distinct from v_reason
         and v_old.qr_code is null and v_old.pairing_code is null)
     or (p_status = 'connected' and v_old.status = 'connected'
         and v_old.phone_number is not distinct from coalesce(p_phone_number, v_old.phone_number)
         and v_old.profile_name is not distinct from coalesce(p_profile_name, v_old.profile_name)
         and v_old.profile_picture_url is not distinct from coalesce(p_profile_picture_url, v_old.profile_picture_url)
         and v_old.qr_code is null and v_old.pairing_code is null) then
    return jsonb_build_object('events', '[]'::jsonb);
  end if;

  v_old := app.ingest_instance(p_account_id, p_instance_id); -- the account lock, then re-read
  update public.instances set
    status = p_status,
    reason = v_reason,
    phone_number = case when p_status = 'connected' then coalesce(p_phone_number, phone_number) else phone_number end,
    profile_name = case when p_status = 'connected' then coalesce(p_profile_name, profile_name) else profile_name end,
    profile_picture_url = case when p_status = 'connected' then coalesce(p_profile_picture_url, profile_picture_url)
                               else profile_picture_url end,
    qr_code = case when p_status = 'connecting' then qr_code end,
    pairing_code = case when p_status = 'connecting' then pairing_code end,
    updated_at = now()
  where id = p_instance_id
  returning * into v_new;

  if (v_new.status, v_new.reason, v_new.phone_number, v_new.profile_name)
     is not distinct from (v_old.status, v_old.reason, v_old.phone_number, v_old.profile_name) then
    return jsonb_build_object('events', '[]'::jsonb);
  end if;
  return jsonb_build_object('events', jsonb_build_array(
    app.append_event(p_account_id, 'instance.updated', jsonb_build_object('instance', jsonb_build_object(
      'id', v_new.id, 'name', v_new.name, 'status', v_new.status, 'phoneNumber', v_new.phone_number,
      'profileName', v_new.profile_name, 'reason', v_new.reason)))));
end $$;

-- qrcode.updated (see 20261129000500): stored and pushed only while the number is connecting. A
-- QR for a disconnected number comes from a session the user stopped (or one Evolution has not
-- confirmed yet: instance_connecting stores the QR of the create/connect answer itself). `qr` is
-- null when nothing was stored.
create or replace function app.ingest_qr(
  p_account_id uuid, p_instance_id uuid, p_qr_code text, p_pairing_code text default null
) returns jsonb
language plpgsql as $$
declare
  v public.instances;
begin
  select * into v from public.instances where id = p_instance_id and account_id = p_account_id;
  if v.id is null then
    raise exception 'instance not found' using errcode = 'AT404';
  end if;
  if v.status <> 'connecting' or v.removed_at is not null then
    return jsonb_build_object('events', '[]'::jsonb, 'qr', null);
  end if;
  v := app.ingest_instance(p_account_id, p_instance_id);
  update public.instances set qr_code = p_qr_code, pairing_code = p_pairing_code, qr_updated_at = now(), updated_at = now()
    where id = p_instance_id returning * into v;
  return jsonb_build_object('events', '[]'::jsonb, 'qr', jsonb_build_object(
    'instanceId', v.id, 'instanceName', v.name, 'qrCode', v.qr_code, 'pairingCode', v.pairing_code));
end $$;

-- contacts.upsert / contacts.update: `p_contacts` = [{jid, lid, pushName, avatarUrl}]. Conversations
-- whose contact's display (name, avatar) changed get a conversation.updated.
create or replace function app.ingest_contacts(p_account_id uuid, p_instance_id uuid, p_contacts jsonb)
returns jsonb
language plpgsql as $$
declare
  v_inst public.instances := app.ingest_instance(p_account_id, p_instance_id);
  c jsonb;
  v_id uuid;
  v_before text;
  v_after text;
  v_conv uuid;
  v_events jsonb := '[]'::jsonb;
begin
  for c in select * from jsonb_array_elements(coalesce(p_contacts, '[]'::jsonb)) loop
    continue when c->>'jid' is null and c->>'lid' is null;
    select coalesce(name, push_name) || '|' || coalesce(avatar_url, '') into v_before from public.contacts
      where account_id = p_account_id and (jid = c->>'jid' or lid = c->>'lid') limit 1;
    v_id := app.resolve_contact(p_account_id, c->>'jid', c->>'lid', nullif(c->>'pushName', ''), nullif(c->>'avatarUrl', ''));
    select coalesce(name, push_name) || '|' || coalesce(avatar_url, '') into v_after from public.contacts where id = v_id;
    if v_before is distinct from v_after then
      for v_conv in select id from public.conversations where contact_id = v_id loop
        v_events := v_events || app.append_event(p_account_id, 'conversation.updated',
          jsonb_build_object('conversation', app.conversation_json(v_conv)));
      end loop;
    end if;
  end loop;
  return jsonb_build_object('events', v_events);
end $$;

-- groups.upsert: `p_groups` = [{jid, subject, description, size, participants}].
create or replace function app.ingest_groups(p_account_id uuid, p_instance_id uuid, p_groups jsonb)
returns jsonb
language plpgsql as $$
declare
  v_inst public.instances := app.ingest_instance(p_account_id, p_instance_id);
  g jsonb;
  v_old public.groups;
  v_new public.groups;
  v_conv uuid;
  v_events jsonb := '[]'::jsonb;
begin
  for g in select * from jsonb_array_elements(coalesce(p_groups, '[]'::jsonb)) loop
    select * into v_old from public.groups where instance_id = p_instance_id and jid = g->>'jid';
    insert into public.groups (account_id, instance_id, jid, subject, description, size, participants)
    values (p_account_id, p_instance_id, g->>'jid', g->>'subject', g->>'description', (g->>'size')::integer,
            coalesce(g->'participants', '[]'::jsonb))
    on conflict (instance_id, jid) do update set
      subject = coalesce(excluded.subject, groups.subject),
      description = coalesce(excluded.description, groups.description),
      size = coalesce(excluded.size, groups.size),
      participants = case when jsonb_array_length(excluded.participants) > 0 then excluded.participants
                          else groups.participants end,
      updated_at = now()
    returning * into v_new;
    if v_old.id is not null and v_old.subject is distinct from v_new.subject then
      for v_conv in select id from public.conversations where group_id = v_new.id loop
        v_events := v_events || app.append_event(p_account_id, 'conversation.updated',
          jsonb_build_object('conversation', app.conversation_json(v_conv)));
      end loop;
    end if;
  end loop;
  return jsonb_build_object('events', v_events);
end $$;

-- group-participants.update (app.ingest_group_participants) is in 45_team_contacts.sql.

-- Reads of what intake stored, for /api/groups, /api/contacts and the instance's latest state.

-- Instances with the conversations worth reconciling after an outage: for each connected
-- instance of every account, its conversations with a message in the last `p_hours` hours (the
-- most recent first, at most `p_per_instance`), each with its WhatsApp address. Returns
-- [{accountId, instanceId, instanceName, conversations: [{id, remoteJid}]}].
create or replace function app.reconcile_targets(p_hours integer, p_per_instance integer, p_instance_id uuid default null)
returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object(
      'accountId', i.account_id, 'instanceId', i.id, 'instanceName', i.name,
      'conversations', coalesce((
        select jsonb_agg(jsonb_build_object('id', x.id, 'remoteJid', x.jid))
        from (
          select c.id, coalesce(ct.jid, ct.lid, g.jid) as jid
          from public.conversations c
          left join public.contacts ct on ct.id = c.contact_id
          left join public.groups g on g.id = c.group_id
          where c.instance_id = i.id and c.last_message_at > now() - make_interval(hours => p_hours)
            and coalesce(ct.jid, ct.lid, g.jid) is not null
          order by c.last_message_at desc
          limit p_per_instance
        ) x), '[]'::jsonb)) order by i.created_at), '[]'::jsonb)
  from public.instances i
  where i.status = 'connected' and i.removed_at is null and (p_instance_id is null or i.id = p_instance_id)
$$;
