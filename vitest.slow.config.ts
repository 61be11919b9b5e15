import { defineConfig } from 'vitest/config';
import base, { slowSuites } from './vitest.config';

/**
 * `npm run test:slow`: the suites `npm test` leaves out (see `slowSuites`), on the same setup.
 * Their processes compete for the cores and some wait for leases to expire, so fewer run side
 * by side than in `npm test`.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: slowSuites,
    exclude: ['**/node_modules/**'],
    maxWorkers: 2,
  },
});
