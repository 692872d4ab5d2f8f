-- Test-only SQL out of the product (migrations are history, so a new migration drops it): nothing
-- in the Motor, the dashboard or another SQL function calls these; only tests and benchmarks
-- did, and they now load them from motor/test/support/sql/test-helpers.sql on top of the
-- migrations. The product creates instances through app.instance_connect_begin (the connect flow with
-- Evolution), reads outbox rows through its messages, and lists contacts and groups through
-- app.contacts_page and app.groups_page.
drop function if exists app.instance_create(uuid, text, text);
drop function if exists app.outbox_of_message(uuid, uuid);
drop function if exists app.contacts_list(uuid, text, integer);
drop function if exists app.groups_list(uuid);
drop function if exists app.ingest_instance_state(uuid, uuid);
