import { BatchActionsError, type JobStatus } from '@batchactions/core';

/**
 * `prepare` stopped because its job was cancelled (status ABORTED) or purged while the records
 * were being stored. Nothing was handed to any worker; a cancelled job keeps the records stored
 * so far until it is purged, a purged one has none.
 */
export class PrepareInterruptedError extends BatchActionsError {
  readonly jobId: string;
  /** The job's status when prepare noticed (`null`: the job was purged). */
  readonly status: JobStatus | null;

  constructor(jobId: string, status: JobStatus | null) {
    const why =
      status === null
        ? 'the job was purged'
        : status === 'ABORTED'
          ? 'the job was cancelled'
          : `the job is ${status}`;
    super('PREPARE_INTERRUPTED', `prepare of job ${jobId} stopped: ${why}`);
    this.jobId = jobId;
    this.status = status;
  }
}

/**
 * Makes the error `prepare` rejects with carry the job's id (`error.jobId`), so that a caller (the
 * CLI) can name the job whose rows need cleaning up. The error itself is kept (same class, same
 * message) as published; a non-object thrown value is wrapped in an `Error`.
 */
export function withJobId(error: unknown, jobId: string): unknown {
  if (typeof error !== 'object' || error === null) {
    const wrapped = new Error(`prepare of job ${jobId} failed: ${String(error)}`);
    return Object.assign(wrapped, { jobId });
  }
  if ((error as { jobId?: unknown }).jobId !== undefined || !Object.isExtensible(error)) {
    return error;
  }
  Object.defineProperty(error, 'jobId', {
    value: jobId,
    enumerable: true,
    configurable: true,
    writable: false,
  });
  return error;
}
