import type { Batch } from './batch';

/** Status values of a job. */
export const JobStatus = {
  CREATED: 'CREATED',
  PREVIEWING: 'PREVIEWING',
  PREVIEWED: 'PREVIEWED',
  PROCESSING: 'PROCESSING',
  PAUSED: 'PAUSED',
  COMPLETED: 'COMPLETED',
  ABORTED: 'ABORTED',
  FAILED: 'FAILED',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/** The serialisable part of a job's configuration, kept with the job. */
export interface JobConfig {
  /** Never written by `BatchEngine`. */
  readonly id?: string;
  readonly batchSize: number;
  readonly maxConcurrentBatches?: number;
  readonly skipEmptyRows?: boolean;
  readonly continueOnError?: boolean;
  readonly maxRetries?: number;
  readonly retryDelayMs?: number;
  /** The schema definition (serialisable parts only). */
  readonly schema?: unknown;
}

/** Everything a store keeps about a job. */
export interface JobState {
  readonly id: string;
  readonly config: JobConfig;
  readonly status: JobStatus;
  readonly batches: readonly Batch[];
  readonly totalRecords: number;
  /** Epoch ms. */
  readonly startedAt?: number;
  /** Epoch ms. */
  readonly completedAt?: number;
  /** True for jobs prepared by `DistributedImport`. */
  readonly distributed?: boolean;
  /**
   * Addition: the name of the file (or other source) the job was prepared from, for search and
   * listings (`DistributedImport.prepare`'s `sourceName`). Stores in this repository keep the
   * first name given: a later save without one leaves it as it is. Absent when unknown.
   */
  readonly sourceName?: string;
}

/** Record-level progress of a job. */
export interface JobProgress {
  readonly totalRecords: number;
  /** Records the processor accepted. */
  readonly processedRecords: number;
  /** Records that were invalid or whose processing failed. */
  readonly failedRecords: number;
  /** Records not yet processed. */
  readonly pendingRecords: number;
  /** (processed + failed) / total × 100, 0 to 100. */
  readonly percentage: number;
  /** Number of batches done (COMPLETED or FAILED). */
  readonly currentBatch: number;
  readonly totalBatches: number;
  readonly elapsedMs: number;
  readonly estimatedRemainingMs?: number;
}

/** Final record-level totals of a job, carried by `job:completed`. */
export interface JobSummary {
  readonly total: number;
  readonly processed: number;
  readonly failed: number;
  /** Records neither processed nor failed (left in a batch that stopped early). */
  readonly skipped: number;
  readonly elapsedMs: number;
}

/** True for statuses a job never leaves. */
export function isTerminalJobStatus(status: JobStatus): boolean {
  return (
    status === JobStatus.COMPLETED || status === JobStatus.FAILED || status === JobStatus.ABORTED
  );
}

/** A job's fields as a store keeps them: optional ones may be `null` (SQL) or `undefined`. */
export interface StoredJobFields {
  readonly id: string;
  readonly config: JobConfig;
  readonly status: JobStatus;
  readonly totalRecords: number;
  readonly startedAt: number | null | undefined;
  readonly completedAt: number | null | undefined;
  readonly distributed: boolean | null | undefined;
}

/** The job a store hands out, with its batches; absent fields left out rather than null. */
export function storedJob(fields: StoredJobFields, batches: readonly Batch[]): JobState {
  const { startedAt, completedAt, distributed, ...always } = fields;
  return {
    ...always,
    batches,
    ...(startedAt == null ? {} : { startedAt }),
    ...(completedAt == null ? {} : { completedAt }),
    ...(distributed == null ? {} : { distributed }),
  };
}
