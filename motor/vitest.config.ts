import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

const alias = { '@atende/shared': path.resolve(import.meta.dirname, '../shared/src/index.ts') };

// Every unit file that gets its database from createTestDb() also runs, unchanged, against a real
// PostgreSQL in `npm run test:integration` (project `sql-on-postgres`, TEST_DB=postgres): the SQL
// is tested once per engine without anyone writing the test twice.
const unitDir = path.join(import.meta.dirname, 'test/unit');
const sqlTestFiles = readdirSync(unitDir)
  .filter(
    (f) => f.endsWith('.test.ts') && readFileSync(path.join(unitDir, f), 'utf8').includes('createTestDb('),
  )
  .map((f) => `test/unit/${f}`);

const postgresUp = () =>
  new Promise<boolean>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: 5432 });
    s.setTimeout(1000);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('timeout', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(false));
  });

// Two tiers (STYLE.md §16): `unit` runs in `npm test` with PGlite in-process and no outside
// server; `integration` needs a real PostgreSQL and Redis (`npm run test:integration`).
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
      projects: [
        {
          resolve: { alias },
          test: {
            name: 'unit',
            include: ['test/unit/**/*.test.ts'],
            globalSetup: ['test/support/global-setup.ts'],
            testTimeout: 30_000,
            hookTimeout: 60_000,
            pool: 'forks',
            maxWorkers: 2,
          },
        },
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
              {
                resolve: { alias },
                test: {
                  name: 'sql-on-postgres',
                  include: sqlTestFiles,
                  env: { TEST_DB: 'postgres' },
                  globalSetup: ['test/support/global-setup.ts'],
                  testTimeout: 60_000,
                  hookTimeout: 120_000,
                  pool: 'forks' as const,
                  maxWorkers: 2,
                },
              },
            ]
          : []),
      ],
    },
  };
});
