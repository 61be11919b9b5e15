import type {
  BulkProcessor,
  BatchLease,
  DistributedStateStore,
  EventBus,
  JobHooks,
  RecordProcessorFn,
} from '@batchactions/core';
import type { DuplicateChecker, SchemaValidator } from '@batchactions/import';
import type { DistributedBatchConfig } from '../config';
import type { BatchRun } from './batch-run';
import { checkDuplicates } from './check-duplicates';
import { claimUniqueValues } from './claim-unique-values';
import { claimNextBatch } from './claim-next-batch';
import { emitJobCompleted, finalizeJob } from './finalize-job';
import { JobWatcher } from './job-watcher';
import { enforceFailureThreshold, type FailureThreshold } from '../control/failure-threshold';
import { LeaseKeeper } from './lease-keeper';
import { processRecords } from './process-records';
import { processRecordsInBulk } from './process-records-in-bulk';
import type { StaleReclaimer } from './stale-reclaimer';
import { validateRecords } from './validate-records';
import { batchOutcome, writeBatchResults } from './write-batch-results';

/** True for `{ processBatch }` objects (bulk mode), false for record processor functions. */
export function isBulkProcessor(
  processor: RecordProcessorFn | BulkProcessor,
): processor is BulkProcessor {
  return typeof processor === 'object' && typeof processor.processBatch === 'function';
}

/** What `processWorkerBatch` returns. */
export interface DistributedBatchResult {
  /** Whether a batch was claimed. `false` means no batch is left to claim right now. */
  readonly claimed: boolean;
  /** ID of the batch that was processed. */
  readonly batchId?: string;
  /** Index of the batch that was processed. */
  readonly batchIndex?: number;
  /** Records of this batch the processor accepted. */
  readonly processedCount: number;
  /** Records of this batch that were invalid or failed. */
  readonly failedCount: number;
  /** `true` for the one worker that finalised the whole job. */
  readonly jobComplete: boolean;
  readonly jobId: string;
  /**
   * `true` when the call's `signal` aborted mid-batch, or the job was cancelled: the batch was
   * released back to PENDING (no results written).
   */
  readonly released?: boolean;
}

/** Per-call options of `processWorkerBatch`. */
export interface ProcessWorkerBatchOptions {
  /**
   * Aborting it stops the batch: the processor's signal aborts, no further record starts, and
   * the batch is released unwritten. Default: none.
   */
  readonly signal?: AbortSignal;
}

/** What the process-batch use case needs from the facade. */
export interface ProcessBatchDeps {
  readonly store: DistributedStateStore;
  readonly config: DistributedBatchConfig;
  readonly validator: SchemaValidator;
  readonly hooks: JobHooks;
  readonly duplicateChecker: DuplicateChecker | undefined;
  readonly events: EventBus;
  readonly totalRecordsOf: (jobId: string) => Promise<number>;
  readonly reclaimer: StaleReclaimer;
  readonly failureThreshold: FailureThreshold | undefined;
  /** Receives failures of background work that is retried (heartbeats, cancellation checks). */
  readonly onBackgroundError: (error: unknown) => void;
}

/**
 * Phase 2 for one batch: reclaim stale batches, claim one, run the record pipeline, write the
 * results, and try to finalise the job. Store errors reject the call and leave the batch to be
 * reclaimed; they are never turned into "batch failed".
 */
