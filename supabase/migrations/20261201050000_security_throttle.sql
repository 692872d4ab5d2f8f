-- Security hardening of logins and signups (docs/security.md).
--
-- Before: five wrong passwords locked an email for everyone for 15 minutes (anyone could lock
-- anyone out), and signups had no limit. Now failures are counted per (email, client IP) and per
-- client IP, each with an exponential block (1 min, 2, 4 … at most 15 min) once over its limit, so
-- the right password from another IP still logs in; signups are counted per client IP.

alter table public.login_throttle add column if not exists blocked_until timestamptz;
-- Replaced by throttle_blocked / throttle_count below.
drop function if exists app.throttle_wait(text, integer);
drop function if exists app.throttle_hit(text);

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
  select * into v from public.users where email = lower(p_email);
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
  if exists (select 1 from public.users where email = lower(p_email)) then
    return jsonb_build_object('taken', true);
  end if;
  return '{}'::jsonb;
end $$;

-- Lock-down (as in 20261129009000_lockdown.sql): the SQL API is for the service role only.
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
