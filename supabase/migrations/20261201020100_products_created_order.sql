-- Products created in one transaction (a CSV import) get distinct creation times, in file order,
-- so "newest first" is a stable order: the last line of a file lists first. now() is the
-- transaction's start time, the same for every row; clock_timestamp() moves on per row (but
-- PGlite's clock can repeat within a millisecond, hence the explicit times in products_import).
alter table public.products alter column created_at set default clock_timestamp();

-- CSV import, rows already parsed and validated by the Motor: p_rows = [{line, product}] where
-- product has only the columns the file named. One transaction: a row whose sku exists updates
-- that product (only the named columns); any other row inserts, and needs a name. Rows that
-- cannot land are reported in `errors` and skipped; the others commit together. New products get
-- creation times in file order, so the list (newest first) shows the file's last line first.
-- → {created, updated, errors: [{line, message}]}
create or replace function app.products_import(p_account_id uuid, p_rows jsonb) returns jsonb
language plpgsql as $$
declare
  r jsonb;
  p jsonb;
  v_id uuid;
  v_created integer := 0;
  v_updated integer := 0;
  v_errors jsonb := '[]';
  v_start timestamptz := clock_timestamp();
  v_new jsonb;
begin
  for r in select value from jsonb_array_elements(coalesce(p_rows, '[]')) loop
    p := r->'product';
    v_id := null;
    begin
    if nullif(p->>'sku', '') is not null then
      select id into v_id from public.products where account_id = p_account_id and sku = p->>'sku' for update;
    end if;
    if v_id is not null then
      perform app.products_update(p_account_id, v_id, p - 'sku');
      v_updated := v_updated + 1;
    elsif nullif(p->>'name', '') is null then
      v_errors := v_errors || jsonb_build_object('line', (r->>'line')::integer,
        'message', 'name is required for a new product (no product has this sku)');
    else
      v_new := app.products_create(p_account_id, p);
      v_created := v_created + 1;
      -- One microsecond apart, in file order (the clock alone may repeat within a transaction).
      update public.products set created_at = v_start + make_interval(secs => v_created / 1e6)
      where id = (v_new->>'id')::uuid;
    end if;
    exception when sqlstate 'AT409' or check_violation or not_null_violation or invalid_text_representation then
      v_errors := v_errors || jsonb_build_object('line', (r->>'line')::integer, 'message', sqlerrm);
    end;
  end loop;
  return jsonb_build_object('created', v_created, 'updated', v_updated, 'errors', v_errors);
end $$;

-- Lock the SQL API down again (see 20261129009000_lockdown.sql): the new functions too.
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