export async function processBatch(
  deps: ProcessBatchDeps,
  jobId: string,
  processor: RecordProcessorFn | BulkProcessor,
  workerId: string,
  options: ProcessWorkerBatchOptions = {},
): Promise<DistributedBatchResult> {
  const { store, config, events } = deps;
  const swept = deps.reclaimer.isDue(jobId);
  if (swept) await deps.reclaimer.sweep(jobId);
  let claim = await claimNextBatch(store, jobId, workerId);
  if (!claim.claimed && claim.reason === 'NO_PENDING_BATCHES' && !swept) {
    if ((await deps.reclaimer.sweep(jobId)) > 0)
      claim = await claimNextBatch(store, jobId, workerId);
  }
  if (!claim.claimed) {
    const jobComplete =
      claim.reason === 'NO_PENDING_BATCHES' && (await finalizeJob(store, events, jobId));
    return { claimed: false, processedCount: 0, failedCount: 0, jobComplete, jobId };
  }

  const { reservation } = claim;
  const { batchId, batchIndex } = reservation;
  events.emit({
    type: 'batch:claimed',
    jobId,
    timestamp: Date.now(),
    batchId,
    batchIndex,
    workerId,
    ...(reservation.attempt === undefined ? {} : { attempt: reservation.attempt }),
  });
  const lease: BatchLease | undefined =
    reservation.attempt === undefined
      ? undefined
      : { jobId, batchId, workerId, attempt: reservation.attempt };
  const keeper = new LeaseKeeper(
    store,
    lease,
    config.heartbeatIntervalMs,
    options.signal,
    deps.onBackgroundError,
  );
  const watcher = new JobWatcher(
    store,
    jobId,
    config.cancelCheckIntervalMs,
    (cancelled) => {
      keeper.abort(cancelled);
    },
    deps.onBackgroundError,
  );

  let original;
  let outcome;
  try {
    const totalRecords = await deps.totalRecordsOf(jobId);
    const claimUnique = store.claimUniqueValues?.bind(store);
    original = await store.getBatchRecords(jobId, batchId);
    events.emit({
      type: 'batch:started',
      jobId,
      timestamp: Date.now(),
      batchId,
      batchIndex,
      recordCount: original.length,
    });
    const run: BatchRun = {
      jobId,
      batchId,
      batchIndex,
      workerId,
      totalRecords,
      signal: keeper.signal,
      config,
      validator: deps.validator,
      hooks: deps.hooks,
      duplicateChecker: deps.duplicateChecker,
      events,
      claimUniqueValues: claimUnique && ((claims) => claimUnique(jobId, claims)),
    };
    const unique = await claimUniqueValues(run, await validateRecords(run, original));
    const validated = await checkDuplicates(run, unique);
    outcome = isBulkProcessor(processor)
      ? await processRecordsInBulk(run, validated, processor)
      : await processRecords(run, validated, processor);
  } finally {
    await Promise.all([keeper.stop(), watcher.stop()]);
  }
  if (keeper.lostWith !== undefined) throw keeper.lostWith;
  if (options.signal?.aborted || watcher.cancelled) {
    await store.releaseBatch(jobId, batchId, workerId);
    return {
      claimed: true,
      batchId,
      batchIndex,
      processedCount: 0,
      failedCount: 0,
      jobComplete: false,
      jobId,
      released: true,
    };
  }

  const final = batchOutcome(outcome.processedCount, outcome.failedCount, outcome.stopReason);
  await writeBatchResults(
    store,
    { jobId, batchId, ...(lease ? { lease } : {}) },
    original,
    outcome.records,
    final,
  );
  if (final.error === undefined) {
    events.emit({
      type: 'batch:completed',
      jobId,
      timestamp: Date.now(),
      batchId,
      batchIndex,
      processedCount: final.processedCount,
      failedCount: final.failedCount,
      totalCount: original.length,
    });
  } else {
    events.emit({
      type: 'batch:failed',
      jobId,
      timestamp: Date.now(),
      batchId,
      batchIndex,
      error: final.error,
    });
  }

  const failedEarly = await enforceFailureThreshold(store, jobId, deps.failureThreshold);
  if (failedEarly !== undefined) await emitJobCompleted(store, events, jobId, failedEarly);
  const jobComplete = failedEarly !== undefined || (await finalizeJob(store, events, jobId));
  return {
    claimed: true,
    batchId,
    batchIndex,
    processedCount: final.processedCount,
    failedCount: final.failedCount,
    jobComplete,
    jobId,
  };
}
