import type { ProcessedRecord } from './record';

/** Status values of a batch. */
export const BatchStatus = {
  PENDING: 'PENDING',
  PROCESSING: 'PROCESSING',
  PAUSED: 'PAUSED',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
} as const;
export type BatchStatus = (typeof BatchStatus)[keyof typeof BatchStatus];

/** A slice of a job's records, the unit that workers claim. */
export interface Batch {
  readonly id: string;
  /** 0-based position of the batch in the job. */
  readonly index: number;
  readonly status: BatchStatus;
  /** The batch's records; empty in job states returned by distributed stores. */
  readonly records: readonly ProcessedRecord[];
  readonly processedCount: number;
  readonly failedCount: number;
  /** Worker holding the batch while it is PROCESSING. */
  readonly workerId?: string;
  /** Epoch ms of the current claim. */
  readonly claimedAt?: number;
  /** Index of the batch's first record (inclusive). */
  readonly recordStartIndex?: number;
  /**
   * Index of the batch's last record (inclusive, as published): a batch of 5 records starting at
   * 0 spans 0..4, a one-record batch has `recordStartIndex === recordEndIndex`.
   */
  readonly recordEndIndex?: number;
  /** How many times the batch was claimed (fencing token of the current claim). */
  readonly attempt?: number;
  /** Why the batch FAILED, when it did. */
  readonly error?: string;
}

/** Counters and status written back for a batch. */
export interface BatchState {
  readonly batchId: string;
  readonly status: BatchStatus;
  readonly processedCount: number;
  readonly failedCount: number;
}

/** A new PENDING batch holding `records`. */
export function createBatch(id: string, index: number, records: readonly ProcessedRecord[]): Batch {
  const first = records[0];
  const last = records[records.length - 1];
  return {
    id,
    index,
    status: BatchStatus.PENDING,
    records,
    processedCount: 0,
    failedCount: 0,
    ...(first && last ? { recordStartIndex: first.index, recordEndIndex: last.index } : {}),
  };
}

/** A batch's fields as a store keeps them: optional ones may be `null` (SQL) or `undefined`. */
export interface StoredBatchFields {
  readonly id: string;
  readonly index: number;
  readonly status: BatchStatus;
  readonly processedCount: number;
  readonly failedCount: number;
  readonly recordStartIndex: number;
  readonly recordEndIndex: number;
  readonly attempt: number;
  readonly workerId: string | null | undefined;
  readonly claimedAt: number | null | undefined;
  readonly error: string | null | undefined;
}

/** The batch a store hands out: no records, and absent fields left out rather than null. */
export function storedBatch(fields: StoredBatchFields): Batch {
  const { workerId, claimedAt, error, ...always } = fields;
  return {
    ...always,
    records: [],
    ...(workerId == null ? {} : { workerId }),
    ...(claimedAt == null ? {} : { claimedAt }),
    ...(error == null ? {} : { error }),
  };
}

/** A copy of `batch` without its records (what `BatchEngine` keeps once a batch is done). */
export function clearBatchRecords(batch: Batch): Batch {
  return { ...batch, records: [] };
}
