-- Thread tools of the team (docs/team-tools.md "Thread tools"): private notes, replies that keep
-- the quoted message's text, the business's own reactions, quick replies, the account's inbox
-- settings (read receipts to the customer), customer presence and contact pictures.

-- A private note is a message row that never travels: visible to agents, never queued, never in
-- the AI's context. `quoted` is what a reply quotes, copied when the reply is stored, so old
-- quotes render after the original scrolled out of reach or was deleted.
alter table public.messages add column private boolean not null default false;
-- The contact panel's notes count (notes are rare: the index holds only them).
create index messages_private_idx on public.messages (conversation_id) where private;
alter table public.messages add column quoted jsonb;
-- When the contact's WhatsApp picture was last asked for (null: never): fetched in the background,
-- at most once a day per contact.
alter table public.contacts add column avatar_checked_at timestamptz;
-- Read receipts sent to the customer up to this message time (the account setting).
alter table public.conversations add column receipts_up_to timestamptz;

-- `/atalho` texts of an account.
create table public.quick_replies (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts(id) on delete cascade,
  shortcut text not null check (shortcut ~ '^[a-z0-9_-]{1,32}$'),
  text text not null check (length(text) between 1 and 4096),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (account_id, shortcut)
);
alter table public.quick_replies enable row level security;

-- The account's inbox settings; no row = the defaults.
create table public.account_settings (
  account_id uuid primary key references public.accounts(id) on delete cascade,
  read_receipts boolean not null default false,
  updated_at timestamptz not null default now()
);
alter table public.account_settings enable row level security;

-- The business's current reaction to a message (its latest, not failed; "" = removed → null).
create or replace function app.own_reaction(p_instance_id uuid, p_wa_message_id text) returns text
language sql stable as $$
  select nullif(r.text, '') from public.messages r
  where r.instance_id = p_instance_id and r.quoted_wa_message_id = p_wa_message_id and r.type = 'reaction'
    and r.direction = 'out' and r.status <> 'failed'
  order by r.sent_at desc nulls last, r.created_at desc limit 1
$$;

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
    'quoted', m.quoted,
    'reactions', m.reactions,
    'ownReaction', case when m.reactions is null then null else app.own_reaction(m.instance_id, m.wa_message_id) end,
    'private', m.private,
    'status', m.status,
    'error', m.error,
    'sentAt', app.iso(m.sent_at),
    'createdAt', app.iso(m.created_at),
    'editedAt', app.iso(m.edited_at),
    'deletedAt', app.iso(m.deleted_at))
$$;

