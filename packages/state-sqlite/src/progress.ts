import type { JobProgress } from '@batchactions/core';
import type { JobRow } from './job-rows';

/** Sums of a job's batch counters (`SUM_BATCH_COUNTERS`). */
export interface BatchCounterRow {
  readonly total_batches: number;
  readonly processed: number;
  readonly failed: number;
  /** Batches COMPLETED or FAILED. */
  readonly done: number;
}

/** Record-level progress from the job row and its summed batch counters. */
export function progressFromCounters(
  job: Pick<JobRow, 'total_records' | 'started_at' | 'completed_at'>,
  counters: BatchCounterRow,
  now: number,
): JobProgress {
  const total = job.total_records;
  const finished = counters.processed + counters.failed;
  const elapsedMs = job.started_at === null ? 0 : (job.completed_at ?? now) - job.started_at;
  const rate = elapsedMs > 0 ? finished / elapsedMs : 0;
  return {
    totalRecords: total,
    processedRecords: counters.processed,
    failedRecords: counters.failed,
    pendingRecords: Math.max(0, total - finished),
    percentage: total === 0 ? 0 : (finished / total) * 100,
    currentBatch: counters.done,
    totalBatches: counters.total_batches,
    elapsedMs,
    ...(rate > 0 ? { estimatedRemainingMs: Math.round((total - finished) / rate) } : {}),
  };
}
