-- Campaigns (docs/campaigns.md): CRUD, the status machine, the audience materialised into
-- recipients at start, counters, and `campaign.updated` events. Sending goes through the outbox
-- (the next campaigns migration feeds it, paced per instance).

alter table public.campaigns
  add column if not exists delivered integer not null default 0,
  add column if not exists read_count integer not null default 0,
  add column if not exists skipped integer not null default 0,
  -- Why the campaign paused by itself (null = paused by a person): it resumes by itself when the
  -- reason goes away (the number reconnects, a new day for the daily cap).
  add column if not exists paused_reason text check (paused_reason in ('instance_disconnected', 'daily_cap')),
  -- When the counters were last recomputed, and when the last campaign.updated was pushed
  -- (progress events are throttled to about two a second per campaign).
  add column if not exists counted_at timestamptz not null default '-infinity',
  add column if not exists event_at timestamptz not null default '-infinity';

alter table public.campaign_recipients drop constraint if exists campaign_recipients_status_check;
alter table public.campaign_recipients add constraint campaign_recipients_status_check
  check (status in ('pending', 'sending', 'sent', 'delivered', 'read', 'failed', 'skipped'));
alter table public.campaign_recipients
  add column if not exists instance_id uuid references public.instances(id) on delete cascade,
  add column if not exists name text,
  add column if not exists updated_at timestamptz not null default now();
-- Progress: which campaigns changed since their counters were computed.
create index if not exists campaign_recipients_updated_idx on public.campaign_recipients (campaign_id, updated_at);
-- Receipts: the recipient of a message.
create index if not exists campaign_recipients_message_idx on public.campaign_recipients (message_id)
  where message_id is not null;
-- Opt-out: a contact's recipients still waiting.
create index if not exists campaign_recipients_contact_pending_idx on public.campaign_recipients (contact_id)
  where status = 'pending';
create index if not exists campaign_recipients_phone_pending_idx on public.campaign_recipients (account_id, phone)
  where status = 'pending';
-- Pacing: the instance's sends in the last 60 s and today.
create index if not exists campaign_recipients_instance_claimed_idx on public.campaign_recipients (instance_id, claimed_at)
  where claimed_at is not null;
create index if not exists campaigns_active_idx on public.campaigns (status) where status in ('scheduled', 'running', 'paused');

-- One row per instance that ever ran a campaign: the pacing state every Motor process shares.
-- The feeder locks it (FOR UPDATE SKIP LOCKED), so one process at a time decides the instance's
-- next send: `next_at` is the earliest moment of the next one; `since_break` counts sends since
-- the last long break; `day`/`day_count` count today's sends (the daily cap).
create table if not exists public.campaign_pacing (
  instance_id uuid primary key references public.instances(id) on delete cascade,
  next_at timestamptz not null default '-infinity',
  since_break integer not null default 0,
  day date,
  day_count integer not null default 0
);
alter table public.campaign_pacing enable row level security;

-- Campaign as the contract's `Campaign`.
create or replace function app.campaign_json(c public.campaigns) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'id', c.id, 'name', c.name, 'instanceId', c.instance_id, 'text', c.text, 'audience', c.audience,
    'ratePerMinute', c.rate_per_minute, 'scheduledAt', app.iso(c.scheduled_at), 'status', c.status,
    'pausedReason', c.paused_reason, 'total', c.total, 'sent', c.sent, 'delivered', c.delivered,
    'read', c.read_count, 'failed', c.failed, 'skipped', c.skipped, 'startedAt', app.iso(c.started_at),
    'finishedAt', app.iso(c.finished_at), 'createdAt', app.iso(c.created_at), 'updatedAt', app.iso(c.updated_at))
$$;

-- `{{name}}` → the recipient's name; with none, the placeholder and the space before it go.
-- Same rule as renderCampaignText in shared/src/campaigns.ts.
create or replace function app.campaign_render(p_text text, p_name text) returns text
language sql immutable as $$
  select case when coalesce(btrim(p_name), '') = ''
    then regexp_replace(regexp_replace(p_text, '\{\{\s*name\s*\}\}', '{{name}}', 'g'), ' ?\{\{name\}\}', '', 'g')
    else replace(regexp_replace(p_text, '\{\{\s*name\s*\}\}', '{{name}}', 'g'), '{{name}}', btrim(p_name)) end
