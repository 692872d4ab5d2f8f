-- Voice-note transcripts (docs/media.md): stored once (as the transcript and as the voice note's
-- text, so the inbox search and the AI read them like typed words), pushed as message.updated; an
-- account setting turns transcription off.

alter table public.ai_settings add column transcribe_voice_notes boolean not null default true;

create or replace function app.ai_settings_json(s public.ai_settings) returns jsonb
language sql stable as $$
  select jsonb_build_object('enabled', s.enabled, 'businessDescription', s.business_description,
    'instructions', s.instructions, 'model', s.model, 'handoffKeywords', s.handoff_keywords,
    'replyDelayMs', s.reply_delay_ms, 'transcribeVoiceNotes', s.transcribe_voice_notes)
$$;

create or replace function app.ai_settings_put(p_account_id uuid, p_patch jsonb) returns jsonb
language plpgsql as $$
declare
  v public.ai_settings := app.ai_settings_row(p_account_id);
begin
  update public.ai_settings set
    enabled = case when p_patch ? 'enabled' then (p_patch->>'enabled')::boolean else enabled end,
    business_description = case when p_patch ? 'businessDescription' then coalesce(p_patch->>'businessDescription', '') else business_description end,
    instructions = case when p_patch ? 'instructions' then coalesce(p_patch->>'instructions', '') else instructions end,
    model = case when p_patch ? 'model' then nullif(trim(p_patch->>'model'), '') else model end,
    handoff_keywords = case when p_patch ? 'handoffKeywords' then p_patch->'handoffKeywords' else handoff_keywords end,
    reply_delay_ms = case when p_patch ? 'replyDelayMs' then (p_patch->>'replyDelayMs')::integer else reply_delay_ms end,
    transcribe_voice_notes = case when p_patch ? 'transcribeVoiceNotes' then (p_patch->>'transcribeVoiceNotes')::boolean
                                  else transcribe_voice_notes end,
    -- Turning the AI on again closes the circuit breaker.
    paused_until = case when (p_patch->>'enabled')::boolean is true and not v.enabled then null else paused_until end,
    failures_in_row = case when (p_patch->>'enabled')::boolean is true and not v.enabled then 0 else failures_in_row end,
    updated_at = now()
  where account_id = p_account_id
  returning * into v;
  return app.ai_settings_json(v);
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
