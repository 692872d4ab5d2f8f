-- People, sessions and sign-in: local users (scrypt hashes, revocable sessions, login throttle) or
-- Supabase Auth (`auth_user_id`); the team (roles, invites).

-- People who log in. Local auth keeps a scrypt hash; Supabase Auth maps `auth_user_id`.
create table public.users (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts(id) on delete cascade,
  email text not null check (email = lower(email) and length(email) <= 254),
  name text not null,
  role text not null check (role in ('owner', 'admin', 'agent')),
  password_hash text,
  auth_user_id uuid unique,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- A pending invite: sha256 of the one-time token, and when it stops working.
  invite_token_hash text unique,
  invite_expires_at timestamptz
);
-- One login per email across the whole product; an address may also be invited (pending, or added
-- without a login) to other accounts, so an invite never tells whether it has a login elsewhere.
create unique index users_login_email_key on public.users (email)
  where password_hash is not null or auth_user_id is not null;
create unique index users_account_email_key on public.users (account_id, email);
create index users_account_idx on public.users (account_id);
alter table public.users enable row level security;

-- Revocable sessions: the signed cookie carries the id; logout or a password change revokes it.
create table public.sessions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users(id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz
);
create index sessions_user_idx on public.sessions (user_id);
alter table public.sessions enable row level security;

-- Attempts per key ('login:<email>|<ip>', 'login-ip:<ip>', 'signup-ip:<ip>') in a window, and
-- until when the key is blocked. Kept in the database (not in memory) so every Motor process sees
-- the same counters.
create table public.login_throttle (
  key text primary key,
  failures integer not null default 0,
  window_start timestamptz not null default now(),
  blocked_until timestamptz
);
alter table public.login_throttle enable row level security;

-- The AuthContext of a user row, as the Motor's middleware hands it to routes.
create or replace function app.auth_json(u public.users) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'user', jsonb_build_object('id', u.id, 'email', u.email, 'name', u.name, 'role', u.role),
    'account', (select jsonb_build_object('id', a.id, 'name', a.name) from public.accounts a where a.id = u.account_id))
$$;

-- Opens a session for a user; returns its id and expiry. The user's dead sessions (expired, or
-- revoked a day ago) are dropped on the way, so the table does not grow without bound.
create or replace function app.session_open(p_user_id uuid, p_ttl_seconds integer) returns jsonb
language plpgsql as $$
declare
  v public.sessions;
begin
  delete from public.sessions
  where user_id = p_user_id and (expires_at < now() or revoked_at < now() - interval '1 day');
  insert into public.sessions (user_id, expires_at)
  values (p_user_id, now() + make_interval(secs => greatest(60, least(p_ttl_seconds, 400 * 86400))))
  returning * into v;
  return jsonb_build_object('id', v.id, 'expiresAt', app.iso(v.expires_at));
end $$;

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

-- The user behind a live session (not revoked, not expired), or null.
create or replace function app.session_auth(p_session_id uuid) returns jsonb
language sql stable as $$
  select app.auth_json(u)
  from public.sessions s join public.users u on u.id = s.user_id
  where s.id = p_session_id and s.revoked_at is null and s.expires_at > now()
$$;

-- The user mapped to a Supabase Auth user id, or null.
create or replace function app.auth_user_context(p_auth_user_id uuid) returns jsonb
language sql stable as $$
  select app.auth_json(u) from public.users u where u.auth_user_id = p_auth_user_id
$$;

-- The user of a Supabase access token (its `sub` and `session_id` claims), unless a logout here
-- ended that session.
create or replace function app.auth_session_context(p_auth_user_id uuid, p_session_id uuid default null) returns jsonb
language sql stable as $$
  select app.auth_json(u) from public.users u
  where u.auth_user_id = p_auth_user_id
    and not exists (select 1 from public.sessions s
                    where s.id = p_session_id and s.user_id = u.id and s.revoked_at is not null)
$$;

-- Logout of a Supabase session: Supabase access tokens are stateless JWTs, so the session is
-- remembered as a revoked row in public.sessions until its last token expires; auth_session_context
-- refuses it from then on.
create or replace function app.supabase_session_end(
  p_auth_user_id uuid, p_session_id uuid, p_expires_at timestamptz
) returns jsonb
language plpgsql as $$
declare
  v_user uuid;
begin
  select id into v_user from public.users where auth_user_id = p_auth_user_id;
  if v_user is null or p_session_id is null then
    return '{}'::jsonb;
  end if;
  delete from public.sessions where user_id = v_user and expires_at < now();
  insert into public.sessions (id, user_id, expires_at, revoked_at)
  values (p_session_id, v_user, greatest(p_expires_at, now() + interval '1 minute'), now())
  on conflict (id) do update set revoked_at = coalesce(public.sessions.revoked_at, now());
  return '{}'::jsonb;
