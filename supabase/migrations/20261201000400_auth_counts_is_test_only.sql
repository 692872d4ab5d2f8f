-- Test-only SQL does not ship: app.auth_counts ("how many accounts and users exist", which only the
-- auth tests call) now lives in motor/test/support/sql/test-helpers.sql, applied to the test
-- databases only. (Bench-only SQL already lives in motor/bench/sql/.)
drop function if exists app.auth_counts();
