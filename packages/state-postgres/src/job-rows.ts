import {
  storedBatch,
  storedJob,
  type Batch,
  type BatchStatus,
  type JobConfig,
  type JobState,
  type JobStatus,
} from '@batchactions/core';

/** A `jobs` row as `selectJobSql` reads it. */
export interface JobRow {
  readonly id: string;
  readonly status: JobStatus;
  readonly config: string;
  readonly total_records: number;
  readonly distributed: boolean | null;
  readonly started_at: number | null;
  readonly completed_at: number | null;
}

/** A `batches` row as `selectBatchesSql` reads it. */
export interface BatchRow {
  readonly id: string;
  readonly batch_index: number;
  readonly status: BatchStatus;
  readonly processed_count: number;
  readonly failed_count: number;
  readonly record_start_index: number;
  readonly record_end_index: number;
  readonly attempt: number;
  readonly worker_id: string | null;
  readonly claimed_at: number | null;
  readonly error: string | null;
}

/** A batch as the store hands it out: no records, absent fields left out. */
export function decodeBatch(row: BatchRow): Batch {
  return storedBatch({
    id: row.id,
    index: row.batch_index,
    status: row.status,
    processedCount: row.processed_count,
    failedCount: row.failed_count,
    recordStartIndex: row.record_start_index,
    recordEndIndex: row.record_end_index,
    attempt: row.attempt,
    workerId: row.worker_id,
    claimedAt: row.claimed_at,
    error: row.error,
  });
}

/** A job with its batches (absent fields left out). */
export function decodeJob(row: JobRow, batches: readonly BatchRow[]): JobState {
  return storedJob(
    {
      id: row.id,
      config: JSON.parse(row.config) as JobConfig,
      status: row.status,
      totalRecords: row.total_records,
      startedAt: row.started_at,
      completedAt: row.completed_at,
      distributed: row.distributed,
    },
    batches.map(decodeBatch),
  );
}

/** The batches of a job as the column arrays of `insertBatchesSql` (`$2`..`$12`). */
export function batchColumns(batches: readonly Batch[]): unknown[] {
  return [
    batches.map((b) => b.id),
    batches.map((b) => b.index),
    batches.map((b) => b.status),
    batches.map(recordStartIndex),
    batches.map(recordEndIndex),
    batches.map((b) => b.processedCount),
    batches.map((b) => b.failedCount),
    batches.map((b) => b.attempt ?? 0),
    batches.map((b) => b.workerId ?? null),
    batches.map((b) => b.claimedAt ?? null),
    batches.map((b) => b.error ?? null),
  ];
}

/** First record index of a batch: given, else its first record's, else 0. */
export function recordStartIndex(batch: Batch): number {
  return batch.recordStartIndex ?? batch.records[0]?.index ?? 0;
}

/** Last record index of a batch (inclusive): given, else its last record's, else start − 1. */
export function recordEndIndex(batch: Batch): number {
  return batch.recordEndIndex ?? batch.records.at(-1)?.index ?? recordStartIndex(batch) - 1;
}
