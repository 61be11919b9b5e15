import {
  BatchActionsError,
  InvalidOptionError,
  JobNotFoundError,
  JobStatus,
  type DistributedStateStore,
  type JobState,
} from '@batchactions/core';
import type { PrepareOutcome } from './prepare-job';
import { keepsPrepareLiveness } from './prepare-heartbeat';

/** Longest job id `prepare` accepts in its `jobId` option (the stores' id columns hold 255). */
export const MAX_JOB_ID_LENGTH = 255;

/** Checks the `jobId` option of `prepare`: absent, or a non-empty string of at most 255 characters. */
export function checkJobIdOption(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_JOB_ID_LENGTH) {
    throw new InvalidOptionError(
      'jobId',
      value,
      `a non-empty string of at most ${MAX_JOB_ID_LENGTH} characters`,
    );
  }
  return value;
}

/**
 * Thrown by a writer's `begin` when the `jobId` given to `prepare` names a job the store holds
 * already: `prepare` then returns that job instead of preparing another (never reaches a caller).
 */
export class JobAlreadyExists extends BatchActionsError {
  constructor(readonly jobId: string) {
    super('JOB_ALREADY_EXISTS', `job ${jobId} exists already`);
  }
}

/**
 * Saves a new job. With `keyed` (the caller gave its id), only when the store holds no job with
 * that id, else `JobAlreadyExists`: atomically on a store with `createJobIfAbsent`, otherwise
 * by a `getJobState` check followed by the save (two concurrent prepares can both pass it).
 */
export async function saveNewJob(
  store: DistributedStateStore,
  job: JobState,
  keyed: boolean,
): Promise<void> {
  if (!keyed) return store.saveJobState(job);
  if (store.createJobIfAbsent) {
    if (!(await store.createJobIfAbsent(job))) throw new JobAlreadyExists(job.id);
    return;
  }
  await refuseExistingJob(store, job.id);
  await store.saveJobState(job);
}

/** With a keyed prepare on a store that saves the job only at the end: the id must be free. */
export async function refuseExistingJob(
  store: DistributedStateStore,
  jobId: string,
): Promise<void> {
  if ((await store.getJobState(jobId)) !== null) throw new JobAlreadyExists(jobId);
}

/** What a keyed `prepare` returns for a job that exists already: the job as it stands. */
export async function existingJobOutcome(
  store: DistributedStateStore,
  jobId: string,
): Promise<PrepareOutcome> {
  const job = await store.getJobState(jobId);
  // Purged between the refused creation and this read.
  if (job === null) throw new JobNotFoundError(jobId);
  return {
    jobId,
    totalRecords: job.totalRecords,
    totalBatches: job.batches.length,
    existingStatus: job.status,
  };
}

/**
 * True when `prepare` finalises an empty job itself (no record stored): on stores with prepare
 * liveness (every store in this repository) the job is COMPLETED at once; a store with only
 * the published port keeps the published outcome (the job stays PROCESSING until a worker
 * calls).
 */
export function completesEmptyJob(
  store: DistributedStateStore,
  totalRecords: number,
  status: JobStatus,
): boolean {
  return totalRecords === 0 && status === JobStatus.PROCESSING && keepsPrepareLiveness(store);
}
