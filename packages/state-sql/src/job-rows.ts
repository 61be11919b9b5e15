import {
  storedBatch,
  storedJob,
  type Batch,
  type BatchStatus,
  type JobConfig,
  type JobState,
  type JobStatus,
} from '@batchactions/core';
import { jsonValue } from './record-codec';

/** A jobs row as `selectJobSql` reads it (integers may arrive as strings or bigints). */
export interface JobRow {
  readonly id: string;
  readonly status: JobStatus;
  readonly config: unknown;
  readonly totalRecords: number | string;
  readonly startedAt: number | string | bigint | null;
  readonly completedAt: number | string | bigint | null;
  readonly distributed: boolean | number | null;
  readonly sourceName?: string | null;
  /** 1 until the job's prepare finished. */
  readonly preparing: number | string;
}

/** A batches row as `selectBatchesSql` reads it. */
export interface BatchRow {
  readonly id: string;
  readonly batchIndex: number | string;
  readonly status: BatchStatus;
  readonly processedCount: number | string;
  readonly failedCount: number | string;
  readonly recordStartIndex: number | string;
  readonly recordEndIndex: number | string;
  readonly attempt: number | string;
  readonly workerId: string | null;
  readonly claimedAt: number | string | bigint | null;
  readonly error: string | null;
}

/** A nullable integer column as a number. */
export function optionalNumber(value: number | string | bigint | null): number | null {
  return value === null ? null : Number(value);
}

export function decodeBatch(row: BatchRow): Batch {
  return storedBatch({
    id: row.id,
    index: Number(row.batchIndex),
    status: row.status,
    processedCount: Number(row.processedCount),
    failedCount: Number(row.failedCount),
    recordStartIndex: Number(row.recordStartIndex),
    recordEndIndex: Number(row.recordEndIndex),
    attempt: Number(row.attempt),
    workerId: row.workerId,
    claimedAt: optionalNumber(row.claimedAt),
    error: row.error,
  });
}

/**
 * A job with its batches; until its prepare finished, its total is at least the records its
 * stored batches hold. As in 0.0.5, `distributed` is present (true) only when the column
 * is truthy; with `asGiven`, a stored false is read back too (NULL: absent).
 */
export function decodeJob(row: JobRow, batches: readonly BatchRow[], asGiven = false): JobState {
  const batchList = batches.map(decodeBatch);
  // Until its prepare finished, the records its stored batches hold, if more (as the details,
  // status and progress count them).
  const stored = batches.reduce(
    (n, b) => n + Number(b.recordEndIndex) - Number(b.recordStartIndex) + 1,
    0,
  );
  const totalRecords =
    Number(row.preparing) === 1
      ? Math.max(Number(row.totalRecords), stored)
      : Number(row.totalRecords);
  const distributed =
    asGiven && row.distributed !== null ? Boolean(row.distributed) : row.distributed ? true : null;
  const job = storedJob(
    {
      id: row.id,
      config: jsonValue(row.config) as JobConfig,
      status: row.status,
      totalRecords,
      startedAt: optionalNumber(row.startedAt),
      completedAt: optionalNumber(row.completedAt),
      distributed,
    },
    batchList,
  );
  return row.sourceName == null ? job : { ...job, sourceName: row.sourceName };
}

/** First record index of a batch (inclusive): given, else its first record's, else 0. */
export function recordStartIndex(batch: Batch): number {
  return batch.recordStartIndex ?? batch.records[0]?.index ?? 0;
}

/**
 * Last record index of a batch (inclusive, as published): given, else its last record's, else
 * one before its start (an empty batch).
 */
export function recordEndIndex(batch: Batch): number {
  return batch.recordEndIndex ?? batch.records.at(-1)?.index ?? recordStartIndex(batch) - 1;
}

/** The bind values of one batch row, in `BATCH_INSERT_COLUMNS` order. */
export function batchRowValues(jobId: string, batch: Batch): unknown[] {
  return [
    batch.id,
    jobId,
    batch.index,
    batch.status,
    batch.workerId ?? null,
    batch.claimedAt ?? null,
    recordStartIndex(batch),
    recordEndIndex(batch),
    batch.processedCount,
    batch.failedCount,
    batch.attempt ?? 0,
    batch.error ?? null,
  ];
}
