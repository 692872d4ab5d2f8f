-- Throttled bulk messages; recipients are claimed with FOR UPDATE SKIP LOCKED so each is sent once
-- across Motor processes.

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
alter table public.campaigns enable row level security;

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
alter table public.campaign_recipients enable row level security;
