-- Logout ends a Supabase Auth session too (docs/auth.md "Bearer mode"): a copied Supabase access
-- token used to stay valid until it expired. The session id of the token (its `session_id`
-- claim) is remembered as a revoked row in public.sessions until the token expires.

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
