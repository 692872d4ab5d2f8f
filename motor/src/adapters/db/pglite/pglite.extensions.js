// @ts-check
// The PostgreSQL extensions the migrations use, loaded into every PGlite instance (the worker, and
// tests that open a PGlite of their own). PostgreSQL and Supabase ship them; PGlite needs them
// passed to its constructor.
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';

/** Pass as `new PGlite({ ..., extensions: pgliteExtensions })`. */
export const pgliteExtensions = { unaccent };
