import { randomUUID } from 'node:crypto';
import {
  sleep,
  type DistributedStateStore,
  type EventBus,
  type JobSummary,
} from '@batchactions/core';

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

/** Waits before each retry of a failed `claimJobCompletion` (then the call rejects). */
const COMPLETION_RETRY_DELAYS_MS = [100, 500, 2000] as const;

/** How a worker reports completions on a store with `acknowledgeJobCompletion`. */
export interface CompletionSettings {
  /** `completionTakeOverAfterMs`: an unacknowledged claim this old is taken over. */
  readonly takeOverAfterMs: number;
  /** Receives an acknowledgement that failed on every try (the event was emitted). */
  readonly onBackgroundError: (error: unknown) => void;
}

/** `work`, retried after the completion delays; the last failure rejects. */
async function withRetries<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      const delay = COMPLETION_RETRY_DELAYS_MS[attempt];
      if (delay === undefined) throw error;
      await sleep(delay);
    }
  }
}

/**
 * Claims the right to report the job's completion and, when granted, emits `job:completed` with
 * the summary the store kept from the finalisation. A failed claim (a dropped connection) is
 * retried with the same claimant, so a claim whose answer was lost is granted again; when every
 * try fails the error rejects, and the next worker call on the job reports it instead. On a
 * store with `acknowledgeJobCompletion` the claim takes over one left unacknowledged for
 * `completionTakeOverAfterMs` (its claimant died, or never got its answer), and the event is
 * acknowledged once emitted. Returns whether this call emitted the event.
 */
export async function reportJobCompletion(
  store: DistributedStateStore & Required<Pick<DistributedStateStore, 'claimJobCompletion'>>,
  events: EventBus,
  jobId: string,
  workerId: string,
  settings?: CompletionSettings,
): Promise<boolean> {
  const claimant = `${workerId}/${randomUUID()}`;
  const acknowledge = settings && store.acknowledgeJobCompletion?.bind(store);
  const acknowledging = settings !== undefined && acknowledge !== undefined;
  // A store with only `claimJobCompletion` gets the two-argument call it was written for.
  const summary: JobSummary | null = await withRetries(() =>
    acknowledging
      ? store.claimJobCompletion(jobId, claimant, { takeOverAfterMs: settings.takeOverAfterMs })
      : store.claimJobCompletion(jobId, claimant),
  );
  if (summary === null) return false;
  events.emit({ type: 'job:completed', jobId, summary, timestamp: Date.now() });
  if (acknowledging) {
    await withRetries(() => acknowledge(jobId, claimant)).catch((error: unknown) => {
      // Emitted all the same; unacknowledged, the claim may be taken over after
      // completionTakeOverAfterMs.
      settings.onBackgroundError(error);
    });
  }
  return true;
}

/**
 * Steps 11–12: asks the store to finalise the job; exactly one worker wins. On a store with
 * `claimJobCompletion` the summary stored with the finalisation is reported exactly once across
 * the fleet (see {@link reportJobCompletion}); otherwise the winner reads the job back and emits
 * `job:completed`, as published.
 */
export async function finalizeJob(
  store: DistributedStateStore,
  events: EventBus,
  jobId: string,
  jobTotal: number,
  workerId: string,
  settings?: CompletionSettings,
): Promise<boolean> {
  if (!(await store.tryFinalizeJob(jobId))) return false;
  if (store.claimJobCompletion) {
    return reportJobCompletion(
      store as Parameters<typeof reportJobCompletion>[0],
      events,
      jobId,
      workerId,
      settings,
    );
  }
  await emitJobCompleted(store, events, jobId, jobTotal);
  return true;
}

/**
 * For a claim that found the job no longer PROCESSING: reports its completion if the store says
 * it was finalised and nobody reported it yet (the finaliser failed right after finalising).
 */
export async function recoverJobCompletion(
  store: DistributedStateStore,
  events: EventBus,
  jobId: string,
  workerId: string,
  settings?: CompletionSettings,
): Promise<boolean> {
  if (!store.claimJobCompletion) return false;
  return reportJobCompletion(
    store as Parameters<typeof reportJobCompletion>[0],
    events,
    jobId,
    workerId,
    settings,
  );
}
