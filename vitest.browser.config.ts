import { defineConfig } from 'vitest/config';
import base from './vitest.config';

/**
 * `npm run test:browser`: the dashboard in a real browser (Debian's chromium driven by
 * playwright-core), with worker processes on a job. Not part of `npm test`: it needs the
 * browser installed (`.ci/run` installs it) and takes about a minute.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['tests/browser/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    maxWorkers: 1,
    testTimeout: 180_000,
  },
});
