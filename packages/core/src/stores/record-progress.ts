import { BatchStatus } from '../model/batch';
import type { JobProgress, JobState } from '../model/job';
import { donePercentage } from '../model/percentage';
import type { ProcessedRecord } from '../model/record';

/**
 * Progress of a single-process job from its stored records, as `InMemoryStateStore` and
 * `FileStateStore` report it from `getJobProgress` (their `getProgress` keeps the published
 * formula, {@link publishedProgressFromRecords}): `total` is the job's `totalRecords` (the number of stored records
 * when the job is unknown); processed and failed (`failed` + `invalid`) are counted from the
 * records. Unlike the published stores, failed records count as done (the engine's formula),
 * `pendingRecords` never goes below 0, and the percentage reads 100 only when all are done.
 */
export function progressFromRecords(
  job: JobState | null,
  records: Iterable<ProcessedRecord>,
  now: number,
): JobProgress {
  const { stored, processed, failed } = countRecords(records);
  const total = job ? job.totalRecords : stored;
  const done = processed + failed;
  const pending = Math.max(0, total - done);
  const elapsedMs =
    job?.startedAt === undefined ? 0 : Math.max(0, (job.completedAt ?? now) - job.startedAt);
  return {
    totalRecords: total,
    processedRecords: processed,
    failedRecords: failed,
    pendingRecords: pending,
    percentage: donePercentage(done, total),
    currentBatch: job ? job.batches.filter((b) => b.status === BatchStatus.COMPLETED).length : 0,
    totalBatches: job ? job.batches.length : 0,
    elapsedMs,
    ...(done > 0 && elapsedMs > 0 && pending > 0
      ? { estimatedRemainingMs: Math.round((elapsedMs / done) * pending) }
      : {}),
  };
}

/** The stored records, and among them the processed and the failed (`failed` + `invalid`) ones. */
function countRecords(records: Iterable<ProcessedRecord>): {
  stored: number;
  processed: number;
  failed: number;
} {
  let stored = 0;
  let processed = 0;
  let failed = 0;
  for (const record of records) {
    stored += 1;
    if (record.status === 'processed') processed += 1;
    else if (record.status === 'failed' || record.status === 'invalid') failed += 1;
  }
  return { stored, processed, failed };
}

/**
 * The published `getProgress` of `InMemoryStateStore` and `FileStateStore`, formula for formula:
 * `total` is the job's `totalRecords` (the number of stored records when the job is unknown);
 * processed and failed (`failed` + `invalid`) are counted from the stored records;
 * `pendingRecords = total - processed - failed`, not clamped at 0;
 * `percentage = Math.round(processed / total * 100)` (failed records not included; 0 when
 * `total` is 0); `currentBatch` counts the job's COMPLETED batches; `elapsedMs` runs from
 * `startedAt` to now (0 without a start). No `estimatedRemainingMs`.
 */
export function publishedProgressFromRecords(
  job: JobState | null,
  records: Iterable<ProcessedRecord>,
  now: number,
): JobProgress {
  const { stored, processed, failed } = countRecords(records);
  const total = job ? job.totalRecords : stored;
  return {
    totalRecords: total,
    processedRecords: processed,
    failedRecords: failed,
    pendingRecords: total - processed - failed,
    percentage: total > 0 ? Math.round((processed / total) * 100) : 0,
    currentBatch: job ? job.batches.filter((b) => b.status === BatchStatus.COMPLETED).length : 0,
    totalBatches: job ? job.batches.length : 0,
    elapsedMs: job?.startedAt ? now - job.startedAt : 0,
  };
}
