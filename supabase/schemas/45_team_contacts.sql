-- Team tools (contacts side): conversation labels, inbox filters (assignee, label, number), new
-- conversations with any number, the groups list, and group sizes kept by participant updates.

-- Labels of a conversation (trimmed, deduplicated, sorted), independent of the contact's labels.
alter table public.conversations add column labels text[] not null default '{}';
create index conversations_labels_idx on public.conversations using gin (labels);
create index conversations_inbox_assignee_idx
  on public.conversations (account_id, assignee_id, last_message_at desc nulls last, id desc);

-- Conversation as the contract's `Conversation` (now with its labels).
create or replace function app.conversation_json(p_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'id', c.id,
    'instanceId', c.instance_id,
    'contact', case when ct.id is null then null else jsonb_build_object(
      'id', ct.id, 'name', coalesce(ct.name, ct.push_name), 'phone', ct.phone, 'avatarUrl', ct.avatar_url) end,
    'group', case when g.id is null then null else jsonb_build_object('id', g.id, 'subject', g.subject) end,
    'status', c.status,
    'assigneeId', c.assignee_id,
    'aiEnabled', c.ai_enabled,
    'unreadCount', c.unread_count,
    'lastMessageAt', to_char(c.last_message_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'lastMessagePreview', c.last_message_preview,
    'lastMessageType', c.last_message_type,
    'labels', to_jsonb(c.labels))
  from public.conversations c
  left join public.contacts ct on ct.id = c.contact_id
  left join public.groups g on g.id = c.group_id
  where c.id = p_id
$$;

-- Newest activity first, keyset-paginated on (last_message_at, id): `p_before` alone pages by time,
-- with `p_before_id` it is an exact cursor (ties included). `p_q` searches the contact's name and
-- phone, the group's subject and the messages' text. Filters: `p_assignee` (a user) or
-- `p_unassigned`, `p_label` (one conversation label), `p_instance_id` (one number). Built as
-- dynamic SQL so each call gets a plan for the filters it actually has.
create or replace function app.conversations_list(
  p_account_id uuid, p_status text default null, p_q text default null,
  p_before timestamptz default null, p_before_id uuid default null, p_limit integer default 50,
  p_assignee uuid default null, p_unassigned boolean default false, p_label text default null,
  p_instance_id uuid default null
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
    || case when p_assignee is not null then ' and c.assignee_id = $9'
            when coalesce(p_unassigned, false) then ' and c.assignee_id is null' else '' end
    || case when nullif(p_label, '') is not null then ' and c.labels @> array[$10]::text[]' else '' end
    || case when p_instance_id is not null then ' and c.instance_id = $11' else '' end
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
    using p_account_id, p_status, v_pattern, p_before, p_before_id, least(greatest(coalesce(p_limit, 50), 1), 200),
          v_digits, v_tsq, p_assignee, p_label, p_instance_id;
  return v_result;
end $$;

-- A list page with its cursor (the last item's (last_message_at, id) at full precision).
create or replace function app.conversations_page(
  p_account_id uuid, p_status text default null, p_q text default null,
  p_before timestamptz default null, p_before_id uuid default null, p_limit integer default 50,
  p_assignee uuid default null, p_unassigned boolean default false, p_label text default null,
  p_instance_id uuid default null
) returns jsonb
language plpgsql stable as $$
declare
  v_items jsonb := app.conversations_list(p_account_id, p_status, p_q, p_before, p_before_id, p_limit,
                                          p_assignee, p_unassigned, p_label, p_instance_id);
  v_cursor jsonb;
begin
  if jsonb_array_length(v_items) = least(greatest(coalesce(p_limit, 50), 1), 200) then
    select jsonb_build_object('at', app.iso_us(c.last_message_at), 'id', c.id)
      into v_cursor from public.conversations c where c.id = (v_items->-1->>'id')::uuid and c.last_message_at is not null;
  end if;
  return jsonb_build_object('items', v_items, 'nextCursor', v_cursor);
end $$;

-- PATCH: `p_patch` = {status?, assigneeId? (null unassigns; a user of this account, else AT404),
-- aiEnabled?, labels? (trimmed, deduplicated, sorted)}. Returns {conversation, events}.
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
  if p_patch ? 'labels' and jsonb_typeof(p_patch->'labels') <> 'array' then
    raise exception 'labels must be an array' using errcode = 'AT400';
  end if;
  if p_patch->>'assigneeId' is not null and not exists (
    select 1 from public.users where id = (p_patch->>'assigneeId')::uuid and account_id = p_account_id) then
    raise exception 'assignee not found' using errcode = 'AT404';
  end if;
  update public.conversations set
    status = case when p_patch ? 'status' then p_patch->>'status' else status end,
    assignee_id = case when p_patch ? 'assigneeId' then (p_patch->>'assigneeId')::uuid else assignee_id end,
    ai_enabled = case when p_patch ? 'aiEnabled' then (p_patch->>'aiEnabled')::boolean else ai_enabled end,
    labels = case when p_patch ? 'labels' then array(
        select distinct btrim(x) from jsonb_array_elements_text(p_patch->'labels') x where btrim(x) <> '' order by 1)
      else labels end,
    updated_at = now()
  where id = v_old.id
  returning * into v_new;
  if (v_new.status, v_new.assignee_id, v_new.ai_enabled, v_new.labels)
     is distinct from (v_old.status, v_old.assignee_id, v_old.ai_enabled, v_old.labels) then
    v_events := jsonb_build_array(app.append_event(p_account_id, 'conversation.updated',
      jsonb_build_object('conversation', app.conversation_json(v_new.id))));
  end if;
  return jsonb_build_object('conversation', app.conversation_json(v_new.id), 'events', v_events);
end $$;

-- POST /api/conversations: the conversation of a connected number (`p_instance_id`, of this
-- account, else AT404; not connected: AT409) with the WhatsApp JID Evolution confirmed. The
-- contact is found by that JID or by the other form of a Brazilian mobile (with or without the
-- 9th digit), else created. A new conversation is open, assigned to the agent who started it and
-- placed at the top of the inbox. Returns {conversation, created, events}.
create or replace function app.conversation_start(
  p_account_id uuid, p_instance_id uuid, p_user_id uuid, p_jid text, p_push_name text default null
) returns jsonb
language plpgsql as $$
declare
  v_inst public.instances;
  v_phone text := split_part(p_jid, '@', 1);
  v_contact uuid;
  v_conv uuid;
begin
  perform 1 from public.accounts where id = p_account_id for update;
  if p_jid is null or p_jid !~ '^[0-9]{8,15}@s\.whatsapp\.net$' then
    raise exception 'not a WhatsApp number' using errcode = 'AT400';
  end if;
  select * into v_inst from public.instances
    where id = p_instance_id and account_id = p_account_id and removed_at is null;
  if v_inst.id is null then
    raise exception 'instance not found' using errcode = 'AT404';
  end if;
  if v_inst.status <> 'connected' then
    raise exception 'the number is not connected' using errcode = 'AT409';
  end if;
  select id into v_contact from public.contacts
    where account_id = p_account_id and jid = p_jid;
  if v_contact is null and app.br_phone_alt(v_phone) is not null then
    select id into v_contact from public.contacts
      where account_id = p_account_id and jid = app.br_phone_alt(v_phone) || '@s.whatsapp.net';
  end if;
  if v_contact is null then
    v_contact := app.resolve_contact(p_account_id, p_jid, null, nullif(btrim(p_push_name), ''), null);
  end if;
  select id into v_conv from public.conversations where instance_id = p_instance_id and contact_id = v_contact;
  if v_conv is not null then
    return jsonb_build_object('conversation', app.conversation_json(v_conv), 'created', false, 'events', '[]'::jsonb);
  end if;
  insert into public.conversations (account_id, instance_id, contact_id, assignee_id, last_message_at)
  values (p_account_id, p_instance_id, v_contact,
          (select id from public.users where id = p_user_id and account_id = p_account_id), now())
  returning id into v_conv;
  return jsonb_build_object('conversation', app.conversation_json(v_conv), 'created', true,
    'events', jsonb_build_array(app.append_event(p_account_id, 'conversation.updated',
      jsonb_build_object('conversation', app.conversation_json(v_conv)))));
end $$;

-- GET /api/groups: the account's groups by subject, with the conversation of each (null until a
-- message arrived in it).
create or replace function app.groups_page(p_account_id uuid, p_instance_id uuid default null) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object(
    'id', g.id, 'instanceId', g.instance_id, 'jid', g.jid, 'subject', g.subject, 'size', g.size,
    'conversationId', c.id) order by app.unaccent_lower(coalesce(g.subject, '')), g.jid), '[]'::jsonb)
  from public.groups g
  left join public.conversations c on c.group_id = g.id
  join public.instances i on i.id = g.instance_id and i.removed_at is null
  where g.account_id = p_account_id and (p_instance_id is null or g.instance_id = p_instance_id)
