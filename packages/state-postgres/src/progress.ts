import type { JobProgress } from '@batchactions/core';

/** The aggregate `progressSql` reads. */
export interface ProgressRow {
  readonly total_records: number;
  readonly started_at: number | null;
  readonly completed_at: number | null;
  /** The database clock, epoch ms. */
  readonly now: number;
  readonly processed: number;
  readonly failed: number;
  readonly done_batches: number;
  readonly total_batches: number;
}

/**
 * Record-level progress from the batch counters' sums. Elapsed time runs on the database clock
 * up to `completedAt` (also the database's); `startedAt` comes from the process that started the
 * job, so a skewed clock there is clamped to 0 rather than reported as negative time.
 */
export function progressFromRow(row: ProgressRow): JobProgress {
  const total = row.total_records;
  const finished = row.processed + row.failed;
  const elapsedMs =
    row.started_at === null ? 0 : Math.max(0, (row.completed_at ?? row.now) - row.started_at);
  const rate = elapsedMs > 0 ? finished / elapsedMs : 0;
  return {
    totalRecords: total,
    processedRecords: row.processed,
    failedRecords: row.failed,
    pendingRecords: Math.max(0, total - finished),
    percentage: total === 0 ? 0 : (finished / total) * 100,
    currentBatch: row.done_batches,
    totalBatches: row.total_batches,
    elapsedMs,
    ...(rate > 0 ? { estimatedRemainingMs: Math.round(Math.max(0, total - finished) / rate) } : {}),
  };
}
