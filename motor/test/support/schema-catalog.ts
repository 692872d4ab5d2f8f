import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { TEST_HELPER_FUNCTIONS } from './test-helpers-sql.js';

/** Where the declarative schema sits (supabase/schemas/*.sql, applied in name order). */
export const SCHEMAS_DIR = path.resolve(import.meta.dirname, '../../../supabase/schemas');

/** A bare SQL connection for catalog work: run a script, read rows. */
export interface SqlEngine {
  exec(sql: string): Promise<void>;
  rows<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

export function pgliteEngine(pg: PGlite): SqlEngine {
  return {
    exec: async (sql) => void (await pg.exec(sql)),
    rows: async <T>(sql: string) => (await pg.query<T>(sql)).rows,
    close: () => pg.close(),
  };
}

export function postgresEngine(url: string): SqlEngine {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  return {
    exec: async (text) => void (await sql.unsafe(text).simple()),
    rows: async <T>(text: string) => (await sql.unsafe(text)) as unknown as T[],
    close: () => sql.end({ timeout: 1 }),
  };
}

/** The schema files in the order the Supabase CLI applies them (lexical). */
export async function loadSchemaFiles(dir = SCHEMAS_DIR): Promise<{ name: string; sql: string }[]> {
  const names = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (name) => ({ name, sql: await readFile(path.join(dir, name), 'utf8') })),
  );
}

/** Applies schema files one by one, naming the file that fails. */
export async function applySchemaFiles(db: SqlEngine, files: { name: string; sql: string }[]): Promise<void> {
  for (const f of files) {
    try {
      await db.exec(f.sql);
    } catch (err) {
      throw new Error(`supabase/schemas/${f.name} failed: ${(err as Error).message}`);
    }
  }
}

/** Schemas whose objects we own; the runner's own bookkeeping table is not part of the schema. */
const OWNED = `n.nspname in ('public', 'app')`;
const NOT_BOOKKEEPING = `c.relname <> 'schema_migrations'`;
/** Test-only functions (test/support/sql/test-helpers.sql) are on the test databases, not in the schema. */
const NOT_TEST_HELPER = `p.oid::regproc::text not in (${TEST_HELPER_FUNCTIONS.map((f) => `'${f}'`).join(', ') || "''"})`;
/** Objects an extension created belong to the extension (listed once, by name and version). */
const notFromExtension = (catalog: string, oid: string) =>
  `not exists (select 1 from pg_depend e where e.classid = '${catalog}'::regclass and e.objid = ${oid} and e.deptype = 'e')`;

/**
 * Everything a migration can define, as sorted "kind name → definition" lines: relations (with
 * RLS flags), columns (type, nullability, default; not position), indexes (pg_get_indexdef),
 * constraints, policies, triggers, extensions, every function of app and public that no
 * extension owns (pg_get_functiondef and its grants), default privileges and the app schema's grants. Two databases built differently are the
 * same schema when their catalogs are equal.
 *
 * @example
 *   expect(diffCatalogs(await catalogOf(a), await catalogOf(b))).toEqual([]);
 */
export async function catalogOf(db: SqlEngine): Promise<Map<string, string>> {
  const queries: string[] = [
    `select 'relation ' || n.nspname || '.' || c.relname as k,
            c.relkind::text || ' rls=' || c.relrowsecurity || ' force=' || c.relforcerowsecurity as v
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where ${OWNED} and ${NOT_BOOKKEEPING} and c.relkind in ('r', 'v', 'm', 'p', 'S', 'f')`,
    `select 'column ' || n.nspname || '.' || c.relname || '.' || a.attname as k,
            format_type(a.atttypid, a.atttypmod) || case when a.attnotnull then ' not null' else '' end
            || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
            || case when a.attgenerated::text <> '' then ' generated' else '' end
            || case when a.attidentity::text <> '' then ' identity ' || a.attidentity::text else '' end as v
       from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
       left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where ${OWNED} and ${NOT_BOOKKEEPING} and c.relkind in ('r', 'v', 'm', 'p', 'f')
        and a.attnum > 0 and not a.attisdropped`,
    `select 'index ' || n.nspname || '.' || c.relname as k, pg_get_indexdef(c.oid) as v
       from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_index i on i.indexrelid = c.oid
       join pg_class t on t.oid = i.indrelid
      where ${OWNED} and t.relname <> 'schema_migrations'`,
    `select 'constraint ' || n.nspname || '.' || c.relname || '.' || k.conname as k,
            k.contype::text || ' ' || pg_get_constraintdef(k.oid) as v
       from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
      where ${OWNED} and ${NOT_BOOKKEEPING}`,
    `select 'policy ' || schemaname || '.' || tablename || '.' || policyname as k,
            permissive || ' ' || cmd || ' to ' || array_to_string(roles, ',')
            || ' using ' || coalesce(qual, '-') || ' check ' || coalesce(with_check, '-') as v
       from pg_policies where schemaname in ('public', 'app')`,
    `select 'trigger ' || n.nspname || '.' || c.relname || '.' || t.tgname as k, pg_get_triggerdef(t.oid) as v
       from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
      where ${OWNED} and not t.tgisinternal`,
    `select 'extension ' || extname as k, extversion as v from pg_extension`,
    `select 'function ' || p.oid::regprocedure::text as k, pg_get_functiondef(p.oid) as v
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where ${OWNED} and ${NOT_TEST_HELPER} and ${notFromExtension('pg_proc', 'p.oid')}`,
    `select 'grant on function ' || p.oid::regprocedure::text as k, coalesce(p.proacl::text, 'default') as v
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where ${OWNED} and ${NOT_TEST_HELPER} and ${notFromExtension('pg_proc', 'p.oid')}`,
    `select 'grant on schema ' || nspname as k, coalesce(nspacl::text, 'default') as v
       from pg_namespace where nspname in ('public', 'app')`,
    `select 'default privileges ' || coalesce(n.nspname, '*') || ' ' || d.defaclobjtype::text as k, d.defaclacl::text as v
       from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace`,
    `select 'grant on relation ' || n.nspname || '.' || c.relname as k, coalesce(c.relacl::text, 'default') as v
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where ${OWNED} and ${NOT_BOOKKEEPING} and c.relkind in ('r', 'v', 'm', 'p', 'S', 'f')`,
  ];
  const out = new Map<string, string>();
  for (const q of queries) for (const r of await db.rows<{ k: string; v: string }>(q)) out.set(r.k, r.v);
  return out;
}

/**
 * What differs between two catalogs, one line per object: "only in <a>", "only in <b>", or both
 * definitions. Empty when they are the same schema.
 */
export function diffCatalogs(
  a: Map<string, string>,
  b: Map<string, string>,
  names: [string, string] = ['migrations', 'schemas'],
): string[] {
  const out: string[] = [];
  for (const k of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(k);
    const y = b.get(k);
    if (x === y) continue;
    if (x === undefined) out.push(`${k}: only in ${names[1]}`);
    else if (y === undefined) out.push(`${k}: only in ${names[0]}`);
    else out.push(`${k}:\n  ${names[0]}: ${x}\n  ${names[1]}: ${y}`);
  }
  return out;
}
