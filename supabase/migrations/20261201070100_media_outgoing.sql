-- Outgoing media (docs/media.md): an agent's file becomes a message plus an outbox row, its bytes in
-- the storage port. Messages gain the voice-note transcript and media.url (filled by message_json).

alter table public.messages add column transcript text;

-- Message as the contract's `Message`. A message with a file carries `media.url`, where the Motor
-- serves it (GET /api/messages/:id/media), filled here once for every reader.
create or replace function app.message_json(m public.messages) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'id', m.id,
    'conversationId', m.conversation_id,
    'waMessageId', m.wa_message_id,
    'clientId', m.client_id,
    'direction', m.direction,
    'sender', m.sender,
    'authorId', m.author_id,
    'authorName', m.author_name,
    'participant', m.participant,
    'type', m.type,
    'text', m.text,
    'media', case when m.media is not null and m.type in ('image', 'audio', 'video', 'document', 'sticker')
                  then m.media || jsonb_build_object('url', '/api/messages/' || m.id || '/media')
                  else m.media end,
    'transcript', m.transcript,
    'quotedWaMessageId', m.quoted_wa_message_id,
    'reactions', m.reactions,
    'status', m.status,
    'error', m.error,
    'sentAt', app.iso(m.sent_at),
    'createdAt', app.iso(m.created_at),
    'editedAt', app.iso(m.edited_at),
    'deletedAt', app.iso(m.deleted_at))
$$;

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

-- What the outbox sends for a media message of the business: the file itself is read from the
-- storage port under <account>/<message> when the row is claimed (`stored`), never kept here.
create or replace function app.media_payload(p_msg public.messages) returns jsonb
language sql stable as $$
  select jsonb_strip_nulls(jsonb_build_object(
    'type', 'media',
    'mediatype', case when p_msg.type in ('image', 'video', 'audio') then p_msg.type else 'document' end,
    'mimetype', p_msg.media->>'mimetype',
    -- A voice note has no caption (its text is the transcript, once there is one).
    'caption', case when not coalesce((p_msg.media->>'voiceNote')::boolean, false) then nullif(p_msg.text, '') end,
    'fileName', p_msg.media->>'fileName',
    'voiceNote', case when coalesce((p_msg.media->>'voiceNote')::boolean, false) then true end,
    'stored', true))
$$;

-- An agent sends a file (POST /api/conversations/:id/messages, multipart): the message (pending,
-- `p_message_id` is the key its bytes were already stored under) and its outbox row in one
-- transaction, and the human takeover, as app.send_message_begin does for text. `p_media`:
-- {mimetype, fileName?, size, voiceNote?, seconds?}; the caption is the message's text.
-- Idempotent on `p_client_id`: the stored message comes back (`queued: false`, and its id is not
-- `p_message_id`: the new bytes are not needed), a FAILED one is queued again.
-- Returns {message, queued, events}.
create or replace function app.send_media_begin(
  p_account_id uuid, p_conversation_id uuid, p_user_id uuid, p_message_id uuid, p_type text,
  p_media jsonb, p_caption text default null, p_client_id uuid default null
) returns jsonb
language plpgsql as $$
declare
  v_conv public.conversations;
  v_msg public.messages;
  v_author text;
  v_caption text := nullif(trim(coalesce(p_caption, '')), '');
  v_events jsonb := '[]'::jsonb;
