import { defineConfig } from 'vitest/config';
import base from './vitest.config';

/**
 * The tests StrykerJS runs (`npm run mutation`): the unit tests of the safety-critical modules
 * listed in `stryker.config.json`, the in-memory store's conformance run, and the facade's
 * lease, recovery, completion and control tests, all on the sources. Tests that spawn the built
 * output (multi-process, CLI, faults) are left out: a mutant in the sources never reaches them.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // The facade code under mutation is the same on every store: run its tests on the
    // in-memory stores only (the mutated in-memory store among them), which keeps the run short.
    env: {
      BATCHACTIONS_TEST_STORES: 'InMemoryDistributedStateStore,published port only (in memory)',
    },
    include: [
      'packages/core/tests/in-memory-distributed-state-store.test.ts',
      'packages/core/tests/batch-rules.test.ts',
      'packages/import/tests/csv-delimiter-detection.test.ts',
      'packages/import/tests/json-scanners.test.ts',
      'tests/unit/*.test.ts',
      'tests/acceptance/lease-takeover.test.ts',
      'tests/acceptance/recovery.test.ts',
      'tests/acceptance/completion-once.test.ts',
      'tests/acceptance/control-plane.test.ts',
    ],
  },
});
