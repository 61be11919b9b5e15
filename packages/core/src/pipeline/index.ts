export { backoffDelay, runWithRetries, sleep } from './backoff';
export type { AttemptOutcome, RetryPolicy } from './backoff';
export { errorMessage } from './error-message';
export { runRecordPipeline } from './record-pipeline';
export type { RecordPipeline, RecordResult } from './record-pipeline';
