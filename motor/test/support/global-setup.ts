import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/adapters/db/migrations.js';
import { pgliteExtensions as extensions } from '../../src/adapters/db/pglite/pglite.extensions.js';
import { createPgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { TEST_HELPERS_SQL } from './test-helpers-sql.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated database plus the test helpers (sql/test-helpers.sql): what createTestDb() clones. */
    pgliteDump: string;
    /** A PGlite data directory straight after initdb, nothing applied (see blankPglite()). */
    pgliteBlankDump: string;
  }
}

const CACHE = path.resolve(import.meta.dirname, '../../node_modules/.cache/atende-test-pglite');
const src = (file: string) => path.resolve(import.meta.dirname, '../../src/adapters/db', file);

/** What the dumps are made of: PGlite's version, the migrations, the helpers and the code that applies them. */
async function dumpKey(): Promise<string> {
  const h = createHash('sha256');
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const pkg = path.join(entry.slice(0, entry.lastIndexOf('@electric-sql/pglite')), '@electric-sql/pglite');
  h.update(JSON.parse(await readFile(path.join(pkg, 'package.json'), 'utf8')).version);
  for (const name of (await readdir(DEFAULT_MIGRATIONS_DIR)).sort())
    h.update(name).update(await readFile(path.join(DEFAULT_MIGRATIONS_DIR, name)));
  h.update(TEST_HELPERS_SQL);
  for (const f of [
    'migrations.ts',
    'pglite/pglite.driver.ts',
    'pglite/pglite.worker.js',
    'pglite/pglite.extensions.js',
  ])
    h.update(await readFile(src(f)));
  h.update(await readFile(import.meta.filename));
  return h.digest('hex').slice(0, 16);
}

/** Boots PGlite (initdb), dumps that blank cluster, migrates a clone of it, adds the helpers, dumps that. */
async function makeDumps(dir: string) {
  const pg = new PGlite({ extensions });
  await pg.waitReady;
  await writeFile(
    path.join(dir, 'blank.tar'),
    Buffer.from(await (await pg.dumpDataDir('none')).arrayBuffer()),
  );
  await pg.close();
  const db = await createPgliteDb({ loadDumpPath: path.join(dir, 'blank.tar') });
  await db.exec(TEST_HELPERS_SQL);
  await db.dump(path.join(dir, 'migrated.tar'));
  await db.close();
}

/**
 * Each test file clones these dumps (~0.5 s) instead of running initdb (~3 s) and the migrations
 * itself. They are kept in node_modules/.cache under a key of everything they are made of, so a
 * run after the first (same migrations, same PGlite) skips making them (~3 s before any test).
 */
export default async function setup(project: TestProject) {
  const key = await dumpKey();
  const dir = path.join(CACHE, key);
  const blank = path.join(dir, 'blank.tar');
  const migrated = path.join(dir, 'migrated.tar');
  const cached = await readFile(path.join(dir, 'done'), 'utf8').catch(() => null);
  if (cached === null) {
    await mkdir(CACHE, { recursive: true });
    const tmp = await mkdtemp(path.join(CACHE, `${key}-`));
    await makeDumps(tmp);
    await writeFile(path.join(tmp, 'done'), key);
    // Another project's setup may have finished first: then its copy stays and this one goes.
    await rename(tmp, dir).catch(() => rm(tmp, { recursive: true, force: true }));
    for (const old of await readdir(CACHE))
      if (!old.startsWith(key)) await rm(path.join(CACHE, old), { recursive: true, force: true });
  }
  project.provide('pgliteBlankDump', blank);
  project.provide('pgliteDump', migrated);
}
