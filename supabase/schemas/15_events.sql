-- The event log: the table, appending (the only way to), reading for catch-up, pruning.

-- The account's event log: every durable change appends one row in the same transaction,
-- numbered by `accounts.last_seq` (row-locked), so `seq` is 1, 2, 3… with no holes.
-- Retention: see app.prune_events below.
create table public.events (
  account_id uuid not null references public.accounts(id) on delete cascade,
  seq bigint not null,
  type text not null,
  data jsonb not null,
  at timestamptz not null default now(),
  primary key (account_id, seq)
);
create index events_at_idx on public.events (at);
alter table public.events enable row level security;

-- Appends one durable event to the account's log with the next gap-free seq. The UPDATE takes
-- the account row's lock until commit, so concurrent transactions of one account number their
-- events in commit order without holes: when seq N is visible, every seq < N is too (what lets a
-- client fetch a hole the moment it sees one). A rollback undoes the bump with the insert.
-- `at` is read after the lock, so it never goes backwards along seq (pruning relies on it).
-- Callers that lock other rows should do so before their first append_event (or lock the account
-- first, e.g. `perform 1 from public.accounts where id = … for update`), keeping one lock order.
create or replace function app.append_event(p_account_id uuid, p_type text, p_data jsonb) returns jsonb
language plpgsql as $$
declare
  v_seq bigint;
  v_at timestamptz;
begin
  update public.accounts set last_seq = last_seq + 1 where id = p_account_id returning last_seq into v_seq;
  if v_seq is null then
    raise exception 'account % not found', p_account_id using errcode = 'AT404';
  end if;
  v_at := clock_timestamp();
  insert into public.events (account_id, seq, type, data, at) values (p_account_id, v_seq, p_type, p_data, v_at);
  return jsonb_build_object('accountId', p_account_id, 'seq', v_seq, 'type', p_type, 'at', app.iso(v_at), 'data', p_data);
end $$;

-- The head of the account's log (0 when it has none): what `ready.seq` tells a socket.
create or replace function app.event_head(p_account_id uuid) returns jsonb
language plpgsql stable as $$
declare
  v_head bigint;
begin
  select last_seq into v_head from public.accounts where id = p_account_id;
  if v_head is null then
    raise exception 'account not found' using errcode = 'AT404';
  end if;
  return jsonb_build_object('seq', v_head);
end $$;

-- Catch-up: the caller's events after `p_after`, ascending, at most `p_limit` (1..1000), with the
-- head `seq`. `{reset:true, seq}` when the client must reload instead of replaying: `p_after` is
-- older than what the log still retains (see app.prune_events), or ahead of the head (the client
-- remembers another database, e.g. after a reset of the embedded one). One function = one
-- snapshot (stable), so the head and the events agree.
create or replace function app.events_after(p_account_id uuid, p_after bigint, p_limit integer default 500)
returns jsonb
language plpgsql stable as $$
declare
  v_head bigint;
  v_oldest bigint;
begin
  select last_seq into v_head from public.accounts where id = p_account_id;
  if v_head is null then
    raise exception 'account not found' using errcode = 'AT404';
  end if;
  if p_after is null or p_after < 0 then
    raise exception 'after must be a non-negative integer' using errcode = 'AT400';
  end if;
  if p_after > v_head then
    return jsonb_build_object('reset', true, 'seq', v_head);
  end if;
  if p_after < v_head then
    select min(seq) into v_oldest from public.events where account_id = p_account_id;
    -- Pruned past the client's position: it must reload its state instead of replaying.
    if v_oldest is null or v_oldest > p_after + 1 then
      return jsonb_build_object('reset', true, 'seq', v_head);
    end if;
  end if;
  return jsonb_build_object(
    'seq', v_head,
    'events', coalesce((
      select jsonb_agg(jsonb_build_object('seq', e.seq, 'type', e.type, 'at', app.iso(e.at), 'data', e.data) order by e.seq)
      from (select * from public.events
            where account_id = p_account_id and seq > p_after
            order by seq limit least(greatest(coalesce(p_limit, 500), 1), 1000)) e), '[]'::jsonb));
end $$;

-- Retention of the event log: events older than `p_keep_hours` go, but each account keeps at least
-- its newest `p_keep_min` events. Only a prefix of each log is ever deleted (everything up to a
-- cut-off seq), so "oldest retained seq" alone tells app.events_after whether a client missed
-- pruned events. Safe to run from several processes at once (a concurrent run deletes nothing
-- twice; a transaction-level advisory lock lets only one do the work). Returns the count deleted.
create or replace function app.prune_events(p_keep_hours integer default 72, p_keep_min integer default 1000)
returns jsonb
language plpgsql as $$
declare
  v_deleted integer;
begin
  if p_keep_hours is null or p_keep_hours < 0 or p_keep_min is null or p_keep_min < 0 then
    raise exception 'keep_hours and keep_min must be >= 0' using errcode = 'AT400';
  end if;
  if not pg_try_advisory_xact_lock(727002) then
    return jsonb_build_object('deleted', 0, 'skipped', true);
  end if;
  with cut as (
    select e.account_id, least(max(e.seq), a.last_seq - p_keep_min) as upto
    from public.events e
    join public.accounts a on a.id = e.account_id
    where e.at < now() - make_interval(hours => p_keep_hours)
    group by e.account_id, a.last_seq
  )
  delete from public.events e
  using cut
  where e.account_id = cut.account_id and e.seq <= cut.upto;
  get diagnostics v_deleted = row_count;
  return jsonb_build_object('deleted', v_deleted);
end $$;
