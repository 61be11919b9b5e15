export { describeDistributedStateStore } from './describe-distributed-state-store';
export type { ConformanceOptions } from './describe-distributed-state-store';
export { makeJobState, makeRecords, prepareJob } from './fixtures';
export type { PreparedFixture } from './fixtures';
