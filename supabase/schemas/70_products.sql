-- Products: the catalogue the AI answers from. CRUD, CSV import (sku upsert), an accent- and
-- case-insensitive search with word prefixes for the dashboard, and `match_products` for the AI's
-- prompt. Every function takes the caller's account id; another account's ids → AT404.
--
-- Search = full text over folded text (lower + unaccent): each word matches as a prefix in the
-- `simple` configuration (`cami` finds "Camiseta", `tenis` finds "Tênis") or by its Portuguese
-- stem (`camisetas` finds "Camiseta"). Portuguese stop words ("de", "para") are ignored.
-- The extensions (unaccent, pg_trgm) and their wrappers are created in 00_extensions_and_roles.sql.

-- app.unaccent_lower and app.trgm_word_similarity (the extension wrappers) are in
-- 00_extensions_and_roles.sql: the inbox's search indexes (40_conversations.sql) use them too.

-- Lexemes of the folded name, sku and description; the name and sku weigh more (A) than the
-- description (C) for ranking. The sku's punctuation splits it into words ("ABC-123" → abc, 123).
create or replace function app.product_search_vector(p_name text, p_sku text, p_description text)
returns tsvector language sql immutable parallel safe as $$
  select setweight(to_tsvector('simple'::regconfig, app.unaccent_lower(p_name)), 'A')
      || setweight(to_tsvector('portuguese'::regconfig, app.unaccent_lower(p_name)), 'A')
      || setweight(to_tsvector('simple'::regconfig,
                               regexp_replace(app.unaccent_lower(p_sku), '[^[:alnum:]]+', ' ', 'g')), 'A')
      || setweight(to_tsvector('simple'::regconfig, app.unaccent_lower(p_description)), 'C')
      || setweight(to_tsvector('portuguese'::regconfig, app.unaccent_lower(p_description)), 'C')
$$;

-- The catalogue.
create table public.products (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts(id) on delete cascade,
  name text not null,
  description text,
  price_cents integer check (price_cents >= 0),
  currency text not null default 'BRL' check (currency ~ '^[A-Z]{3}$'),
  sku text,
  active boolean not null default true,
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default now(),
  image_url text,
  -- Lexemes for the search (see app.product_search_vector).
  search_vector tsvector generated always as (app.product_search_vector(name, sku, description)) stored,
  constraint products_name_len check (length(name) between 1 and 200),
  constraint products_description_len check (description is null or length(description) <= 4000),
  constraint products_sku_len check (sku is null or length(sku) between 1 and 64),
  constraint products_image_url_check
    check (image_url is null or (image_url ~* '^https?://' and length(image_url) <= 2048))
);
create unique index products_account_sku_key on public.products (account_id, sku) where sku is not null;
create index products_account_newest_idx on public.products (account_id, created_at desc, id desc);
create index products_search_idx on public.products using gin (search_vector);
alter table public.products enable row level security;

 -- covered by products_account_newest_idx

-- The search query of a text: every word (at most p_max_words, stop words skipped) becomes
-- `word:* | stem`; the words are AND-ed (search box) or OR-ed (`p_any`, matching a message).
-- Example: app.product_tsquery('Camisetas azuis', false) = ('camisetas':* | 'camiset') & ('azuis':* | 'azu')
create or replace function app.product_tsquery(p_text text, p_any boolean default false, p_max_words integer default 8)
returns tsquery language plpgsql immutable as $$
declare
  v_words text[];
  v_all_stop boolean;
  w text;
  v_stems text[];
  v_term tsquery;
  v_q tsquery;
