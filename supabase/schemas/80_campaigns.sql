-- Throttled bulk messages (docs/campaigns.md): campaigns, their recipients (materialised at start,
-- fed into the outbox FOR UPDATE SKIP LOCKED, paced per instance), the per-instance pacing state,
-- the daily cap setting; receipts and opt-outs through triggers on public.messages.

create table public.campaigns (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts(id) on delete cascade,
  instance_id uuid not null references public.instances(id) on delete cascade,
  name text not null,
  text text not null,
  audience jsonb not null default '{}'::jsonb,
  rate_per_minute integer not null default 20 check (rate_per_minute between 1 and 600),
  scheduled_at timestamptz,
  status text not null default 'draft'
    check (status in ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled')),
  total integer not null default 0,
  sent integer not null default 0,
  failed integer not null default 0,
  started_at timestamptz,
  finished_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  delivered integer not null default 0,
  read_count integer not null default 0,
  skipped integer not null default 0,
  -- Why the campaign paused by itself (null = paused by a person).
  paused_reason text check (paused_reason in ('instance_disconnected', 'daily_cap')),
  -- When the counters were last recomputed, and when the last campaign.updated was pushed.
  counted_at timestamptz not null default '-infinity',
  event_at timestamptz not null default '-infinity'
);
create index campaigns_account_idx on public.campaigns (account_id, created_at desc);
create index campaigns_active_idx on public.campaigns (status) where status in ('scheduled', 'running', 'paused');
alter table public.campaigns enable row level security;

create table public.campaign_recipients (
  id uuid primary key default gen_random_uuid(),
  campaign_id uuid not null references public.campaigns(id) on delete cascade,
  account_id uuid not null references public.accounts(id) on delete cascade,
  contact_id uuid references public.contacts(id) on delete set null,
  phone text not null check (phone ~ '^[0-9]+$'),
  status text not null default 'pending'
    check (status in ('pending', 'sending', 'sent', 'delivered', 'read', 'failed', 'skipped')),
  message_id uuid references public.messages(id) on delete set null,
  error text,
  attempts integer not null default 0,
  claimed_at timestamptz,
  sent_at timestamptz,
  instance_id uuid references public.instances(id) on delete cascade,
  name text,
  updated_at timestamptz not null default now(),
  unique (campaign_id, phone)
);
create index campaign_recipients_pending_idx on public.campaign_recipients (campaign_id, status);
create index campaign_recipients_updated_idx on public.campaign_recipients (campaign_id, updated_at);
create index campaign_recipients_message_idx on public.campaign_recipients (message_id)
  where message_id is not null;
create index campaign_recipients_contact_pending_idx on public.campaign_recipients (contact_id)
  where status = 'pending';
create index campaign_recipients_phone_pending_idx on public.campaign_recipients (account_id, phone)
  where status = 'pending';
create index campaign_recipients_instance_claimed_idx on public.campaign_recipients (instance_id, claimed_at)
  where claimed_at is not null;
alter table public.campaign_recipients enable row level security;

-- The pacing state every Motor process shares, one row per instance (see app.campaign_feed).
create table public.campaign_pacing (
  instance_id uuid primary key references public.instances(id) on delete cascade,
  next_at timestamptz not null default '-infinity',
  since_break integer not null default 0,
  day date,
  day_count integer not null default 0
);
alter table public.campaign_pacing enable row level security;

-- The daily cap per number, set by each Motor from CAMPAIGN_DAILY_CAP (app.campaign_feed).
create table public.campaign_settings (
  id boolean primary key default true check (id),
  daily_cap integer not null default 1000 check (daily_cap > 0)
);
alter table public.campaign_settings enable row level security;

-- The outbox's claim counts an instance's campaign sends in the last 60 s (app.outbox_admit).
create index outbox_campaign_instance_idx on public.outbox (instance_id, first_attempt_at)
  where kind = 'campaign' and first_attempt_at is not null;

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
  -- Refused because the number was not connected: it never left, so the recipient waits again
  -- (fed anew once the campaign resumes); the failed message stays in the thread.
  if v_status = 'failed' and new.error = 'instance_disconnected' then
    update public.campaign_recipients set status = 'pending', message_id = null, error = null,
      updated_at = clock_timestamp()
    where message_id = new.id and status = 'sending';
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
drop trigger if exists campaign_message_status on public.messages;
create trigger campaign_message_status
  after update of status on public.messages
  for each row when (new.sender = 'campaign' and old.status is distinct from new.status)
  execute function app.campaign_message_status();

-- app.outbox_admit below replaces the default of 60_outbox.sql (the pacing hook).
create or replace function app.campaign_daily_cap() returns integer
language sql stable as $$
  select coalesce((select daily_cap from public.campaign_settings), 1000)
$$;
-- Today's first moment for the daily cap (Brazil's business day).
create or replace function app.campaign_day_start() returns timestamptz
language sql stable as $$
  select (date_trunc('day', now() at time zone 'America/Sao_Paulo')) at time zone 'America/Sao_Paulo'
