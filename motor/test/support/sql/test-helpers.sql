-- Test-only SQL: applied to the databases the tests and benchmarks build (test/support/global-setup.ts
-- for the PGlite dump, createPostgresTestDb for PostgreSQL, load-fixture.ts for the bench
-- databases), never shipped in supabase/migrations/ (the product has no use for it;
-- 20261201000400_auth_counts_is_test_only.sql and 20261201090200_test_only_sql_out.sql dropped it
-- there). The drift test leaves the functions named here out of its comparison.

-- How many accounts, users and sessions exist (no data, only counts): lets auth tests prove that a
-- refused signup wrote nothing.
create or replace function app.auth_counts() returns jsonb
language sql stable as $$
  select jsonb_build_object('accounts', (select count(*) from public.accounts),
                            'users', (select count(*) from public.users),
                            'sessions', (select count(*) from public.sessions))
$$;
revoke execute on function app.auth_counts() from public;

-- Seeding and reading back what the product does through its own flows (instances are created
-- by app.instance_connect_begin with Evolution; contacts and groups are listed by their pages).

-- Registers a new instance for the account (name globally unique: AT409 when taken).
create or replace function app.instance_create(p_account_id uuid, p_name text, p_webhook_secret text)
returns jsonb
language plpgsql as $$
declare
  v public.instances;
begin
  if exists (select 1 from public.instances where name = p_name) then
    raise exception 'instance name already in use' using errcode = 'AT409';
  end if;
  insert into public.instances (account_id, name, webhook_secret, status)
  values (p_account_id, p_name, p_webhook_secret, 'connecting')
  returning * into v;
  return app.instance_json(v);
end $$;

-- The outbox row of a message (null when it has none): {id, kind, status, attempts, reasonCode,
-- error, waMessageId, notBefore}. For diagnostics, tests and the areas that build on the outbox.
create or replace function app.outbox_of_message(p_account_id uuid, p_message_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', o.id, 'kind', o.kind, 'status', o.status, 'attempts', o.attempts,
    'reasonCode', o.reason_code, 'error', o.error, 'waMessageId', o.wa_message_id, 'notBefore', app.iso(o.not_before))
  from public.outbox o where o.message_id = p_message_id and o.account_id = p_account_id
$$;

-- The account's contacts (optionally searched by name/phone), newest first.
create or replace function app.contacts_list(p_account_id uuid, p_q text default null, p_limit integer default 100)
returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(x.j order by x.created_at desc, x.id desc), '[]'::jsonb) from (
    select c.id, c.created_at, jsonb_build_object(
      'id', c.id, 'jid', c.jid, 'lid', c.lid, 'phone', c.phone, 'name', coalesce(c.name, c.push_name),
      'pushName', c.push_name, 'avatarUrl', c.avatar_url, 'optedOut', c.opted_out, 'createdAt', app.iso(c.created_at)) as j
    from public.contacts c
    where c.account_id = p_account_id
      and (nullif(trim(p_q), '') is null or coalesce(c.name, c.push_name, '') ilike '%' || trim(p_q) || '%'
           or c.phone like '%' || trim(p_q) || '%')
    order by c.created_at desc, c.id desc
    limit least(greatest(coalesce(p_limit, 100), 1), 1000)) x
$$;

-- The account's groups with their participants, by subject.
create or replace function app.groups_list(p_account_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object(
    'id', g.id, 'instanceId', g.instance_id, 'jid', g.jid, 'subject', g.subject, 'description', g.description,
    'size', g.size, 'participants', g.participants, 'updatedAt', app.iso(g.updated_at)) order by g.subject, g.jid), '[]'::jsonb)
  from public.groups g where g.account_id = p_account_id
$$;

-- An instance's stored state as intake left it, including its latest QR code.
create or replace function app.ingest_instance_state(p_account_id uuid, p_instance_id uuid) returns jsonb
language plpgsql stable as $$
declare
  v public.instances;
begin
  select * into v from public.instances where id = p_instance_id and account_id = p_account_id;
  if v.id is null then
    raise exception 'instance not found' using errcode = 'AT404';
  end if;
  return app.instance_json(v) || jsonb_build_object('qrCode', v.qr_code, 'pairingCode', v.pairing_code,
    'profilePictureUrl', v.profile_picture_url, 'qrUpdatedAt', app.iso(v.qr_updated_at));
end $$;

revoke execute on function app.instance_create(uuid, text, text) from public;
revoke execute on function app.outbox_of_message(uuid, uuid) from public;
revoke execute on function app.contacts_list(uuid, text, integer) from public;
revoke execute on function app.groups_list(uuid) from public;
revoke execute on function app.ingest_instance_state(uuid, uuid) from public;
