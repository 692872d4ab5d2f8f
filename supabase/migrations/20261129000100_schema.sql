-- Atende base schema: the tables every capability stands on.
--
-- Conventions
--   * Tables live in `public` with row-level security ENABLED and NO policy: the `anon` and
--     `authenticated` roles of Supabase can read or write nothing directly.
--   * All reads and writes go through plpgsql functions in the `app` schema (later migrations),
--     which only the service role (and the database owner the Motor connects as) may execute.
--   * Every account-scoped row carries `account_id`; functions always take it from the
--     authenticated session, never from request input.
--   * Must stay valid on PostgreSQL 15 (Supabase, CI) and on PGlite (PostgreSQL 17/18 in WASM).

create schema if not exists app;

-- Only the service role (Supabase) and the owner (the Motor's own connection) may call app.*:
-- anon/authenticated get no USAGE on the schema here, and 20261129009000_lockdown.sql revokes
-- EXECUTE on every app function from PUBLIC/anon/authenticated (per-schema default privileges
-- alone cannot take back PUBLIC's global EXECUTE).
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

-- Tenants. `last_seq` is the head of the account's event log (see `events`).
create table public.accounts (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 200),
  last_seq bigint not null default 0,
  ai_enabled boolean not null default false,
  ai_business_description text,
  ai_model text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- People who log in. Local auth keeps a scrypt hash; Supabase Auth maps `auth_user_id`.
create table public.users (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts(id) on delete cascade,
  email text not null check (email = lower(email) and length(email) <= 254),
  name text not null,
  role text not null check (role in ('owner', 'admin', 'agent')),
  password_hash text,
  auth_user_id uuid unique,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- One login per email across the whole product.
create unique index users_email_key on public.users (email);
create index users_account_idx on public.users (account_id);

-- Revocable sessions: the signed cookie carries the id; logout or a password change revokes it.
create table public.sessions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users(id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz
);
create index sessions_user_idx on public.sessions (user_id);

-- WhatsApp numbers. `name` is the instance's name at Evolution, unique across all accounts
-- because Evolution's webhooks identify the instance only by that name.
create table public.instances (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts(id) on delete cascade,
  name text not null unique,
  status text not null default 'disconnected' check (status in ('connected', 'connecting', 'disconnected')),
  reason text check (reason in ('qr_limit_reached', 'logged_out', 'closed')),
  phone_number text,
  profile_name text,
  profile_picture_url text,
  -- Secret Evolution sends back in the `x-motor-token` header of every webhook.
  webhook_secret text not null,
  -- Evolution's per-instance token (`hash` of instance/create).
  evolution_token text,
  qr_code text,
  pairing_code text,
  qr_updated_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index instances_account_idx on public.instances (account_id);

-- One person is one contact per account: identified by phone JID when any form of the key
-- gives one, otherwise by LID; both are stored and merged when a mapping appears.
create table public.contacts (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts(id) on delete cascade,
  jid text check (jid like '%@s.whatsapp.net'),
  lid text check (lid like '%@lid'),
  phone text check (phone ~ '^[0-9]+$'),
  name text,
  push_name text,
  avatar_url text,
  opted_out boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (jid is not null or lid is not null)
);
create unique index contacts_account_jid_key on public.contacts (account_id, jid) where jid is not null;
create unique index contacts_account_lid_key on public.contacts (account_id, lid) where lid is not null;
create index contacts_account_phone_idx on public.contacts (account_id, phone);

-- WhatsApp groups an instance belongs to (synced from Evolution).
create table public.groups (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts(id) on delete cascade,
  instance_id uuid not null references public.instances(id) on delete cascade,
  jid text not null check (jid like '%@g.us'),
  subject text,
  description text,
  size integer,
  -- [{id, phoneNumber, lid, admin}] as Evolution last described them.
  participants jsonb not null default '[]'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (instance_id, jid)
);
create index groups_account_idx on public.groups (account_id);

-- A thread between one instance and one contact (or one group).
create table public.conversations (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts(id) on delete cascade,
  instance_id uuid not null references public.instances(id) on delete cascade,
  contact_id uuid references public.contacts(id) on delete cascade,
  group_id uuid references public.groups(id) on delete cascade,
  status text not null default 'open' check (status in ('open', 'pending', 'resolved')),
  assignee_id uuid references public.users(id) on delete set null,
  ai_enabled boolean not null default true,
  unread_count integer not null default 0 check (unread_count >= 0),
  last_message_at timestamptz,
  last_message_preview text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((contact_id is null) <> (group_id is null))
);
create unique index conversations_instance_contact_key on public.conversations (instance_id, contact_id)
  where contact_id is not null;
create unique index conversations_instance_group_key on public.conversations (instance_id, group_id)
  where group_id is not null;
-- The inbox: newest activity first, keyset-paginated, optionally filtered by status.
create index conversations_inbox_idx on public.conversations (account_id, last_message_at desc nulls last, id desc);
create index conversations_inbox_status_idx
  on public.conversations (account_id, status, last_message_at desc nulls last, id desc);

create table public.messages (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts(id) on delete cascade,
  conversation_id uuid not null references public.conversations(id) on delete cascade,
  instance_id uuid not null references public.instances(id) on delete cascade,
  -- Evolution's `key.id`: null only while an outgoing message waits for Evolution's answer.
  wa_message_id text,
  -- The browser's idempotency key for agent replies.
  client_id uuid,
  direction text not null check (direction in ('in', 'out')),
  sender text not null check (sender in ('contact', 'agent', 'ai', 'campaign', 'system')),
  author_id uuid references public.users(id) on delete set null,
  author_name text,
  participant text,
  type text not null check (type in ('text', 'image', 'audio', 'video', 'document', 'sticker', 'location', 'reaction', 'other')),
  text text,
  media jsonb,
  quoted_wa_message_id text,
  reactions jsonb,
  status text not null check (status in ('received', 'pending', 'sent', 'delivered', 'read', 'failed')),
  error text,
  sent_at timestamptz,
  edited_at timestamptz,
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- Dedupe of Evolution's redeliveries.
create unique index messages_instance_wa_key on public.messages (instance_id, wa_message_id);
create unique index messages_conversation_client_key on public.messages (conversation_id, client_id)
  where client_id is not null;
-- A thread page: newest first before a cursor.
create index messages_thread_idx on public.messages (conversation_id, created_at desc, id desc);

-- Receipts (messages.update) that arrived before their message; applied when it lands.
create table public.pending_receipts (
  instance_id uuid not null references public.instances(id) on delete cascade,
  wa_message_id text not null,
  status text not null check (status in ('sent', 'delivered', 'read', 'failed')),
  received_at timestamptz not null default now(),
  primary key (instance_id, wa_message_id)
);

-- Round two: the catalogue the AI answers from.
create table public.products (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts(id) on delete cascade,
  name text not null,
  description text,
  price_cents integer check (price_cents >= 0),
  currency text not null default 'BRL' check (currency ~ '^[A-Z]{3}$'),
  sku text,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index products_account_idx on public.products (account_id);

-- Round two: throttled bulk messages.
create table public.campaigns (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts(id) on delete cascade,
  instance_id uuid not null references public.instances(id) on delete cascade,
  name text not null,
  text text not null,
  audience jsonb not null default '{}'::jsonb,
  rate_per_minute integer not null default 20 check (rate_per_minute between 1 and 600),
  scheduled_at timestamptz,
  status text not null default 'draft'
    check (status in ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled')),
  total integer not null default 0,
  sent integer not null default 0,
  failed integer not null default 0,
  started_at timestamptz,
  finished_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index campaigns_account_idx on public.campaigns (account_id, created_at desc);

-- Claimed with FOR UPDATE SKIP LOCKED so each recipient is sent once across Motor processes.
create table public.campaign_recipients (
  id uuid primary key default gen_random_uuid(),
  campaign_id uuid not null references public.campaigns(id) on delete cascade,
  account_id uuid not null references public.accounts(id) on delete cascade,
  contact_id uuid references public.contacts(id) on delete set null,
  phone text not null check (phone ~ '^[0-9]+$'),
  status text not null default 'pending' check (status in ('pending', 'sending', 'sent', 'failed', 'skipped')),
  message_id uuid references public.messages(id) on delete set null,
  error text,
  attempts integer not null default 0,
  claimed_at timestamptz,
  sent_at timestamptz,
  unique (campaign_id, phone)
);
create index campaign_recipients_pending_idx on public.campaign_recipients (campaign_id, status);

-- The account's event log: every durable change appends one row in the same transaction,
-- numbered by `accounts.last_seq` (row-locked), so `seq` is 1, 2, 3… with no holes.
-- Retention: see app.prune_events (later migration).
create table public.events (
  account_id uuid not null references public.accounts(id) on delete cascade,
  seq bigint not null,
  type text not null,
  data jsonb not null,
  at timestamptz not null default now(),
  primary key (account_id, seq)
);
create index events_at_idx on public.events (at);

-- RLS on everything, with no policy for anon/authenticated: only the service role and the
-- table owner (the Motor) get through, and they only through the app.* functions.
alter table public.accounts enable row level security;
alter table public.users enable row level security;
alter table public.sessions enable row level security;
alter table public.instances enable row level security;
alter table public.contacts enable row level security;
alter table public.groups enable row level security;
alter table public.conversations enable row level security;
alter table public.messages enable row level security;
alter table public.pending_receipts enable row level security;
alter table public.products enable row level security;
alter table public.campaigns enable row level security;
alter table public.campaign_recipients enable row level security;
alter table public.events enable row level security;