-- `Message.quoted` of a reply to `p_wa_message_id`: the stored original when there is one, else
-- what the webhook said of it (`p_said` = {type, text, participant: the quoted author's JID,
-- fromMe: true/false, or null when it cannot tell; then the instance's own number decides}).
create or replace function app.quoted_json(p_instance_id uuid, p_wa_message_id text, p_said jsonb default null)
returns jsonb
language sql stable as $$
  select coalesce(
    (select jsonb_build_object('waMessageId', q.wa_message_id, 'messageId', q.id, 'type', q.type,
       'text', coalesce(nullif(q.text, ''), q.media->>'caption'), 'direction', q.direction,
       'authorName', case when q.direction = 'in' then coalesce(q.author_name, ct.name, ct.push_name) else q.author_name end)
     from public.messages q
     left join public.conversations c on c.id = q.conversation_id
     left join public.contacts ct on ct.id = c.contact_id
     where q.instance_id = p_instance_id and q.wa_message_id = p_wa_message_id),
    jsonb_build_object('waMessageId', p_wa_message_id, 'messageId', null,
      'type', coalesce(p_said->>'type', 'other'), 'text', p_said->>'text',
      'direction', case
        when p_said->>'fromMe' = 'true' then 'out'
        when p_said->>'fromMe' = 'false' then 'in'
        when p_said->>'participant' is null then null
        when split_part(p_said->>'participant', '@', 1) =
             (select i.phone_number from public.instances i where i.id = p_instance_id) then 'out'
        else 'in' end,
      'authorName', null))
$$;

-- What the outbox sends for an agent's text reply: the text, and the quote when it is a reply
-- (Evolution's `quoted.key` needs the original's fromMe and, in groups, its participant).
create or replace function app.reply_payload(p_msg public.messages) returns jsonb
language sql stable as $$
  select jsonb_build_object('type', 'text', 'text', p_msg.text) ||
    case when p_msg.quoted_wa_message_id is null then '{}'::jsonb else jsonb_build_object('quoted', jsonb_build_object(
      'waMessageId', p_msg.quoted_wa_message_id,
      'fromMe', coalesce(p_msg.quoted->>'direction', 'in') = 'out',
      'participant', (select q.participant from public.messages q
                      where q.instance_id = p_msg.instance_id and q.wa_message_id = p_msg.quoted_wa_message_id),
      'text', coalesce(p_msg.quoted->>'text', ''))) end
$$;

-- POST /api/conversations/:id/notes: a private note by `p_user_id` (sender agent, private, no
-- WhatsApp id, stored as sent: it has nowhere to go). It does not move the conversation's last
-- activity or its AI. Returns {message, events} (message.created).
create or replace function app.note_create(p_account_id uuid, p_conversation_id uuid, p_user_id uuid, p_text text)
returns jsonb
language plpgsql as $$
declare
  v_conv public.conversations;
  v_msg public.messages;
  v_author text;
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
  insert into public.messages (account_id, conversation_id, instance_id, direction, sender, author_id, author_name,
    type, text, private, status, sent_at, created_at, updated_at)
  values (p_account_id, v_conv.id, v_conv.instance_id, 'out', 'agent', p_user_id, v_author,
    'text', p_text, true, 'sent', now(), clock_timestamp(), now())
  returning * into v_msg;
  return jsonb_build_object('message', app.message_json(v_msg), 'events', jsonb_build_array(
    app.append_event(p_account_id, 'message.created',
      jsonb_build_object('message', app.message_json(v_msg), 'conversation', app.conversation_json(v_conv.id)))));
end $$;

-- POST /api/messages/:id/reactions: the business reacts to a message with `p_emoji` ("" removes
-- its reaction). A reaction message row (direction out, pending) plus its outbox row, in one
-- transaction; the target's counts change at once (message.updated). Reacting again with the
-- current emoji changes nothing. Only a message that reached WhatsApp can be reacted to (AT409);
-- notes, system messages and reactions cannot (AT400). Returns {message (the target), queued, events}.
create or replace function app.reaction_begin(p_account_id uuid, p_user_id uuid, p_message_id uuid, p_emoji text)
returns jsonb
language plpgsql as $$
declare
  v_target public.messages;
  v_row public.messages;
  v_author text;
  v_events jsonb;
begin
  perform 1 from public.accounts where id = p_account_id for update;
  select * into v_target from public.messages where id = p_message_id and account_id = p_account_id for update;
  if v_target.id is null then
    raise exception 'message not found' using errcode = 'AT404';
  end if;
  if v_target.private or v_target.sender = 'system' or v_target.type = 'reaction' or v_target.deleted_at is not null then
    raise exception 'this message cannot get a reaction' using errcode = 'AT400';
  end if;
  if v_target.wa_message_id is null then
    raise exception 'the message has not reached WhatsApp yet' using errcode = 'AT409';
  end if;
  select name into v_author from public.users where id = p_user_id and account_id = p_account_id;
  if not found then
    raise exception 'user not found' using errcode = 'AT404';
  end if;
  if coalesce(app.own_reaction(v_target.instance_id, v_target.wa_message_id), '') = coalesce(p_emoji, '') then
    return jsonb_build_object('message', app.message_json(v_target), 'queued', false, 'events', '[]'::jsonb);
  end if;
  insert into public.messages (account_id, conversation_id, instance_id, direction, sender, author_id, author_name,
    type, text, quoted_wa_message_id, status, sent_at, created_at, updated_at)
  values (p_account_id, v_target.conversation_id, v_target.instance_id, 'out', 'agent', p_user_id, v_author,
    'reaction', coalesce(p_emoji, ''), v_target.wa_message_id, 'pending', clock_timestamp(), clock_timestamp(), now())
  returning * into v_row;
  perform app.outbox_enqueue(p_account_id, v_row.id, 'reply', jsonb_build_object('type', 'reaction',
    'emoji', coalesce(p_emoji, ''), 'waMessageId', v_target.wa_message_id, 'fromMe', v_target.direction = 'out',
    'participant', v_target.participant));
  update public.messages set reactions = app.reactions_of(instance_id, wa_message_id), updated_at = now()
    where id = v_target.id returning * into v_target;
  v_events := jsonb_build_array(
    app.append_event(p_account_id, 'message.created', jsonb_build_object('message', app.message_json(v_row),
      'conversation', app.conversation_json(v_row.conversation_id))),
    app.append_event(p_account_id, 'message.updated', jsonb_build_object('message', app.message_json(v_target))));
  return jsonb_build_object('message', app.message_json(v_target), 'queued', true, 'events', v_events);
end $$;

-- After the outbox gave up on a reaction: its target's counts without it (message.updated when
-- they changed). Returns {events}.
create or replace function app.reaction_settle(p_account_id uuid, p_reaction_id uuid) returns jsonb
language plpgsql as $$
declare
  v_row public.messages;
  v_target public.messages;
begin
  perform 1 from public.accounts where id = p_account_id for update;
  select * into v_row from public.messages where id = p_reaction_id and account_id = p_account_id and type = 'reaction';
  if v_row.id is null then
    return jsonb_build_object('events', '[]'::jsonb);
  end if;
  update public.messages t set reactions = app.reactions_of(t.instance_id, t.wa_message_id), updated_at = now()
    where t.instance_id = v_row.instance_id and t.wa_message_id = v_row.quoted_wa_message_id
    returning * into v_target;
  if v_target.id is null then
    return jsonb_build_object('events', '[]'::jsonb);
  end if;
  return jsonb_build_object('events', jsonb_build_array(app.append_event(p_account_id, 'message.updated',
    jsonb_build_object('message', app.message_json(v_target)))));
end $$;

-- Quick replies (GET/POST/PATCH/DELETE /api/quick-replies): shortcut order; a duplicate shortcut
-- is a unique violation (409).
create or replace function app.quick_reply_json(q public.quick_replies) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', q.id, 'shortcut', q.shortcut, 'text', q.text,
    'createdAt', app.iso(q.created_at), 'updatedAt', app.iso(q.updated_at))
