-- Evolution lifecycle (docs/evolution.md): one identity per incarnation at Evolution, a
-- disconnected number that stays disconnected, no write for a repeated `connecting`, and numbers
-- removed for good.

-- A number removed for good (deleted at Evolution). Its row stays while conversations refer to it
-- (the history stays readable); it is hidden from the lists and its webhooks are refused.
alter table public.instances add column if not exists removed_at timestamptz;

-- connection.update / logout.instance / remove.instance. Evolution 2.3.6 repeats `connecting` about
-- four times a second while a session loops, so a change that changes nothing returns before any
-- lock or write (no row rewrite, no event). A disconnected number only leaves `disconnected`
-- through the Motor's own connect (app.instance_connecting): a `connecting` webhook then is a late
-- event of a session the user stopped and changes nothing. A removed number changes no more.
create or replace function app.ingest_connection(
  p_account_id uuid, p_instance_id uuid, p_status text, p_reason text default null,
  p_phone_number text default null, p_profile_name text default null, p_profile_picture_url text default null
) returns jsonb
language plpgsql as $$
declare
  v_old public.instances;
  v_new public.instances;
  v_reason text := case when p_status = 'disconnected' then p_reason end;
begin
  select * into v_old from public.instances where id = p_instance_id and account_id = p_account_id;
  if v_old.id is null then
    raise exception 'instance not found' using errcode = 'AT404';
  end if;
  if v_old.removed_at is not null
     or (p_status = 'connecting' and v_old.status in ('connecting', 'disconnected'))
     or (p_status = 'disconnected' and v_old.status = 'disconnected' and v_old.reason is not distinct from v_reason
         and v_old.qr_code is null and v_old.pairing_code is null)
     or (p_status = 'connected' and v_old.status = 'connected'
         and v_old.phone_number is not distinct from coalesce(p_phone_number, v_old.phone_number)
         and v_old.profile_name is not distinct from coalesce(p_profile_name, v_old.profile_name)
         and v_old.profile_picture_url is not distinct from coalesce(p_profile_picture_url, v_old.profile_picture_url)
         and v_old.qr_code is null and v_old.pairing_code is null) then
    return jsonb_build_object('events', '[]'::jsonb);
  end if;

  v_old := app.ingest_instance(p_account_id, p_instance_id); -- the account lock, then re-read
  update public.instances set
    status = p_status,
    reason = v_reason,
    phone_number = case when p_status = 'connected' then coalesce(p_phone_number, phone_number) else phone_number end,
    profile_name = case when p_status = 'connected' then coalesce(p_profile_name, profile_name) else profile_name end,
    profile_picture_url = case when p_status = 'connected' then coalesce(p_profile_picture_url, profile_picture_url)
                               else profile_picture_url end,
    qr_code = case when p_status = 'connecting' then qr_code end,
    pairing_code = case when p_status = 'connecting' then pairing_code end,
    updated_at = now()
  where id = p_instance_id
  returning * into v_new;

  if (v_new.status, v_new.reason, v_new.phone_number, v_new.profile_name)
     is not distinct from (v_old.status, v_old.reason, v_old.phone_number, v_old.profile_name) then
    return jsonb_build_object('events', '[]'::jsonb);
  end if;
  return jsonb_build_object('events', jsonb_build_array(
    app.append_event(p_account_id, 'instance.updated', jsonb_build_object('instance', jsonb_build_object(
      'id', v_new.id, 'name', v_new.name, 'status', v_new.status, 'phoneNumber', v_new.phone_number,
      'profileName', v_new.profile_name, 'reason', v_new.reason)))));
end $$;

-- A new incarnation at Evolution (every instance/create, and a disconnect that deleted the
-- session): a fresh webhook secret and the instance token the Motor chose for it, stored BEFORE
-- Evolution is called, so the new session's first webhooks authenticate and the old session's
-- late ones do not. Returns {instance}.
create or replace function app.instance_new_incarnation(
  p_account_id uuid, p_instance_id uuid, p_webhook_secret text, p_evolution_token text default null
) returns jsonb
language plpgsql as $$
declare
  v public.instances;
begin
  update public.instances set webhook_secret = p_webhook_secret, evolution_token = p_evolution_token,
    updated_at = now()
  where id = p_instance_id and account_id = p_account_id
  returning * into v;
  if v.id is null then
    raise exception 'instance not found' using errcode = 'AT404';
  end if;
  return jsonb_build_object('instance', app.instance_view(v));
end $$;

-- For webhook authentication: the instance's id, account, secret and current Evolution token by its
-- Evolution name; null when no such instance exists or it was removed for good.
create or replace function app.instance_auth(p_name text) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', i.id, 'accountId', i.account_id, 'webhookSecret', i.webhook_secret,
    'evolutionToken', i.evolution_token)
  from public.instances i where i.name = p_name and i.removed_at is null
$$;

-- Removes a number for good (after Evolution deleted it). Without conversations the row goes;
-- otherwise it is kept for the history, hidden, disconnected, with a secret nobody holds.
-- Appends instance.updated (status disconnected, removed true). Returns {deleted, events}.
create or replace function app.instance_remove(p_account_id uuid, p_instance_id uuid, p_webhook_secret text)
returns jsonb
language plpgsql as $$
declare
  v public.instances := app.ingest_instance(p_account_id, p_instance_id);
  v_deleted boolean;
