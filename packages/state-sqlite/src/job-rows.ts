import {
  storedBatch,
  storedJob,
  type Batch,
  type BatchStatus,
  type JobConfig,
  type JobState,
  type JobStatus,
} from '@batchactions/core';

/** A job as stored. */
export interface JobRow {
  readonly pk: number;
  readonly id: string;
  readonly status: JobStatus;
  readonly config: string;
  readonly total_records: number;
  readonly started_at: number | null;
  readonly completed_at: number | null;
  readonly distributed: number | null;
}

/** A batch as stored. */
export interface BatchRow {
  readonly id: string;
  readonly batch_index: number;
  readonly status: BatchStatus;
  readonly processed_count: number;
  readonly failed_count: number;
  readonly worker_id: string | null;
  readonly claimed_at: number | null;
  readonly record_start: number;
  readonly record_end: number;
  readonly attempt: number;
  readonly error: string | null;
}

/** Named parameters of `UPSERT_JOB`. */
export function jobParams(job: JobState): Record<string, unknown> {
  return {
    id: job.id,
    status: job.status,
    config: JSON.stringify(job.config),
    totalRecords: job.totalRecords,
    startedAt: job.startedAt ?? null,
    completedAt: job.completedAt ?? null,
    distributed: job.distributed === undefined ? null : Number(job.distributed),
    // Written by the insert only: a later save of the job keeps the first one.
    createdAt: Date.now(),
  };
}

/** Parameters of `INSERT_BATCH` after the job key, in column order. */
export function batchParams(batch: Batch): unknown[] {
  return [
    batch.id,
    batch.index,
    batch.status,
    batch.processedCount,
    batch.failedCount,
    batch.workerId ?? null,
    batch.claimedAt ?? null,
    batch.recordStartIndex ?? batch.records[0]?.index ?? 0,
    batch.recordEndIndex ?? batch.records.at(-1)?.index ?? (batch.recordStartIndex ?? 0) - 1,
    batch.attempt ?? 0,
    batch.error ?? null,
  ];
}

/** A stored batch without its records; absent fields are left out. */
export function batchFromRow(row: BatchRow): Batch {
  return storedBatch({
    id: row.id,
    index: row.batch_index,
    status: row.status,
    processedCount: row.processed_count,
    failedCount: row.failed_count,
    recordStartIndex: row.record_start,
    recordEndIndex: row.record_end,
    attempt: row.attempt,
    workerId: row.worker_id,
    claimedAt: row.claimed_at,
    error: row.error,
  });
}

/** A stored job with its batches. */
export function jobFromRow(row: JobRow, batches: readonly Batch[]): JobState {
  return storedJob(
    {
      id: row.id,
      config: JSON.parse(row.config) as JobConfig,
      status: row.status,
      totalRecords: row.total_records,
      startedAt: row.started_at,
      completedAt: row.completed_at,
      distributed: row.distributed === null ? null : row.distributed !== 0,
    },
    batches,
  );
}
