import {
  isTerminalJobStatus,
  JobStatus,
  type BatchInFlight,
  type DistributedJobStatus,
} from '@batchactions/core';
import type { PrepareState } from './job-status';

/**
 * What a job is doing, told from its status, its prepare and its batches:
 * - `preparing`: `prepare` is still storing records (see the report's `prepare` for whether it
 *   is alive); workers cannot claim yet. A job that `prepare` opened early is PROCESSING while
 *   it streams, and reports the phases below instead.
 * - `waiting-for-workers`: open to workers, batches are pending, and no worker holds one: nobody
 *   has started work, or every worker stopped. Start workers (`work`, `runWorker`).
 * - `processing`: at least one worker holds a batch.
 * - `paused`: paused; workers claim nothing until `resume`.
 * - `finished`: completed, failed or cancelled.
 */
export type JobPhase = 'preparing' | 'waiting-for-workers' | 'processing' | 'paused' | 'finished';

/** What {@link jobPhase} looks at. */
export interface JobPhaseInput {
  readonly status: JobStatus;
  readonly batches: DistributedJobStatus;
  readonly inFlight?: readonly BatchInFlight[];
  readonly prepare?: PrepareState;
}

/** The job's {@link JobPhase}. */
export function jobPhase(job: JobPhaseInput): JobPhase {
  if (isTerminalJobStatus(job.status)) return 'finished';
  if (job.status === JobStatus.PAUSED) return 'paused';
  if (job.status === JobStatus.CREATED) return 'preparing';
  if (job.prepare !== undefined && !job.prepare.openEarly) return 'preparing';
  const held = job.inFlight ? job.inFlight.length : job.batches.processingBatches;
  if (held === 0 && job.batches.pendingBatches > 0) return 'waiting-for-workers';
  return 'processing';
}

/**
 * How many distinct workers hold a batch now; `undefined` when the store cannot list the
 * batches in flight (no `listBatchesInFlight`).
 */
export function activeWorkerCount(
  inFlight: readonly BatchInFlight[] | undefined,
): number | undefined {
  return inFlight === undefined ? undefined : new Set(inFlight.map((batch) => batch.workerId)).size;
}