$$;

create or replace function app.quick_replies_list(p_account_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(app.quick_reply_json(q) order by q.shortcut), '[]'::jsonb)
  from public.quick_replies q where q.account_id = p_account_id
$$;

create or replace function app.quick_reply_create(p_account_id uuid, p_shortcut text, p_text text) returns jsonb
language plpgsql as $$
declare
  v public.quick_replies;
begin
  if (select count(*) from public.quick_replies where account_id = p_account_id) >= 500 then
    raise exception 'an account keeps at most 500 quick replies' using errcode = 'AT409';
  end if;
  if exists (select 1 from public.quick_replies where account_id = p_account_id and shortcut = p_shortcut) then
    raise exception 'the shortcut /% is taken', p_shortcut using errcode = 'AT409';
  end if;
  insert into public.quick_replies (account_id, shortcut, text) values (p_account_id, p_shortcut, p_text)
  returning * into v;
  return app.quick_reply_json(v);
end $$;

-- `p_patch` = {shortcut?, text?}.
create or replace function app.quick_reply_patch(p_account_id uuid, p_id uuid, p_patch jsonb) returns jsonb
language plpgsql as $$
declare
  v public.quick_replies;
begin
  select * into v from public.quick_replies where id = p_id and account_id = p_account_id for update;
  if v.id is null then
    raise exception 'quick reply not found' using errcode = 'AT404';
  end if;
  if p_patch ? 'shortcut' and exists (select 1 from public.quick_replies
      where account_id = p_account_id and shortcut = p_patch->>'shortcut' and id <> p_id) then
    raise exception 'the shortcut /% is taken', p_patch->>'shortcut' using errcode = 'AT409';
  end if;
  update public.quick_replies set
    shortcut = coalesce(p_patch->>'shortcut', shortcut),
    text = coalesce(p_patch->>'text', text),
    updated_at = now()
  where id = p_id returning * into v;
  return app.quick_reply_json(v);
end $$;

create or replace function app.quick_reply_delete(p_account_id uuid, p_id uuid) returns jsonb
language plpgsql as $$
begin
  delete from public.quick_replies where id = p_id and account_id = p_account_id;
  if not found then
    raise exception 'quick reply not found' using errcode = 'AT404';
  end if;
  return jsonb_build_object('deleted', true);
end $$;