end $$;

-- Supabase sessions outlive their access token (an hour by default): the Motor keeps each
-- session's refresh token, sealed with AES-256-GCM under a key only the Motor holds (the database
-- sees ciphertext), so POST /api/auth/token hands out a fresh access token of the same session
-- all day. Logout forgets it; Supabase rotates it at each use.
create table public.supabase_refresh (
  session_id uuid primary key,
  user_id uuid not null references public.users(id) on delete cascade,
  sealed text not null,
  updated_at timestamptz not null default now()
);
create index supabase_refresh_user_idx on public.supabase_refresh (user_id);
alter table public.supabase_refresh enable row level security;

-- Keeps (or replaces, after a rotation) a Supabase session's sealed refresh token.
create or replace function app.supabase_refresh_keep(p_auth_user_id uuid, p_session_id uuid, p_sealed text)
returns jsonb
language sql as $$
  insert into public.supabase_refresh (session_id, user_id, sealed)
  select p_session_id, u.id, p_sealed from public.users u where u.auth_user_id = p_auth_user_id
  on conflict (session_id) do update set sealed = excluded.sealed, updated_at = now()
    where public.supabase_refresh.user_id = excluded.user_id;
  select '{}'::jsonb
$$;

-- The sealed refresh token of a live Supabase session of this user (null once logged out).
create or replace function app.supabase_refresh_of(p_auth_user_id uuid, p_session_id uuid)
returns jsonb
language sql stable as $$
  select jsonb_build_object('sealed', r.sealed) from public.supabase_refresh r join public.users u on u.id = r.user_id
  where r.session_id = p_session_id and u.auth_user_id = p_auth_user_id
    and not exists (select 1 from public.sessions s where s.id = p_session_id and s.revoked_at is not null)
$$;

create or replace function app.supabase_refresh_forget(p_session_id uuid) returns jsonb
language sql as $$
  delete from public.supabase_refresh where session_id = p_session_id;
  select '{}'::jsonb
$$;

create or replace function app.session_revoke(p_session_id uuid) returns jsonb
language sql as $$
  update public.sessions set revoked_at = now() where id = p_session_id and revoked_at is null;
  select '{}'::jsonb
$$;

-- Seconds until a throttle key unblocks (0 = not blocked).
create or replace function app.throttle_blocked(p_key text) returns integer
language sql stable as $$
  select coalesce((
    select greatest(1, ceil(extract(epoch from (t.blocked_until - now())))::integer)
    from public.login_throttle t where t.key = p_key and t.blocked_until > now()), 0)
$$;

-- Counts one attempt for a key in its window (a new window once it is over). Past p_limit the key
-- is blocked for p_block_seconds, doubled for each further attempt, at most p_max_block_seconds.
create or replace function app.throttle_count(
  p_key text, p_limit integer, p_window_seconds integer, p_block_seconds integer, p_max_block_seconds integer
) returns void
language plpgsql as $$
declare
  v public.login_throttle;
begin
  insert into public.login_throttle as t (key, failures, window_start) values (p_key, 1, now())
  on conflict (key) do update set
    failures = case when t.window_start <= now() - make_interval(secs => p_window_seconds) then 1 else t.failures + 1 end,
    window_start = case when t.window_start <= now() - make_interval(secs => p_window_seconds) then now() else t.window_start end
  returning * into v;
  if v.failures >= p_limit then
    update public.login_throttle set blocked_until = now() + make_interval(secs =>
      least(p_max_block_seconds, p_block_seconds * power(2, least(v.failures - p_limit, 20))))
    where key = p_key;
  end if;
end $$;

-- Step 1 of a login: `{retryAfter}` while the (email, IP) pair (5 failures an hour) or the IP (20
-- failures an hour, any email) is blocked. Otherwise the attempt is counted as a failure up front
-- (a burst of parallel guesses cannot slip past the limit before any is judged) and the user's id
-- and hash are returned (null for an unknown email: the Motor still spends a hash on it).
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

-- Step 2 of a login. A failure was already counted by login_begin. A success clears the pair's
-- counter, takes back the IP's provisional failure (and its block, if that failure made it), and
-- opens a session (or, with p_session_ttl_seconds null, only returns the user: Supabase mode).
create or replace function app.login_finish(
  p_email text,
  p_ip text,
  p_user_id uuid default null,
  p_auth_user_id uuid default null,
  p_session_ttl_seconds integer default null
) returns jsonb
language plpgsql as $$
declare
  v public.users;
  v_result jsonb;
