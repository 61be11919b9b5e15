import { BatchStatus } from '../model/batch';
import type { JobProgress, JobState } from '../model/job';

interface BatchCounters {
  readonly status: BatchStatus;
  readonly processedCount: number;
  readonly failedCount: number;
}

/** Record-level progress of a job from its batches' counters. */
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
  const total = job.totalRecords;
  const elapsedMs = job.startedAt === undefined ? 0 : (job.completedAt ?? now) - job.startedAt;
  const finished = processed + failed;
  const percentage = total === 0 ? 0 : (finished / total) * 100;
  const rate = elapsedMs > 0 ? finished / elapsedMs : 0;
  return {
    totalRecords: total,
    processedRecords: processed,
    failedRecords: failed,
    pendingRecords: Math.max(0, total - finished),
    percentage,
    currentBatch: done,
    totalBatches: batches.length,
    elapsedMs,
    ...(rate > 0 ? { estimatedRemainingMs: Math.round((total - finished) / rate) } : {}),
  };
}