$$;
create or replace function app.outbox_admit(p_row public.outbox) returns timestamptz
language plpgsql stable as $$
declare
  v_rate integer;
  v_count integer;
  v_oldest timestamptz;
begin
  if p_row.kind <> 'campaign' then
    return null;
  end if;
  select c.rate_per_minute into v_rate
    from public.campaign_recipients r join public.campaigns c on c.id = r.campaign_id
    where r.message_id = p_row.message_id;
  if v_rate is null then
    return null;
  end if;
  select count(*), min(first_attempt_at) into v_count, v_oldest from public.outbox
    where instance_id = p_row.instance_id and kind = 'campaign' and id <> p_row.id
      and first_attempt_at > clock_timestamp() - interval '60 seconds';
  if v_count >= v_rate then
    return v_oldest + interval '60 seconds';
  end if;
  if (select count(*) from public.outbox where instance_id = p_row.instance_id and kind = 'campaign'
        and id <> p_row.id and first_attempt_at >= app.campaign_day_start()) >= app.campaign_daily_cap() then
    return app.campaign_day_start() + interval '1 day';
  end if;
  return null;
end $$;

-- Is this text only an opt-out word? Same rule as isOptOutText in shared/src/campaigns.ts
-- (case, accents, punctuation, spaces and emoji around the word do not matter).
create or replace function app.is_opt_out(p_text text) returns boolean
language sql immutable as $$
  select regexp_replace(
           translate(upper(p_text), 'áàâãäéèêëíìîïóòôõöúùûüçÁÀÂÃÄÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇ',
                                    'AAAAAEEEEIIIIOOOOOUUUUCAAAAAEEEEIIIIOOOOOUUUUC'),
           '[^A-Z0-9]', '', 'g')
         in ('SAIR', 'PARAR', 'STOP', 'CANCELAR', 'DESCADASTRAR')
$$;
-- The feeder, run by every Motor process: for ONE instance whose next send is due (its pacing row
-- locked FOR UPDATE SKIP LOCKED, so one process decides per instance), the next pending recipient
-- (phone order, FOR UPDATE SKIP LOCKED) of its oldest running campaign becomes a campaign message
-- in the contact's conversation plus its outbox row. Nothing is fed while three of the instance's
-- campaign messages are still unanswered (a send's round trip to WhatsApp can exceed 600/min's
-- 100 ms slot; three in flight keep that pace, and a disconnect strands at most three), while `ratePerMinute` sends
-- already started in the last 60 s, or past the daily cap (the campaign pauses with
-- pausedReason daily_cap until the next day). The next slot is 60000/rate ms later, ±`p_jitter`,
-- plus a break of `p_break_ms` every `p_break_every` sends. Opted-out contacts are skipped.
-- Returns {fed: {campaignId, messageId}|null, events, nextAt} (nextAt: the earliest due slot).
create or replace function app.campaign_feed(
  p_jitter double precision default 0.3, p_break_every integer default 50, p_break_ms integer default 30000,
  p_daily_cap integer default 1000
) returns jsonb
language plpgsql as $$
declare
  v_p public.campaign_pacing;
  v_c public.campaigns;
  v_r public.campaign_recipients;
  v_k public.contacts;
  v_account uuid;
  v_conv uuid;
  v_msg public.messages;
  v_text text;
  v_count integer;
  v_oldest timestamptz;
  v_today date := (now() at time zone 'America/Sao_Paulo')::date;
  v_gap double precision;
  v_events jsonb := '[]'::jsonb;
  v_fed jsonb;
  v_capped uuid;