begin
  if p_user_id is not null then
    select * into v from public.users where id = p_user_id;
  elsif p_auth_user_id is not null then
    select * into v from public.users where auth_user_id = p_auth_user_id;
  end if;
  if v.id is null then
    return jsonb_build_object('ok', false);
  end if;
  delete from public.login_throttle where key = 'login:' || lower(p_email) || '|' || coalesce(p_ip, '');
  update public.login_throttle
  set failures = greatest(failures - 1, 0),
      blocked_until = case when failures - 1 < 20 then null else blocked_until end
  where key = 'login-ip:' || coalesce(p_ip, '');
  v_result := app.auth_json(v) || jsonb_build_object('ok', true);
  if p_session_ttl_seconds is not null then
    v_result := v_result || jsonb_build_object('session', app.session_open(v.id, p_session_ttl_seconds));
  end if;
  return v_result;
end $$;

-- Before a signup spends a password hash: counts the attempt for the client IP (p_limit an hour,
-- then blocked 5 min, doubling, at most an hour) and says whether the email is taken.
-- `{retryAfter}` | `{taken: true}` | `{}`.
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

-- The caller's own password hash (for a password change).
create or replace function app.password_hash_of(p_account_id uuid, p_user_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object('passwordHash', u.password_hash)
  from public.users u where u.id = p_user_id and u.account_id = p_account_id
$$;

-- Sets a new password, revokes every session of the user, and opens a fresh one for the caller.
create or replace function app.password_change(
  p_account_id uuid, p_user_id uuid, p_password_hash text, p_session_ttl_seconds integer
) returns jsonb
language plpgsql as $$
begin
  update public.users set password_hash = p_password_hash, updated_at = now()
  where id = p_user_id and account_id = p_account_id;
  if not found then
    raise exception 'user not found' using errcode = 'AT404';
  end if;
  update public.sessions set revoked_at = now() where user_id = p_user_id and revoked_at is null;
  return jsonb_build_object('session', app.session_open(p_user_id, p_session_ttl_seconds));
end $$;

-- The team ------------------------------------------------------------------------------------
create or replace function app.team_member_json(u public.users) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', u.id, 'email', u.email, 'name', u.name, 'role', u.role,
    'createdAt', app.iso(u.created_at),
    'pending', u.password_hash is null and u.auth_user_id is null and u.invite_token_hash is not null)
$$;

create or replace function app.users_list(p_account_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(app.team_member_json(u) order by u.created_at, u.id), '[]'::jsonb)
  from public.users u where u.account_id = p_account_id
$$;

-- The acting user's role, or AT403 when it is not owner/admin.
create or replace function app.team_manager_role(p_account_id uuid, p_actor_id uuid) returns text
language plpgsql stable as $$
declare
  v_role text;
begin
  select role into v_role from public.users where id = p_actor_id and account_id = p_account_id;
  if v_role is null or v_role not in ('owner', 'admin') then
    raise exception 'only owners and admins manage the team' using errcode = 'AT403';
  end if;
  return v_role;
end $$;

-- Adds a member: with a password hash (can log in at once), or with an invite token hash
-- (one-time link, 7 days), or with a Supabase Auth user id.
-- An address already on this team is AT409. An address with a login in another account is added
-- exactly as a fresh one would be (the answer must not tell the inviter), but without credentials:
-- a link then fails at acceptance, telling only its holder; a password is dropped.
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

-- Who an invite token is for, while it is valid (Supabase mode creates the auth user first), and
-- whether the address has a login elsewhere by now (acceptance then fails before any hashing).
create or replace function app.invite_lookup(p_invite_token_hash text) returns jsonb
language sql stable as $$
  select jsonb_build_object('email', u.email, 'name', u.name,
    'taken', exists (select 1 from public.users o where o.email = u.email and o.id <> u.id
                     and (o.password_hash is not null or o.auth_user_id is not null)))
  from public.users u where u.invite_token_hash = p_invite_token_hash and u.invite_expires_at > now()
$$;

-- Accepts an invite: sets the password hash (local) or the Supabase user id, burns the token,
-- and opens a session (local; p_session_ttl_seconds null in Supabase mode).
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

-- Account recovery for a team: an owner or admin gets a fresh one-time link for a member. For a
-- pending member it is the invite link again (7 days; the old one stops working); for a member
-- with a local password it is a password reset link (24 hours) and their sessions end now. A
-- Supabase Auth member gets Supabase's own recovery email instead (`kind: 'supabase'`, nothing
-- changes here). Nobody resets themselves this way (they change their password), and only an
-- owner resets an owner. Returns {user, kind: 'invite'|'reset'|'supabase', email}.
create or replace function app.user_issue_link(
  p_account_id uuid, p_actor_id uuid, p_user_id uuid, p_token_hash text
) returns jsonb
language plpgsql as $$
declare
  v_actor_role text := app.team_manager_role(p_account_id, p_actor_id);
  v public.users;
  v_kind text;
