import type { BatchRun } from './batch-run';

/** What one record contributed to its batch's counts, and whether the batch must stop. */
export interface RecordTally {
  readonly processed: number;
  readonly failed: number;
  /** A failure with `continueOnError: false`: no further record of the batch is started. */
  readonly stop: boolean;
}

export const SKIPPED: RecordTally = { processed: 0, failed: 0, stop: false };

/** Emits `record:retried` after a failed attempt that will be retried (1-based `attempt`). */
export function emitRetried(
  run: BatchRun,
  recordIndex: number,
  attempt: number,
  error: string,
): void {
  run.events.emit({
    type: 'record:retried',
    jobId: run.jobId,
    batchId: run.batchId,
    recordIndex,
    attempt,
    maxRetries: run.config.maxRetries,
    error,
    timestamp: Date.now(),
  });
}
