import { BatchStatus } from '../model/batch';
import type { DistributedJobStatus } from '../ports/distributed-state-store';
import type { JobProgress, JobState, JobSummary } from '../model/job';

/** What record-level progress is computed from: the job's totals and its summed batch counters. */
export interface ProgressCounts {
  readonly totalRecords: number;
  /** Σ processedCount over the job's batches. */
  readonly processed: number;
  /** Σ failedCount over the job's batches. */
  readonly failed: number;
  /** Batches COMPLETED or FAILED. */
  readonly doneBatches: number;
  readonly totalBatches: number;
  /** Epoch ms; `undefined` when the job has not started. */
  readonly startedAt: number | undefined;
  /** Epoch ms; `undefined` while the job runs. */
  readonly completedAt: number | undefined;
  /** The store's clock, epoch ms. */
  readonly now: number;
}

/**
 * Record-level progress from counts, the one formula every store uses. Elapsed time runs to
 * `completedAt` (or now) and is clamped at 0, since `startedAt` may come from another machine's
 * clock; the remaining time is extrapolated from the rate so far.
 */
export function progressFromCounts(counts: ProgressCounts): JobProgress {
  const { totalRecords: total, processed, failed } = counts;
  const finished = processed + failed;
  const elapsedMs =
    counts.startedAt === undefined
      ? 0
      : Math.max(0, (counts.completedAt ?? counts.now) - counts.startedAt);
  const remaining = Math.max(0, total - finished);
  const rate = elapsedMs > 0 ? finished / elapsedMs : 0;
  return {
    totalRecords: total,
    processedRecords: processed,
    failedRecords: failed,
    pendingRecords: remaining,
    percentage: total === 0 ? 0 : (finished / total) * 100,
    currentBatch: counts.doneBatches,
    totalBatches: counts.totalBatches,
    elapsedMs,
    ...(rate > 0 ? { estimatedRemainingMs: Math.round(remaining / rate) } : {}),
  };
}

interface BatchCounters {
  readonly status: BatchStatus;
  readonly processedCount: number;
  readonly failedCount: number;
}

/** Record-level progress of a job from its batches' counters (for stores holding batches in memory). */
export function computeProgress(
  job: Pick<JobState, 'totalRecords' | 'startedAt' | 'completedAt'>,
  batches: readonly BatchCounters[],
  now: number,
): JobProgress {
  let processed = 0;
  let failed = 0;
  let done = 0;
  for (const batch of batches) {
    processed += batch.processedCount;
    failed += batch.failedCount;
    if (batch.status === BatchStatus.COMPLETED || batch.status === BatchStatus.FAILED) done += 1;
  }
  return progressFromCounts({
    totalRecords: job.totalRecords,
    processed,
    failed,
    doneBatches: done,
    totalBatches: batches.length,
    startedAt: job.startedAt,
    completedAt: job.completedAt,
    now,
  });
}

/** What a finalised job's summary is computed from. */
export interface SummaryCounts {
  readonly totalRecords: number;
  readonly processed: number;
  readonly failed: number;
  /** Epoch ms; `undefined` or `null` when the job never started. */
  readonly startedAt: number | null | undefined;
  /** Epoch ms of the finalisation. */
  readonly completedAt: number;
}

/**
 * The `job:completed` summary as published (`skipped` = total − processed − failed, at least 0),
 * with `elapsedMs` from `startedAt` to the finalisation (0 without a start, never negative).
 * Stores with `claimJobCompletion` store it when they finalise the job.
 */
export function jobSummaryFromCounts(counts: SummaryCounts): JobSummary {
  const { totalRecords: total, processed, failed } = counts;
  return {
    total,
    processed,
    failed,
    skipped: Math.max(0, total - processed - failed),
    elapsedMs: counts.startedAt == null ? 0 : Math.max(0, counts.completedAt - counts.startedAt),
  };
}

/**
 * The progress of a job the store does not know: all zeros, as the published stores answered
 * (`getProgress` of an unknown job resolves this; it does not reject).
 */
export function unknownJobProgress(): JobProgress {
  return {
    totalRecords: 0,
    processedRecords: 0,
    failedRecords: 0,
    pendingRecords: 0,
    percentage: 0,
    currentBatch: 0,
    totalBatches: 0,
    elapsedMs: 0,
  };
}

/**
 * The batch counts of a job the store does not know: all zeros and not complete, as the
 * published `SequelizeStateStore` answered (`getDistributedStatus` of an unknown job resolves
 * this; it does not reject).
 */
export function unknownJobDistributedStatus(jobId: string): DistributedJobStatus {
  return {
    jobId,
    totalBatches: 0,
    pendingBatches: 0,
    processingBatches: 0,
    completedBatches: 0,
    failedBatches: 0,
    isComplete: false,
  };
}