-- GET/PATCH /api/account/settings: `p_patch` = {readReceipts?}.
create or replace function app.account_settings_get(p_account_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object('readReceipts', coalesce(
    (select s.read_receipts from public.account_settings s where s.account_id = p_account_id), false))
$$;

create or replace function app.account_settings_patch(p_account_id uuid, p_patch jsonb) returns jsonb
language plpgsql as $$
begin
  if p_patch ? 'readReceipts' and jsonb_typeof(p_patch->'readReceipts') <> 'boolean' then
    raise exception 'readReceipts must be a boolean' using errcode = 'AT400';
  end if;
  insert into public.account_settings (account_id, read_receipts)
  values (p_account_id, coalesce((p_patch->>'readReceipts')::boolean, false))
  on conflict (account_id) do update set
    read_receipts = coalesce((p_patch->>'readReceipts')::boolean, account_settings.read_receipts),
    updated_at = now();
  return app.account_settings_get(p_account_id);
end $$;

-- An agent opened the thread: with the read-receipts setting on, the customer's messages not yet
-- reported read, for Evolution's markMessageAsRead (at most the newest 100), and the mark moves
-- past them. Null when the setting is off, the number is not connected or nothing is due.
-- Returns {instanceName, messages: [{id, fromMe, remoteJid, participant}]}.
create or replace function app.read_receipts_due(p_account_id uuid, p_conversation_id uuid) returns jsonb
language plpgsql as $$
declare
  v_conv public.conversations;
  v_inst public.instances;
  v_jid text;
  v_list jsonb;
  v_upto timestamptz;
begin
  if not coalesce((select read_receipts from public.account_settings where account_id = p_account_id), false) then
    return null;
  end if;
  select * into v_conv from public.conversations where id = p_conversation_id and account_id = p_account_id for update;
  if v_conv.id is null then
    raise exception 'conversation not found' using errcode = 'AT404';
  end if;
  select * into v_inst from public.instances where id = v_conv.instance_id;
  if v_inst.status <> 'connected' then
    return null;
  end if;
  v_jid := coalesce((select g.jid from public.groups g where g.id = v_conv.group_id),
                    (select coalesce(ct.jid, ct.lid) from public.contacts ct where ct.id = v_conv.contact_id));
  select jsonb_agg(jsonb_build_object('id', x.wa_message_id, 'fromMe', false, 'remoteJid', v_jid,
           'participant', x.participant) order by x.sent_at), max(x.sent_at)
    into v_list, v_upto
  from (select m.wa_message_id, m.participant, m.sent_at from public.messages m
        where m.conversation_id = v_conv.id and m.direction = 'in' and m.wa_message_id is not null
          and m.type <> 'reaction' and m.deleted_at is null
          and m.sent_at > coalesce(v_conv.receipts_up_to, '-infinity')
        order by m.sent_at desc limit 100) x;
  if v_list is null or v_jid is null then
    return null;
  end if;
  update public.conversations set receipts_up_to = v_upto where id = v_conv.id;
  return jsonb_build_object('instanceName', v_inst.name, 'messages', v_list);
end $$;

-- presence.update: the conversation of the instance with the chat `p_jid` (a contact's phone JID
-- or LID, or a group), and who it is, for the ephemeral `conversation.typing`. Null when unknown.
create or replace function app.presence_target(p_account_id uuid, p_instance_id uuid, p_jid text, p_participant text default null)
returns jsonb
language sql stable as $$
  select jsonb_build_object('conversationId', c.id,
    'name', coalesce(ct.name, ct.push_name, ct.phone,
      -- In a group: the member's name, as their last message there was signed, else their number.
      (select m.author_name from public.messages m
        where m.conversation_id = c.id and p_participant is not null and m.participant = p_participant
          and m.author_name is not null
        order by coalesce(m.sent_at, m.created_at) desc, m.created_at desc, m.id desc limit 1),
      split_part(p_participant, '@', 1), g.subject, ''))
  from public.conversations c
  left join public.contacts ct on ct.id = c.contact_id
  left join public.groups g on g.id = c.group_id
  where c.account_id = p_account_id and c.instance_id = p_instance_id
    and (ct.jid = p_jid or ct.lid = p_jid or g.jid = p_jid)
  limit 1
$$;

-- Contact pictures: the contact whose picture is due (never asked, or asked more than a day ago),
-- with the number to ask Evolution about. Null when not due or unknown.
-- Returns {instanceName, number}.
create or replace function app.contact_avatar_due(p_account_id uuid, p_contact_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object('instanceName', i.name, 'number', coalesce(ct.jid, ct.lid))
  from public.contacts ct
  join public.conversations c on c.contact_id = ct.id
  join public.instances i on i.id = c.instance_id and i.status = 'connected'
  where ct.id = p_contact_id and ct.account_id = p_account_id
    and (ct.avatar_checked_at is null or ct.avatar_checked_at < now() - interval '1 day')
  order by c.last_message_at desc nulls last
  limit 1
$$;

-- Evolution's answer for a contact's picture (`p_url` null: none, or hidden by privacy): stored
-- with the time it was asked; conversation.updated for each of the contact's conversations when
-- the picture changed. Returns {events}.
create or replace function app.contact_avatar_set(p_account_id uuid, p_contact_id uuid, p_url text) returns jsonb
language plpgsql as $$
declare
  v_before text;
  v_conv uuid;
  v_events jsonb := '[]'::jsonb;
begin
  perform 1 from public.accounts where id = p_account_id for update;
  select avatar_url into v_before from public.contacts where id = p_contact_id and account_id = p_account_id for update;
  if not found then
    return jsonb_build_object('events', v_events);
  end if;
  update public.contacts set avatar_url = coalesce(p_url, avatar_url), avatar_checked_at = now(), updated_at = now()
    where id = p_contact_id;
  if p_url is not null and p_url is distinct from v_before then
    for v_conv in select id from public.conversations where contact_id = p_contact_id loop
      v_events := v_events || app.append_event(p_account_id, 'conversation.updated',
        jsonb_build_object('conversation', app.conversation_json(v_conv)));
    end loop;
  end if;
  return jsonb_build_object('events', v_events);
end $$;
