-- The contacts API (GET /api/contacts, PATCH /api/contacts/:id): search, the opt-out flag an
-- agent can clear, and contact labels (what a campaign's `label` audience selects).

alter table public.contacts add column if not exists labels text[] not null default '{}';
create index if not exists contacts_labels_idx on public.contacts using gin (labels);

-- Contact as the contract's contacts list item.
create or replace function app.contact_json(c public.contacts) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', c.id, 'name', c.name, 'pushName', c.push_name, 'phone', c.phone,
    'avatarUrl', c.avatar_url, 'optedOut', c.opted_out, 'labels', to_jsonb(c.labels), 'createdAt', app.iso(c.created_at))
$$;

-- GET /api/contacts: newest first, keyset by `p_before` (createdAt); `p_q` matches the name or push
-- name ignoring accents and case, or the digits of the phone; `p_opted_out` filters the flag.
create or replace function app.contacts_page(
  p_account_id uuid, p_q text default null, p_opted_out boolean default null,
  p_before timestamptz default null, p_limit integer default 50
) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(app.contact_json(c) order by c.created_at desc, c.id desc), '[]'::jsonb)
  from (
    select * from public.contacts k
    where k.account_id = p_account_id
      and (p_opted_out is null or k.opted_out = p_opted_out)
      and (p_before is null or k.created_at < p_before)
      and (nullif(btrim(p_q), '') is null
        or strpos(app.unaccent_lower(coalesce(k.name, '') || ' ' || coalesce(k.push_name, '')),
                  app.unaccent_lower(btrim(p_q))) > 0
        or (regexp_replace(p_q, '\D', '', 'g') <> '' and strpos(k.phone, regexp_replace(p_q, '\D', '', 'g')) > 0))
    order by k.created_at desc, k.id desc
    limit least(greatest(coalesce(p_limit, 50), 1), 200)) c
$$;

-- PATCH /api/contacts/:id {name?, optedOut?, labels?}: any role (an agent clears an opt-out on
-- the customer's request). Labels are trimmed, deduplicated and sorted. Each conversation with the
-- contact is pushed again (its contact name may have changed). Returns {contact, events}.
create or replace function app.contact_patch(p_account_id uuid, p_id uuid, p_patch jsonb) returns jsonb
language plpgsql as $$
declare
  v public.contacts;
  v_events jsonb := '[]'::jsonb;
  v_conv uuid;
begin
  perform 1 from public.accounts where id = p_account_id for update;
  update public.contacts set
    name = case when p_patch ? 'name' then nullif(btrim(p_patch->>'name'), '') else name end,
    opted_out = coalesce((p_patch->>'optedOut')::boolean, opted_out),
    labels = case when p_patch ? 'labels' then array(
        select distinct btrim(x) from jsonb_array_elements_text(p_patch->'labels') x where btrim(x) <> '' order by 1)
      else labels end,
    updated_at = now()
  where id = p_id and account_id = p_account_id
  returning * into v;
  if v.id is null then
    raise exception 'contact not found' using errcode = 'AT404';
  end if;
  for v_conv in select id from public.conversations where contact_id = v.id order by id loop
    v_events := v_events || app.append_event(p_account_id, 'conversation.updated',
      jsonb_build_object('conversation', app.conversation_json(v_conv)));
  end loop;
  return jsonb_build_object('contact', app.contact_json(v), 'events', v_events);
end $$;

-- Lock-down (as 20261129009000_lockdown.sql): app.* only for the owner and the service role.
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
