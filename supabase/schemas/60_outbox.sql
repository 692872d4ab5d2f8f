-- Sending: the outbox, its claim/result functions, and send_message_begin (an agent's reply
-- becomes a message row plus an outbox row in one transaction).

-- The outbound pipeline (docs/outbound.md): every message the business sends is a message row
-- plus an outbox row, written in ONE transaction; sender loops on every Motor process claim due
-- rows with FOR UPDATE SKIP LOCKED and a lease, call Evolution once per claim and record the
-- answer. A claim whose lease expired without an answer (the process died mid-send), or whose
-- call timed out, is looked up at Evolution (chat/findMessages) before it is ever sent again.
create table public.outbox (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts(id) on delete cascade,
  instance_id uuid not null references public.instances(id) on delete cascade,
  conversation_id uuid not null references public.conversations(id) on delete cascade,
  -- One outbox row per message: a retry of a failed message re-queues the same row.
  message_id uuid not null unique references public.messages(id) on delete cascade,
  -- Who produced it: agent reply, AI answer, campaign message, opt-out confirmation, media.
  kind text not null check (kind in ('reply', 'ai', 'campaign', 'optout', 'media')),
  -- Higher is claimed first among due rows (replies 100, ai 90, optout 80, media 70, campaign 10).
  priority integer not null default 0,
  -- What to send: {type:"text", number, text, quoted?: {waMessageId, fromMe, participant, text}},
  -- {type:"media", number, mediatype, media, mimetype?, caption?, fileName?} or {type:"reaction",
  -- number, waMessageId, fromMe, participant, emoji}. `number` is digits or a JID.
  payload jsonb not null,
  -- pending: waits for not_before · sending: claimed (lease_until) · sent · failed.
  status text not null default 'pending' check (status in ('pending', 'sending', 'sent', 'failed')),
  not_before timestamptz not null default now(),
  -- The previous attempt may have reached Evolution (lease expired, timeout): look it up first.
  lookup boolean not null default false,
  attempts integer not null default 0,
  lease_owner text,
  lease_until timestamptz,
  -- When the first attempt that may have reached Evolution began (the findMessages window).
  first_attempt_at timestamptz,
  wa_message_id text,
  reason_code text,
  error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- The claim: due rows by priority. Partial, so sent/failed history costs the sender nothing.
create index outbox_due_idx on public.outbox (not_before, priority desc) where status in ('pending', 'sending');
create index outbox_conversation_open_idx on public.outbox (conversation_id, created_at, id)
  where status in ('pending', 'sending');
create index outbox_account_idx on public.outbox (account_id, created_at desc);
alter table public.outbox enable row level security;

-- Where a conversation's messages go: a group's JID, else the contact's phone JID, phone or LID.
create or replace function app.conversation_target(p_conversation_id uuid) returns text
language sql stable as $$
  select coalesce(g.jid, ct.jid, ct.phone, ct.lid)
  from public.conversations c
  left join public.groups g on g.id = c.group_id
  left join public.contacts ct on ct.id = c.contact_id
  where c.id = p_conversation_id
$$;

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

-- Pacing hook of the claim: null admits the row now; a time defers it (not_before moves there and
-- the row stays pending). Campaigns replace this function (rate per minute, daily cap per
-- instance); it runs inside the claim transaction, after the row was locked.
create or replace function app.outbox_admit(p_row public.outbox) returns timestamptz
language sql stable as $$
  select null::timestamptz
$$;

-- Claims up to `p_limit` due rows for `p_owner` with a lease of `p_lease_ms`. Due: pending with
-- not_before ≤ now, or sending with an expired lease (its owner died: looked up first). Only the
-- oldest unsent row of each conversation is claimable, so one conversation's messages go out in
-- order whatever the number of processes. Rows whose message already has a WhatsApp id (the
-- send.message webhook got there first) are marked sent instead of being claimed.
-- Returns [{id, accountId, instanceName, conversationId, messageId, kind, payload, lookup,
-- attempts, firstAttemptAt}].
create or replace function app.outbox_claim(p_owner text, p_limit integer default 10, p_lease_ms integer default 30000)
returns jsonb
language plpgsql as $$
declare
  v_row public.outbox;
  v_msg public.messages;
  v_hold timestamptz;
  v_out jsonb := '[]'::jsonb;
  v_lookup boolean;
  v_max integer := least(greatest(coalesce(p_limit, 10), 1), 100);
begin
  for v_row in
    select o.* from public.outbox o
    where o.status in ('pending', 'sending')
      and ((o.status = 'pending' and o.not_before <= now()) or (o.status = 'sending' and o.lease_until < now()))
      and not exists (select 1 from public.outbox e
        where e.conversation_id = o.conversation_id and e.status in ('pending', 'sending')
          and (e.created_at, e.id) < (o.created_at, o.id) and (e.status = 'sending' or e.not_before <= now()))
    order by o.priority desc, o.not_before, o.created_at, o.id
    limit v_max * 4
    for update of o skip locked
  loop
    exit when jsonb_array_length(v_out) >= v_max;
    select * into v_msg from public.messages where id = v_row.message_id;
    if v_msg.wa_message_id is not null then
      update public.outbox set status = 'sent', wa_message_id = v_msg.wa_message_id, lease_owner = null,
        lease_until = null, updated_at = now() where id = v_row.id;
      continue;
    end if;
    if v_row.status = 'pending' and not v_row.lookup then
      v_hold := app.outbox_admit(v_row);
      if v_hold is not null and v_hold > now() then
        update public.outbox set not_before = v_hold, updated_at = now() where id = v_row.id;
        continue;
      end if;
    end if;
    v_lookup := v_row.lookup or v_row.status = 'sending';
    update public.outbox set status = 'sending', lease_owner = p_owner,
      lease_until = clock_timestamp() + make_interval(secs => greatest(p_lease_ms, 100) / 1000.0),
      attempts = attempts + 1, lookup = v_lookup,
      first_attempt_at = coalesce(first_attempt_at, clock_timestamp()), updated_at = now()
    where id = v_row.id returning * into v_row;
    v_out := v_out || jsonb_build_object(
      'id', v_row.id, 'accountId', v_row.account_id,
      'instanceName', (select name from public.instances where id = v_row.instance_id),
      'instanceStatus', (select status from public.instances where id = v_row.instance_id),
      'conversationId', v_row.conversation_id, 'messageId', v_row.message_id, 'kind', v_row.kind,
      'payload', v_row.payload, 'lookup', v_lookup, 'attempts', v_row.attempts,
      'firstAttemptAt', app.iso(v_row.first_attempt_at));
  end loop;
  return v_out;
end $$;

-- The answer for a claim held by `p_owner`:
--   p_wa_message_id → sent (also when the lookup found it at Evolution);
--   p_retry_at → not answered (timeout/network): pending again at that time, looked up first;
--   otherwise → failed: the message's `error` is the stable `p_reason_code` (shared FAILURE_REASONS),
--   the row keeps it and Evolution's words (`p_error`).
-- A claim the owner lost (lease expired and another process took it) records only a WhatsApp id.
-- Returns {message, events} (the message's own update, as app.send_message_result makes it).
create or replace function app.outbox_result(
  p_owner text, p_outbox_id uuid, p_wa_message_id text default null,
  p_reason_code text default null, p_error text default null, p_retry_at timestamptz default null
) returns jsonb
language plpgsql as $$
declare
  v_row public.outbox;
begin
  select * into v_row from public.outbox where id = p_outbox_id;
  if v_row.id is null then
    raise exception 'outbox row not found' using errcode = 'AT404';
  end if;
  -- Lock order of every writer: the account row first (app.append_event), then the rest.
  perform 1 from public.accounts where id = v_row.account_id for update;
  select * into v_row from public.outbox where id = p_outbox_id for update;
  if p_wa_message_id is null and (v_row.status <> 'sending' or v_row.lease_owner is distinct from p_owner) then
    return jsonb_build_object('message', null, 'events', '[]'::jsonb);
  end if;
  if p_wa_message_id is not null then
    update public.outbox set status = 'sent', wa_message_id = p_wa_message_id, lookup = false, lease_owner = null,
      lease_until = null, reason_code = null, error = null, updated_at = now() where id = v_row.id;
    return app.send_message_result(v_row.account_id, v_row.message_id, p_wa_message_id, null);
  end if;
  if p_retry_at is not null then
    update public.outbox set status = 'pending', lookup = true, not_before = p_retry_at, lease_owner = null,
      lease_until = null, reason_code = p_reason_code, error = left(p_error, 1000), updated_at = now()
      where id = v_row.id;
    return jsonb_build_object('message', null, 'events', '[]'::jsonb);
  end if;
  -- The message carries the stable code (the dashboard translates it); the row keeps the words too.
  update public.outbox set status = 'failed', lookup = false, lease_owner = null, lease_until = null,
    reason_code = coalesce(p_reason_code, 'unknown'), error = left(coalesce(p_error, p_reason_code, 'unknown'), 1000),
    updated_at = now() where id = v_row.id;
  return app.send_message_result(v_row.account_id, v_row.message_id, null, coalesce(p_reason_code, 'unknown'));
end $$;

-- The outbox depth for GET /metrics: rows waiting for their time (pending) or being sent (sending).
create or replace function app.outbox_depth() returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'pending', count(*) filter (where status = 'pending'),
    'sending', count(*) filter (where status = 'sending'))
  from public.outbox where status in ('pending', 'sending')
$$;

-- WhatsApp ids of `p_wa_ids` (a jsonb array of strings) that no other stored message of the
-- instance uses: a lookup must not adopt a message the Motor already knows as another one. Order kept.
create or replace function app.outbox_unused_wa_ids(p_outbox_id uuid, p_wa_ids jsonb) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(w.id order by w.ord), '[]'::jsonb)
  from public.outbox o, jsonb_array_elements_text(coalesce(p_wa_ids, '[]'::jsonb)) with ordinality as w(id, ord)
  where o.id = p_outbox_id
    and not exists (select 1 from public.messages m where m.instance_id = o.instance_id and m.wa_message_id = w.id
                    and m.id <> o.message_id)