$$;

-- A contact of the account with its conversations (newest activity first): the contact panel.
create or replace function app.contact_get(p_account_id uuid, p_id uuid) returns jsonb
language plpgsql stable as $$
declare
  v public.contacts;
begin
  select * into v from public.contacts where id = p_id and account_id = p_account_id;
  if v.id is null then
    raise exception 'contact not found' using errcode = 'AT404';
  end if;
  return app.contact_json(v) || jsonb_build_object('conversations', coalesce((
    select jsonb_agg(app.conversation_json(c.id) order by c.last_message_at desc nulls last, c.id desc)
    from public.conversations c where c.contact_id = v.id), '[]'::jsonb),
    'notesCount', (select count(*) from public.messages m join public.conversations c on c.id = m.conversation_id
                   where c.contact_id = v.id and m.private and m.deleted_at is null));
end $$;

-- group-participants.update: `p_participants` = [{id, phoneNumber, lid, admin}], `p_action` one of
-- add/remove/promote/demote/modify. A participant is matched by any of its identities. Adds and
-- removals move the group's size too: an add only for someone not already listed (a redelivered
-- webhook counts once); a removal always, since the list is empty when the groups were fetched
-- without participants.
create or replace function app.ingest_group_participants(
  p_account_id uuid, p_instance_id uuid, p_group_jid text, p_action text, p_participants jsonb
) returns jsonb
language plpgsql as $$
declare
  v_inst public.instances := app.ingest_instance(p_account_id, p_instance_id);
  v_group uuid := app.resolve_group(p_account_id, p_instance_id, p_group_jid);
  v_list jsonb;
  p jsonb;
  v_ids text[];
  v_out jsonb;
  v_delta integer := 0;
