import {
  InvalidOptionError,
  JobNotFoundError,
  type BulkProcessor,
  type RecordProcessorFn,
} from '@batchactions/core';
import type { DistributedImport } from '../distributed-import';
import type { DistributedBatchResult } from '../process/process-batch';
import { defaultWorkerId } from './worker-id';

/** Options of `runWorker`. */
export interface RunWorkerOptions {
  /** Identifies this worker in claims and events. Default: `<hostname>-<pid>-<random>`. */
  readonly workerId?: string;
  /** Batches processed at the same time by this worker. Default `1`. */
  readonly concurrency?: number;
  /**
   * Stop claiming new batches when this signal aborts (for example on SIGTERM); batches in
   * flight finish and are written. Default: none.
   */
  readonly stopSignal?: AbortSignal;
  /**
   * Abort batches in flight when this signal aborts: their processors' signals abort and the
   * batches are released unwritten for another worker. Default: none.
   */
  readonly abortSignal?: AbortSignal;
  /**
   * Milliseconds left before a hard deadline (AWS Lambda: `context.getRemainingTimeInMillis`).
   * No new batch is claimed when less than `deadlineMarginMs` plus the longest batch seen so far
   * remains. Default: no deadline.
   */
  readonly remainingTimeMs?: () => number;
  /** Safety margin kept before the deadline. Default `5000` ms. */
  readonly deadlineMarginMs?: number;
  /** Called after each batch this worker processed. Default: none. */
  readonly onBatch?: (result: DistributedBatchResult) => void;
}

/** What a worker did. */
export interface RunWorkerResult {
  readonly workerId: string;
  readonly batches: number;
  readonly processed: number;
  readonly failed: number;
  /** True when this worker finalised the job. */
  readonly jobComplete: boolean;
  /** Why the loop ended. */
  readonly stoppedBy: 'no-batches' | 'job-complete' | 'stop-signal' | 'deadline';
}

/**
 * The worker loop: calls `processWorkerBatch` until no batch is left, the job is complete, the
 * stop signal aborts or the deadline nears, with `concurrency` batches in flight.
 *
 * Unlike `processWorkerBatch` (which, as published, resolves `claimed: false` for a job id the
 * store does not know), `runWorker` rejects with `JobNotFoundError` when a claim finds no such
 * job, so that a mistyped id does not look like a finished job.
 */
export async function runWorker(
  importer: DistributedImport,
  jobId: string,
  processor: RecordProcessorFn | BulkProcessor,
  options: RunWorkerOptions = {},
): Promise<RunWorkerResult> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidOptionError('concurrency', concurrency, 'an integer >= 1');
  }
  const margin = options.deadlineMarginMs ?? 5000;
  if (!Number.isFinite(margin) || margin < 0) {
    throw new InvalidOptionError('deadlineMarginMs', margin, 'a number >= 0');
  }
  const workerId = options.workerId ?? defaultWorkerId();
  let batches = 0;
  let processed = 0;
  let failed = 0;
  let jobComplete = false;
  let stoppedBy: RunWorkerResult['stoppedBy'] = 'no-batches';
  let longestBatchMs = 0;
  let done = false;

  const mayClaim = (): boolean => {
    if (done) return false;
    if (options.stopSignal?.aborted) {
      stoppedBy = 'stop-signal';
      return false;
    }
    if (options.remainingTimeMs && options.remainingTimeMs() < margin + longestBatchMs) {
      stoppedBy = 'deadline';
      return false;
    }
    return true;
  };

  const lane = async (laneIndex: number): Promise<void> => {
    const laneWorkerId = concurrency === 1 ? workerId : `${workerId}#${laneIndex}`;
    while (mayClaim()) {
      const started = Date.now();
      const { result, claimFailure } = await importer.attemptBatch(
        jobId,
        processor,
        laneWorkerId,
        options.abortSignal ? { signal: options.abortSignal } : {},
      );
      if (claimFailure === 'JOB_NOT_FOUND') throw new JobNotFoundError(jobId);
      if (result.jobComplete) {
        jobComplete = true;
        stoppedBy = 'job-complete';
      }
      if (!result.claimed) {
        done = true;
        return;
      }
      longestBatchMs = Math.max(longestBatchMs, Date.now() - started);
      if (!result.released) {
        batches += 1;
        processed += result.processedCount;
        failed += result.failedCount;
      }
      options.onBatch?.(result);
      if (result.jobComplete) done = true;
    }
  };

  await Promise.all(Array.from({ length: concurrency }, (_, i) => lane(i)));
  return { workerId, batches, processed, failed, jobComplete, stoppedBy };
}
