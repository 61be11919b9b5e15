import { JobStatus, UnsupportedByStoreError, type DistributedStateStore } from '@batchactions/core';

type ControllableStore = DistributedStateStore &
  Required<Pick<DistributedStateStore, 'updateJobStatus'>>;

function assertControllable(
  store: DistributedStateStore,
  operation: string,
): asserts store is ControllableStore {
  if (!store.updateJobStatus) throw new UnsupportedByStoreError(operation, 'updateJobStatus');
}

/**
 * Stops handing out the job's batches: workers finish the batches they hold, and their next
 * claim finds nothing. A job being prepared (CREATED) stays PAUSED when its prepare ends.
 * Returns false when the job was neither PROCESSING nor CREATED.
 */
export async function pauseJob(store: DistributedStateStore, jobId: string): Promise<boolean> {
  assertControllable(store, 'pause');
  return store.updateJobStatus(jobId, [JobStatus.PROCESSING, JobStatus.CREATED], JobStatus.PAUSED);
}

/**
 * Hands out the batches of a paused job again. Returns false when the job was not PAUSED. On a
 * store with prepare liveness, a job paused during its prepare goes back to CREATED (the store
 * never opens a job being prepared) and opens when the prepare ends.
 */
export async function resumeJob(store: DistributedStateStore, jobId: string): Promise<boolean> {
  assertControllable(store, 'resume');
  return store.updateJobStatus(jobId, [JobStatus.PAUSED], JobStatus.PROCESSING);
}

/**
 * Ends the job as ABORTED: no batch is handed out any more; the store puts batches in flight back
 * to PENDING in the same step (their workers' fenced writes are refused, so they stay unwritten)
 * and their signals abort. Returns false when the job had already ended.
 */
export async function cancelJob(store: DistributedStateStore, jobId: string): Promise<boolean> {
  assertControllable(store, 'cancel');
  return store.updateJobStatus(
    jobId,
    [JobStatus.CREATED, JobStatus.PROCESSING, JobStatus.PAUSED],
    JobStatus.ABORTED,
  );
}

/** Deletes the job, its batches and its records. Returns false when there was no such job. */
export async function purgeJob(store: DistributedStateStore, jobId: string): Promise<boolean> {
  if (!store.deleteJob) throw new UnsupportedByStoreError('purge', 'deleteJob');
  return store.deleteJob(jobId);
}
