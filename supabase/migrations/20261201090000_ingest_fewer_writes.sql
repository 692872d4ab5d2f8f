-- Ingest with fewer writes per message (docs/perf/README.md). A profile of app.ingest_message
-- (track_functions) showed each new message writing its conversation row three times (bump,
-- touch, recount) and its own row twice (insert, then an update even when nothing arrived early).
--
-- 1. ingest_apply_early_changes writes the row back only when something changed it (an early
--    receipt, edit, deletion or reaction).
-- 2. ingest_touch_conversation makes ONE update of the conversation for a customer's message: last
--    activity (if newest), reopen, and the unread count. Without an early READ receipt, the new
--    message is the only change to what counts as unread, so the count moves by one (or zero)
--    instead of being recounted; with one, the read mark moves and the count is recounted as before.

create or replace function app.ingest_apply_early_changes(p_msg public.messages, p_receipt text)
returns public.messages
language plpgsql as $$
declare
  v_msg public.messages := p_msg;
  v_change public.pending_message_changes;
begin
  if p_receipt is not null and v_msg.direction = 'out' then
    v_msg.status := app.max_status(v_msg.status, p_receipt);
  end if;
  delete from public.pending_message_changes where instance_id = v_msg.instance_id and wa_message_id = v_msg.wa_message_id
    returning * into v_change;
  if v_change.instance_id is not null then
    if v_change.edited_at is not null then
      v_msg.text := v_change.text;
      v_msg.edited_at := v_change.edited_at;
    end if;
    v_msg.deleted_at := v_change.deleted_at;
  end if;
  v_msg.reactions := app.reactions_of(v_msg.instance_id, v_msg.wa_message_id);
  if (v_msg.status, v_msg.text, v_msg.edited_at, v_msg.deleted_at, v_msg.reactions)
     is distinct from (p_msg.status, p_msg.text, p_msg.edited_at, p_msg.deleted_at, p_msg.reactions) then
    update public.messages set status = v_msg.status, text = v_msg.text, edited_at = v_msg.edited_at,
      deleted_at = v_msg.deleted_at, reactions = v_msg.reactions
    where id = v_msg.id;
  end if;
  return v_msg;
end $$;

create or replace function app.ingest_touch_conversation(p_msg public.messages, p_receipt text, p_origin text)
returns void
language plpgsql as $$
begin
  if p_msg.direction = 'in' and p_msg.type <> 'reaction' and p_receipt is distinct from 'read' then
    update public.conversations c set
      last_message_at = case when c.last_message_at is null or p_msg.sent_at >= c.last_message_at
        then p_msg.sent_at else c.last_message_at end,
      last_message_preview = case when c.last_message_at is null or p_msg.sent_at >= c.last_message_at
        then app.message_preview(p_msg.type, p_msg.text) else c.last_message_preview end,
      last_message_type = case when c.last_message_at is null or p_msg.sent_at >= c.last_message_at
        then p_msg.type else c.last_message_type end,
      status = case when c.status = 'resolved' then 'open' else c.status end,
      unread_count = c.unread_count + case
        when p_msg.deleted_at is null and p_msg.sent_at > coalesce(c.read_up_to, '-infinity')
          and p_msg.created_at > coalesce(c.agent_read_at, '-infinity') then 1 else 0 end,
      updated_at = now()
    where c.id = p_msg.conversation_id;
    return;
  end if;
  perform app.bump_conversation(p_msg.conversation_id, p_msg.sent_at, app.message_preview(p_msg.type, p_msg.text),
    p_msg.type);
  if p_msg.direction = 'in' and p_msg.type <> 'reaction' then
    update public.conversations set
      read_up_to = case when p_receipt = 'read' then greatest(read_up_to, p_msg.sent_at) else read_up_to end,
      status = case when status = 'resolved' then 'open' else status end,
      updated_at = now()
    where id = p_msg.conversation_id;
    perform app.recount_unread(p_msg.conversation_id);
  elsif p_msg.direction = 'out' and coalesce(p_origin, 'upsert') = 'upsert' then
    update public.conversations set ai_enabled = false, updated_at = now()
      where id = p_msg.conversation_id and ai_enabled;
  end if;
end $$;
