-- Contacts, groups, conversations and messages: the inbox's tables, their contract JSON shapes,
-- and the inbox's reads and agent actions (list, search, read, patch, send result, overview).

-- One person is one contact per account: identified by phone JID when any form of the key
-- gives one, otherwise by LID; both are stored and merged when a mapping appears.
create table public.contacts (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts(id) on delete cascade,
  jid text check (jid like '%@s.whatsapp.net'),
  lid text check (lid like '%@lid'),
  phone text check (phone ~ '^[0-9]+$'),
  name text,
  push_name text,
  avatar_url text,
  opted_out boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  labels text[] not null default '{}',
  check (jid is not null or lid is not null)
);
create unique index contacts_account_jid_key on public.contacts (account_id, jid) where jid is not null;
create unique index contacts_account_lid_key on public.contacts (account_id, lid) where lid is not null;
create index contacts_account_phone_idx on public.contacts (account_id, phone);
create index contacts_name_fold_idx
  on public.contacts using gin (to_tsvector('simple', app.unaccent_lower(coalesce(name, '') || ' ' || coalesce(push_name, ''))));
create index contacts_labels_idx on public.contacts using gin (labels);
alter table public.contacts enable row level security;

-- WhatsApp groups an instance belongs to (synced from Evolution).
create table public.groups (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts(id) on delete cascade,
  instance_id uuid not null references public.instances(id) on delete cascade,
  jid text not null check (jid like '%@g.us'),
  subject text,
  description text,
  size integer,
  -- [{id, phoneNumber, lid, admin}] as Evolution last described them.
  participants jsonb not null default '[]'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (instance_id, jid)
);
create index groups_account_idx on public.groups (account_id);
alter table public.groups enable row level security;

-- A thread between one instance and one contact (or one group).
create table public.conversations (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts(id) on delete cascade,
  instance_id uuid not null references public.instances(id) on delete cascade,
  contact_id uuid references public.contacts(id) on delete cascade,
  group_id uuid references public.groups(id) on delete cascade,
  status text not null default 'open' check (status in ('open', 'pending', 'resolved')),
  assignee_id uuid references public.users(id) on delete set null,
  ai_enabled boolean not null default true,
  unread_count integer not null default 0 check (unread_count >= 0),
  last_message_at timestamptz,
  last_message_preview text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((contact_id is null) <> (group_id is null)),
  -- How far the business has read it on its phone (READ receipts of incoming messages): an
  -- incoming message at or before this mark does not count as unread, whatever the arrival order.
  read_up_to timestamptz,
  -- When an agent last marked it read in the inbox (only messages that arrived later are unread).
  agent_read_at timestamptz,
  -- The type of the last message (text, image, audio, …): the dashboard words the inbox line from
  -- it and last_message_preview (the text or caption, or null).
  last_message_type text
);
create unique index conversations_instance_contact_key on public.conversations (instance_id, contact_id)
  where contact_id is not null;
create unique index conversations_instance_group_key on public.conversations (instance_id, group_id)
  where group_id is not null;
-- The inbox: newest activity first, keyset-paginated, optionally filtered by status.
create index conversations_inbox_idx on public.conversations (account_id, last_message_at desc nulls last, id desc);
create index conversations_unread_idx
  on public.conversations (account_id, status) where unread_count > 0;
create index conversations_inbox_status_idx
  on public.conversations (account_id, status, last_message_at desc nulls last, id desc);
alter table public.conversations enable row level security;

