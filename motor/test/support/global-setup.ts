import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
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

/**
 * Boots PGlite once (initdb), dumps that blank cluster, applies every migration and the test-only
 * helpers (sql/test-helpers.sql) to a clone of it, and dumps that too; each test file then clones
 * a dump (~0.5 s) instead of running initdb (~3 s) and the migrations itself.
 */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'atende-test-'));
  const blank = path.join(dir, 'blank.tar');
  const dump = path.join(dir, 'migrated.tar');
  const pg = new PGlite({ extensions });
  await pg.waitReady;
  await writeFile(blank, Buffer.from(await (await pg.dumpDataDir('none')).arrayBuffer()));
  await pg.close();
  const db = await createPgliteDb({ loadDumpPath: blank });
  await db.exec(TEST_HELPERS_SQL);
  await db.dump(dump);
  await db.close();
  project.provide('pgliteBlankDump', blank);
  project.provide('pgliteDump', dump);
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
