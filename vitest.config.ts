import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources; multi-process tests spawn children on the built dist.
    alias: [
      {
        find: /^@batchactions\/core\/testing$/,
        replacement: here('packages/core/src/testing/index.ts'),
      },
      { find: /^@batchactions\/core$/, replacement: here('packages/core/src/index.ts') },
      { find: /^@batchactions\/import$/, replacement: here('packages/import/src/index.ts') },
      {
        find: /^@batchactions\/state-postgres$/,
        replacement: here('packages/state-postgres/src/index.ts'),
      },
      {
        find: /^@batchactions\/state-sequelize$/,
        replacement: here('packages/state-sequelize/src/index.ts'),
      },
      { find: /^@batchactions\/distributed$/, replacement: here('src/index.ts') },
      {
        find: /^@batchactions\/state-sqlite$/,
        replacement: here('packages/state-sqlite/src/index.ts'),
      },
    ],
  },
  test: {
    include: ['tests/**/*.test.ts', 'packages/*/tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
