import net from 'node:net';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

const alias = { '@atende/shared': path.resolve(import.meta.dirname, '..', 'shared', 'src', 'index.ts') };

/**
 * Test tiers (docs/testing.md):
 * - `small`: pure functions (normalisers, phone rules, formatters, cursors), no database, no
 *   socket, no port. Runs in seconds: `npm run test:small -w motor`.
 * - `medium`: the real app on a PGlite cloned from the migrated dump (global-setup.ts), real HTTP
 *   on port 0, real Socket.IO clients. `npm test` runs small + medium.
 * - `unit`: the old name of the medium tier, kept so a file still added to test/unit/ runs in
 *   `npm test` until it is moved to small/ or medium/.
 * - `integration`: needs the local PostgreSQL and Redis; scale and soak tests live here too, and
 *   the full-volume versions of fuzzes whose seeded share runs in medium (route-fuzz.ts).
 * - `sql-on-postgres`: every medium file named `*.sql.test.ts` again, unchanged, with
 *   TEST_DB=postgres (createTestDb() then gives a fresh PostgreSQL database): the SQL is tested on
 *   both engines without anyone writing the test twice. Opt a file in by its name, nothing else.
 */
const dbTier = (name: string, include: string[], extra: Record<string, unknown> = {}) => ({
  resolve: { alias },
  test: {
    name,
    include,
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/fast-hashing.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks' as const,
    maxWorkers: 2,
    // One process per worker for all its files instead of one per file: the Motor's modules are
    // imported and PGlite's WASM compiled once per worker, not 57 times (measured: −28% CPU of
    // `npm test -w motor`, import 86 s → 12 s). Files share no state but modules: each file makes
    // its own app and database, and the setup files run again before each file.
    isolate: false,
    ...extra,
  },
});

const postgresUp = () =>
  new Promise<boolean>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: 5432 });
    s.setTimeout(1000);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('timeout', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(false));
  });

export default defineConfig(async () => {
  const runOnPostgres = process.env.CI === 'true' || (await postgresUp());
  if (!runOnPostgres) {
    console.warn(
      '\n⚠️  PostgreSQL is not reachable at 127.0.0.1:5432: project sql-on-postgres is SKIPPED (CI=true would fail instead)\n',
    );
  }
  return {
    resolve: { alias },
    test: {
      // A tier may be empty for a while (test/unit/ once everything moved out of it).
      passWithNoTests: true,
      projects: [
        {
          resolve: { alias },
          test: {
            name: 'small',
            include: ['test/small/**/*.test.ts'],
            testTimeout: 10_000,
            maxWorkers: 2,
            isolate: false,
          },
        },
        dbTier('medium', ['test/medium/**/*.test.ts']),
        dbTier('unit', ['test/unit/**/*.test.ts']),
        {
          resolve: { alias },
          test: {
            name: 'integration',
            include: ['test/integration/**/*.test.ts'],
            globalSetup: ['test/support/global-setup.ts'],
            testTimeout: 60_000,
            hookTimeout: 120_000,
            pool: 'forks',
            maxWorkers: 1,
            fileParallelism: false,
          },
        },
        ...(runOnPostgres
          ? [
              dbTier('sql-on-postgres', ['test/{medium,unit}/**/*.sql.test.ts'], {
                env: { TEST_DB: 'postgres' },
                testTimeout: 60_000,
                hookTimeout: 120_000,
              }),
            ]
          : []),
      ],
    },
  };
});