begin
  if (select daily_cap from public.campaign_settings) is distinct from p_daily_cap then
    insert into public.campaign_settings (id, daily_cap) values (true, greatest(p_daily_cap, 1))
    on conflict (id) do update set daily_cap = excluded.daily_cap;
  end if;
  select p.* into v_p from public.campaign_pacing p
    where p.next_at <= clock_timestamp()
      and exists (select 1 from public.campaigns c join public.instances i on i.id = c.instance_id
                  where c.instance_id = p.instance_id and c.status = 'running' and i.status = 'connected')
      and (select count(*) from public.campaign_recipients r
           where r.instance_id = p.instance_id and r.status = 'sending') < 3
    order by p.next_at
    limit 1
    for update of p skip locked;
  if v_p.instance_id is not null then
    select account_id into v_account from public.instances where id = v_p.instance_id;
    perform 1 from public.accounts where id = v_account for update;
    select c.* into v_c from public.campaigns c
      where c.instance_id = v_p.instance_id and c.status = 'running'
        and exists (select 1 from public.campaign_recipients r where r.campaign_id = c.id and r.status = 'pending')
      order by c.started_at, c.id
      limit 1
      for share skip locked;
  end if;
  if v_c.id is not null then
    if v_p.day is not distinct from v_today and v_p.day_count >= p_daily_cap then
      for v_capped in
        update public.campaigns set status = 'paused', paused_reason = 'daily_cap', updated_at = now()
          where instance_id = v_p.instance_id and status = 'running' returning id
      loop
        v_events := v_events || app.campaign_changed(v_capped);
      end loop;
      v_c.id := null;
    end if;
  end if;
  if v_c.id is not null then
    select count(*), min(claimed_at) into v_count, v_oldest from public.campaign_recipients
      where instance_id = v_p.instance_id and claimed_at > clock_timestamp() - interval '60 seconds';
    if v_count >= v_c.rate_per_minute then
      update public.campaign_pacing set next_at = v_oldest + interval '60 seconds' where instance_id = v_p.instance_id;
      v_c.id := null;
    end if;
  end if;
  if v_c.id is not null then
    loop
      select * into v_r from public.campaign_recipients
        where campaign_id = v_c.id and status = 'pending' order by phone limit 1 for update skip locked;
      exit when v_r.id is null;
      v_k := null;
      if v_r.contact_id is not null then
        select * into v_k from public.contacts where id = v_r.contact_id;
      else
        select * into v_k from public.contacts
          where account_id = v_c.account_id and phone in (v_r.phone, app.br_phone_alt(v_r.phone))
          order by opted_out desc limit 1;
      end if;
      exit when not coalesce(v_k.opted_out, false);
      update public.campaign_recipients set status = 'skipped', error = 'opted_out', contact_id = v_k.id,
        updated_at = clock_timestamp() where id = v_r.id;
    end loop;
  end if;
  if v_r.id is not null then
    if v_k.id is null then
      v_k.id := app.resolve_contact(v_c.account_id, v_r.phone || '@s.whatsapp.net', null);
      select * into v_k from public.contacts where id = v_k.id;
    end if;
    v_conv := app.resolve_conversation(v_c.account_id, v_c.instance_id, v_k.id, null);
    v_text := app.campaign_render(v_c.text, coalesce(v_k.name, v_k.push_name, v_r.name));
    insert into public.messages (account_id, conversation_id, instance_id, direction, sender, type, text, status,
      sent_at, created_at, updated_at)
    values (v_c.account_id, v_conv, v_c.instance_id, 'out', 'campaign', 'text', v_text, 'pending',
      now(), clock_timestamp(), now())
    returning * into v_msg;
    perform app.outbox_enqueue(v_c.account_id, v_msg.id, 'campaign');
    perform app.bump_conversation(v_conv, v_msg.sent_at, app.message_preview('text', v_text));
    update public.campaign_recipients set status = 'sending', contact_id = v_k.id, message_id = v_msg.id,
      claimed_at = clock_timestamp(), attempts = attempts + 1, updated_at = clock_timestamp()
      where id = v_r.id;
    v_gap := 60000.0 / v_c.rate_per_minute * (1 + greatest(least(p_jitter, 0.9), 0) * (2 * random() - 1));
    if p_break_every > 0 and v_p.since_break + 1 >= p_break_every then
      v_gap := v_gap + greatest(p_break_ms, 0);
    end if;
    update public.campaign_pacing set
      next_at = clock_timestamp() + make_interval(secs => v_gap / 1000.0),
      since_break = case when p_break_every > 0 and since_break + 1 >= p_break_every then 0 else since_break + 1 end,
      day = v_today,
      day_count = case when day is not distinct from v_today then day_count + 1 else 1 end
      where instance_id = v_p.instance_id;
    v_events := v_events || app.append_event(v_c.account_id, 'message.created',
      jsonb_build_object('message', app.message_json(v_msg), 'conversation', app.conversation_json(v_conv)));
    v_fed := jsonb_build_object('campaignId', v_c.id, 'messageId', v_msg.id, 'accountId', v_c.account_id);
  end if;
  return jsonb_build_object('fed', v_fed, 'events', v_events, 'nextAt', (
    select app.iso(min(p.next_at)) from public.campaign_pacing p
    where exists (select 1 from public.campaigns c where c.instance_id = p.instance_id and c.status = 'running')));