begin
  select participants into v_list from public.groups where id = v_group for update;
  for p in select * from jsonb_array_elements(coalesce(p_participants, '[]'::jsonb)) loop
    v_ids := array_remove(array[p->>'id', p->>'phoneNumber', p->>'lid'], null);
    -- Everyone but this participant…
    select coalesce(jsonb_agg(e), '[]'::jsonb) into v_out from jsonb_array_elements(v_list) e
      where not (array_remove(array[e->>'id', e->>'phoneNumber', e->>'lid'], null) && v_ids);
    if p_action = 'add' and jsonb_array_length(v_out) = jsonb_array_length(v_list) then
      v_delta := v_delta + 1;
    elsif p_action = 'remove' then
      v_delta := v_delta - 1;
    end if;
    -- …plus this participant, unless removed.
    if p_action in ('add', 'modify') then
      v_out := v_out || jsonb_build_array(p);
    elsif p_action in ('promote', 'demote') then
      v_out := v_out || jsonb_build_array(coalesce(
        (select e from jsonb_array_elements(v_list) e
          where array_remove(array[e->>'id', e->>'phoneNumber', e->>'lid'], null) && v_ids limit 1), p)
        || jsonb_build_object('admin', case when p_action = 'promote' then 'admin' end));
    end if;
    v_list := v_out;
  end loop;
  update public.groups set participants = v_list,
    size = case when size is null then null else greatest(size + v_delta, 0) end,
    updated_at = now()
    where id = v_group;
  return jsonb_build_object('events', '[]'::jsonb);
end $$;

-- A number of the account by id (not removed), as {id, name, status}; AT404 otherwise.
create or replace function app.instance_by_id(p_account_id uuid, p_instance_id uuid) returns jsonb
language plpgsql stable as $$
declare
  v public.instances;
begin
  select * into v from public.instances
    where id = p_instance_id and account_id = p_account_id and removed_at is null;
  if v.id is null then
    raise exception 'instance not found' using errcode = 'AT404';
  end if;
  return jsonb_build_object('id', v.id, 'name', v.name, 'status', v.status);
end $$;

-- GET /api/conversations/labels: every label in use on the account's conversations, sorted (the
-- inbox's label filter and the label picker suggest them).
create or replace function app.conversation_labels(p_account_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(l order by l), '[]'::jsonb)
  from (select distinct unnest(c.labels) as l from public.conversations c
        where c.account_id = p_account_id and c.labels <> '{}') x
$$;
