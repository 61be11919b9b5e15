/**
 * `DistributedImport`, `runWorker` and their types: prepare a file once, let many workers process its batches.
 *
 * @module @batchactions/distributed
 */
export { DistributedImport } from './distributed-import';
export type { JobStatusReport, PrepareState } from './control/job-status';
export type { JobPhase } from './control/job-phase';
export type {
  FailedRecordReport,
  FailedRecordsExportOptions,
  FailedRecordsFormat,
} from './failed-records';
export { DistributedStoreRequiredError } from './config';
export {
  PrepareInterruptedError,
  PrepareNotResumableError,
  PrepareOwnershipLostError,
  PrepareResumableError,
  PrepareStillRunningError,
  PreparedBatchesMissingError,
  SourceMismatchError,
} from './prepare/prepare-errors';
export { RecordAlreadyStoredError } from '@batchactions/core';
export type {
  DistributedBatchConfig,
  DistributedImportConfig,
  DistributedSettings,
} from './config';
export type { PrepareOutcome, PrepareResult } from './prepare/prepare-job';
export type { PrepareOptions, ResumePrepareOptions } from './prepare/prepare-options';
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
  PreparedBatch,
  PrepareTakeover,
  ProcessedRecord,
  RegisterBatchOptions,
} from '@batchactions/core';
export { runWorker } from './worker/run-worker';
export { limitYoungGeneration } from './worker/young-generation';
export { BackgroundErrorHandlerWarning } from './process/background-errors';
export type { FailureThreshold } from './control/failure-threshold';
export type { RunWorkerOptions, RunWorkerResult } from './worker/run-worker';
export type { YoungGenerationLimit, YoungGenerationOptions } from './worker/young-generation';
export type { StoppedBy } from './worker/idle-verdict';
export { createDashboard } from './dashboard/create-dashboard';
export type { DashboardHandler } from './dashboard/create-dashboard';
export type { DashboardOptions } from './dashboard/dashboard-options';
export { startDashboardServer } from './dashboard/dashboard-server';
export type { DashboardServer, DashboardServerOptions } from './dashboard/dashboard-server';
export type {
  BatchListEntry,
  BatchListPage,
  BatchStatusEntry,
  FailedRecordPage,
} from '@batchactions/core';
export type {
  OpenTelemetryOptions,
  OtelMeterProvider,
  OtelTextMapPropagator,
  OtelTracerProvider,
} from '@batchactions/core';
export { OpenTelemetryLoadError } from '@batchactions/core';
export type { TraceContextCarrier } from '@batchactions/core';
