-- Test-only SQL: applied to the databases the tests build (test/support/global-setup.ts for the
-- PGlite dump, createPostgresTestDb for PostgreSQL), never shipped in supabase/migrations/ (the
-- product has no use for it; 20261201000400_auth_counts_is_test_only.sql dropped it there). The
-- drift test leaves the functions named here out of its comparison.

-- How many accounts, users and sessions exist (no data, only counts): lets auth tests prove that a
-- refused signup wrote nothing.
create or replace function app.auth_counts() returns jsonb
language sql stable as $$
  select jsonb_build_object('accounts', (select count(*) from public.accounts),
                            'users', (select count(*) from public.users),
                            'sessions', (select count(*) from public.sessions))
$$;
revoke execute on function app.auth_counts() from public;
