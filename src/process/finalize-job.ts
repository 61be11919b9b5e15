import type { DistributedStateStore, EventBus, JobSummary } from '@batchactions/core';

/**
 * Step 11: asks the store to finalise the job. Exactly one worker wins; it computes the
 * record-level summary and emits `job:completed` (and `import:completed`, its earlier name).
 */
export async function finalizeJob(
  store: DistributedStateStore,
  events: EventBus,
  jobId: string,
): Promise<boolean> {
  if (!(await store.tryFinalizeJob(jobId))) return false;
  await emitJobCompleted(store, events, jobId);
  return true;
}

/** Emits `job:completed` (and `import:completed`) with the job's final record-level summary. */
export async function emitJobCompleted(
  store: DistributedStateStore,
  events: EventBus,
  jobId: string,
  reason?: string,
): Promise<void> {
  const [progress, job] = await Promise.all([store.getProgress(jobId), store.getJobState(jobId)]);
  const summary: JobSummary = {
    total: progress.totalRecords,
    processed: progress.processedRecords,
    failed: progress.failedRecords,
    skipped: Math.max(
      0,
      progress.totalRecords - progress.processedRecords - progress.failedRecords,
    ),
    elapsedMs: progress.elapsedMs,
  };
  const status = job?.status === 'FAILED' ? 'FAILED' : 'COMPLETED';
  const timestamp = Date.now();
  const extra = reason === undefined ? {} : { reason };
  events.emit({ type: 'job:completed', jobId, timestamp, status, summary, ...extra });
  events.emit({ type: 'import:completed', jobId, timestamp, status, summary, ...extra });
}
