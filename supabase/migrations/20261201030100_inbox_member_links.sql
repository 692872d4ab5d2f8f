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

-- Lock-down (as 20261129009000_lockdown.sql).
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