begin
  select * into v from public.users where id = p_user_id and account_id = p_account_id for update;
  if v.id is null then
    raise exception 'user not found' using errcode = 'AT404';
  end if;
  if v.id = p_actor_id then
    raise exception 'change your own password instead' using errcode = 'AT403';
  end if;
  if v.role = 'owner' and v_actor_role <> 'owner' then
    raise exception 'only an owner can reset an owner' using errcode = 'AT403';
  end if;
  v_kind := case when v.password_hash is null and v.auth_user_id is null then 'invite'
                 when v.auth_user_id is not null then 'supabase' else 'reset' end;
  if v_kind = 'supabase' then
    return jsonb_build_object('user', app.team_member_json(v), 'kind', v_kind, 'email', v.email);
  end if;
  update public.users set invite_token_hash = p_token_hash,
    invite_expires_at = now() + case when v_kind = 'invite' then interval '7 days' else interval '24 hours' end,
    updated_at = now()
  where id = v.id returning * into v;
  if v_kind = 'reset' then
    update public.sessions set revoked_at = now() where user_id = v.id and revoked_at is null;
  end if;
  return jsonb_build_object('user', app.team_member_json(v), 'kind', v_kind, 'email', v.email);
end $$;

-- Locks the account's owner rows so two concurrent demotions cannot both pass the
-- "last owner" check.
create or replace function app.owner_count(p_account_id uuid) returns integer
language sql as $$
  select count(*)::integer from (
    select 1 from public.users where account_id = p_account_id and role = 'owner' for update) o
$$;

create or replace function app.user_set_role(
  p_account_id uuid, p_actor_id uuid, p_user_id uuid, p_role text
) returns jsonb
language plpgsql as $$
declare
  v_actor_role text := app.team_manager_role(p_account_id, p_actor_id);
  v public.users;
begin
  if p_role not in ('owner', 'admin', 'agent') then
    raise exception 'unknown role' using errcode = 'AT400';
  end if;
  select * into v from public.users where id = p_user_id and account_id = p_account_id;
  if v.id is null then
    raise exception 'user not found' using errcode = 'AT404';
  end if;
  if v_actor_role <> 'owner' and (v.role = 'owner' or p_role = 'owner') then
    raise exception 'only an owner can make or change owners' using errcode = 'AT403';
  end if;
  if v.role = 'owner' and p_role <> 'owner' and app.owner_count(p_account_id) <= 1 then
    raise exception 'the account needs at least one owner' using errcode = 'AT409';
  end if;
  update public.users set role = p_role, updated_at = now() where id = v.id returning * into v;
  return app.team_member_json(v);
end $$;

create or replace function app.user_remove(p_account_id uuid, p_actor_id uuid, p_user_id uuid) returns jsonb
language plpgsql as $$
declare
  v_actor_role text := app.team_manager_role(p_account_id, p_actor_id);
  v public.users;
begin
  select * into v from public.users where id = p_user_id and account_id = p_account_id;
  if v.id is null then
    raise exception 'user not found' using errcode = 'AT404';
  end if;
  if v.id = p_actor_id then
    raise exception 'you cannot remove yourself' using errcode = 'AT409';
  end if;
  if v.role = 'owner' and v_actor_role <> 'owner' then
    raise exception 'only an owner can remove an owner' using errcode = 'AT403';
  end if;
  if v.role = 'owner' and app.owner_count(p_account_id) <= 1 then
    raise exception 'the account needs at least one owner' using errcode = 'AT409';
  end if;
  -- Sessions go with the row (on delete cascade); conversations keep their history
  -- (assignee/author set null).
  delete from public.users where id = v.id;
  return jsonb_build_object('id', v.id, 'authUserId', v.auth_user_id);
end $$;

-- The demo account, created only when the database has no account at all. The table lock makes
-- "count then insert" atomic even with several Motor processes starting at once.
create or replace function app.seed_demo(p_email text, p_password_hash text) returns jsonb
language plpgsql as $$
begin
  lock table public.accounts in share row exclusive mode;
  if exists (select 1 from public.accounts) then
    return jsonb_build_object('created', false);
  end if;
  return app.signup(p_email := p_email, p_name := 'Demo', p_account_name := 'Loja Demo',
                    p_password_hash := p_password_hash) || jsonb_build_object('created', true);
end $$;

-- GET /api/me: the caller's user and account, fresh.
create or replace function app.me(p_account_id uuid, p_user_id uuid) returns jsonb
language sql stable as $$
  select app.auth_json(u) from public.users u where u.id = p_user_id and u.account_id = p_account_id
$$;
