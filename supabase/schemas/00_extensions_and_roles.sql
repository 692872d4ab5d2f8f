-- The live definition of the database (declarative schema, Supabase CLI layout): the files of this
-- folder, applied in name order to an empty database, build what supabase/migrations/ builds (the
-- drift test, motor/test/medium/schema-drift.sql.test.ts, proves it). Migrations are the history
-- and are never edited; a change is a new migration plus the same change here
-- (docs/adr/0004-migrations-are-history.md). Function bodies are copied from their newest
-- migration character for character: the drift test compares pg_get_functiondef.
--
-- This file: the `app` schema that holds every SQL function, and who may use it. Tables live in
-- `public` with row-level security on and no policy, so Supabase's anon and authenticated roles
-- reach nothing; only the service role and the owner (the Motor's own connection) call app.*.
-- gen_random_uuid() is built into PostgreSQL 13+; the product search needs unaccent and pg_trgm
-- (in `public` here, in `extensions` on Supabase; the wrappers below find them either way).

create extension if not exists unaccent;
create extension if not exists pg_trgm;

create schema if not exists app;

-- No USAGE for PUBLIC on app; EXECUTE on its functions is revoked again in 99_lockdown.sql, because
-- per-schema default privileges alone cannot take back PUBLIC's global EXECUTE.
revoke all on schema app from public;
alter default privileges in schema app revoke execute on functions from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant usage on schema app to service_role;
    alter default privileges in schema app grant execute on functions to service_role;
  end if;
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on schema app from anon, authenticated;
  end if;
end $$;

-- `unaccent()` is only STABLE (its dictionary could change), so an index cannot use it directly.
-- This wrapper names the dictionary by schema and is declared IMMUTABLE, the usual recipe. Built
-- dynamically because the extension's schema differs (public here, `extensions` on Supabase).
-- Example: app.unaccent_lower('Tênis Ação') = 'tenis acao'
do $$
declare
  s text := (select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace
             where e.extname = 'unaccent');
  t text := (select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace
             where e.extname = 'pg_trgm');
begin
  execute format(
    'create or replace function app.unaccent_lower(p text) returns text language sql immutable parallel safe as %L',
    format('select lower(%I.unaccent(%L::regdictionary, coalesce(p, '''')))', s, quote_ident(s) || '.unaccent'));
  -- How much of `p_needle` (a product name) appears as a run of words in `p_haystack` (0–1).
  execute format(
    'create or replace function app.trgm_word_similarity(p_needle text, p_haystack text) returns real language sql immutable parallel safe as %L',
    format('select %I.word_similarity(p_needle, p_haystack)', t));
end $$;
