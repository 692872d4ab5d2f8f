-- The AI attendant: settings and health per account, durable reply jobs, the messages trigger
-- that schedules them and makes phone-typed replies a takeover, and the responder's functions.

-- The AI attendant (docs/ai.md): per-account settings and health, one durable reply job per
-- conversation, human takeover and handoff as conversation state.
--
-- Scheduling happens in the transaction that stores the customer's message (a trigger on
-- public.messages), so a message that got its 2xx is never left unanswered by a crash; the model
-- call happens later, in the responder loop of any Motor process (app.ai_claim, FOR UPDATE SKIP
-- LOCKED + lease). `ai_jobs.upto_message_id` is unique: a burst (the messages up to that one) is
-- answered at most once, however many processes run and however often Evolution redelivers.

create table public.ai_settings (
  account_id uuid primary key references public.accounts(id) on delete cascade,
  enabled boolean not null default false,
  business_description text not null default '' check (length(business_description) <= 4000),
  instructions text not null default '' check (length(instructions) <= 4000),
  -- null: the Motor's GROQ_MODEL.
  model text check (model is null or length(model) between 1 and 200),
  handoff_keywords jsonb not null default '["atendente", "humano", "pessoa", "falar com alguém"]'::jsonb
    check (jsonb_typeof(handoff_keywords) = 'array' and jsonb_array_length(handoff_keywords) <= 20),
  reply_delay_ms integer not null default 3000 check (reply_delay_ms between 0 and 30000),
  -- Health: model calls that failed in a row, the last error, the circuit breaker.
  failures_in_row integer not null default 0,
  last_error text,
  last_error_at timestamptz,
  paused_until timestamptz,
  updated_at timestamptz not null default now(),
  -- Voice notes are transcribed (Groq speech-to-text) unless the account turned it off.
  transcribe_voice_notes boolean not null default true
);
alter table public.ai_settings enable row level security;

