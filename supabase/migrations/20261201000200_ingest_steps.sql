-- app.ingest_message told as the intake's story: the same single call and single transaction, the
-- same `{events: [...]}` result, now a short function that calls one named step per job. Each step
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
--
-- Also: "statuses only move forward" gets one definition, app.status_moves_forward; app.max_status
-- and the checks that a status would move (ingest_message's steps, send_message_result) are
-- written with it. (ingest_receipt's own check is redefined by 20261201040000_evolution_reasons.sql,
-- which runs after this file; it still goes through app.max_status.)

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

-- send.message of the Motor's own reply whose sendText answer is not recorded yet (same text,
-- still pending, no id): the row adopts the id and moves to sent. Null when there is none.
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
-- (fromMe). Its id is null when a concurrent delivery of the same message inserted it first.
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
    participant, type, text, media, quoted_wa_message_id, status, sent_at, created_at, updated_at)
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
-- Written back to the row; returns the row as it now is.
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
  update public.messages set status = v_msg.status, text = v_msg.text, edited_at = v_msg.edited_at,
    deleted_at = v_msg.deleted_at, reactions = v_msg.reactions
  where id = v_msg.id;
  return v_msg;
end $$;

-- The conversation after a new message: last activity (if newest), and for a customer's message
-- the read mark of an early READ receipt, reopening a resolved thread and the unread count; a
-- message typed on the business's phone (fromMe upsert) pauses the AI, like an agent's reply.
create or replace function app.ingest_touch_conversation(p_msg public.messages, p_receipt text, p_origin text)
returns void
language plpgsql as $$
begin
  perform app.bump_conversation(p_msg.conversation_id, p_msg.sent_at, app.message_preview(p_msg.type, p_msg.text));
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

-- The check in send_message_result, now written with app.status_moves_forward.

-- An agent reply, step 2: Evolution's answer. With `p_wa_message_id` the message is sent (if the
-- send.message webhook got there first and stored a second row, that row is folded into this
-- one); with `p_error` it failed (only a pending message can fail). Returns {message, events}.
create or replace function app.send_message_result(
  p_account_id uuid, p_message_id uuid, p_wa_message_id text default null, p_error text default null
) returns jsonb
language plpgsql as $$
declare
  v_msg public.messages;
  v_twin public.messages;
  v_status text;
begin
  perform 1 from public.accounts where id = p_account_id for update;
  select * into v_msg from public.messages where id = p_message_id and account_id = p_account_id for update;
  if v_msg.id is null then
    raise exception 'message not found' using errcode = 'AT404';
  end if;
  if p_wa_message_id is null then
    if v_msg.status <> 'pending' then
      return jsonb_build_object('message', app.message_json(v_msg), 'events', '[]'::jsonb);
    end if;
    update public.messages set status = 'failed', error = left(coalesce(nullif(p_error, ''), 'sending failed'), 1000),
      updated_at = now() where id = v_msg.id returning * into v_msg;
  else
    if v_msg.wa_message_id is not distinct from p_wa_message_id and not app.status_moves_forward(v_msg.status, 'sent') then
      return jsonb_build_object('message', app.message_json(v_msg), 'events', '[]'::jsonb);
    end if;
    v_status := 'sent';
    delete from public.messages where instance_id = v_msg.instance_id and wa_message_id = p_wa_message_id and id <> v_msg.id
      returning * into v_twin;
    if v_twin.id is not null then
      v_status := app.max_status(v_status, v_twin.status);
    end if;
    -- Receipts that came before the id was known.
    v_status := app.max_status(v_status, app.ingest_take_pending_receipt(v_msg.instance_id, p_wa_message_id));
    update public.messages set wa_message_id = p_wa_message_id, status = app.max_status(v_status, status),
      error = null, updated_at = now()
      where id = v_msg.id returning * into v_msg;
  end if;
  return jsonb_build_object('message', app.message_json(v_msg), 'events', jsonb_build_array(
    app.append_event(p_account_id, 'message.updated', jsonb_build_object('message', app.message_json(v_msg)))));
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
