-- Bench-only bulk seed (NOT a migration; never applied to a real database): 10,000 conversations
-- with 10,000 contacts and 100,000 messages (10 per conversation) for one account and instance,
-- generated set-wise with generate_series so PGlite and PostgreSQL both seed in seconds.
-- The bench replaces {{account_id}} and {{instance_id}} before running it.
-- Texts cycle through eight customer-service lines; every 97th message mentions "boleto" (the
-- rare search term), every 8th "sábado" (the common one).

insert into public.contacts (id, account_id, jid, lid, phone, push_name, created_at, updated_at)
select md5('bench-contact-' || i)::uuid, '{{account_id}}', (5511900000000 + i) || '@s.whatsapp.net',
       (100000000000000 + i) || '@lid', (5511900000000 + i)::text,
       (array['Maria', 'João', 'Ana', 'Pedro', 'Carla', 'Lucas', 'Fernanda', 'Rafael'])[1 + i % 8] || ' Cliente ' || i,
       now() - interval '30 days', now() - interval '30 days'
from generate_series(1, 10000) i;

insert into public.conversations (id, account_id, instance_id, contact_id, status, unread_count,
                                  last_message_at, last_message_preview, created_at, updated_at)
select md5('bench-conv-' || i)::uuid, '{{account_id}}', '{{instance_id}}', md5('bench-contact-' || i)::uuid,
       (array['open', 'pending', 'resolved'])[1 + i % 3], i % 4,
       now() - make_interval(mins => i), 'mensagem 10 da conversa ' || i,
       now() - interval '30 days', now() - make_interval(mins => i)
from generate_series(1, 10000) i;

insert into public.messages (account_id, conversation_id, instance_id, wa_message_id, direction, sender,
                             type, text, status, sent_at, created_at, updated_at)
select '{{account_id}}', md5('bench-conv-' || (1 + g % 10000))::uuid, '{{instance_id}}', 'BENCH' || g,
       case when g % 3 = 0 then 'out' else 'in' end, case when g % 3 = 0 then 'agent' else 'contact' end,
       'text',
       case when g % 97 = 0 then 'Pode mandar o boleto de novo? (' || g || ')'
            else (array['Olá! Vocês entregam no sábado?', 'Qual o preço do kit?', 'Obrigado pelo retorno',
                        'Tem na cor azul?', 'Vou pensar e te aviso', 'Pode ser às 15h?',
                        'Chegou certinho, obrigada!', 'Aceita pix?'])[1 + g % 8] || ' (' || g || ')' end,
       case when g % 3 = 0 then 'read' else 'received' end,
       now() - make_interval(mins => 1 + g % 10000, secs => (10 - g / 10000) * 5),
       now() - make_interval(mins => 1 + g % 10000, secs => (10 - g / 10000) * 5),
       now() - make_interval(mins => 1 + g % 10000, secs => (10 - g / 10000) * 5)
from generate_series(0, 99999) g;

analyze public.contacts;
analyze public.conversations;
analyze public.messages;