create table public.ai_jobs (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts(id) on delete cascade,
  conversation_id uuid not null references public.conversations(id) on delete cascade,
  -- The newest customer message of the burst: what this job answers (unique: answered once).
  upto_message_id uuid not null references public.messages(id) on delete cascade,
  status text not null default 'waiting' check (status in ('waiting', 'running', 'done', 'skipped', 'failed')),
  -- A message of the burst holds a handoff keyword: no model call, hand over to a human.
  handoff boolean not null default false,
  due_at timestamptz not null,
  attempts integer not null default 0,
  lease_owner text,
  lease_until timestamptz,
  -- answered | handoff | a skip reason | a failure kind.
  outcome text,
  answer_message_id uuid references public.messages(id) on delete set null,
  prompt_tokens integer,
  completion_tokens integer,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index ai_jobs_waiting_key on public.ai_jobs (conversation_id) where status = 'waiting';
create unique index ai_jobs_answered_key on public.ai_jobs (upto_message_id);
create index ai_jobs_due_idx on public.ai_jobs (due_at) where status in ('waiting', 'running');
create index ai_jobs_account_idx on public.ai_jobs (account_id, created_at desc);
alter table public.ai_jobs enable row level security;

-- Lower case without accents (self-contained: no extension needed). 'Você Ação' → 'voce acao'.
create or replace function app.ai_fold(p text) returns text
language sql immutable as $$
  select translate(lower(coalesce(p, '')), 'áàâãäåéèêëíìîïóòôõöúùûüçñýÿ', 'aaaaaaeeeeiiiiooooouuuucnyy')
$$;

-- The first handoff keyword found in `p_text` as whole words (case- and accent-insensitive), or null.
-- app.ai_handoff_keyword('Quero falar com ALGUEM', '["falar com alguém"]') → 'falar com alguém'
create or replace function app.ai_handoff_keyword(p_text text, p_keywords jsonb) returns text
language sql immutable as $$
  select k from jsonb_array_elements_text(coalesce(p_keywords, '[]'::jsonb)) with ordinality as kw(k, ord)
  where nullif(trim(k), '') is not null
    and app.ai_fold(p_text) ~ ('(^|[^[:alnum:]])'
      || regexp_replace(regexp_replace(app.ai_fold(trim(k)), '([][(){}.*+?^$|\\])', '\\\1', 'g'), '\s+', '\\s+', 'g')
      || '($|[^[:alnum:]])')
  order by ord limit 1
$$;

-- The account's settings row (created with the defaults on first use).
create or replace function app.ai_settings_row(p_account_id uuid) returns public.ai_settings
language plpgsql as $$
declare
  v public.ai_settings;
begin
  select * into v from public.ai_settings where account_id = p_account_id;
  if v.account_id is null then
    if not exists (select 1 from public.accounts where id = p_account_id) then
      raise exception 'account not found' using errcode = 'AT404';
    end if;
    insert into public.ai_settings (account_id) values (p_account_id) on conflict (account_id) do nothing;
    select * into v from public.ai_settings where account_id = p_account_id;
  end if;
  return v;
end $$;

create or replace function app.ai_settings_json(s public.ai_settings) returns jsonb
language sql stable as $$
  select jsonb_build_object('enabled', s.enabled, 'businessDescription', s.business_description,
    'instructions', s.instructions, 'model', s.model, 'handoffKeywords', s.handoff_keywords,
    'replyDelayMs', s.reply_delay_ms, 'transcribeVoiceNotes', s.transcribe_voice_notes)
$$;

-- GET /api/settings/ai (without `available`; `model` null = the Motor's GROQ_MODEL).
create or replace function app.ai_settings_get(p_account_id uuid) returns jsonb
language plpgsql as $$
begin
  return app.ai_settings_json(app.ai_settings_row(p_account_id));
end $$;

-- PUT /api/settings/ai: `p_patch` = any of {enabled, businessDescription, instructions, model,
-- handoffKeywords, replyDelayMs} (validated by the Motor; the table's checks hold the limits).
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

-- AI health for the overview: {enabled, failuresInRow, lastError, lastErrorAt, pausedUntil (null
-- unless paused now)}.
create or replace function app.ai_health(p_account_id uuid) returns jsonb
language sql stable as $$
  select coalesce((select jsonb_build_object('enabled', s.enabled, 'failuresInRow', s.failures_in_row,
      'lastError', s.last_error, 'lastErrorAt', app.iso(s.last_error_at),
      'pausedUntil', case when s.paused_until > now() then app.iso(s.paused_until) end)
    from public.ai_settings s where s.account_id = p_account_id),
    jsonb_build_object('enabled', false, 'failuresInRow', 0, 'lastError', null, 'lastErrorAt', null, 'pausedUntil', null))
$$;

-- Schedules (or pushes back) the conversation's reply job for a customer message, when the AI
-- would answer it: the account's AI enabled, a 1:1 conversation with aiEnabled, a contact that did
-- not opt out, text (a voice note counts once its transcript is stored as its text), a WhatsApp
-- timestamp at most 10 minutes old. Due at now + replyDelayMs; a message with a handoff keyword
-- makes it due at once. Called by the messages trigger; the media area calls it again once a voice
-- note's transcript is stored. Returns true when a job is waiting for the message.
create or replace function app.ai_schedule(p_message_id uuid) returns boolean
language plpgsql as $$
declare
  v_msg public.messages;
  v_conv public.conversations;
  v_set public.ai_settings;
  v_handoff boolean;
begin
  select * into v_msg from public.messages where id = p_message_id;
  if v_msg.id is null or v_msg.direction <> 'in' or v_msg.sender <> 'contact'
     or v_msg.type not in ('text', 'audio') or nullif(trim(v_msg.text), '') is null
     or v_msg.deleted_at is not null or v_msg.sent_at < now() - interval '10 minutes' then
    return false;
  end if;
  select * into v_set from public.ai_settings where account_id = v_msg.account_id;
  if v_set.account_id is null or not v_set.enabled then
    return false;
  end if;
  select * into v_conv from public.conversations where id = v_msg.conversation_id;
  if v_conv.contact_id is null or not v_conv.ai_enabled then
    return false;
  end if;
  if exists (select 1 from public.contacts where id = v_conv.contact_id and opted_out) then
    return false;
  end if;
  if exists (select 1 from public.ai_jobs where upto_message_id = v_msg.id) then
    return true;
  end if;
  v_handoff := app.ai_handoff_keyword(v_msg.text, v_set.handoff_keywords) is not null;
  insert into public.ai_jobs (account_id, conversation_id, upto_message_id, handoff, due_at)
  values (v_msg.account_id, v_conv.id, v_msg.id, v_handoff,
    case when v_handoff then now() else now() + make_interval(secs => v_set.reply_delay_ms / 1000.0) end)
  on conflict (conversation_id) where status = 'waiting' do update set
    upto_message_id = excluded.upto_message_id,
    handoff = ai_jobs.handoff or excluded.handoff,
    due_at = case when ai_jobs.handoff or excluded.handoff then least(ai_jobs.due_at, now()) else excluded.due_at end,
    updated_at = now();
  return true;
end $$;

-- Human takeover by a message typed on the business's phone (sender agent without an author):
-- the conversation's AI turns off in the message's own transaction and conversation.updated is
-- appended; the webhook intake publishes it with the message (see ai_takeover_event_of).
create or replace function app.ai_messages_trigger() returns trigger
language plpgsql as $$
declare
  v_conv public.conversations;
begin
  if new.direction = 'in' then
    perform app.ai_schedule(new.id);
  elsif new.sender = 'agent' and new.author_id is null then
    update public.conversations set ai_enabled = false, updated_at = now()
      where id = new.conversation_id and ai_enabled returning * into v_conv;
    if v_conv.id is not null then
      perform app.append_event(new.account_id, 'conversation.updated',
        jsonb_build_object('conversation', app.conversation_json(v_conv.id)));
    end if;
  end if;
  return null;
end $$;

create trigger messages_ai after insert on public.messages
  for each row when (new.direction = 'in' or (new.sender = 'agent' and new.author_id is null))
  execute function app.ai_messages_trigger();

-- The conversation.updated that the takeover trigger appended just before `p_seq` (the
-- message.created of a message typed on the phone), or null. Lets the intake publish it in order.
create or replace function app.ai_takeover_event_of(p_account_id uuid, p_seq bigint, p_conversation_id uuid)
returns jsonb
language sql stable as $$
  select jsonb_build_object('accountId', e.account_id, 'seq', e.seq, 'type', e.type, 'at', app.iso(e.at), 'data', e.data)
  from public.events e
  where e.account_id = p_account_id and e.seq = p_seq - 1 and e.type = 'conversation.updated'
    and e.data->'conversation'->>'id' = p_conversation_id::text
$$;

-- Claims up to `p_limit` due reply jobs for `p_owner` (lease `p_lease_ms`): waiting and due, or
-- running with an expired lease (its process died). Jobs of an account whose AI is paused (circuit
-- breaker) wait. Returns [{id, accountId, conversationId, handoff, attempts}].
create or replace function app.ai_claim(p_owner text, p_limit integer default 4, p_lease_ms integer default 120000)
returns jsonb
language sql as $$
  with due as (
    select j.id from public.ai_jobs j
    where ((j.status = 'waiting' and j.due_at <= now()) or (j.status = 'running' and j.lease_until < now()))
      and not exists (select 1 from public.ai_settings s where s.account_id = j.account_id and s.paused_until > now())
    order by j.due_at
    limit least(greatest(coalesce(p_limit, 4), 1), 50)
    for update of j skip locked
  ), claimed as (
    update public.ai_jobs j set status = 'running', lease_owner = p_owner,
      lease_until = clock_timestamp() + make_interval(secs => greatest(p_lease_ms, 100) / 1000.0),
      attempts = j.attempts + 1, updated_at = now()
    from due where j.id = due.id
    returning j.*
  )
  select coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'accountId', c.account_id,
      'conversationId', c.conversation_id, 'handoff', c.handoff, 'attempts', c.attempts) order by c.due_at), '[]'::jsonb)
  from claimed c