begin
  select coalesce(array_agg(x order by first_at), '{}') into v_words
  from (select x, min(n) as first_at
        from regexp_split_to_table(app.unaccent_lower(left(p_text, 20000)), '[^[:alnum:]]+') with ordinality as t(x, n)
        where x <> '' and length(x) <= 60
        group by x) words;
  -- A search of only stop words ("de") still searches them, as plain prefixes.
  v_all_stop := not exists (select 1 from unnest(v_words) x where to_tsvector('portuguese'::regconfig, x) <> ''::tsvector);
  foreach w in array v_words loop
    v_stems := tsvector_to_array(to_tsvector('portuguese'::regconfig, w));
    continue when cardinality(v_stems) = 0 and not v_all_stop;
    -- A message's short words ("oi", "me") would match too much as prefixes.
    continue when p_any and length(w) < 3;
    v_term := to_tsquery('simple'::regconfig, quote_literal(w) || ':*');
    if cardinality(v_stems) > 0 then
      v_term := v_term || to_tsquery('simple'::regconfig, quote_literal(v_stems[1]));
    end if;
    v_q := case when v_q is null then v_term when p_any then v_q || v_term else v_q && v_term end;
    p_max_words := p_max_words - 1;
    exit when p_max_words <= 0;
  end loop;
  return v_q;
end $$;

create or replace function app.product_json(p public.products) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'id', p.id, 'name', p.name, 'description', p.description, 'priceCents', p.price_cents,
    'currency', p.currency, 'sku', p.sku, 'active', p.active, 'imageUrl', p.image_url,
    'createdAt', app.iso(p.created_at), 'updatedAt', app.iso(p.updated_at))
$$;

-- The product of the account, locked, or AT404.
create or replace function app.product_of(p_account_id uuid, p_product_id uuid) returns public.products
language plpgsql as $$
declare
  v public.products;
begin
  select * into v from public.products where id = p_product_id and account_id = p_account_id for update;
  if v.id is null then
    raise exception 'product not found' using errcode = 'AT404';
  end if;
  return v;
end $$;

-- Newest first, keyset-paginated: `p_before_id` (the last product of the previous page) is an
-- exact cursor; `p_before` (a timestamp) pages by creation time. `p_q` searches name,
-- description and sku (see the top of this file; a sku also matches by its beginning).
create or replace function app.products_list(
  p_account_id uuid, p_q text default null, p_active boolean default null,
  p_before timestamptz default null, p_before_id uuid default null, p_limit integer default 50
) returns jsonb
language plpgsql stable as $$
declare
  v_tsq tsquery := app.product_tsquery(p_q);
  v_sku text := nullif(app.unaccent_lower(trim(p_q)), '');
  v_at timestamptz := p_before;
  v_result jsonb;
begin
  if p_before_id is not null then
    select created_at into v_at from public.products where id = p_before_id and account_id = p_account_id;
    if v_at is null then
      raise exception 'the "before" product was not found' using errcode = 'AT404';
    end if;
  end if;
  select coalesce(jsonb_agg(app.product_json(p) order by p.created_at desc, p.id desc), '[]') into v_result
  from (
    select * from public.products p
    where p.account_id = p_account_id
      and (p_active is null or p.active = p_active)
      and (v_at is null or p.created_at < v_at or (p_before_id is not null and p.created_at = v_at and p.id < p_before_id))
      and (v_sku is null or p.search_vector @@ v_tsq or starts_with(app.unaccent_lower(p.sku), v_sku))
    order by p.created_at desc, p.id desc
    limit greatest(1, least(coalesce(p_limit, 50), 200))
  ) p;
  return v_result;
end $$;

create or replace function app.products_get(p_account_id uuid, p_product_id uuid) returns jsonb
language plpgsql stable as $$
declare
  v public.products;
begin
  select * into v from public.products where id = p_product_id and account_id = p_account_id;
  if v.id is null then
    raise exception 'product not found' using errcode = 'AT404';
  end if;
  return app.product_json(v);
end $$;

-- p_product: the validated body, camelCase ({name, description?, priceCents?, currency?, sku?,
-- active?, imageUrl?}). A sku the account already uses → AT409.
create or replace function app.products_create(p_account_id uuid, p_product jsonb) returns jsonb
language plpgsql as $$
declare
  v public.products;
begin
  insert into public.products (account_id, name, description, price_cents, currency, sku, active, image_url)
  values (p_account_id, p_product->>'name', p_product->>'description', (p_product->>'priceCents')::integer,
          coalesce(p_product->>'currency', 'BRL'), p_product->>'sku',
          coalesce((p_product->>'active')::boolean, true), p_product->>'imageUrl')
  returning * into v;
  return app.product_json(v);