end $$;
-- An inbound text that is only an opt-out word (app.is_opt_out), in the same transaction as the
-- message itself: the contact is marked optedOut, its pending recipients in every campaign become
-- `skipped`, and ONE confirmation is queued in the outbox (none when it had already opted out).
-- The confirmation's message.created is in the event log; clients see it through catch-up.
create or replace function app.campaign_opt_out_step() returns trigger
language plpgsql as $$
declare
  v_k public.contacts;
begin
  select k.* into v_k from public.conversations c join public.contacts k on k.id = c.contact_id
    where c.id = new.conversation_id;
  if v_k.id is null or v_k.opted_out or not app.is_opt_out(new.text) then
    return null;
  end if;
  update public.contacts set opted_out = true, updated_at = now() where id = v_k.id;
  update public.campaign_recipients set status = 'skipped', error = 'opted_out', updated_at = clock_timestamp()
    where id in (select r.id from public.campaign_recipients r
                 where r.status = 'pending' and (r.contact_id = v_k.id
                   or r.account_id = v_k.account_id and r.phone in (v_k.phone, app.br_phone_alt(v_k.phone)))
                 for update skip locked);
  perform app.outbox_send_text(new.account_id, new.conversation_id, 'campaign', 'optout',
    'Pronto! Você não vai mais receber nossas campanhas. Se mudar de ideia, é só falar com a gente por aqui.');
  return null;
end $$;
drop trigger if exists campaign_opt_out_step on public.messages;
create trigger campaign_opt_out_step
  after insert on public.messages
  for each row when (new.direction = 'in' and new.type = 'text' and length(new.text) <= 64)
  execute function app.campaign_opt_out_step();

-- The contacts API (opt-out flag, labels for label audiences).

-- Contact as the contract's contacts list item.
create or replace function app.contact_json(c public.contacts) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', c.id, 'name', c.name, 'pushName', c.push_name, 'phone', c.phone,
    'avatarUrl', c.avatar_url, 'optedOut', c.opted_out, 'labels', to_jsonb(c.labels), 'createdAt', app.iso(c.created_at))
$$;

-- GET /api/contacts: newest first, keyset by `p_before` (createdAt); `p_q` matches the name or push
-- name ignoring accents and case, or the digits of the phone; `p_opted_out` filters the flag.
create or replace function app.contacts_page(
  p_account_id uuid, p_q text default null, p_opted_out boolean default null,
  p_before timestamptz default null, p_limit integer default 50
) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(app.contact_json(c) order by c.created_at desc, c.id desc), '[]'::jsonb)
  from (
    select * from public.contacts k
    where k.account_id = p_account_id
      and (p_opted_out is null or k.opted_out = p_opted_out)
      and (p_before is null or k.created_at < p_before)
      and (nullif(btrim(p_q), '') is null
        or strpos(app.unaccent_lower(coalesce(k.name, '') || ' ' || coalesce(k.push_name, '')),
                  app.unaccent_lower(btrim(p_q))) > 0
        or (regexp_replace(p_q, '\D', '', 'g') <> '' and strpos(k.phone, regexp_replace(p_q, '\D', '', 'g')) > 0))
    order by k.created_at desc, k.id desc
    limit least(greatest(coalesce(p_limit, 50), 1), 200)) c
$$;

-- PATCH /api/contacts/:id {name?, optedOut?, labels?}: any role (an agent clears an opt-out on
-- the customer's request). Labels are trimmed, deduplicated and sorted. Each conversation with the
-- contact is pushed again (its contact name may have changed). Returns {contact, events}.
create or replace function app.contact_patch(p_account_id uuid, p_id uuid, p_patch jsonb) returns jsonb
language plpgsql as $$
declare
  v public.contacts;
  v_events jsonb := '[]'::jsonb;
  v_conv uuid;
begin
  perform 1 from public.accounts where id = p_account_id for update;
  update public.contacts set
    name = case when p_patch ? 'name' then nullif(btrim(p_patch->>'name'), '') else name end,
    opted_out = coalesce((p_patch->>'optedOut')::boolean, opted_out),
    labels = case when p_patch ? 'labels' then array(
        select distinct btrim(x) from jsonb_array_elements_text(p_patch->'labels') x where btrim(x) <> '' order by 1)
      else labels end,
    updated_at = now()
  where id = p_id and account_id = p_account_id
  returning * into v;
  if v.id is null then
    raise exception 'contact not found' using errcode = 'AT404';
  end if;
  for v_conv in select id from public.conversations where contact_id = v.id order by id loop
    v_events := v_events || app.append_event(p_account_id, 'conversation.updated',
      jsonb_build_object('conversation', app.conversation_json(v_conv)));
  end loop;
  return jsonb_build_object('contact', app.contact_json(v), 'events', v_events);
end $$;

