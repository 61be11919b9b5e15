import type { DistributedStateStore, EventBus, JobSummary } from '@batchactions/core';

/**
 * The published summary: read the job back and sum its batches' counters; `elapsedMs` runs from
 * the job's `startedAt` (0 without one). An unknown job gives `jobTotal` and zeros.
 */
export async function jobSummary(
  store: DistributedStateStore,
  jobId: string,
  jobTotal: number,
): Promise<JobSummary> {
  const final = await store.getJobState(jobId);
  if (!final) return { total: jobTotal, processed: 0, failed: 0, skipped: 0, elapsedMs: 0 };
  let processed = 0;
  let failed = 0;
  for (const batch of final.batches) {
    processed += batch.processedCount;
    failed += batch.failedCount;
  }
  const total = final.totalRecords;
  return {
    total,
    processed,
    failed,
    skipped: Math.max(0, total - processed - failed),
    elapsedMs: final.startedAt === undefined ? 0 : Date.now() - final.startedAt,
  };
}

/**
 * Emits `job:completed` with the published summary (also when the store finalised the job as
 * FAILED, as published). `reason` is set only when our failure threshold (opt-in) ended the job.
 */
export async function emitJobCompleted(
  store: DistributedStateStore,
  events: EventBus,
  jobId: string,
  jobTotal: number,
  reason?: string,
): Promise<void> {
  const summary = await jobSummary(store, jobId, jobTotal);
  events.emit({
    type: 'job:completed',
    jobId,
    summary,
    ...(reason === undefined ? {} : { reason }),
    timestamp: Date.now(),
  });
}

/**
 * Steps 11–12: asks the store to finalise the job. Exactly one worker wins; it emits
 * `job:completed`.
 */
export async function finalizeJob(
  store: DistributedStateStore,
  events: EventBus,
  jobId: string,
  jobTotal: number,
): Promise<boolean> {
  if (!(await store.tryFinalizeJob(jobId))) return false;
  await emitJobCompleted(store, events, jobId, jobTotal);
  return true;
}