$$;

-- An outgoing message from the business (AI answer, opt-out confirmation, …) with its outbox row:
-- one transaction, message.created pushed. `p_sender` is the Message.sender; `p_kind` the outbox
-- kind. Returns {message, events}.
create or replace function app.outbox_send_text(
  p_account_id uuid, p_conversation_id uuid, p_sender text, p_kind text, p_text text,
  p_author_id uuid default null, p_not_before timestamptz default null
) returns jsonb
language plpgsql as $$
declare
  v_conv public.conversations;
  v_msg public.messages;
begin
  perform 1 from public.accounts where id = p_account_id for update;
  v_conv := app.conversation_of(p_account_id, p_conversation_id);
  if nullif(trim(p_text), '') is null then
    raise exception 'text is required' using errcode = 'AT400';
  end if;
  insert into public.messages (account_id, conversation_id, instance_id, direction, sender, author_id,
    type, text, status, sent_at, created_at, updated_at)
  values (p_account_id, v_conv.id, v_conv.instance_id, 'out', p_sender, p_author_id,
    'text', p_text, 'pending', now(), clock_timestamp(), now())
  returning * into v_msg;
  perform app.outbox_enqueue(p_account_id, v_msg.id, p_kind, null, p_not_before);
  perform app.bump_conversation(v_conv.id, v_msg.sent_at, app.message_preview('text', p_text));
  return jsonb_build_object('message', app.message_json(v_msg), 'events', jsonb_build_array(
    app.append_event(p_account_id, 'message.created',
      jsonb_build_object('message', app.message_json(v_msg), 'conversation', app.conversation_json(v_conv.id)))));
