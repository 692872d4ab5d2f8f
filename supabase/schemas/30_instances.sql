-- WhatsApp numbers (instances at Evolution): create, connect (QR), state, list.

-- WhatsApp numbers. `name` is the instance's name at Evolution, unique across all accounts
-- because Evolution's webhooks identify the instance only by that name.
create table public.instances (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts(id) on delete cascade,
  name text not null unique,
  status text not null default 'disconnected' check (status in ('connected', 'connecting', 'disconnected')),
  reason text check (reason in ('qr_limit_reached', 'logged_out', 'closed')),
  phone_number text,
  profile_name text,
  profile_picture_url text,
  -- Secret Evolution sends back in the `x-motor-token` header of every webhook.
  webhook_secret text not null,
  -- Evolution's per-instance token (`hash` of instance/create).
  evolution_token text,
  qr_code text,
  pairing_code text,
  qr_updated_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Set when the number was removed for good (hidden; its webhooks refused; the history kept).
  removed_at timestamptz
);
create index instances_account_idx on public.instances (account_id);
alter table public.instances enable row level security;

-- Instance as `instance.updated` carries it.
create or replace function app.instance_json(i public.instances) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'id', i.id, 'name', i.name, 'status', i.status, 'phoneNumber', i.phone_number,
    'profileName', i.profile_name, 'reason', i.reason, 'updatedAt', app.iso(i.updated_at))
$$;

-- WhatsApp instances: creation and the lookups webhook intake needs.

-- For webhook authentication: the instance's id, account, secret and current Evolution token by its
-- Evolution name; null when no such instance exists or it was removed for good.
create or replace function app.instance_auth(p_name text) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', i.id, 'accountId', i.account_id, 'webhookSecret', i.webhook_secret,
    'evolutionToken', i.evolution_token)
  from public.instances i where i.name = p_name and i.removed_at is null
$$;

-- A name for a new instance, from the account's name: `loja-demo-4f2a` (globally unique).
create or replace function app.instance_new_name(p_account_id uuid) returns text
language plpgsql as $$
declare
  v_slug text;
  v_name text;
begin
  select trim(both '-' from regexp_replace(lower(translate(a.name,
           'áàâãäåéèêëíìîïóòôõöúùûüçñÁÀÂÃÄÅÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇÑ',
           'aaaaaaeeeeiiiiooooouuuucnaaaaaaeeeeiiiiooooouuuucn')), '[^a-z0-9]+', '-', 'g'))
    into v_slug from public.accounts a where a.id = p_account_id;
  v_slug := left(coalesce(nullif(v_slug, ''), 'atende'), 40);
  v_slug := coalesce(nullif(trim(both '-' from v_slug), ''), 'atende');
  loop
    v_name := v_slug || '-' || substr(md5(random()::text || clock_timestamp()::text), 1, 4);
    exit when not exists (select 1 from public.instances where name = v_name);
  end loop;
  return v_name;
end $$;

-- The instance row as the instance routes show it (with the QR), no secrets.
create or replace function app.instance_view(i public.instances) returns jsonb
language sql stable as $$
  select app.instance_json(i) || jsonb_build_object('qrCode', i.qr_code, 'pairingCode', i.pairing_code)
$$;

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

-- Evolution accepted a create/connect: the instance is `connecting` with this QR (and Evolution's
-- token when it gave one). Appends instance.updated when the status changed.
create or replace function app.instance_connecting(
  p_account_id uuid, p_instance_id uuid, p_evolution_token text default null,
  p_qr_code text default null, p_pairing_code text default null
) returns jsonb
language plpgsql as $$
declare
  v_old public.instances;
  v public.instances;
begin
  perform 1 from public.accounts where id = p_account_id for update;
  select * into v_old from public.instances where id = p_instance_id and account_id = p_account_id for update;
  if v_old.id is null then
    raise exception 'instance not found' using errcode = 'AT404';
  end if;
  update public.instances set
    status = 'connecting',
    reason = null,
    evolution_token = coalesce(p_evolution_token, evolution_token),
    qr_code = coalesce(p_qr_code, qr_code),
    pairing_code = case when p_qr_code is not null then p_pairing_code else pairing_code end,
    qr_updated_at = case when p_qr_code is not null then now() else qr_updated_at end,
    updated_at = now()
  where id = p_instance_id
  returning * into v;
  return jsonb_build_object(
    'instance', app.instance_view(v),
    'events', case when v_old.status = 'connecting' then '[]'::jsonb else jsonb_build_array(
      app.append_event(p_account_id, 'instance.updated', jsonb_build_object('instance', app.instance_json(v) - 'updatedAt'))) end);
end $$;

-- Removes an instance Evolution refused to create (only one that never held a conversation), so a
-- failed connect leaves nothing behind. Returns {discarded}.
create or replace function app.instance_discard(p_account_id uuid, p_instance_id uuid) returns jsonb
language plpgsql as $$
declare
  v_count integer;
begin
  delete from public.instances i
  where i.id = p_instance_id and i.account_id = p_account_id
    and not exists (select 1 from public.conversations c where c.instance_id = i.id);
  get diagnostics v_count = row_count;
  return jsonb_build_object('discarded', v_count > 0);
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