create table public.messages (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts(id) on delete cascade,
  conversation_id uuid not null references public.conversations(id) on delete cascade,
  instance_id uuid not null references public.instances(id) on delete cascade,
  -- Evolution's `key.id`: null only while an outgoing message waits for Evolution's answer.
  wa_message_id text,
  -- The browser's idempotency key for agent replies.
  client_id uuid,
  direction text not null check (direction in ('in', 'out')),
  sender text not null check (sender in ('contact', 'agent', 'ai', 'campaign', 'system')),
  author_id uuid references public.users(id) on delete set null,
  author_name text,
  participant text,
  type text not null check (type in ('text', 'image', 'audio', 'video', 'document', 'sticker', 'location', 'reaction', 'other')),
  text text,
  media jsonb,
  quoted_wa_message_id text,
  reactions jsonb,
  status text not null check (status in ('received', 'pending', 'sent', 'delivered', 'read', 'failed')),
  error text,
  sent_at timestamptz,
  edited_at timestamptz,
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- A voice note's text (speech-to-text, docs/media.md).
  transcript text
);
-- Dedupe of Evolution's redeliveries.
create unique index messages_instance_wa_key on public.messages (instance_id, wa_message_id);
create unique index messages_conversation_client_key on public.messages (conversation_id, client_id)
  where client_id is not null;
-- A thread page: newest first before a cursor.
-- A thread page in WhatsApp's order (sent, then arrival, then id), newest first before a cursor.
create index messages_thread_sent_idx
  on public.messages (conversation_id, (coalesce(sent_at, created_at)) desc, created_at desc, id desc);
-- WhatsApp's timestamps have whole seconds: a business message keeps that precision too, so
-- within one second the thread falls back to arrival order (a customer's reply in the same
-- second as the message it answers sorts after it).
create or replace function app.messages_sent_at_whole_seconds() returns trigger
language plpgsql as $$
begin
  new.sent_at := date_trunc('second', new.sent_at);
  return new;
end
$$;
create trigger messages_sent_at_whole_seconds
  before insert or update of sent_at on public.messages
  for each row when (new.direction = 'out' and new.sent_at is not null)
  execute function app.messages_sent_at_whole_seconds();
-- Reactions point at their target through quoted_wa_message_id.
create index messages_reaction_target_idx
  on public.messages (instance_id, quoted_wa_message_id) where type = 'reaction';
-- "messages today" on the overview.
create index messages_account_created_idx on public.messages (account_id, created_at);
-- Search: word-prefix full-text search (GIN, built in, no extension) over message texts and
-- contact names, plus a substring match on phone digits. ILIKE '%q%' over 100k messages took
-- ~600 ms in PGlite; the GIN indexes answer in a few ms.
create index messages_text_fold_idx
  on public.messages using gin (to_tsvector('simple', app.unaccent_lower(text)));
alter table public.messages enable row level security;

-- Core functions shared by every use case: JSON shapes of the contract, the event log, health.
-- app.conversation_json, app.conversations_list/page and app.conversation_patch (labels, inbox
-- filters) are in 45_team_contacts.sql.
-- All functions return jsonb in the contract's camelCase shapes, so the Motor passes them on as-is.

-- Message as the contract's `Message`: app.message_json, in 47_team_thread.sql (it reads the
-- columns that file adds).

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

-- The prefix query of a search box text: every word must start a word of the text.
-- Example: 'Maria entre' → 'maria':* & 'entre':*
create or replace function app.search_query(p_q text) returns tsquery
language sql immutable as $$
  select case when count(*) = 0 then null
              else to_tsquery('simple', string_agg(quote_literal(w) || ':*', ' & ')) end
  from (select w from regexp_split_to_table(app.unaccent_lower(regexp_replace(coalesce(p_q, ''), '[&|!():*<>''\\]', ' ', 'g')), '\s+') w
        where w <> '' limit 8) words
$$;

-- Per-conversation checks for common terms. plpgsql on purpose: the planner cannot turn them
-- into a hashed set of every match (100k rows for a word found in every message); it checks
-- conversations one by one along the inbox order and stops at the page limit.
create or replace function app.search_messages_match(p_conversation_id uuid, p_q tsquery) returns boolean
language plpgsql stable as $$
begin
  return exists (select 1 from public.messages m where m.conversation_id = p_conversation_id
                 and to_tsvector('simple', app.unaccent_lower(m.text)) @@ p_q);
end $$;