end $$;

-- An agent reply (POST /api/conversations/:id/messages): the message (pending) and its outbox row
-- in one transaction, and the human takeover: the conversation's AI turns off (conversation.updated).
-- Idempotent on `p_client_id`: the same id returns the stored message with `queued: false`, except
-- a FAILED one, which goes back to pending and is queued again. `p_quoted_message_id` replies to a
-- message of the same conversation (AT404 otherwise) that reached WhatsApp (AT409 before it has
-- an id); notes, system messages and reactions cannot be quoted (AT400). The reply keeps the
-- quoted message's text (`quoted`). Returns {message, queued, events}.
create or replace function app.send_message_begin(
  p_account_id uuid, p_conversation_id uuid, p_user_id uuid, p_text text, p_client_id uuid default null,
  p_quoted_message_id uuid default null
) returns jsonb
language plpgsql as $$
declare
  v_conv public.conversations;
  v_msg public.messages;
  v_quoted public.messages;
  v_author text;
  v_events jsonb := '[]'::jsonb;
begin
  perform 1 from public.accounts where id = p_account_id for update;
  v_conv := app.conversation_of(p_account_id, p_conversation_id);
  if nullif(trim(p_text), '') is null then
    raise exception 'text is required' using errcode = 'AT400';
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
    perform app.outbox_enqueue(p_account_id, v_msg.id, 'reply', app.reply_payload(v_msg));
    v_events := jsonb_build_array(app.append_event(p_account_id, 'message.updated',
      jsonb_build_object('message', app.message_json(v_msg))));
    return jsonb_build_object('message', app.message_json(v_msg), 'queued', true, 'events', v_events);
  end if;

  if p_quoted_message_id is not null then
    select * into v_quoted from public.messages where id = p_quoted_message_id and conversation_id = v_conv.id;
    if v_quoted.id is null then
      raise exception 'quoted message not found' using errcode = 'AT404';
    end if;
    if v_quoted.private or v_quoted.sender = 'system' or v_quoted.type = 'reaction' then
      raise exception 'this message cannot be quoted' using errcode = 'AT400';
    end if;
    if v_quoted.wa_message_id is null then
      raise exception 'the quoted message has not reached WhatsApp yet' using errcode = 'AT409';
    end if;
  end if;

  insert into public.messages (account_id, conversation_id, instance_id, client_id, direction, sender, author_id,
    author_name, type, text, quoted_wa_message_id, quoted, status, sent_at, created_at, updated_at)
  values (p_account_id, v_conv.id, v_conv.instance_id, p_client_id, 'out', 'agent', p_user_id,
    v_author, 'text', p_text, v_quoted.wa_message_id,
    case when v_quoted.id is not null then app.quoted_json(v_conv.instance_id, v_quoted.wa_message_id) end,
    'pending', now(), clock_timestamp(), now())
  returning * into v_msg;
  perform app.outbox_enqueue(p_account_id, v_msg.id, 'reply', app.reply_payload(v_msg));
  perform app.bump_conversation(v_conv.id, v_msg.sent_at, app.message_preview('text', p_text));
  update public.conversations set ai_enabled = false, updated_at = now() where id = v_conv.id and ai_enabled;
  v_events := jsonb_build_array(app.append_event(p_account_id, 'message.created',
    jsonb_build_object('message', app.message_json(v_msg), 'conversation', app.conversation_json(v_conv.id))));
  if v_conv.ai_enabled then
    v_events := v_events || app.append_event(p_account_id, 'conversation.updated',
      jsonb_build_object('conversation', app.conversation_json(v_conv.id)));
  end if;
  return jsonb_build_object('message', app.message_json(v_msg), 'queued', true, 'events', v_events);
end $$;
