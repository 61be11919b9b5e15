export { backoffDelay, runWithRetries, sleep } from './backoff';
export type { AttemptOutcome, RetryPolicy } from './backoff';
export { errorMessage } from './error-message';
export {
  commitFailure,
  decideRecord,
  decideRecordNow,
  isPendingFailure,
  processReadyRecord,
  processReadyRecordNow,
  processorFailure,
  runRecordPipeline,
  settleProcessed,
  settleProcessedNow,
  validateRecord,
  validateRecordNow,
} from './record-pipeline';
export type {
  MaybePromise,
  PendingFailure,
  ReadyRecord,
  RecordFailure,
  RecordPipeline,
  RecordResult,
  ValidatedRecord,
} from './record-pipeline';
