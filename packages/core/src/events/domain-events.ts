import type { JobProgress, JobSummary } from '../model/job';
import type { ProcessedRecord } from '../model/record';

interface EventBase {
  readonly jobId: string;
  /** Epoch ms when the event was emitted. */
  readonly timestamp: number;
}

/** `prepare` finished: the job's batches are claimable. */
export interface DistributedPreparedEvent extends EventBase {
  readonly type: 'distributed:prepared';
  readonly totalRecords: number;
  readonly totalBatches: number;
  /** Rows skipped as empty during prepare (not in the published payload; not emitted by DistributedImport). */
  readonly skippedRows?: number;
  readonly elapsedMs?: number;
}

/** A worker claimed a batch. */
export interface BatchClaimedEvent extends EventBase {
  readonly type: 'batch:claimed';
  readonly batchId: string;
  readonly batchIndex: number;
  readonly workerId: string;
  readonly attempt?: number;
}

/** A worker started processing a claimed batch's records. */
export interface BatchStartedEvent extends EventBase {
  readonly type: 'batch:started';
  readonly batchId: string;
  readonly batchIndex: number;
  readonly recordCount: number;
}

/** A batch's results were written; it is COMPLETED. */
export interface BatchCompletedEvent extends EventBase {
  readonly type: 'batch:completed';
  readonly batchId: string;
  readonly batchIndex: number;
  readonly processedCount: number;
  readonly failedCount: number;
  readonly totalCount: number;
}

/** A batch stopped early (`continueOnError: false`) and is FAILED. */
export interface BatchFailedEvent extends EventBase {
  readonly type: 'batch:failed';
  readonly batchId: string;
  readonly batchIndex: number;
  readonly error: string;
}

/** The processor accepted a record. */
export interface RecordProcessedEvent extends EventBase {
  readonly type: 'record:processed';
  readonly batchId: string;
  readonly recordIndex: number;
}

/** A record was invalid, or its processing (or a hook) failed. */
export interface RecordFailedEvent extends EventBase {
  readonly type: 'record:failed';
  readonly batchId: string;
  readonly recordIndex: number;
  readonly error: string;
  /** The record as stored: `invalid` (its `parsed` is the raw record) or `failed`. */
  readonly record: ProcessedRecord;
}

/** The processor failed for a record and will be retried after `delayMs`. */
export interface RecordRetriedEvent extends EventBase {
  readonly type: 'record:retried';
  readonly batchId: string;
  readonly recordIndex: number;
  /** The 1-based attempt that just failed (1 before the first retry). */
  readonly attempt: number;
  readonly maxRetries: number;
  /**
   * The backoff before the next attempt: `retryDelayMs × 2^(attempt − 1)`. Not in the published
   * payload: optional, and not emitted by DistributedImport.
   */
  readonly delayMs?: number;
  readonly error: string;
}

/** `BatchEngine.start()` / `processChunk()` began a run. */
export interface JobStartedEvent extends EventBase {
  readonly type: 'job:started';
  /** Records known when the run starts (0: the source is streamed, not counted ahead). */
  readonly totalRecords: number;
  /** Batches known when the run starts (restored ones after `restore()`). */
  readonly totalBatches: number;
}

/** `BatchEngine.pause()` paused the job. */
export interface JobPausedEvent extends EventBase {
  readonly type: 'job:paused';
  readonly progress: JobProgress;
}

/** `BatchEngine.abort()` aborted the job. */
export interface JobAbortedEvent extends EventBase {
  readonly type: 'job:aborted';
  readonly progress: JobProgress;
}

/** A `BatchEngine` run ended with an error (a record failure with `continueOnError: false`, a store or source error). */
export interface JobFailedEvent extends EventBase {
  readonly type: 'job:failed';
  readonly error: string;
}

/** `BatchEngine.processChunk()` finished a call. */
export interface ChunkCompletedEvent extends EventBase {
  readonly type: 'chunk:completed';
  /** Records processed during this call. */
  readonly processedRecords: number;
  /** Records failed during this call. */
  readonly failedRecords: number;
  /** True when the job is COMPLETED. */
  readonly done: boolean;
}

/**
 * The job finished: emitted by `BatchEngine` at the end of a run, and by the one distributed
 * worker that finalised the job.
 */
export interface JobCompletedEvent extends EventBase {
  readonly type: 'job:completed';
  /** Not in the published payload; not emitted by DistributedImport. */
  readonly status?: 'COMPLETED' | 'FAILED';
  readonly summary: JobSummary;
  /** Why the job failed early (the failure threshold), when it did. */
  readonly reason?: string;
}

/** Same payload as `job:completed`, under the name earlier releases documented. */
export interface ImportCompletedEvent extends EventBase {
  readonly type: 'import:completed';
  readonly status: 'COMPLETED' | 'FAILED';
  readonly summary: JobSummary;
  readonly reason?: string;
}

/** Progress after each completed batch (`BatchEngine`; distributed workers as they see the job). */
export interface JobProgressEvent extends EventBase {
  readonly type: 'job:progress';
  readonly progress: JobProgress;
}

/** Every event, keyed by its `type`. */
export interface DomainEventMap {
  'job:started': JobStartedEvent;
  'job:paused': JobPausedEvent;
  'job:aborted': JobAbortedEvent;
  'job:failed': JobFailedEvent;
  'chunk:completed': ChunkCompletedEvent;
  'distributed:prepared': DistributedPreparedEvent;
  'batch:claimed': BatchClaimedEvent;
  'batch:started': BatchStartedEvent;
  'batch:completed': BatchCompletedEvent;
  'batch:failed': BatchFailedEvent;
  'record:processed': RecordProcessedEvent;
  'record:failed': RecordFailedEvent;
  'record:retried': RecordRetriedEvent;
  'job:completed': JobCompletedEvent;
  'import:completed': ImportCompletedEvent;
  'job:progress': JobProgressEvent;
}

export type EventType = keyof DomainEventMap;
export type DomainEvent = DomainEventMap[EventType];
/** The event object of one `type`. */
export type EventPayload<T extends EventType> = DomainEventMap[T];