begin
  delete from public.instances i
  where i.id = p_instance_id and not exists (select 1 from public.conversations c where c.instance_id = i.id);
  v_deleted := found;
  if not v_deleted then
    update public.instances set removed_at = now(), status = 'disconnected', reason = 'closed', qr_code = null,
      pairing_code = null, webhook_secret = p_webhook_secret, evolution_token = null, updated_at = now()
    where id = p_instance_id;
  end if;
  return jsonb_build_object('deleted', v_deleted, 'events', jsonb_build_array(
    app.append_event(p_account_id, 'instance.updated', jsonb_build_object('instance', jsonb_build_object(
      'id', v.id, 'name', v.name, 'status', 'disconnected', 'phoneNumber', v.phone_number,
      'profileName', v.profile_name, 'reason', 'closed', 'removed', true)))));
end $$;

-- Start of POST /api/instance/connect (see 20261129000400). A number the same account removed
-- comes back under its name: a new incarnation with this secret, `created` (Evolution forgot it).
create or replace function app.instance_connect_begin(p_account_id uuid, p_name text, p_webhook_secret text)
returns jsonb
language plpgsql as $$
declare
  v public.instances;
  v_created boolean := false;
begin
  perform 1 from public.accounts where id = p_account_id;
  if not found then
    raise exception 'account not found' using errcode = 'AT404';
  end if;
  insert into public.instances (account_id, name, webhook_secret, status)
  values (p_account_id, coalesce(p_name, app.instance_new_name(p_account_id)), p_webhook_secret, 'disconnected')
  on conflict (name) do nothing
  returning * into v;
  if v.id is not null then
    v_created := true;
  else
    select * into v from public.instances where name = p_name;
    if v.account_id is distinct from p_account_id then
      raise exception 'instance name already in use' using errcode = 'AT409';
    end if;
    if v.removed_at is not null then
      update public.instances set removed_at = null, webhook_secret = p_webhook_secret, evolution_token = null,
        status = 'disconnected', reason = null, updated_at = now()
      where id = v.id returning * into v;
      v_created := true;
    end if;
  end if;
  return jsonb_build_object('created', v_created, 'instance', app.instance_view(v), 'webhookSecret', v.webhook_secret);
end $$;

-- One instance of the account by its Evolution name (AT404 for another account's, a removed one or none).
create or replace function app.instance_get(p_account_id uuid, p_name text) returns jsonb
language plpgsql stable as $$
declare
  v public.instances;
begin
  select * into v from public.instances where name = p_name and account_id = p_account_id and removed_at is null;
  if v.id is null then
    raise exception 'instance not found' using errcode = 'AT404';
  end if;
  return app.instance_view(v);
end $$;

-- The account's instances (not the removed ones), oldest first.
create or replace function app.instance_list(p_account_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(app.instance_json(i) order by i.created_at, i.name), '[]'::jsonb)
  from public.instances i where i.account_id = p_account_id and i.removed_at is null
$$;

-- Instances with the conversations worth reconciling after an outage: for each connected
-- instance of every account, its conversations with a message in the last `p_hours` hours (the
-- most recent first, at most `p_per_instance`), each with its WhatsApp address. Returns
-- [{accountId, instanceId, instanceName, conversations: [{id, remoteJid}]}].
create or replace function app.reconcile_targets(p_hours integer, p_per_instance integer, p_instance_id uuid default null)
returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object(
      'accountId', i.account_id, 'instanceId', i.id, 'instanceName', i.name,
      'conversations', coalesce((
        select jsonb_agg(jsonb_build_object('id', x.id, 'remoteJid', x.jid))
        from (
          select c.id, coalesce(ct.jid, ct.lid, g.jid) as jid
          from public.conversations c
          left join public.contacts ct on ct.id = c.contact_id
          left join public.groups g on g.id = c.group_id
          where c.instance_id = i.id and c.last_message_at > now() - make_interval(hours => p_hours)
            and coalesce(ct.jid, ct.lid, g.jid) is not null
          order by c.last_message_at desc
          limit p_per_instance
        ) x), '[]'::jsonb)) order by i.created_at), '[]'::jsonb)
  from public.instances i
  where i.status = 'connected' and i.removed_at is null and (p_instance_id is null or i.id = p_instance_id)
$$;

-- qrcode.updated (see 20261129000500): stored and pushed only while the number is connecting. A
-- QR for a disconnected number comes from a session the user stopped (or one Evolution has not
-- confirmed yet: instance_connecting stores the QR of the create/connect answer itself). `qr` is
-- null when nothing was stored.
create or replace function app.ingest_qr(
  p_account_id uuid, p_instance_id uuid, p_qr_code text, p_pairing_code text default null
) returns jsonb
language plpgsql as $$
declare
  v public.instances;
begin
  select * into v from public.instances where id = p_instance_id and account_id = p_account_id;
  if v.id is null then
    raise exception 'instance not found' using errcode = 'AT404';
  end if;
  if v.status <> 'connecting' or v.removed_at is not null then
    return jsonb_build_object('events', '[]'::jsonb, 'qr', null);
  end if;
  v := app.ingest_instance(p_account_id, p_instance_id);
  update public.instances set qr_code = p_qr_code, pairing_code = p_pairing_code, qr_updated_at = now(), updated_at = now()
    where id = p_instance_id returning * into v;
  return jsonb_build_object('events', '[]'::jsonb, 'qr', jsonb_build_object(
    'instanceId', v.id, 'instanceName', v.name, 'qrCode', v.qr_code, 'pairingCode', v.pairing_code));
end $$;

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