$$;

-- Ends a job held by `p_owner` without an answer (`p_status` skipped|failed, `p_outcome` why).
create or replace function app.ai_job_close(p_owner text, p_job_id uuid, p_status text, p_outcome text) returns boolean
language sql as $$
  with done as (
    update public.ai_jobs set status = p_status, outcome = p_outcome, lease_owner = null, lease_until = null,
      updated_at = now()
    where id = p_job_id and status = 'running' and lease_owner = p_owner returning 1)
  select exists (select 1 from done)
$$;

-- What the model may see for a job held by `p_owner`, re-checking every rule first. Returns
-- {skip: reason} (the job is closed as skipped) or {accountId, conversationId, handoff,
-- handoffKeyword, settings:{businessDescription, instructions, model}, customerText, history}.
-- `history`: the conversation's last ≤ 20 messages with text (system messages, private notes and
-- reactions excluded), oldest first, as {role: user|assistant, content}; `customerText`: the
-- customer's last ≤ 5 messages, for product matching and the handoff keyword. Nothing of another
-- conversation or account.
create or replace function app.ai_job_context(p_owner text, p_job_id uuid) returns jsonb
language plpgsql as $$
declare
  v_job public.ai_jobs;
  v_set public.ai_settings;
  v_conv public.conversations;
  v_upto public.messages;
  v_skip text;
  v_keyword text;
  v_customer text;
