/**
 * The conformance suite every `DistributedStateStore` runs (vitest), and its fixtures.
 *
 * @module @batchactions/core/testing
 */
export { describeDistributedStateStore } from './describe-distributed-state-store';
export type { ConformanceOptions } from './describe-distributed-state-store';
export { makeJobState, makeRecords, prepareJob } from './fixtures';
export type { PreparedFixture } from './fixtures';
export type { BatchWriteGate, ConformanceHarness } from './conformance-harness';
