-- Invites no longer reveal that an address has an Atende login in another account (docs/security.md
-- "Invites"). Only a login (a password or a Supabase user) occupies an email product-wide; an
-- invite to an address with a login elsewhere is created exactly like one to a fresh address, but
-- without credentials: a link fails at acceptance (telling its holder, not the inviter), and a
-- password given by the inviter is dropped. The same address may be on one team only once.

drop index if exists public.users_email_key;
create unique index users_login_email_key on public.users (email)
  where password_hash is not null or auth_user_id is not null;
create unique index users_account_email_key on public.users (account_id, email);

create or replace function app.signup(
  p_email text,
  p_name text,
  p_account_name text,
  p_password_hash text default null,
  p_auth_user_id uuid default null,
  p_session_ttl_seconds integer default null
) returns jsonb
language plpgsql as $$
declare
  v_account public.accounts;
  v_user public.users;
  v_result jsonb;
begin
  if exists (select 1 from public.users where email = lower(p_email)
             and (password_hash is not null or auth_user_id is not null)) then
    raise exception 'email already registered' using errcode = 'AT409';
  end if;
  insert into public.accounts (name) values (p_account_name) returning * into v_account;
  insert into public.users (account_id, email, name, role, password_hash, auth_user_id)
  values (v_account.id, lower(p_email), p_name, 'owner', p_password_hash, p_auth_user_id)
  returning * into v_user;
  v_result := app.auth_json(v_user);
  if p_session_ttl_seconds is not null then
    v_result := v_result || jsonb_build_object('session', app.session_open(v_user.id, p_session_ttl_seconds));
  end if;
  return v_result;
end $$;

create or replace function app.login_begin(p_email text, p_ip text) returns jsonb
language plpgsql as $$
declare
  v_pair_key text := 'login:' || lower(p_email) || '|' || coalesce(p_ip, '');
  v_ip_key text := 'login-ip:' || coalesce(p_ip, '');
  v_wait integer;
  v public.users;
begin
  -- Serialize attempts on the same pair so the check and the count are one step.
  perform pg_advisory_xact_lock(hashtextextended(v_pair_key, 0));
  v_wait := greatest(app.throttle_blocked(v_pair_key), app.throttle_blocked(v_ip_key));
  if v_wait > 0 then
    return jsonb_build_object('retryAfter', v_wait);
  end if;
  perform app.throttle_count(v_pair_key, 5, 3600, 60, 900);
  perform app.throttle_count(v_ip_key, 20, 3600, 60, 900);
  -- Old windows are dead weight: drop a few on every attempt.
  delete from public.login_throttle
  where key in (select key from public.login_throttle
                where window_start < now() - interval '2 hours' and coalesce(blocked_until, now()) <= now() limit 20);
  select * into v from public.users
  where email = lower(p_email) and (password_hash is not null or auth_user_id is not null);
  return jsonb_build_object('userId', v.id, 'passwordHash', v.password_hash);
end $$;

create or replace function app.signup_precheck(p_email text, p_ip text, p_limit integer) returns jsonb
language plpgsql as $$
declare
  v_key text := 'signup-ip:' || coalesce(p_ip, '');
  v_wait integer;
begin
  perform pg_advisory_xact_lock(hashtextextended(v_key, 0));
  v_wait := app.throttle_blocked(v_key);
  if v_wait > 0 then
    return jsonb_build_object('retryAfter', v_wait);
  end if;
  perform app.throttle_count(v_key, p_limit, 3600, 300, 3600);
  if exists (select 1 from public.users where email = lower(p_email)
             and (password_hash is not null or auth_user_id is not null)) then
    return jsonb_build_object('taken', true);
  end if;
  return '{}'::jsonb;
end $$;

create or replace function app.user_invite(
  p_account_id uuid,
  p_actor_id uuid,
  p_email text,
  p_name text,
  p_role text,
  p_password_hash text default null,
  p_invite_token_hash text default null,
  p_auth_user_id uuid default null
) returns jsonb
language plpgsql as $$
declare
  v_actor_role text := app.team_manager_role(p_account_id, p_actor_id);
  v_elsewhere boolean;
  v public.users;
begin
  if p_role = 'owner' and v_actor_role <> 'owner' then
    raise exception 'only an owner can add owners' using errcode = 'AT403';
  end if;
  if exists (select 1 from public.users where account_id = p_account_id and email = lower(p_email)) then
    raise exception 'this email is already on the team' using errcode = 'AT409';
  end if;
  v_elsewhere := exists (select 1 from public.users where email = lower(p_email)
                         and (password_hash is not null or auth_user_id is not null));
  insert into public.users (account_id, email, name, role, password_hash, auth_user_id,
                            invite_token_hash, invite_expires_at)
  values (p_account_id, lower(p_email), p_name, p_role,
          case when v_elsewhere then null else p_password_hash end,
          case when v_elsewhere then null else p_auth_user_id end,
          p_invite_token_hash,
          case when p_invite_token_hash is null then null else now() + interval '7 days' end)
  returning * into v;
  return app.team_member_json(v);
end $$;

create or replace function app.invite_lookup(p_invite_token_hash text) returns jsonb
language sql stable as $$
  select jsonb_build_object('email', u.email, 'name', u.name,
    'taken', exists (select 1 from public.users o where o.email = u.email and o.id <> u.id
                     and (o.password_hash is not null or o.auth_user_id is not null)))
  from public.users u where u.invite_token_hash = p_invite_token_hash and u.invite_expires_at > now()
$$;

create or replace function app.invite_accept(
  p_invite_token_hash text,
  p_password_hash text default null,
  p_session_ttl_seconds integer default null,
  p_auth_user_id uuid default null
) returns jsonb
language plpgsql as $$
declare
  v public.users;
  v_result jsonb;
begin
  select * into v from public.users
  where invite_token_hash = p_invite_token_hash and invite_expires_at > now() for update;
  if v.id is null then
    raise exception 'this invite link is invalid or has expired' using errcode = 'AT404';
  end if;
  if exists (select 1 from public.users o where o.email = v.email and o.id <> v.id
             and (o.password_hash is not null or o.auth_user_id is not null)) then
    raise exception 'this email already has an Atende login' using errcode = 'AT409';
  end if;
  update public.users set password_hash = p_password_hash, auth_user_id = p_auth_user_id,
    invite_token_hash = null, invite_expires_at = null, updated_at = now()
  where id = v.id
  returning * into v;
  v_result := app.auth_json(v);
  if p_session_ttl_seconds is not null then
    v_result := v_result || jsonb_build_object('session', app.session_open(v.id, p_session_ttl_seconds));
  end if;
  return v_result;
end $$;

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
