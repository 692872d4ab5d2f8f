// @ts-check
// The Postgres extensions the migrations create (`create extension …`), which PGlite must load
// when it starts: accent-insensitive search (unaccent) and trigram similarity (pg_trgm). Every
// `new PGlite(...)` that opens an Atende database passes these. Plain JavaScript, like the worker.
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';

export const pgliteExtensions = { unaccent, pg_trgm };
