import { BatchActionsError } from './batch-actions-error';

/** No job with this id exists in the store. */
export class JobNotFoundError extends BatchActionsError {
  readonly jobId: string;
  constructor(jobId: string) {
    super('JOB_NOT_FOUND', `Job "${jobId}" was not found in the state store`);
    this.jobId = jobId;
  }
}

/**
 * The worker no longer holds the batch it is writing: it was reclaimed (and perhaps claimed by
 * another worker) after its lease went stale. Its results were not written.
 */
export class LeaseLostError extends BatchActionsError {
  readonly jobId: string;
  readonly batchId: string;
  readonly workerId: string;
  readonly attempt: number;
  constructor(jobId: string, batchId: string, workerId: string, attempt: number) {
    super(
      'LEASE_LOST',
      `Worker "${workerId}" lost its lease on batch "${batchId}" of job "${jobId}" (attempt ${attempt}); its results were discarded`,
    );
    this.jobId = jobId;
    this.batchId = batchId;
    this.workerId = workerId;
    this.attempt = attempt;
  }
}

/** A store was asked to act on a batch that does not exist. */
export class BatchNotFoundError extends BatchActionsError {
  constructor(jobId: string, batchId: string) {
    super(
      'BATCH_NOT_FOUND',
      `Batch "${batchId}" of job "${jobId}" was not found in the state store`,
    );
  }
}

/** The job was cancelled while a worker was processing one of its batches. */
export class JobCancelledError extends BatchActionsError {
  readonly jobId: string;
  constructor(jobId: string) {
    super('JOB_CANCELLED', `Job "${jobId}" was cancelled`);
    this.jobId = jobId;
  }
}

/**
 * A batch was registered into a job that is no longer being prepared (cancelled, failed, or
 * already opened to workers), or by a prepare run that does not own the job's prepare (another
 * run took it over, or it stopped): nothing was written.
 */
export class JobNotPreparingError extends BatchActionsError {
  readonly jobId: string;
  /** The job's status when the batch was refused. */
  readonly status: string;
  /** With an ownership refusal: the run whose batch was refused. */
  readonly prepareRun: string | undefined;
  constructor(jobId: string, status: string, prepareRun?: string) {
    super(
      'JOB_NOT_PREPARING',
      prepareRun === undefined
        ? `Job "${jobId}" is ${status}, no longer being prepared: the batch was not stored`
        : `Job "${jobId}" (${status}) is not prepared by run "${prepareRun}" (another run took its prepare over, or it stopped): the batch was not stored`,
    );
    this.jobId = jobId;
    this.status = status;
    this.prepareRun = prepareRun;
  }
}

/**
 * `registerBatch` was given a record whose index the job already holds under another batch
 * (a prepare that re-read part of its source): nothing of the batch was written.
 */
export class RecordAlreadyStoredError extends BatchActionsError {
  readonly jobId: string;
  /** The batch that was refused. */
  readonly batchId: string;
  /** The record index already stored, when the store can tell which one. */
  readonly recordIndex: number | undefined;
  constructor(jobId: string, batchId: string, recordIndex?: number, options?: { cause?: unknown }) {
    super(
      'RECORD_ALREADY_STORED',
      `Batch "${batchId}" of job "${jobId}" was not stored: ${
        recordIndex === undefined ? 'one of its record indexes' : `record index ${recordIndex}`
      } is already stored under another batch`,
      options,
    );
    this.jobId = jobId;
    this.batchId = batchId;
    this.recordIndex = recordIndex;
  }
}

/** The state store lacks an optional method that the requested operation needs. */
export class UnsupportedByStoreError extends BatchActionsError {
  readonly method: string;
  constructor(operation: string, method: string) {
    super(
      'UNSUPPORTED_BY_STORE',
      `${operation} needs a state store with the optional method "${method}"; this store does not implement it`,
    );
    this.method = method;
  }
}

/**
 * A processor call outlived its time limit (`recordTimeoutMs`): the signal handed to it aborted
 * with this error, the worker stopped waiting for it, and the attempt failed.
 */
export class RecordTimeoutError extends BatchActionsError {
  /** The records of the call: one, or in bulk mode every record handed to `processBatch`. */
  readonly recordIndexes: readonly number[];
  /** The limit that passed, in milliseconds. */
  readonly timeoutMs: number;
  constructor(recordIndexes: readonly number[], timeoutMs: number) {
    const first = recordIndexes[0] ?? 0;
    const what =
      recordIndexes.length === 1
        ? `Processing record ${first}`
        : `Processing ${recordIndexes.length} records (${first}..${recordIndexes.at(-1) ?? first})`;
    super('RECORD_TIMEOUT', `${what} timed out after ${timeoutMs} ms`);
    this.recordIndexes = recordIndexes;
    this.timeoutMs = timeoutMs;
  }
}
