-- Campaign sending (docs/campaigns.md): the feeder turns the next recipient of a running campaign
-- into a message + outbox row (the one outbound pipeline, docs/outbound.md), paced per instance;
-- the outbox's claim admits campaign rows only within the instance's rate and daily cap; an
-- inbound opt-out word marks the contact, skips it everywhere and queues one confirmation.

-- Pacing inside the outbox claim: campaign rows of an instance are admitted only while fewer than
-- `ratePerMinute` campaign sends of that instance started in the last 60 s, and fewer than the
-- daily cap today (`app.campaign_daily_cap`). Plain reads, no locks: it runs inside the outbox
-- claim, which already holds outbox rows.
create index if not exists outbox_campaign_instance_idx on public.outbox (instance_id, first_attempt_at)
  where kind = 'campaign' and first_attempt_at is not null;

-- The daily cap per number, set by each Motor from CAMPAIGN_DAILY_CAP (app.campaign_feed).
create table if not exists public.campaign_settings (
  id boolean primary key default true check (id),
  daily_cap integer not null default 1000 check (daily_cap > 0)
);
alter table public.campaign_settings enable row level security;

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
-- in the contact's conversation plus its outbox row. Nothing is fed while the instance's previous
-- campaign message is still unanswered (one in flight per instance), while `ratePerMinute` sends
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
      and not exists (select 1 from public.campaign_recipients r
                      where r.instance_id = p.instance_id and r.status = 'sending')
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
  perform app.outbox_send_text(new.account_id, new.conversation_id, 'system', 'optout',
    'Pronto! Você não vai mais receber nossas campanhas. Se mudar de ideia, é só falar com a gente por aqui.');
  return null;
end $$;

drop trigger if exists campaign_opt_out_step on public.messages;
create trigger campaign_opt_out_step
  after insert on public.messages
  for each row when (new.direction = 'in' and new.type = 'text' and length(new.text) <= 64)
  execute function app.campaign_opt_out_step();

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
