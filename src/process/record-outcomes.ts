import type { ProcessedRecord } from '@batchactions/core';
import type { BatchRun } from './batch-run';

/** What one record contributed to its batch's counts, and whether the batch must stop. */
export interface RecordTally {
  readonly processed: number;
  readonly failed: number;
  /** A failure with `continueOnError: false`: no further record of the batch is started. */
  readonly stop: boolean;
}

export const SKIPPED: RecordTally = { processed: 0, failed: 0, stop: false };

/** Saves a record that failed (invalid, hook failure, processor failure) and emits `record:failed`. */
export async function recordFailed(
  run: BatchRun,
  stored: ProcessedRecord,
  error: string,
): Promise<void> {
  await run.save(stored);
  run.events.emit({
    type: 'record:failed',
    jobId: run.jobId,
    batchId: run.batchId,
    recordIndex: stored.index,
    error,
    record: stored,
    timestamp: Date.now(),
  });
}

/** Saves a processed record and emits `record:processed`. */
export async function recordProcessed(run: BatchRun, stored: ProcessedRecord): Promise<void> {
  await run.save(stored);
  if (!run.events.hasListeners('record:processed')) return;
  run.events.emit({
    type: 'record:processed',
    jobId: run.jobId,
    batchId: run.batchId,
    recordIndex: stored.index,
    timestamp: Date.now(),
  });
}

/** The tally of a failed record. */
export function failedTally(run: BatchRun): RecordTally {
  return { processed: 0, failed: 1, stop: !run.config.continueOnError };
}

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