$$;

-- A Brazilian mobile's other form: with the 9th digit ↔ without it (old WhatsApp ids lack it).
create or replace function app.br_phone_alt(p text) returns text
language sql immutable as $$
  select case
    when p ~ '^55[1-9]{2}9[6-9][0-9]{7}$' then substr(p, 1, 4) || substr(p, 6)
    when p ~ '^55[1-9]{2}[6-9][0-9]{7}$' then substr(p, 1, 4) || '9' || substr(p, 5)
  end
$$;

-- Who an audience is right now: one row per phone, with the matching contact (if any), its name
-- and whether it opted out. Contacts without a phone (LID only) cannot be reached and are left out.
-- A label audience uses contact labels when that column exists, else conversation labels.
create or replace function app.campaign_audience(p_account_id uuid, p_audience jsonb)
returns table (phone text, contact_id uuid, name text, opted_out boolean)
language plpgsql stable as $$
declare
  v_type text := p_audience->>'type';
begin
  if v_type = 'phones' then
    return query
      select distinct on (x.p) x.p, c.id, coalesce(c.name, c.push_name), coalesce(c.opted_out, false)
      from jsonb_array_elements_text(p_audience->'phones') x(p)
      left join lateral (
        select * from public.contacts k
        where k.account_id = p_account_id and k.phone in (x.p, app.br_phone_alt(x.p))
        order by k.opted_out desc, k.updated_at desc limit 1) c on true
      order by x.p;
  elsif v_type = 'contacts' then
    return query
      select distinct on (k.phone) k.phone, k.id, coalesce(k.name, k.push_name), k.opted_out
      from public.contacts k
      where k.account_id = p_account_id and k.phone is not null
        and k.id in (select (jsonb_array_elements_text(p_audience->'contactIds'))::uuid)
      order by k.phone, k.opted_out desc;
  elsif v_type = 'all' then
    return query
      select distinct on (k.phone) k.phone, k.id, coalesce(k.name, k.push_name), k.opted_out
      from public.contacts k
      where k.account_id = p_account_id and k.phone is not null
      order by k.phone, k.opted_out desc;
  elsif v_type = 'label' then
    if exists (select 1 from information_schema.columns
               where table_schema = 'public' and table_name = 'contacts' and column_name = 'labels') then
      return query execute
        'select distinct on (k.phone) k.phone, k.id, coalesce(k.name, k.push_name), k.opted_out
         from public.contacts k
         where k.account_id = $1 and k.phone is not null and to_jsonb(k.labels) ? $2
         order by k.phone, k.opted_out desc'
        using p_account_id, p_audience->>'label';
    elsif exists (select 1 from information_schema.columns
                  where table_schema = 'public' and table_name = 'conversations' and column_name = 'labels') then
      return query execute
        'select distinct on (k.phone) k.phone, k.id, coalesce(k.name, k.push_name), k.opted_out
         from public.conversations v join public.contacts k on k.id = v.contact_id
         where v.account_id = $1 and k.phone is not null and to_jsonb(v.labels) ? $2
         order by k.phone, k.opted_out desc'
        using p_account_id, p_audience->>'label';
    end if;
  else
    raise exception 'unknown audience type %', v_type using errcode = 'AT400';
  end if;
end $$;

-- POST /api/campaigns/preview: {count, optedOut} of an audience (phones already normalised).
create or replace function app.campaign_audience_count(p_account_id uuid, p_audience jsonb) returns jsonb
language sql stable as $$
  select jsonb_build_object('count', count(*) filter (where not a.opted_out),
                            'optedOut', count(*) filter (where a.opted_out))
  from app.campaign_audience(p_account_id, p_audience) a
$$;

create or replace function app.campaign_of(p_account_id uuid, p_id uuid) returns public.campaigns
language plpgsql as $$
declare
  v public.campaigns;