exception when unique_violation then
  raise exception 'another product already uses this sku' using errcode = 'AT409';
end $$;

-- p_patch: only the keys present change; null clears an optional field.
create or replace function app.products_update(p_account_id uuid, p_product_id uuid, p_patch jsonb) returns jsonb
language plpgsql as $$
declare
  v public.products := app.product_of(p_account_id, p_product_id);
begin
  update public.products set
    name = case when p_patch ? 'name' then p_patch->>'name' else name end,
    description = case when p_patch ? 'description' then p_patch->>'description' else description end,
    price_cents = case when p_patch ? 'priceCents' then (p_patch->>'priceCents')::integer else price_cents end,
    currency = case when p_patch ? 'currency' then coalesce(p_patch->>'currency', 'BRL') else currency end,
    sku = case when p_patch ? 'sku' then p_patch->>'sku' else sku end,
    active = case when p_patch ? 'active' then coalesce((p_patch->>'active')::boolean, active) else active end,
    image_url = case when p_patch ? 'imageUrl' then p_patch->>'imageUrl' else image_url end,
    updated_at = now()
  where id = v.id
  returning * into v;
  return app.product_json(v);
exception when unique_violation then
  raise exception 'another product already uses this sku' using errcode = 'AT409';
end $$;

create or replace function app.products_delete(p_account_id uuid, p_product_id uuid) returns jsonb
language plpgsql as $$
begin
  delete from public.products where id = p_product_id and account_id = p_account_id;
  if not found then
    raise exception 'product not found' using errcode = 'AT404';
  end if;
  return jsonb_build_object('deleted', true);
end $$;

-- CSV import, rows already parsed and validated by the Motor: p_rows = [{line, product}] where
-- product has only the columns the file named. One transaction: a row whose sku exists updates
-- that product (only the named columns); any other row inserts, and needs a name. Rows that
-- cannot land are reported in `errors` and skipped; the others commit together.
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

-- The account's ACTIVE products that best match a free text (a customer's recent messages), for
-- the AI's prompt. Rank: full-text match of the text's words (OR-ed, prefix or Portuguese stem;
-- name and sku weigh more than the description) plus how much of the product's name appears in
-- the text by trigrams (catches small misspellings: "camizeta"). Ties → name, then id, so the
-- answer is deterministic. When nothing matches at all, the newest active products come back
-- (so "o que vocês vendem?" still sees the catalogue), each with `matched:false`.
-- → [Product & {score, matched}]
create or replace function app.match_products(p_account_id uuid, p_text text, p_limit integer default 8)
returns jsonb language plpgsql stable as $$
declare
  v_tsq tsquery := app.product_tsquery(p_text, true, 64);
  v_text text := app.unaccent_lower(left(coalesce(p_text, ''), 20000));
  v_limit integer := greatest(1, least(coalesce(p_limit, 8), 50));
  v_result jsonb;
begin
  with scored as (
    select p as product, p.name, p.id, p.created_at, round((
        (case when v_tsq is null then 0 else ts_rank(p.search_vector, v_tsq) end)
        + (case when s.sim >= 0.5 then s.sim * 0.5 else 0 end)
      )::numeric, 6) as score
    from public.products p,
         lateral (select app.trgm_word_similarity(app.unaccent_lower(p.name), v_text) as sim) s
    where p.account_id = p_account_id and p.active
  ), ranked as (
    select s.*, true as matched from scored s where score > 0 order by score desc, name, id limit v_limit
  ), picked as (
    select * from ranked
    union all
    select f.*, false from (select * from scored order by created_at desc, id desc limit v_limit) f
    where not exists (select 1 from ranked)
  )
  select coalesce(jsonb_agg(app.product_json(x.product) || jsonb_build_object('score', x.score, 'matched', x.matched)
                            order by x.matched desc, x.score desc, x.name, x.id), '[]')
    into v_result
  from picked x;
  return v_result;
end $$;
