export { DistributedImport } from './distributed-import';
export type { JobStatusReport } from './control/job-status';
export type { JobPhase } from './control/job-phase';
export type {
  FailedRecordReport,
  FailedRecordsExportOptions,
  FailedRecordsFormat,
} from './failed-records';
export { DistributedStoreRequiredError } from './config';
export { PrepareInterruptedError } from './prepare/prepare-errors';
export type { DistributedBatchConfig, DistributedImportConfig } from './config';
export type { PrepareResult } from './prepare/prepare-job';
export type { DistributedBatchResult, ProcessWorkerBatchOptions } from './process/process-batch';
export { isDistributedStateStore } from '@batchactions/core';
export { RecordTimeoutError } from '@batchactions/core';
export type {
  BatchInFlight,
  BatchLease,
  BatchOutcome,
  BatchReservation,
  ClaimBatchFailureReason,
  ClaimBatchResult,
  DistributedJobStatus,
  DistributedStateStore,
  ProcessedRecord,
} from '@batchactions/core';
export { runWorker } from './worker/run-worker';
export type { FailureThreshold } from './control/failure-threshold';
export type { RunWorkerOptions, RunWorkerResult } from './worker/run-worker';
export type { StoppedBy } from './worker/idle-verdict';