begin
  select * into v from public.campaigns where id = p_id and account_id = p_account_id for update;
  if v.id is null then
    raise exception 'campaign not found' using errcode = 'AT404';
  end if;
  return v;
end $$;

create or replace function app.campaign_check_instance(p_account_id uuid, p_instance_id uuid) returns void
language plpgsql as $$
begin
  if not exists (select 1 from public.instances where id = p_instance_id and account_id = p_account_id) then
    raise exception 'instance not found' using errcode = 'AT404';
  end if;
end $$;

-- A campaign's counters from its recipients: [total, sent, delivered, read, failed, skipped]
-- (sent counts delivered and read ones too; delivered counts read ones).
create or replace function app.campaign_counts(p_id uuid) returns integer[]
language sql stable as $$
  select array[count(*), count(*) filter (where r.status in ('sent', 'delivered', 'read')),
    count(*) filter (where r.status in ('delivered', 'read')), count(*) filter (where r.status = 'read'),
    count(*) filter (where r.status = 'failed'), count(*) filter (where r.status = 'skipped')]::integer[]
  from public.campaign_recipients r where r.campaign_id = p_id
$$;

create or replace function app.campaign_counters(c public.campaigns) returns integer[]
language sql immutable as $$
  select array[c.total, c.sent, c.delivered, c.read_count, c.failed, c.skipped]
$$;

-- Recomputes a started campaign's counters (counting, not +1/-1, so the order receipts arrive in
-- never matters). Returns the row.
create or replace function app.campaign_recount(p_id uuid) returns public.campaigns
language plpgsql as $$
declare
  v public.campaigns;
  n integer[] := app.campaign_counts(p_id);
begin
  update public.campaigns set total = n[1], sent = n[2], delivered = n[3], read_count = n[4], failed = n[5],
    skipped = n[6], counted_at = clock_timestamp()
  where id = p_id
  returning * into v;
  return v;
end $$;

-- A status change: the row as it is now, recounted, with its campaign.updated event.
create or replace function app.campaign_changed(p_id uuid) returns jsonb
language plpgsql as $$
declare
  v public.campaigns;
begin
  select * into v from public.campaigns where id = p_id;
  if v.started_at is not null then
    v := app.campaign_recount(p_id);
  end if;
  update public.campaigns set event_at = clock_timestamp(), updated_at = now() where id = p_id returning * into v;
  return app.append_event(v.account_id, 'campaign.updated', jsonb_build_object('campaign', app.campaign_json(v)));
end $$;

-- The audience's size for a draft's `total` (recipients are created at start).
create or replace function app.campaign_estimate_total(p_account_id uuid, p_audience jsonb) returns integer
language sql stable as $$
  select count(*)::int from app.campaign_audience(p_account_id, p_audience) a where not a.opted_out
$$;

-- POST /api/campaigns: `p_body` is the validated body (phones normalised). A draft.
create or replace function app.campaign_create(p_account_id uuid, p_body jsonb) returns jsonb
language plpgsql as $$
declare
  v public.campaigns;
begin
  perform 1 from public.accounts where id = p_account_id for update;
  perform app.campaign_check_instance(p_account_id, (p_body->>'instanceId')::uuid);
  insert into public.campaigns (account_id, instance_id, name, text, audience, rate_per_minute, scheduled_at, total)
  values (p_account_id, (p_body->>'instanceId')::uuid, p_body->>'name', p_body->>'text', p_body->'audience',
    coalesce((p_body->>'ratePerMinute')::int, 20), (p_body->>'scheduledAt')::timestamptz,
    app.campaign_estimate_total(p_account_id, p_body->'audience'))
  returning * into v;
  return jsonb_build_object('campaign', app.campaign_json(v), 'events', jsonb_build_array(
    app.append_event(p_account_id, 'campaign.updated', jsonb_build_object('campaign', app.campaign_json(v)))));
end $$;

-- PATCH /api/campaigns/:id, only while draft or scheduled (AT409 otherwise).
create or replace function app.campaign_patch(p_account_id uuid, p_id uuid, p_patch jsonb) returns jsonb
language plpgsql as $$
declare
  v public.campaigns;
  v_event jsonb;
