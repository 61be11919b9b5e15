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

  constructor(
    jobId: string,
    status: JobStatus | null,
    options?: { readonly cause?: unknown },
    why: { readonly code: string; readonly reason: string } = {
      code: 'PREPARE_INTERRUPTED',
      reason:
        status === null
          ? 'the job was purged'
          : status === 'ABORTED'
            ? 'the job was cancelled'
            : `the job is ${status}`,
    },
  ) {
    super(why.code, `prepare of job ${jobId} stopped: ${why.reason}`, options);
    this.jobId = jobId;
    this.status = status;
  }
}

/**
 * This prepare run lost the job's prepare: another run took it over (this one was thought
 * dead), or it was given up (`stopPrepare`) and taken by another run, or finished by one. The
 * run stored nothing more and left the job's status as it was (the run that owns the prepare now
 * decides it). A `PrepareInterruptedError`, so code that handles a cancelled prepare handles
 * this one too. `cause` is the error the run was failing with when it found out, if any.
 */
export class PrepareOwnershipLostError extends PrepareInterruptedError {
  /** The prepare run that lost the prepare. */
  readonly prepareRun: string;

  constructor(
    jobId: string,
    status: JobStatus | null,
    prepareRun: string,
    options?: { readonly cause?: unknown },
  ) {
    super(jobId, status, options, {
      code: 'PREPARE_OWNERSHIP_LOST',
      reason:
        `this run (${prepareRun}) no longer owns the job's prepare (another run took it over, ` +
        `or it was stopped); nothing more was stored and the job's status (${status ?? 'purged'}) ` +
        'was left to the run that owns it',
    });
    this.prepareRun = prepareRun;
  }
}

/**
 * `prepare` (or `resumePrepare`) stopped on an interruption that does not condemn the input: a
 * store error (a dropped connection), a source error (a timeout, a network reset), any error but
 * a parse error. The job keeps every batch stored so far, its prepare is released (as after a
 * clean stop: `getStatus(jobId).prepare.state` is `'stopped'`), and `resumePrepare(jobId, source,
 * parser)` goes on from there; the CLI: `prepare <file> --resume <jobId>`. `cause` is the error.
 * Only on stores that resume prepares; elsewhere the error itself rejects, as published.
 */
export class PrepareResumableError extends BatchActionsError {
  readonly jobId: string;

  constructor(jobId: string, cause: unknown) {
    const what = cause instanceof Error ? cause.message : String(cause);
    super(
      'PREPARE_RESUMABLE',
      `prepare of job ${jobId} stopped on an error: ${what}. The job keeps the batches stored ` +
        `so far; go on with resumePrepare('${jobId}', source, parser) ` +
        `(CLI: prepare <file> --resume ${jobId}), or purge it`,
      { cause },
    );
    this.jobId = jobId;
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

  constructor(jobId: string, detail: string, options?: { cause?: unknown }) {
    super(
      'SOURCE_MISMATCH',
      `resumed prepare of job ${jobId} stopped: the source does not match what the job holds ` +
        `(${detail})`,
      options,
    );
    this.jobId = jobId;
  }
}

/**
 * The end-of-prepare check found batches the prepare wrote missing from the store: their
 * registrations were acknowledged and then lost (with `asynchronousCommit`, a database server
 * crash loses the last writes before it; the prepare went on once the server was back). The
 * prepare does not open the job with a hole in it: it stops resumable
 * (`PrepareResumableError`, this error its `cause`), and `resumePrepare` stores the missing
 * batches again from the source.
 */
export class PreparedBatchesMissingError extends BatchActionsError {
  readonly jobId: string;
  /** Indexes of the batches missing, in order (the first 20 in the message). */
  readonly missingBatches: readonly number[];

  constructor(jobId: string, missingBatches: readonly number[], totalBatches: number) {
    const shown = missingBatches.slice(0, 20).join(', ');
    const more = missingBatches.length > 20 ? `, and ${missingBatches.length - 20} more` : '';
    super(
      'PREPARE_BATCHES_MISSING',
      `prepare of job ${jobId} wrote ${totalBatches} batches, but the store holds none numbered ` +
        `${shown}${more}: their writes were lost after they were acknowledged`,
    );
    this.jobId = jobId;
    this.missingBatches = missingBatches;
  }
}
