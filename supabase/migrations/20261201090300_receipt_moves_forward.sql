-- app.ingest_receipt decides "does this receipt move the message forward" with the one
-- definition, app.status_moves_forward, instead of comparing app.max_status's answer (same result;
-- one rule to read). app.max_status stays as the helper that picks the further of two statuses,
-- itself defined by app.status_moves_forward.
create or replace function app.ingest_receipt(
  p_account_id uuid, p_instance_id uuid, p_wa_message_id text, p_status text
) returns jsonb
language plpgsql as $$
declare
  v_inst public.instances := app.ingest_instance(p_account_id, p_instance_id);
  v_msg public.messages;
  v_conv_id uuid;
  v_events jsonb := '[]'::jsonb;
begin
  if app.status_rank(p_status) < 1 then
    raise exception 'unknown status %', p_status using errcode = 'AT400';
  end if;
  select * into v_msg from public.messages where instance_id = p_instance_id and wa_message_id = p_wa_message_id for update;
  if v_msg.id is null then
    insert into public.pending_receipts (instance_id, wa_message_id, status)
    values (p_instance_id, p_wa_message_id, p_status)
    on conflict (instance_id, wa_message_id) do update set status = app.max_status(pending_receipts.status, excluded.status);
    return jsonb_build_object('events', v_events);
  end if;

  if v_msg.direction = 'in' then
    if p_status = 'read' then
      update public.conversations set read_up_to = greatest(read_up_to, v_msg.sent_at)
        where id = v_msg.conversation_id;
      if app.recount_unread(v_msg.conversation_id) then
        v_conv_id := v_msg.conversation_id;
        v_events := v_events || app.append_event(p_account_id, 'conversation.updated',
          jsonb_build_object('conversation', app.conversation_json(v_conv_id)));
      end if;
    end if;
    return jsonb_build_object('events', v_events);
  end if;

  if not app.status_moves_forward(v_msg.status, p_status) then
    return jsonb_build_object('events', v_events); -- duplicate or late (older) receipt
  end if;
  update public.messages set status = p_status,
    error = case when p_status = 'failed' then coalesce(error, 'whatsapp_error') else null end,
    updated_at = now()
  where id = v_msg.id returning * into v_msg;
  return jsonb_build_object('events', jsonb_build_array(
    app.append_event(p_account_id, 'message.updated', jsonb_build_object('message', app.message_json(v_msg)))));
end $$;
