-- WhatsApp's timestamps have whole seconds; a business message was stamped with now() to the
-- microsecond, so a customer's reply in the same second (stamped xx.000) sorted ABOVE the message
-- it answers. Outgoing messages now keep WhatsApp's precision too, and within one second the
-- thread falls back to arrival order (created_at), which is the true order.
create or replace function app.messages_sent_at_whole_seconds() returns trigger
language plpgsql as $$
begin
  new.sent_at := date_trunc('second', new.sent_at);
  return new;
end
$$;

create trigger messages_sent_at_whole_seconds
  before insert or update of sent_at on public.messages
  for each row when (new.direction = 'out' and new.sent_at is not null)
  execute function app.messages_sent_at_whole_seconds();

update public.messages set sent_at = date_trunc('second', sent_at)
  where direction = 'out' and sent_at is not null and sent_at <> date_trunc('second', sent_at);

-- Compared at WhatsApp's precision (whole seconds): a conversation started at 10:00:00.700 takes
-- its first message, stamped 10:00:00.
create or replace function app.bump_conversation(
  p_conversation_id uuid, p_at timestamptz, p_preview text, p_type text default 'text'
) returns void
language sql as $$
  update public.conversations set
    last_message_at = p_at, last_message_preview = p_preview, last_message_type = p_type, updated_at = now()
  where id = p_conversation_id and (last_message_at is null or p_at >= date_trunc('second', last_message_at))
$$;
