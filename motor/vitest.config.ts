import path from 'node:path';
import { defineConfig } from 'vitest/config';

const alias = { '@atende/shared': path.resolve(import.meta.dirname, '../shared/src/index.ts') };

// Two tiers (STYLE.md §16): `unit` runs in `npm test` with PGlite in-process and no outside
// server; `integration` needs a real PostgreSQL and Redis (`npm run test:integration`).
export default defineConfig({
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
    ],
  },
});
