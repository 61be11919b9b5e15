export { backoffDelay, runWithRetries, sleep } from './backoff';
export type { AttemptOutcome, RetryPolicy } from './backoff';
export { errorMessage } from './error-message';
export {
  commitFailure,
  decideRecord,
  isPendingFailure,
  processReadyRecord,
  processorFailure,
  runRecordPipeline,
  settleProcessed,
  validateRecord,
} from './record-pipeline';
export type {
  PendingFailure,
  ReadyRecord,
  RecordFailure,
  RecordPipeline,
  RecordResult,
  ValidatedRecord,
} from './record-pipeline';
