-- Tenants. Every account-scoped row of every other table carries `account_id`; functions take it
-- from the authenticated session, never from request input.

-- `last_seq` is the head of the account's event log (see `events`).
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
alter table public.accounts enable row level security;