begin
  perform 1 from public.accounts where id = p_account_id for update;
  v := app.campaign_of(p_account_id, p_id);
  if v.status not in ('draft', 'scheduled') then
    raise exception 'a % campaign cannot be changed', v.status using errcode = 'AT409';
  end if;
  if p_patch ? 'instanceId' then
    perform app.campaign_check_instance(p_account_id, (p_patch->>'instanceId')::uuid);
  end if;
  update public.campaigns set
    name = coalesce(p_patch->>'name', name),
    instance_id = coalesce((p_patch->>'instanceId')::uuid, instance_id),
    text = coalesce(p_patch->>'text', text),
    audience = coalesce(p_patch->'audience', audience),
    rate_per_minute = coalesce((p_patch->>'ratePerMinute')::int, rate_per_minute),
    scheduled_at = case when p_patch ? 'scheduledAt' then (p_patch->>'scheduledAt')::timestamptz else scheduled_at end,
    total = case when p_patch ? 'audience' then app.campaign_estimate_total(p_account_id, p_patch->'audience') else total end,
    updated_at = now()
  where id = p_id;
  v_event := app.campaign_changed(p_id);
  return jsonb_build_object('campaign', (select app.campaign_json(c) from public.campaigns c where c.id = p_id),
    'events', jsonb_build_array(v_event));
end $$;

-- DELETE /api/campaigns/:id (AT409 while running). Recipients go with it; sent messages stay.
create or replace function app.campaign_delete(p_account_id uuid, p_id uuid) returns jsonb
language plpgsql as $$
declare
  v public.campaigns;
begin
  perform 1 from public.accounts where id = p_account_id for update;
  v := app.campaign_of(p_account_id, p_id);
  if v.status = 'running' then
    raise exception 'pause or cancel a running campaign before deleting it' using errcode = 'AT409';
  end if;
  delete from public.campaigns where id = p_id;
  return jsonb_build_object('events', '[]'::jsonb);
end $$;

create or replace function app.campaigns_list(p_account_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(app.campaign_json(c) order by c.created_at desc, c.id desc), '[]'::jsonb)
  from public.campaigns c where c.account_id = p_account_id
$$;

create or replace function app.campaign_get(p_account_id uuid, p_id uuid) returns jsonb
language plpgsql stable as $$
declare
  v public.campaigns;
begin
  select * into v from public.campaigns where id = p_id and account_id = p_account_id;
  if v.id is null then
    raise exception 'campaign not found' using errcode = 'AT404';
  end if;
  return app.campaign_json(v);
end $$;

-- Start: the audience becomes recipients (opted-out contacts are `skipped` at once) and the
-- instance gets its pacing row. In the caller's transaction (campaign row locked).
create or replace function app.campaign_materialise(p_id uuid) returns void
language plpgsql as $$
declare
  v public.campaigns;
begin
  select * into v from public.campaigns where id = p_id;
  insert into public.campaign_recipients (campaign_id, account_id, instance_id, contact_id, phone, name, status, error)
  select v.id, v.account_id, v.instance_id, a.contact_id, a.phone, a.name,
    case when a.opted_out then 'skipped' else 'pending' end,
    case when a.opted_out then 'opted_out' end
  from app.campaign_audience(v.account_id, v.audience) a
  on conflict (campaign_id, phone) do nothing;
  insert into public.campaign_pacing (instance_id) values (v.instance_id) on conflict do nothing;
  update public.campaigns set status = 'running', started_at = now(), paused_reason = null, updated_at = now()
    where id = p_id;
end $$;

-- POST /api/campaigns/:id/{start|pause|resume|cancel}. Allowed moves:
--   start:  draft|scheduled → scheduled (scheduledAt in the future) or running (instance connected)
--   pause:  running → paused; paused by itself → paused by a person (no automatic resume)
--   resume: paused → running (instance connected)
--   cancel: draft|scheduled|running|paused → cancelled (pending recipients are never sent)
-- Anything else, or a start/resume while the number is not connected: AT409.
create or replace function app.campaign_move(p_account_id uuid, p_id uuid, p_action text) returns jsonb
language plpgsql as $$
declare
  v public.campaigns;
  v_connected boolean;
  v_event jsonb;