begin
  select * into v_job from public.ai_jobs where id = p_job_id and status = 'running' and lease_owner = p_owner;
  if v_job.id is null then
    return jsonb_build_object('skip', 'lost_claim');
  end if;
  select * into v_set from public.ai_settings where account_id = v_job.account_id;
  select * into v_conv from public.conversations where id = v_job.conversation_id;
  select * into v_upto from public.messages where id = v_job.upto_message_id;
  v_skip := case
    when v_set.account_id is null or not v_set.enabled then 'ai_disabled'
    when v_conv.contact_id is null then 'group'
    when not v_conv.ai_enabled then 'conversation_ai_off'
    when exists (select 1 from public.contacts where id = v_conv.contact_id and opted_out) then 'opted_out'
    when not exists (select 1 from public.instances where id = v_conv.instance_id and status = 'connected') then 'instance_not_connected'
    when v_upto.sent_at < now() - interval '10 minutes' then 'too_old'
  end;
  if v_skip is not null then
    perform app.ai_job_close(p_owner, p_job_id, 'skipped', v_skip);
    return jsonb_build_object('skip', v_skip);
  end if;

  select string_agg(x.text, E'\n' order by x.created_at) into v_customer from (
    select m.text, m.created_at from public.messages m
    where m.conversation_id = v_conv.id and m.direction = 'in' and nullif(trim(m.text), '') is not null
      and m.deleted_at is null
    order by m.created_at desc limit 5) x;
  if v_job.handoff then
    select app.ai_handoff_keyword(v_customer, v_set.handoff_keywords) into v_keyword;
  end if;
  return jsonb_build_object(
    'accountId', v_job.account_id, 'conversationId', v_conv.id,
    'handoff', v_job.handoff, 'handoffKeyword', v_keyword,
    'settings', jsonb_build_object('businessDescription', v_set.business_description,
      'instructions', v_set.instructions, 'model', v_set.model),
    'customerText', coalesce(v_customer, ''),
    'history', coalesce((select jsonb_agg(jsonb_build_object(
        'role', case when h.direction = 'in' then 'user' else 'assistant' end, 'content', h.text) order by h.created_at, h.id)
      from (select m.* from public.messages m
            where m.conversation_id = v_conv.id and m.sender <> 'system' and m.deleted_at is null
              and not m.private and m.type <> 'reaction' and nullif(trim(m.text), '') is not null
            order by m.created_at desc, m.id desc limit 20) h), '[]'::jsonb));
end $$;

-- A system message in the conversation: shown to agents, never sent (direction out, sender
-- system, no WhatsApp id). `p_code` goes in `error` so the dashboard can translate it.
create or replace function app.ai_system_message(p_account_id uuid, p_conversation_id uuid, p_text text, p_code text)
returns jsonb
language plpgsql as $$
declare
  v_conv public.conversations;
  v_msg public.messages;
begin
  select * into v_conv from public.conversations where id = p_conversation_id and account_id = p_account_id;
  insert into public.messages (account_id, conversation_id, instance_id, direction, sender, type, text, status,
    error, sent_at, created_at, updated_at)
  values (p_account_id, v_conv.id, v_conv.instance_id, 'out', 'system', 'text', p_text, 'sent', p_code, now(),
    clock_timestamp(), now())
  returning * into v_msg;
  return app.append_event(p_account_id, 'message.created',
    jsonb_build_object('message', app.message_json(v_msg), 'conversation', app.conversation_json(v_conv.id)));
end $$;

-- Handoff: the conversation becomes pending with aiEnabled false, a system message says why; no
-- model call. Returns {events}.
create or replace function app.ai_job_handoff(p_owner text, p_job_id uuid, p_text text) returns jsonb
language plpgsql as $$
declare
  v_job public.ai_jobs;
  v_events jsonb := '[]'::jsonb;
