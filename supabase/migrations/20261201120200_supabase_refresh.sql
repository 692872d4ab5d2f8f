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

-- The lockdown (supabase/schemas/99_lockdown.sql) over the functions above.
revoke execute on all functions in schema app from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    execute 'revoke execute on all functions in schema app from anon, authenticated';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant execute on all functions in schema app to service_role';
  end if;
end $$;