create or replace function app.search_contact_matches(p_contact_id uuid, p_q tsquery) returns boolean
language plpgsql stable as $$
begin
  return exists (select 1 from public.contacts ct where ct.id = p_contact_id
                 and to_tsvector('simple', app.unaccent_lower(coalesce(ct.name, '') || ' ' || coalesce(ct.push_name, ''))) @@ p_q);
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
-- Full-precision ISO 8601 (microseconds) for keyset cursors.
create or replace function app.iso_us(p_ts timestamptz) returns text
language sql immutable as $$
  select to_char(p_ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

create or replace function app.messages_list(
  p_account_id uuid, p_conversation_id uuid, p_before timestamptz default null, p_limit integer default 50,
  p_before_created timestamptz default null, p_before_id uuid default null
) returns jsonb
language plpgsql stable as $$
begin
  if not exists (select 1 from public.conversations where id = p_conversation_id and account_id = p_account_id) then
    raise exception 'conversation not found' using errcode = 'AT404';
  end if;
  return (select coalesce(jsonb_agg(app.message_json(m) order by coalesce(m.sent_at, m.created_at), m.created_at, m.id), '[]'::jsonb)
    from (select * from public.messages
          where conversation_id = p_conversation_id
            and (p_before is null
                 or p_before_id is null and created_at < p_before
                 or p_before_id is not null
                    and (coalesce(sent_at, created_at), created_at, id) < (p_before, p_before_created, p_before_id))
          order by coalesce(sent_at, created_at) desc, created_at desc, id desc
          limit least(greatest(coalesce(p_limit, 50), 1), 200)) m);
end $$;

-- A thread page with its cursor (the oldest item's keys at full precision).
create or replace function app.messages_page(
  p_account_id uuid, p_conversation_id uuid, p_before timestamptz default null, p_limit integer default 50,
  p_before_created timestamptz default null, p_before_id uuid default null
) returns jsonb
language plpgsql stable as $$
declare
  v_items jsonb := app.messages_list(p_account_id, p_conversation_id, p_before, p_limit, p_before_created, p_before_id);
  v_cursor jsonb;
begin
  if jsonb_array_length(v_items) = least(greatest(coalesce(p_limit, 50), 1), 200) then
    select jsonb_build_object('at', app.iso_us(coalesce(m.sent_at, m.created_at)), 'createdAt', app.iso_us(m.created_at),
                              'id', m.id)
      into v_cursor from public.messages m where m.id = (v_items->0->>'id')::uuid;
  end if;
  return jsonb_build_object('items', v_items, 'nextCursor', v_cursor);
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

-- The dashboard's overview: the account's instances, open conversations, messages since midnight
-- (São Paulo time: the product's users are Brazilian businesses).
-- Conversations with unread messages, in all and per status tab.
create or replace function app.unread_counts(p_account_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'total', coalesce(sum(n), 0),
    'open', coalesce(sum(n) filter (where status = 'open'), 0),
    'pending', coalesce(sum(n) filter (where status = 'pending'), 0),
    'resolved', coalesce(sum(n) filter (where status = 'resolved'), 0))
  from (select c.status, count(*) as n from public.conversations c
        where c.account_id = p_account_id and c.unread_count > 0 group by c.status) x
$$;

-- The dashboard's overview (as 20261201030000 left it) without the numbers removed for good.
create or replace function app.overview(p_account_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'instances', coalesce((select jsonb_agg(jsonb_build_object(
        'id', i.id, 'name', i.name, 'status', i.status, 'phoneNumber', i.phone_number,
        'profileName', i.profile_name, 'updatedAt', app.iso(i.updated_at)) order by i.created_at)
      from public.instances i where i.account_id = p_account_id and i.removed_at is null), '[]'::jsonb),
    'openConversations', (select count(*) from public.conversations c
      where c.account_id = p_account_id and c.status = 'open'),
    'unread', app.unread_counts(p_account_id),
    'messagesToday', (select count(*) from public.messages m
      where m.account_id = p_account_id
        and m.created_at >= (date_trunc('day', now() at time zone 'America/Sao_Paulo') at time zone 'America/Sao_Paulo')))
$$;
