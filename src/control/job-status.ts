import {
  JobNotFoundError,
  type BatchInFlight,
  type DistributedJobStatus,
  type DistributedStateStore,
  type JobProgress,
  type JobStatus,
} from '@batchactions/core';

/** Where a job stands: what `getStatus` and the CLI's `status` report. */
export interface JobStatusReport {
  readonly jobId: string;
  readonly status: JobStatus;
  readonly progress: JobProgress;
  readonly batches: DistributedJobStatus;
  /**
   * The batches workers hold now, with worker, attempt and heartbeat age; present when the
   * store has the optional `listBatchesInFlight` (every store in this repository).
   */
  readonly inFlight?: readonly BatchInFlight[];
}

/**
 * Reads a job's status, record progress, batch counts and batches in flight from the store
 * (any process). Rejects with `JobNotFoundError` for an unknown job.
 */
export async function readJobStatus(
  store: DistributedStateStore,
  jobId: string,
): Promise<JobStatusReport> {
  const status = store.getJobStatus
    ? await store.getJobStatus(jobId)
    : ((await store.getJobState(jobId))?.status ?? null);
  if (status === null) throw new JobNotFoundError(jobId);
  const [progress, batches, inFlight] = await Promise.all([
    store.getProgress(jobId),
    store.getDistributedStatus(jobId),
    store.listBatchesInFlight?.(jobId),
  ]);
  return { jobId, status, progress, batches, ...(inFlight ? { inFlight } : {}) };
}