begin
  perform 1 from public.accounts where id = p_account_id for update;
  v := app.campaign_of(p_account_id, p_id);
  select status = 'connected' into v_connected from public.instances where id = v.instance_id;
  if p_action in ('start', 'resume') and not coalesce(v_connected, false) then
    raise exception 'the campaign''s WhatsApp number is not connected' using errcode = 'AT409';
  end if;
  if p_action = 'start' and v.status in ('draft', 'scheduled') then
    if v.scheduled_at is not null and v.scheduled_at > now() and v.status = 'draft' then
      update public.campaigns set status = 'scheduled', updated_at = now() where id = p_id;
    else
      perform app.campaign_materialise(p_id);
    end if;
  elsif p_action = 'pause' and (v.status = 'running' or v.status = 'paused' and v.paused_reason is not null) then
    update public.campaigns set status = 'paused', paused_reason = null, updated_at = now() where id = p_id;
  elsif p_action = 'resume' and v.status = 'paused' then
    update public.campaigns set status = 'running', paused_reason = null, updated_at = now() where id = p_id;
  elsif p_action = 'cancel' and v.status in ('draft', 'scheduled', 'running', 'paused') then
    update public.campaigns set status = 'cancelled', paused_reason = null, finished_at = now(), updated_at = now()
      where id = p_id;
  else
    raise exception 'a % campaign cannot %', v.status, p_action using errcode = 'AT409';
  end if;
  v_event := app.campaign_changed(p_id);
  return jsonb_build_object('events', jsonb_build_array(v_event),
    'campaign', (select app.campaign_json(c) from public.campaigns c where c.id = p_id));
end $$;

-- GET /api/campaigns/:id/recipients: phone order, keyset by `p_after` (the last phone seen).
create or replace function app.campaign_recipients_list(
  p_account_id uuid, p_id uuid, p_status text default null, p_after text default null, p_limit integer default 100
) returns jsonb
language plpgsql stable as $$
begin
  if not exists (select 1 from public.campaigns where id = p_id and account_id = p_account_id) then
    raise exception 'campaign not found' using errcode = 'AT404';
  end if;
  return coalesce((
    select jsonb_agg(jsonb_build_object('id', r.id, 'phone', r.phone, 'contactId', r.contact_id,
      'name', coalesce(k.name, k.push_name, r.name), 'status', r.status, 'error', r.error,
      'sentAt', app.iso(r.sent_at)) order by r.phone)
    from (select * from public.campaign_recipients
          where campaign_id = p_id and (p_status is null or status = p_status)
            and (p_after is null or phone > p_after)
          order by phone limit least(greatest(coalesce(p_limit, 100), 1), 1000)) r
    left join public.contacts k on k.id = r.contact_id), '[]'::jsonb);
end $$;

-- A campaign message's status moved (sendText answered, a receipt, a failure): its recipient
-- follows, forward only (pending → sending → sent → delivered → read; failed replaces only
-- sending/sent). Only the recipient row is touched: counters are recounted by app.campaigns_tick.
create or replace function app.campaign_message_status() returns trigger
language plpgsql as $$
declare
  v_status text := case new.status when 'sent' then 'sent' when 'delivered' then 'delivered'
    when 'read' then 'read' when 'failed' then 'failed' end;
begin
  if v_status is null then
    return null;
  end if;
  update public.campaign_recipients set
    status = v_status,
    error = case when v_status = 'failed' then left(coalesce(new.error, 'sending failed'), 500) else null end,
    sent_at = case when v_status = 'failed' then sent_at else coalesce(sent_at, now()) end,
    updated_at = clock_timestamp()
  where message_id = new.id
    and case status when 'sending' then 1 when 'sent' then 2 when 'failed' then 3 when 'delivered' then 4
          when 'read' then 5 else 99 end
      < case v_status when 'sent' then 2 when 'failed' then 3 when 'delivered' then 4 when 'read' then 5 end;
  return null;
end $$;

drop trigger if exists campaign_message_status on public.messages;
create trigger campaign_message_status
  after update of status on public.messages
  for each row when (new.sender = 'campaign' and old.status is distinct from new.status)
  execute function app.campaign_message_status();

