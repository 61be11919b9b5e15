import { progressFromCounts, type JobProgress } from '@batchactions/core';

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
  return progressFromCounts({
    totalRecords: row.total_records,
    processed: row.processed,
    failed: row.failed,
    doneBatches: row.done_batches,
    totalBatches: row.total_batches,
    startedAt: row.started_at ?? undefined,
    completedAt: row.completed_at ?? undefined,
    now: row.now,
  });
}
