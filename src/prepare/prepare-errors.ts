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

/**
 * `resumePrepare` found the job's prepare alive: its last heartbeat is younger than
 * `takeOverAfterMs`. Wait, or pass a smaller `takeOverAfterMs` once that process is known dead.
 */
export class PrepareStillRunningError extends BatchActionsError {
  readonly jobId: string;
  /** Milliseconds since the running prepare's last heartbeat, by the store's clock. */
  readonly heartbeatAgeMs: number;
  readonly takeOverAfterMs: number;

  constructor(jobId: string, heartbeatAgeMs: number, takeOverAfterMs: number) {
    super(
      'PREPARE_STILL_RUNNING',
      `prepare of job ${jobId} is still running (last heartbeat ${heartbeatAgeMs} ms ago, ` +
        `younger than takeOverAfterMs ${takeOverAfterMs} ms): not resumed`,
    );
    this.jobId = jobId;
    this.heartbeatAgeMs = heartbeatAgeMs;
    this.takeOverAfterMs = takeOverAfterMs;
  }
}

/** `resumePrepare` was called for a job whose prepare cannot go on (the job ended). */
export class PrepareNotResumableError extends BatchActionsError {
  readonly jobId: string;
  /** The job's status. */
  readonly status: JobStatus;

  constructor(jobId: string, status: JobStatus) {
    super(
      'PREPARE_NOT_RESUMABLE',
      `prepare of job ${jobId} cannot be resumed: the job is ${status}`,
    );
    this.jobId = jobId;
    this.status = status;
  }
}

/**
 * A resumed prepare read a source that does not match what the job already holds (another file,
 * or the file changed): nothing more was stored. Resume with the very source the prepare started
 * with, or purge the job and prepare again.
 */
export class SourceMismatchError extends BatchActionsError {
  readonly jobId: string;

  constructor(jobId: string, detail: string) {
    super(
      'SOURCE_MISMATCH',
      `resumed prepare of job ${jobId} stopped: the source does not match what the job holds ` +
        `(${detail})`,
    );
    this.jobId = jobId;
  }
}