begin
  perform 1 from public.accounts where id = p_account_id for update;
  v_conv := app.conversation_of(p_account_id, p_conversation_id);
  if p_type not in ('image', 'audio', 'video', 'document') then
    raise exception 'unsupported media type %', p_type using errcode = 'AT400';
  end if;
  select name into v_author from public.users where id = p_user_id and account_id = p_account_id;
  if not found then
    raise exception 'user not found' using errcode = 'AT404';
  end if;

  if p_client_id is not null then
    select * into v_msg from public.messages where conversation_id = v_conv.id and client_id = p_client_id for update;
  end if;
  if v_msg.id is not null then
    if v_msg.status <> 'failed' then
      return jsonb_build_object('message', app.message_json(v_msg), 'queued', false, 'events', v_events);
    end if;
    update public.messages set status = 'pending', error = null, updated_at = now()
      where id = v_msg.id returning * into v_msg;
    perform app.outbox_enqueue(p_account_id, v_msg.id, 'reply', app.media_payload(v_msg));
    v_events := jsonb_build_array(app.append_event(p_account_id, 'message.updated',
      jsonb_build_object('message', app.message_json(v_msg))));
    return jsonb_build_object('message', app.message_json(v_msg), 'queued', true, 'events', v_events);
  end if;

  insert into public.messages (id, account_id, conversation_id, instance_id, client_id, direction, sender, author_id,
    author_name, type, text, media, status, sent_at, created_at, updated_at)
  values (p_message_id, p_account_id, v_conv.id, v_conv.instance_id, p_client_id, 'out', 'agent', p_user_id,
    v_author, p_type, v_caption,
    jsonb_strip_nulls(jsonb_build_object(
      'mimetype', p_media->>'mimetype', 'caption', v_caption, 'fileName', p_media->>'fileName',
      'size', (p_media->>'size')::bigint, 'seconds', (p_media->>'seconds')::numeric,
      'voiceNote', case when p_type = 'audio' then coalesce((p_media->>'voiceNote')::boolean, false) end)),
    'pending', now(), clock_timestamp(), now())
  returning * into v_msg;
  perform app.outbox_enqueue(p_account_id, v_msg.id, 'reply', app.media_payload(v_msg));
  perform app.bump_conversation(v_conv.id, v_msg.sent_at, app.message_preview(p_type, v_caption), p_type);
  update public.conversations set ai_enabled = false, updated_at = now() where id = v_conv.id and ai_enabled;
  v_events := jsonb_build_array(app.append_event(p_account_id, 'message.created',
    jsonb_build_object('message', app.message_json(v_msg), 'conversation', app.conversation_json(v_conv.id))));
  if v_conv.ai_enabled then
    v_events := v_events || app.append_event(p_account_id, 'conversation.updated',
      jsonb_build_object('conversation', app.conversation_json(v_conv.id)));
  end if;
  return jsonb_build_object('message', app.message_json(v_msg), 'queued', true, 'events', v_events);
end $$;

-- Queues an existing outgoing message (status pending) for sending, in the caller's transaction.
-- `p_payload` defaults to {type:"text", text: message.text}, or the media payload of a message with
-- a file (app.media_payload, docs/media.md); `number` defaults to the
-- conversation's target. A row that already exists for the message is re-queued (a retry).
-- Returns the outbox row as jsonb.
create or replace function app.outbox_enqueue(
  p_account_id uuid, p_message_id uuid, p_kind text,
  p_payload jsonb default null, p_not_before timestamptz default null, p_priority integer default null
) returns jsonb
language plpgsql as $$
declare
  v_msg public.messages;
  v_payload jsonb;
  v_row public.outbox;
begin
  select * into v_msg from public.messages where id = p_message_id and account_id = p_account_id;
  if v_msg.id is null then
    raise exception 'message not found' using errcode = 'AT404';
  end if;
  v_payload := coalesce(p_payload, case when v_msg.type in ('image', 'audio', 'video', 'document')
    then app.media_payload(v_msg) else jsonb_build_object('type', 'text', 'text', v_msg.text) end);
  if not v_payload ? 'number' then
    v_payload := v_payload || jsonb_build_object('number', app.conversation_target(v_msg.conversation_id));
  end if;
  insert into public.outbox (account_id, instance_id, conversation_id, message_id, kind, priority, payload, not_before)
  values (p_account_id, v_msg.instance_id, v_msg.conversation_id, v_msg.id, p_kind,
    coalesce(p_priority, case p_kind when 'reply' then 100 when 'ai' then 90 when 'optout' then 80
                                     when 'media' then 70 else 10 end),
    v_payload, coalesce(p_not_before, now()))
  on conflict (message_id) do update set
    status = 'pending', payload = excluded.payload, not_before = excluded.not_before, lookup = false,
    attempts = 0, lease_owner = null, lease_until = null, first_attempt_at = null, reason_code = null,
    error = null, updated_at = now()
  returning * into v_row;
  return to_jsonb(v_row);
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
