-- The inbox: conversation list/get/patch/read, a thread's messages, agent replies, the overview.
-- Every function takes the caller's account id from the session; another account's ids → AT404.

-- The conversation of the account, locked, or AT404.
create or replace function app.conversation_of(p_account_id uuid, p_conversation_id uuid) returns public.conversations
language plpgsql as $$
declare
  v public.conversations;
begin
  select * into v from public.conversations where id = p_conversation_id and account_id = p_account_id for update;
  if v.id is null then
    raise exception 'conversation not found' using errcode = 'AT404';
  end if;
  return v;
end $$;

-- Search: word-prefix full-text search (GIN, built in, no extension) over message texts and
-- contact names, plus a substring match on phone digits. ILIKE '%q%' over 100k messages took
-- ~600 ms in PGlite; the GIN indexes answer in a few ms.
create index if not exists messages_text_search_idx
  on public.messages using gin (to_tsvector('simple', coalesce(text, '')));
create index if not exists contacts_name_search_idx
  on public.contacts using gin (to_tsvector('simple', coalesce(name, '') || ' ' || coalesce(push_name, '')));

-- The prefix query of a search box text: every word must start a word of the text.
-- Example: 'Maria entre' → 'maria':* & 'entre':*
create or replace function app.search_query(p_q text) returns tsquery
language sql immutable as $$
  select case when count(*) = 0 then null
              else to_tsquery('simple', string_agg(quote_literal(w) || ':*', ' & ')) end
  from (select w from regexp_split_to_table(lower(regexp_replace(coalesce(p_q, ''), '[&|!():*<>''\\]', ' ', 'g')), '\s+') w
        where w <> '' limit 8) words
$$;

-- Per-conversation checks for common terms. plpgsql on purpose: the planner cannot turn them
-- into a hashed set of every match (100k rows for a word found in every message); it checks
-- conversations one by one along the inbox order and stops at the page limit.
create or replace function app.search_messages_match(p_conversation_id uuid, p_q tsquery) returns boolean
language plpgsql stable as $$
begin
  return exists (select 1 from public.messages m where m.conversation_id = p_conversation_id
                 and to_tsvector('simple', coalesce(m.text, '')) @@ p_q);
end $$;

create or replace function app.search_contact_matches(p_contact_id uuid, p_q tsquery) returns boolean
language plpgsql stable as $$
begin
  return exists (select 1 from public.contacts ct where ct.id = p_contact_id
                 and to_tsvector('simple', coalesce(ct.name, '') || ' ' || coalesce(ct.push_name, '')) @@ p_q);
end $$;

-- Newest activity first, keyset-paginated on (last_message_at, id): `p_before` alone pages by time,
-- with `p_before_id` it is an exact cursor (ties included). `p_q` searches the contact's name and
-- phone, the group's subject and the messages' text. Built as dynamic SQL so each call gets a plan
-- for the filters it actually has (conversations_inbox_idx / conversations_inbox_status_idx).
create or replace function app.conversations_list(
  p_account_id uuid, p_status text default null, p_q text default null,
  p_before timestamptz default null, p_before_id uuid default null, p_limit integer default 50
) returns jsonb
language plpgsql stable as $$
declare
  v_sql text;
  v_tsq tsquery;
  v_pattern text;
  v_digits text;
  v_search boolean := nullif(trim(p_q), '') is not null;
  v_common_contacts boolean := false;
  v_common_messages boolean := false;
  v_result jsonb;