-- The move a campaign makes by itself now, if any: [status, pausedReason]. A due scheduled one
-- starts (paused at once when its number is not connected); a running one pauses when its number
-- disconnects and resumes when it reconnects; a daily-cap pause ends on a new day; a running one
-- with nothing left to send completes.
create or replace function app.campaign_auto_move(v public.campaigns) returns text[]
language plpgsql stable as $$
declare
  v_connected boolean := (select status = 'connected' from public.instances where id = v.instance_id);
  v_today date := (now() at time zone 'America/Sao_Paulo')::date;
begin
  if v.status = 'scheduled' and v.scheduled_at <= now() then
    return case when v_connected then array['running', null] else array['paused', 'instance_disconnected'] end;
  elsif v.status = 'running' and not v_connected then
    return array['paused', 'instance_disconnected'];
  elsif v.status = 'paused' and v.paused_reason = 'instance_disconnected' and v_connected then
    return array['running', null];
  elsif v.status = 'paused' and v.paused_reason = 'daily_cap' and coalesce(
        (select day from public.campaign_pacing where instance_id = v.instance_id), v_today) < v_today then
    return array['running', null];
  elsif v.status = 'running' and not exists (
        select 1 from public.campaign_recipients r where r.campaign_id = v.id and r.status in ('pending', 'sending')) then
    return array['completed', null];
  end if;
  return null;
end $$;

-- The campaigns' clock, run by every Motor process a few times a second (one at a time: the
-- others skip). Makes the automatic moves (app.campaign_auto_move) and pushes progress: counters
-- recomputed for campaigns whose recipients changed, at most one campaign.updated per
-- `p_min_gap_ms` per campaign. Reads first and locks (account, then campaign) only what changes,
-- so a quiet tick never holds up a webhook. Returns {events}.
create or replace function app.campaigns_tick(p_min_gap_ms integer default 450) returns jsonb
language plpgsql as $$
declare
  v public.campaigns;
  v_move text[];
  v_before public.campaigns;
  v_events jsonb := '[]'::jsonb;
begin
  if not pg_try_advisory_xact_lock(727060) then
    return jsonb_build_object('events', v_events, 'skipped', true);
  end if;
  for v in
    select c.* from public.campaigns c
    where c.status in ('scheduled', 'running', 'paused')
       or exists (select 1 from public.campaign_recipients r
                  where r.campaign_id = c.id and r.updated_at > c.counted_at - interval '5 seconds')
    order by c.account_id, c.id
  loop
    v_move := app.campaign_auto_move(v);
    if v_move is null then
      continue when v.started_at is null
        or clock_timestamp() - v.event_at < make_interval(secs => p_min_gap_ms / 1000.0)
        or not exists (select 1 from public.campaign_recipients r
                       where r.campaign_id = v.id and r.updated_at > v.counted_at - interval '5 seconds')
        or app.campaign_counts(v.id) = app.campaign_counters(v);
    end if;
    perform 1 from public.accounts where id = v.account_id for update;
    v_before := v;
    select * into v from public.campaigns where id = v_before.id for update skip locked;
    continue when v.id is null or v.status <> v_before.status;
    v_move := app.campaign_auto_move(v);
    if v_move is not null then
      if v.status = 'scheduled' then
        perform app.campaign_materialise(v.id);
      end if;
      update public.campaigns set status = v_move[1], paused_reason = v_move[2],
        finished_at = case when v_move[1] = 'completed' then now() else finished_at end, updated_at = now()
        where id = v.id;
      v_events := v_events || app.campaign_changed(v.id);
    else
      v := app.campaign_recount(v.id);
      update public.campaigns set event_at = clock_timestamp(), updated_at = now() where id = v.id returning * into v;
      v_events := v_events || app.append_event(v.account_id, 'campaign.updated',
        jsonb_build_object('campaign', app.campaign_json(v)));
    end if;
  end loop;
  return jsonb_build_object('events', v_events);
end $$;

-- Lock-down (as 20261129009000_lockdown.sql): app.* only for the owner and the service role.
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
