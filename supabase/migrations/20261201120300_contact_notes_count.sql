-- The contact panel counts the team's private notes about the contact (in all of their
-- conversations): ContactDetail gains `notesCount`. Notes are rare, so a partial index keeps the
-- count to the notes themselves.
create index messages_private_idx on public.messages (conversation_id) where private;

-- A contact of the account with its conversations (newest activity first): the contact panel.
create or replace function app.contact_get(p_account_id uuid, p_id uuid) returns jsonb
language plpgsql stable as $$
declare
  v public.contacts;
begin
  select * into v from public.contacts where id = p_id and account_id = p_account_id;
  if v.id is null then
    raise exception 'contact not found' using errcode = 'AT404';
  end if;
  return app.contact_json(v) || jsonb_build_object('conversations', coalesce((
    select jsonb_agg(app.conversation_json(c.id) order by c.last_message_at desc nulls last, c.id desc)
    from public.conversations c where c.contact_id = v.id), '[]'::jsonb),
    'notesCount', (select count(*) from public.messages m join public.conversations c on c.id = m.conversation_id
                   where c.contact_id = v.id and m.private and m.deleted_at is null));
end $$;
