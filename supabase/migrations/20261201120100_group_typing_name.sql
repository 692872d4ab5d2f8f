-- A group member typing ("digitando…") is named as their messages in that group are signed
-- (their WhatsApp name), not by their bare number; the number stays the fallback.
create or replace function app.presence_target(p_account_id uuid, p_instance_id uuid, p_jid text, p_participant text default null)
returns jsonb
language sql stable as $$
  select jsonb_build_object('conversationId', c.id,
    'name', coalesce(ct.name, ct.push_name, ct.phone,
      -- In a group: the member's name, as their last message there was signed, else their number.
      (select m.author_name from public.messages m
        where m.conversation_id = c.id and p_participant is not null and m.participant = p_participant
          and m.author_name is not null
        order by coalesce(m.sent_at, m.created_at) desc, m.created_at desc, m.id desc limit 1),
      split_part(p_participant, '@', 1), g.subject, ''))
  from public.conversations c
  left join public.contacts ct on ct.id = c.contact_id
  left join public.groups g on g.id = c.group_id
  where c.account_id = p_account_id and c.instance_id = p_instance_id
    and (ct.jid = p_jid or ct.lid = p_jid or g.jid = p_jid)
  limit 1
$$;
