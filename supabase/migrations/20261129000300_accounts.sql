-- Accounts and their users: sign-up creates both atomically.

-- Creates an account and its owner in one transaction. `p_password_hash` is null for Supabase
-- Auth users (then `p_auth_user_id` maps them). Email uniqueness → AT409 conflict.
create or replace function app.signup(
  p_email text,
  p_name text,
  p_account_name text,
  p_password_hash text default null,
  p_auth_user_id uuid default null
) returns jsonb
language plpgsql as $$
declare
  v_account public.accounts;
  v_user public.users;
begin
  if exists (select 1 from public.users where email = lower(p_email)) then
    raise exception 'email already registered' using errcode = 'AT409';
  end if;
  insert into public.accounts (name) values (p_account_name) returning * into v_account;
  insert into public.users (account_id, email, name, role, password_hash, auth_user_id)
  values (v_account.id, lower(p_email), p_name, 'owner', p_password_hash, p_auth_user_id)
  returning * into v_user;
  return jsonb_build_object(
    'user', jsonb_build_object('id', v_user.id, 'email', v_user.email, 'name', v_user.name, 'role', v_user.role),
    'account', jsonb_build_object('id', v_account.id, 'name', v_account.name));
end $$;
