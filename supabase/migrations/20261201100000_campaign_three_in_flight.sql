-- Campaign pacing: up to three campaign messages in flight per instance instead of one, so
-- 600/min holds when a send's round trip exceeds the 100 ms slot (the 60 s window still caps).
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