begin
  if p_status is not null and p_status not in ('open', 'pending', 'resolved') then
    raise exception 'unknown status' using errcode = 'AT400';
  end if;
  if v_search then
    v_tsq := app.search_query(p_q);
    v_pattern := '%' || regexp_replace(trim(p_q), '([\\%_])', '\\\1', 'g') || '%';
    v_digits := nullif(regexp_replace(p_q, '\D', '', 'g'), '');
    if length(v_digits) < 4 then
      v_digits := null;
    end if;
    -- A rare term is fastest as a set of ids from the GIN index; a common one (say, "pedido" in
    -- every message) as a check of each conversation along the inbox order, stopping at the limit.
    if v_tsq is not null then
      -- EXECUTE: planned for this very term (GIN for a rare one, an early-stopping scan for a common one).
      execute 'select count(*) >= 500 from (select 1 from public.contacts ct where ct.account_id = $1
        and to_tsvector(''simple'', coalesce(ct.name, '''') || '' '' || coalesce(ct.push_name, '''')) @@ $2 limit 500) x'
        into v_common_contacts using p_account_id, v_tsq;
      execute 'select count(*) >= 500 from (select 1 from public.messages m where m.account_id = $1
        and to_tsvector(''simple'', coalesce(m.text, '''')) @@ $2 limit 500) x'
        into v_common_messages using p_account_id, v_tsq;
    end if;
  end if;
  v_sql := 'select coalesce(jsonb_agg(app.conversation_json(x.id) order by x.last_message_at desc nulls last, x.id desc), ''[]''::jsonb)
    from (select c.id, c.last_message_at from public.conversations c
    where c.account_id = $1'
    || case when p_status is not null then ' and c.status = $2' else '' end
    || case when p_before is not null and p_before_id is not null then ' and (c.last_message_at, c.id) < ($4, $5)'
            when p_before is not null then ' and c.last_message_at < $4' else '' end
    || case when v_search then '
      and (c.group_id in (select g.id from public.groups g where g.account_id = $1 and g.subject ilike $3)'
      || case when v_tsq is null then ''
              when v_common_contacts then '
        or app.search_contact_matches(c.contact_id, $8)'
              else '
        or c.contact_id in (select ct.id from public.contacts ct where ct.account_id = $1
             and to_tsvector(''simple'', coalesce(ct.name, '''') || '' '' || coalesce(ct.push_name, '''')) @@ $8)' end
      || case when v_tsq is null then ''
              when v_common_messages then '
        or app.search_messages_match(c.id, $8)'
              else '
        or c.id in (select m.conversation_id from public.messages m where m.account_id = $1
             and to_tsvector(''simple'', coalesce(m.text, '''')) @@ $8)' end
      || case when v_digits is not null then '
        or c.contact_id in (select ct.id from public.contacts ct where ct.account_id = $1 and strpos(ct.phone, $7) > 0)' else '' end
      || ')' else '' end || '
    order by c.last_message_at desc nulls last, c.id desc
    limit $6) x';
  execute v_sql into v_result
    using p_account_id, p_status, v_pattern, p_before, p_before_id, least(greatest(coalesce(p_limit, 50), 1), 200), v_digits, v_tsq;
  return v_result;
end $$;

create or replace function app.conversation_get(p_account_id uuid, p_conversation_id uuid) returns jsonb
language plpgsql stable as $$
begin
  if not exists (select 1 from public.conversations where id = p_conversation_id and account_id = p_account_id) then
    raise exception 'conversation not found' using errcode = 'AT404';
  end if;
  return app.conversation_json(p_conversation_id);
end $$;

-- The newest `p_limit` messages created before `p_before`, in ascending order.
create or replace function app.messages_list(
  p_account_id uuid, p_conversation_id uuid, p_before timestamptz default null, p_limit integer default 50
) returns jsonb
language plpgsql stable as $$
begin
  if not exists (select 1 from public.conversations where id = p_conversation_id and account_id = p_account_id) then
    raise exception 'conversation not found' using errcode = 'AT404';
  end if;
  return (select coalesce(jsonb_agg(app.message_json(m) order by m.created_at, m.id), '[]'::jsonb)
    from (select * from public.messages
          where conversation_id = p_conversation_id and (p_before is null or created_at < p_before)
          order by created_at desc, id desc
          limit least(greatest(coalesce(p_limit, 50), 1), 200)) m);
end $$;

-- The agent read the conversation: unread to 0 (conversation.updated only when it changed).
create or replace function app.conversation_read(p_account_id uuid, p_conversation_id uuid) returns jsonb
language plpgsql as $$
declare
  v public.conversations;
begin
  perform 1 from public.accounts where id = p_account_id for update;
  v := app.conversation_of(p_account_id, p_conversation_id);
  if v.unread_count = 0 then
    return jsonb_build_object('events', '[]'::jsonb);
  end if;
  update public.conversations set unread_count = 0, agent_read_at = clock_timestamp(), updated_at = now() where id = v.id;
  return jsonb_build_object('events', jsonb_build_array(app.append_event(p_account_id, 'conversation.updated',
    jsonb_build_object('conversation', app.conversation_json(v.id)))));
end $$;

-- PATCH: `p_patch` = {status?, assigneeId? (null unassigns; a user of this account, else AT404),
-- aiEnabled?}. Returns {conversation, events}.
create or replace function app.conversation_patch(p_account_id uuid, p_conversation_id uuid, p_patch jsonb)
returns jsonb
language plpgsql as $$
declare
  v_old public.conversations;
  v_new public.conversations;
  v_events jsonb := '[]'::jsonb;
begin
  perform 1 from public.accounts where id = p_account_id for update;
  v_old := app.conversation_of(p_account_id, p_conversation_id);
  if p_patch ? 'status' and coalesce(p_patch->>'status', '') not in ('open', 'pending', 'resolved') then
    raise exception 'unknown status' using errcode = 'AT400';
  end if;
  if p_patch ? 'aiEnabled' and jsonb_typeof(p_patch->'aiEnabled') <> 'boolean' then
    raise exception 'aiEnabled must be a boolean' using errcode = 'AT400';
  end if;
  if p_patch->>'assigneeId' is not null and not exists (
    select 1 from public.users where id = (p_patch->>'assigneeId')::uuid and account_id = p_account_id) then
    raise exception 'assignee not found' using errcode = 'AT404';
  end if;
  update public.conversations set
    status = case when p_patch ? 'status' then p_patch->>'status' else status end,
    assignee_id = case when p_patch ? 'assigneeId' then (p_patch->>'assigneeId')::uuid else assignee_id end,
    ai_enabled = case when p_patch ? 'aiEnabled' then (p_patch->>'aiEnabled')::boolean else ai_enabled end,
    updated_at = now()
  where id = v_old.id
  returning * into v_new;
  if (v_new.status, v_new.assignee_id, v_new.ai_enabled) is distinct from (v_old.status, v_old.assignee_id, v_old.ai_enabled) then
    v_events := jsonb_build_array(app.append_event(p_account_id, 'conversation.updated',
      jsonb_build_object('conversation', app.conversation_json(v_new.id))));
  end if;
  return jsonb_build_object('conversation', app.conversation_json(v_new.id), 'events', v_events);
end $$;

-- An agent reply, step 1 (before sendText): stores it as `pending`. Idempotent on `p_client_id`:
-- the same id returns the stored message with `send: false`, except a FAILED one, which goes back
-- to pending and is sent again (`send: true`). Returns {message, send, target:{instanceName,
-- number}, events}.
create or replace function app.send_message_begin(
  p_account_id uuid, p_conversation_id uuid, p_user_id uuid, p_text text, p_client_id uuid default null
) returns jsonb
language plpgsql as $$
declare
  v_conv public.conversations;
  v_msg public.messages;
  v_author text;
  v_target jsonb;
  v_send boolean := true;
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
  select jsonb_build_object('instanceName', i.name,
           'number', coalesce(g.jid, ct.jid, ct.phone, ct.lid))
    into v_target
    from public.instances i
    left join public.groups g on g.id = v_conv.group_id
    left join public.contacts ct on ct.id = v_conv.contact_id
    where i.id = v_conv.instance_id;

  if p_client_id is not null then
    select * into v_msg from public.messages where conversation_id = v_conv.id and client_id = p_client_id for update;
  end if;
  if v_msg.id is not null then
    if v_msg.status <> 'failed' then
      return jsonb_build_object('message', app.message_json(v_msg), 'send', false, 'target', v_target, 'events', v_events);
    end if;
    update public.messages set status = 'pending', error = null, updated_at = now()
      where id = v_msg.id returning * into v_msg;
    v_events := jsonb_build_array(app.append_event(p_account_id, 'message.updated',
      jsonb_build_object('message', app.message_json(v_msg))));
    return jsonb_build_object('message', app.message_json(v_msg), 'send', true, 'target', v_target, 'events', v_events);
  end if;

  insert into public.messages (account_id, conversation_id, instance_id, client_id, direction, sender, author_id,
    author_name, type, text, status, sent_at, created_at, updated_at)
  values (p_account_id, v_conv.id, v_conv.instance_id, p_client_id, 'out', 'agent', p_user_id,
    v_author, 'text', p_text, 'pending', now(), clock_timestamp(), now())
  returning * into v_msg;
  perform app.bump_conversation(v_conv.id, v_msg.sent_at, app.message_preview('text', p_text));
  v_events := jsonb_build_array(app.append_event(p_account_id, 'message.created',
    jsonb_build_object('message', app.message_json(v_msg), 'conversation', app.conversation_json(v_conv.id))));
  return jsonb_build_object('message', app.message_json(v_msg), 'send', v_send, 'target', v_target, 'events', v_events);
end $$;

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
  v_pending text;
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
    if v_msg.wa_message_id is not distinct from p_wa_message_id and app.max_status(v_msg.status, 'sent') = v_msg.status then
      return jsonb_build_object('message', app.message_json(v_msg), 'events', '[]'::jsonb);
    end if;
    v_status := 'sent';
    delete from public.messages where instance_id = v_msg.instance_id and wa_message_id = p_wa_message_id and id <> v_msg.id
      returning * into v_twin;
    if v_twin.id is not null then
      v_status := app.max_status(v_status, v_twin.status);
    end if;
    -- Receipts that came before the id was known.
    delete from public.pending_receipts where instance_id = v_msg.instance_id and wa_message_id = p_wa_message_id
      returning status into v_pending;
    v_status := app.max_status(v_status, v_pending);
    update public.messages set wa_message_id = p_wa_message_id, status = app.max_status(v_status, status),
      error = null, updated_at = now()
      where id = v_msg.id returning * into v_msg;
  end if;
  return jsonb_build_object('message', app.message_json(v_msg), 'events', jsonb_build_array(
    app.append_event(p_account_id, 'message.updated', jsonb_build_object('message', app.message_json(v_msg)))));
end $$;

-- The dashboard's overview: the account's instances, open conversations, messages since midnight
-- (São Paulo time: the product's users are Brazilian businesses).
create or replace function app.overview(p_account_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'instances', coalesce((select jsonb_agg(jsonb_build_object(
        'id', i.id, 'name', i.name, 'status', i.status, 'phoneNumber', i.phone_number,
        'profileName', i.profile_name, 'updatedAt', app.iso(i.updated_at)) order by i.created_at)
      from public.instances i where i.account_id = p_account_id), '[]'::jsonb),
    'openConversations', (select count(*) from public.conversations c
      where c.account_id = p_account_id and c.status = 'open'),
    'messagesToday', (select count(*) from public.messages m
      where m.account_id = p_account_id
        and m.created_at >= (date_trunc('day', now() at time zone 'America/Sao_Paulo') at time zone 'America/Sao_Paulo')))
$$;
