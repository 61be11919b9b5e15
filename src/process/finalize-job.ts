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
  events.emit({ type: 'job:completed', jobId, timestamp, status, summary });
  events.emit({ type: 'import:completed', jobId, timestamp, status, summary });
  return true;
}
