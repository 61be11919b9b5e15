import { defineConfig } from 'vitest/config';
import base from './vitest.config';

/**
 * The acceptance files that run on `SequelizeStateStore`, on the dialects `npm test` leaves out
 * (PostgreSQL and SQLite; `npm test` runs them on MariaDB, see tests/support/sequelize-stores.ts)
 * and on no other store (those ran in `npm test`). Part of `npm run test:slow`, which CI runs.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'tests/acceptance/completion-once.test.ts',
      'tests/acceptance/early-open.test.ts',
      'tests/acceptance/empty-and-keyed-prepare.test.ts',
      'tests/acceptance/failure-threshold-early-open.test.ts',
      'tests/acceptance/malformed-input.test.ts',
      'tests/acceptance/prepare-lifecycle.test.ts',
      'tests/acceptance/prepare-ownership.test.ts',
      'tests/acceptance/resume-prepare.test.ts',
    ],
    exclude: ['**/node_modules/**'],
    env: {
      BATCHACTIONS_SEQUELIZE_DIALECTS: 'postgres,sqlite',
      BATCHACTIONS_TEST_STORES: 'SequelizeStateStore (postgres),SequelizeStateStore (sqlite)',
    },
  },
});
