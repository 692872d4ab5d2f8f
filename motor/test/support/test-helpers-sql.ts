import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Test-only SQL functions (test/support/sql/test-helpers.sql), applied on top of the migrations. */
export const TEST_HELPERS_SQL = readFileSync(path.join(import.meta.dirname, 'sql/test-helpers.sql'), 'utf8');

/** The app.* functions that file defines (left out of the drift comparison). */
export const TEST_HELPER_FUNCTIONS = [
  ...TEST_HELPERS_SQL.matchAll(/create or replace function (app\.\w+)\(/g),
].map((m) => m[1]!);