begin
  select * into v_job from public.ai_jobs where id = p_job_id;
  perform 1 from public.accounts where id = v_job.account_id for update;
  if not app.ai_job_close(p_owner, p_job_id, 'done', 'handoff') then
    return jsonb_build_object('events', v_events);
  end if;
  update public.conversations set status = 'pending', ai_enabled = false, updated_at = now()
    where id = v_job.conversation_id;
  v_events := jsonb_build_array(app.ai_system_message(v_job.account_id, v_job.conversation_id, p_text, 'ai_handoff'));
  v_events := v_events || app.append_event(v_job.account_id, 'conversation.updated',
    jsonb_build_object('conversation', app.conversation_json(v_job.conversation_id)));
  return jsonb_build_object('events', v_events);
end $$;

-- The model's answer for a job held by `p_owner`: stored as {sender:"ai"} with its outbox row
-- (kind ai) and pushed, unless a human took over (or the AI was turned off) during the call.
-- Resets the failure streak. Returns {message|null, events, outcome}.
create or replace function app.ai_job_answer(
  p_owner text, p_job_id uuid, p_text text, p_prompt_tokens integer default null, p_completion_tokens integer default null
) returns jsonb
language plpgsql as $$
declare
  v_job public.ai_jobs;
  v_conv public.conversations;
  v_sent jsonb;
begin
  select * into v_job from public.ai_jobs where id = p_job_id;
  perform 1 from public.accounts where id = v_job.account_id for update;
  select * into v_job from public.ai_jobs where id = p_job_id and status = 'running' and lease_owner = p_owner for update;
  if v_job.id is null then
    return jsonb_build_object('message', null, 'events', '[]'::jsonb, 'outcome', 'lost_claim');
  end if;
  select * into v_conv from public.conversations where id = v_job.conversation_id for update;
  update public.ai_settings set failures_in_row = 0, updated_at = now() where account_id = v_job.account_id;
  if not v_conv.ai_enabled or not exists (select 1 from public.ai_settings where account_id = v_job.account_id and enabled) then
    perform app.ai_job_close(p_owner, p_job_id, 'skipped', 'taken_over');
    return jsonb_build_object('message', null, 'events', '[]'::jsonb, 'outcome', 'taken_over');
  end if;
  v_sent := app.outbox_send_text(v_job.account_id, v_job.conversation_id, 'ai', 'ai', p_text);
  update public.ai_jobs set status = 'done', outcome = 'answered', answer_message_id = (v_sent->'message'->>'id')::uuid,
    prompt_tokens = p_prompt_tokens, completion_tokens = p_completion_tokens, lease_owner = null, lease_until = null,
    updated_at = now()
  where id = p_job_id;
  return v_sent || jsonb_build_object('outcome', 'answered');
end $$;

-- A failed model call of a job held by `p_owner` (`p_kind`: timeout, rate_limited, …). Counts
-- toward the account's streak: the 5th in a row pauses the account's AI for 60 s. With `p_final`
-- (no retry left, or just paused) the job fails and a system message with `p_text` is stored.
-- Returns {events, pausedUntil}.
create or replace function app.ai_job_failed(p_owner text, p_job_id uuid, p_kind text, p_text text, p_final boolean)
returns jsonb
language plpgsql as $$
declare
  v_job public.ai_jobs;
  v_set public.ai_settings;
  v_events jsonb := '[]'::jsonb;
begin
  select * into v_job from public.ai_jobs where id = p_job_id;
  perform 1 from public.accounts where id = v_job.account_id for update;
  select * into v_job from public.ai_jobs where id = p_job_id and status = 'running' and lease_owner = p_owner for update;
  if v_job.id is null then
    return jsonb_build_object('events', v_events, 'pausedUntil', null);
  end if;
  update public.ai_settings set failures_in_row = failures_in_row + 1, last_error = p_kind,
    last_error_at = now(), updated_at = now()
  where account_id = v_job.account_id returning * into v_set;
  if v_set.failures_in_row >= 5 then
    update public.ai_settings set paused_until = now() + interval '60 seconds', failures_in_row = 0
      where account_id = v_job.account_id returning * into v_set;
  end if;
  if p_final or v_set.paused_until > now() then
    perform app.ai_job_close(p_owner, p_job_id, 'failed', p_kind);
    v_events := jsonb_build_array(app.ai_system_message(v_job.account_id, v_job.conversation_id, p_text, 'ai_' || p_kind));
  end if;
  return jsonb_build_object('events', v_events,
    'pausedUntil', case when v_set.paused_until > now() then app.iso(v_set.paused_until) end);
end $$;
