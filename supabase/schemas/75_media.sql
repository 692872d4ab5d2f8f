-- Media files of messages (docs/media.md): the bytes live in the storage port, not here.

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

-- A voice note the Motor should transcribe: an audio flagged as voice note, not deleted, without a
-- transcript yet, of an account that did not turn transcription off. False otherwise (AT404 for
-- another account's message).
create or replace function app.message_transcribable(p_account_id uuid, p_message_id uuid) returns boolean
language plpgsql stable as $$
declare
  v public.messages;
begin
  select * into v from public.messages where id = p_message_id and account_id = p_account_id;
  if v.id is null then
    raise exception 'message not found' using errcode = 'AT404';
  end if;
  return v.type = 'audio' and coalesce((v.media->>'voiceNote')::boolean, false) and v.transcript is null
    and v.deleted_at is null
    and coalesce((select s.transcribe_voice_notes from public.ai_settings s where s.account_id = p_account_id), true);
end $$;

-- Stores a voice note's transcript (once: a second transcript is ignored) as `transcript` and as
-- its text (a voice note has no caption), so the inbox search and the AI read it like typed words,
-- and appends message.updated; an incoming one is then offered to the AI (app.ai_schedule).
-- Returns {message, events}.
create or replace function app.message_transcript_set(p_account_id uuid, p_message_id uuid, p_transcript text)
returns jsonb
language plpgsql as $$
declare
  v public.messages;
begin
  perform 1 from public.accounts where id = p_account_id for update;
  update public.messages set transcript = left(nullif(trim(p_transcript), ''), 8000),
    text = coalesce(nullif(text, ''), left(nullif(trim(p_transcript), ''), 8000)), updated_at = now()
    where id = p_message_id and account_id = p_account_id and transcript is null and type = 'audio'
    returning * into v;
  if v.id is null then
    select * into v from public.messages where id = p_message_id and account_id = p_account_id;
    if v.id is null then
      raise exception 'message not found' using errcode = 'AT404';
    end if;
    return jsonb_build_object('message', app.message_json(v), 'events', '[]'::jsonb);
  end if;
  if v.direction = 'in' and v.transcript is not null then
    perform app.ai_schedule(v.id);
  end if;
  return jsonb_build_object('message', app.message_json(v), 'events', jsonb_build_array(
    app.append_event(p_account_id, 'message.updated', jsonb_build_object('message', app.message_json(v)))));
end $$;
