-- The inbox, round two: threads in WhatsApp's order, exact keyset cursors, accent-insensitive
-- search across every status, and unread counts from the server.

-- 1. Threads are ordered by when WhatsApp says a message was sent (`sent_at`, from Evolution's
--    messageTimestamp), not when it reached us: a message Evolution redelivers 20 minutes late
--    takes its place in the thread. `sent_at` has second resolution, so same-second messages keep
--    their arrival order (`created_at`), then `id`. The order key is `app.message_at(m)`.
create index if not exists messages_thread_sent_idx
  on public.messages (conversation_id, (coalesce(sent_at, created_at)) desc, created_at desc, id desc);
drop index if exists public.messages_thread_idx;

-- Full-precision ISO 8601 (microseconds) for cursors: milliseconds would lose rows whose
-- timestamps differ below the millisecond.
create or replace function app.iso_us(p_ts timestamptz) returns text
language sql immutable as $$
  select to_char(p_ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

drop function if exists app.messages_list(uuid, uuid, timestamptz, integer);

-- The newest `p_limit` messages before a point, in thread order. The point is either the exact
-- cursor (`p_before`, `p_before_created`, `p_before_id`: the oldest shown message's keys), or,
-- without `p_before_id`, a plain time as before: messages created before `p_before`.
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

-- A thread page with its cursor: {items, nextCursor: {at, createdAt, id} | null} (a full page has
-- a cursor: the oldest item's keys at full precision, read in the same snapshot as the page).
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

-- 2. Accent-insensitive search, with the products migration's `app.unaccent_lower` (unaccent is
--    loaded in PGlite by the Motor; PostgreSQL and Supabase ship it): 'João' → 'joao'.
drop index if exists public.messages_text_search_idx;
drop index if exists public.contacts_name_search_idx;
create index if not exists messages_text_fold_idx
  on public.messages using gin (to_tsvector('simple', app.unaccent_lower(text)));
create index if not exists contacts_name_fold_idx
  on public.contacts using gin (to_tsvector('simple', app.unaccent_lower(coalesce(name, '') || ' ' || coalesce(push_name, ''))));

-- The prefix query of a search box text, without accents: 'João entre' → 'joao':* & 'entre':*
create or replace function app.search_query(p_q text) returns tsquery
language sql immutable as $$
  select case when count(*) = 0 then null
              else to_tsquery('simple', string_agg(quote_literal(w) || ':*', ' & ')) end
  from (select w from regexp_split_to_table(app.unaccent_lower(regexp_replace(coalesce(p_q, ''), '[&|!():*<>''\\]', ' ', 'g')), '\s+') w
        where w <> '' limit 8) words
$$;

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

-- Newest activity first, keyset-paginated on (last_message_at, id): `p_before` alone pages by time,
-- with `p_before_id` it is an exact cursor (ties included). `p_status` null = every status (a
-- search looks in every tab). `p_q` searches, without accents, the contact's name and phone, the
-- group's subject and the messages' text.
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
    v_pattern := '%' || regexp_replace(app.unaccent_lower(trim(p_q)), '([\\%_])', '\\\1', 'g') || '%';
    v_digits := nullif(regexp_replace(p_q, '\D', '', 'g'), '');
    if length(v_digits) < 4 then
      v_digits := null;
    end if;
    if v_tsq is not null then
      execute 'select count(*) >= 500 from (select 1 from public.contacts ct where ct.account_id = $1
        and to_tsvector(''simple'', app.unaccent_lower(coalesce(ct.name, '''') || '' '' || coalesce(ct.push_name, ''''))) @@ $2 limit 500) x'
        into v_common_contacts using p_account_id, v_tsq;
      execute 'select count(*) >= 500 from (select 1 from public.messages m where m.account_id = $1
        and to_tsvector(''simple'', app.unaccent_lower(m.text)) @@ $2 limit 500) x'
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
      and (c.group_id in (select g.id from public.groups g where g.account_id = $1 and app.unaccent_lower(g.subject) like $3)'
      || case when v_tsq is null then ''
              when v_common_contacts then '
        or app.search_contact_matches(c.contact_id, $8)'
              else '
        or c.contact_id in (select ct.id from public.contacts ct where ct.account_id = $1
             and to_tsvector(''simple'', app.unaccent_lower(coalesce(ct.name, '''') || '' '' || coalesce(ct.push_name, ''''))) @@ $8)' end
      || case when v_tsq is null then ''
              when v_common_messages then '
        or app.search_messages_match(c.id, $8)'
              else '
        or c.id in (select m.conversation_id from public.messages m where m.account_id = $1
             and to_tsvector(''simple'', app.unaccent_lower(m.text)) @@ $8)' end
      || case when v_digits is not null then '
        or c.contact_id in (select ct.id from public.contacts ct where ct.account_id = $1 and strpos(ct.phone, $7) > 0)' else '' end
      || ')' else '' end || '
    order by c.last_message_at desc nulls last, c.id desc
    limit $6) x';
  execute v_sql into v_result
    using p_account_id, p_status, v_pattern, p_before, p_before_id, least(greatest(coalesce(p_limit, 50), 1), 200), v_digits, v_tsq;
  return v_result;
end $$;

-- A list page with its cursor: {items, nextCursor: {at, id} | null}; `at` at full precision (the
-- JSON's lastMessageAt has milliseconds, agent replies are stamped in microseconds).
create or replace function app.conversations_page(
  p_account_id uuid, p_status text default null, p_q text default null,
  p_before timestamptz default null, p_before_id uuid default null, p_limit integer default 50
) returns jsonb
language plpgsql stable as $$
declare
  v_items jsonb := app.conversations_list(p_account_id, p_status, p_q, p_before, p_before_id, p_limit);
  v_cursor jsonb;
begin
  if jsonb_array_length(v_items) = least(greatest(coalesce(p_limit, 50), 1), 200) then
    select jsonb_build_object('at', app.iso_us(c.last_message_at), 'id', c.id)
      into v_cursor from public.conversations c where c.id = (v_items->-1->>'id')::uuid and c.last_message_at is not null;
  end if;
  return jsonb_build_object('items', v_items, 'nextCursor', v_cursor);
end $$;

-- 3. Unread: how many conversations have unread messages, in all and per status tab.
create index if not exists conversations_unread_idx
  on public.conversations (account_id, status) where unread_count > 0;

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

create or replace function app.overview(p_account_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'instances', coalesce((select jsonb_agg(jsonb_build_object(
        'id', i.id, 'name', i.name, 'status', i.status, 'phoneNumber', i.phone_number,
        'profileName', i.profile_name, 'updatedAt', app.iso(i.updated_at)) order by i.created_at)
      from public.instances i where i.account_id = p_account_id), '[]'::jsonb),
    'openConversations', (select count(*) from public.conversations c
      where c.account_id = p_account_id and c.status = 'open'),
    'unread', app.unread_counts(p_account_id),
    'messagesToday', (select count(*) from public.messages m
      where m.account_id = p_account_id
        and m.created_at >= (date_trunc('day', now() at time zone 'America/Sao_Paulo') at time zone 'America/Sao_Paulo')))
$$;

-- Lock-down (as 20261129009000_lockdown.sql).
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
