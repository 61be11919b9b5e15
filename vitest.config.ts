import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * The multi-process soak and fault suites: minutes of worker processes, SIGKILLs and lease
 * expiries; and the record-bound suites (1 GiB inputs). `npm run test:slow` (vitest.slow.config.ts) runs them, then the
 * acceptance files on Sequelize's other dialects (vitest.matrix.config.ts); CI runs both commands.
 */
export const slowSuites = [
  'tests/multiprocess/**/*.test.ts',
  'tests/faults/**/*.test.ts',
  'tests/cli/work-lifecycle.test.ts',
  'tests/infrastructure/**/*.test.ts',
  // Parsers fed 1 GiB records, one child process per format.
  'tests/bounds/**/*.test.ts',
  // Worker processes on each Sequelize dialect (PostgreSQL, MariaDB, SQLite): a minute of CPU.
  'packages/state-sequelize/tests/multi-process.test.ts',
  // Worker processes through Prisma 7 (PostgreSQL, MariaDB, SQLite) and 6 (PostgreSQL, SQLite).
  'packages/state-prisma/tests/multi-process.test.ts',
  // The Sequelize store's conformance on PostgreSQL and SQLite (npm test: on MariaDB).
  'packages/state-sequelize/tests/conformance-dialects.test.ts',
  // Prisma 7 on MariaDB and Prisma 6 (PostgreSQL, SQLite); npm test has Prisma 7 on PostgreSQL
  // and SQLite (conformance.test.ts).
  'packages/state-prisma/tests/conformance-matrix.test.ts',
  // Type checks of generated Prisma 6 and 7 clients with the TypeScript compiler: a minute.
  'packages/state-prisma/tests/client-types.test.ts',
  // The CLI's prepare stopped by deadlines and signals, killed and resumed, on both stores.
  'tests/cli/prepare-resume.test.ts',
  // The CLI on odd inputs and its doctor's elapsed-time checks (child processes, a minute of
  // file time together), and the published state-prisma README's BulkImport usage (20 s): moved
  // here when npm test reached 5 minutes on 2 cores (2026-12-07: 304 s in CI).
  'tests/cli/input-edges.test.ts',
  'tests/cli/doctor-elapsed.test.ts',
  'packages/state-prisma/tests/published-readme-bulk-import.test.ts',
  // Half a million generated CSV rows through the parser: CPU-bound, 20 s on 2 cores.
  'packages/import/tests/csv-large-file.test.ts',
  // The conformance suite again with `batchPayloads` on (issue 28, off by default), on every
  // store: 6 minutes each for Sequelize (3 dialects) and Prisma 7 (3 databases) here, 20 s for
  // PostgreSQL; kept out of `npm test` to hold it under 5 minutes on 2 cores.
  'packages/state-sequelize/tests/conformance-batch-payloads.test.ts',
  'packages/state-prisma/tests/conformance-batch-payloads.test.ts',
  'packages/state-postgres/tests/conformance-batch-payloads.test.ts',
  'packages/state-sqlite/tests/conformance-batch-payloads.test.ts',
];

/**
 * Test files run side by side. Most of a test's time is spent waiting (on a database, a child
 * process, a timer), so more files than cores keep the cores busy; vitest's default (cores - 1)
 * ran the files one at a time on a 2-core machine.
 */
export const testWorkers = Math.max(2, availableParallelism() + 1);

export default defineConfig({
  resolve: {
    // Tests run against the sources; multi-process tests spawn children on the built dist.
    alias: [
      {
        find: /^@batchactions\/core\/testing$/,
        replacement: here('packages/core/src/testing/index.ts'),
      },
      {
        find: /^@batchactions\/core\/telemetry$/,
        replacement: here('packages/core/src/telemetry/index.ts'),
      },
      { find: /^@batchactions\/core$/, replacement: here('packages/core/src/index.ts') },
      { find: /^@batchactions\/import$/, replacement: here('packages/import/src/index.ts') },
      {
        find: /^@batchactions\/import\/validation$/,
        replacement: here('packages/import/src/validation.ts'),
      },
      {
        find: /^@batchactions\/state-sql$/,
        replacement: here('packages/state-sql/src/index.ts'),
      },
      {
        find: /^@batchactions\/state-postgres$/,
        replacement: here('packages/state-postgres/src/index.ts'),
      },
      {
        find: /^@batchactions\/state-sequelize$/,
        replacement: here('packages/state-sequelize/src/index.ts'),
      },
      {
        find: /^@batchactions\/state-prisma$/,
        replacement: here('packages/state-prisma/src/index.ts'),
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
    // The dashboard's browser tests run with `npm run test:browser` (vitest.browser.config.ts).
    exclude: ['**/node_modules/**', ...slowSuites, 'tests/browser/**'],
    globalSetup: ['tests/global-setup.ts'],
    // Drops the test databases a file kept for reuse once the file is done.
    setupFiles: ['tests/support/file-end-hook.ts'],
    maxWorkers: testWorkers,
    minWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
