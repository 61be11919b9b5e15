import {
  JobStatus,
  LeaseLostError,
  supportsFencedWrites,
  type BatchLease,
  type BulkProcessor,
  type ClaimBatchFailureReason,
  type DistributedStateStore,
  type EventBus,
  type JobHooks,
  type ProcessedRecord,
  type RateLeaseGrant,
  type RecordProcessorFn,
} from '@batchactions/core';
import type { DuplicateChecker, SchemaValidator } from '@batchactions/import';
import type { DistributedSettings } from '../config';
import { enforceFailureThreshold, type FailureThreshold } from '../control/failure-threshold';
import type { BatchRun } from './batch-run';
import { claimNextBatch } from './claim-next-batch';
import type { StreamingJobs } from './streaming-jobs';
import {
  emitJobCompleted,
  finalizeJob,
  recoverJobCompletion,
  type CompletionSettings,
} from './finalize-job';
import { JobWatcher } from './job-watcher';
import { LeaseKeeper } from './lease-keeper';
import { precheckBatch } from './precheck-batch';
import { processRecords, type BatchCounts } from './process-records';
import { processRecordsInBulk } from './process-records-in-bulk';
import type { StaleReclaimer } from './stale-reclaimer';
import { limitBulkProcessor, limitRecordProcessor } from './time-limit';
import { RateGate } from './rate-gate';
import { gateBulkProcessor, gateRecordProcessor } from './rate-gated-processor';
import { batchOutcome, writeBatchResults } from './write-batch-results';
import type { BatchTrace, ImportTelemetry } from '../telemetry/import-telemetry';

/** True for `{ processBatch }` objects (bulk mode), false for record processor functions. */
export function isBulkProcessor(
  processor: RecordProcessorFn | BulkProcessor,
): processor is BulkProcessor {
  return typeof processor === 'object' && typeof processor.processBatch === 'function';
}

/** What `processWorkerBatch` returns (the published shape; `released` is an addition). */
export interface DistributedBatchResult {
  /** Whether a batch was claimed. `false`: nothing claimable right now, or no such job. */
  readonly claimed: boolean;
  /** ID of the batch that was processed; present only when claimed. */
  readonly batchId?: string;
  /** Index of the batch that was processed; present only when claimed. */
  readonly batchIndex?: number;
  /** Records of this batch processed (0 when not claimed). */
  readonly processedCount: number;
  /** Records of this batch invalid or failed (0 when not claimed). */
  readonly failedCount: number;
  /** `true` only for the one call that finalised the whole job. */
  readonly jobComplete: boolean;
  /** Echoes the argument. */
  readonly jobId: string;
  /**
   * Addition, present only when `true`: the call's `signal` aborted mid-batch, or the job was
   * cancelled, and the batch was released back to PENDING (on fenced stores: unwritten).
   */
  readonly released?: boolean;
}

/** Per-call options of `processWorkerBatch` (an addition). */
export interface ProcessWorkerBatchOptions {
  /**
   * Aborting it stops the batch: the processor's signal aborts, no further record starts, and
   * the batch is released. Default: none.
   */
  readonly signal?: AbortSignal;
}

/** What the process-batch use case needs from the facade. */
export interface ProcessBatchDeps {
  readonly store: DistributedStateStore;
  readonly config: DistributedSettings;
  readonly validator: SchemaValidator;
  readonly hooks: JobHooks;
  readonly duplicateChecker: DuplicateChecker | undefined;
  readonly events: EventBus;
  /** The job's totalRecords, cached per job (used on our stores only). */
  readonly totalRecordsOf: (jobId: string) => Promise<number>;
  readonly reclaimer: StaleReclaimer;
  readonly failureThreshold: FailureThreshold | undefined;
  /** Receives failures of background work that is retried (heartbeats, cancellation checks). */
  readonly onBackgroundError: (error: unknown) => void;
  /** Jobs a prepare opened early and still streams into (our stores only). */
  readonly streaming: StreamingJobs;
  /** Spans and metrics (issue 29). */
  readonly telemetry: ImportTelemetry;
}

/** How this worker reports completions (`completionTakeOverAfterMs`). */
function completionSettings(deps: ProcessBatchDeps): CompletionSettings {
  return {
    takeOverAfterMs: deps.config.completionTakeOverAfterMs,
    onBackgroundError: deps.onBackgroundError,
  };
}

/** The result, and why nothing was claimed (for `runWorker`; not part of the published result). */
export interface BatchAttempt {
  readonly result: DistributedBatchResult;
  readonly claimFailure?: ClaimBatchFailureReason;
  /**
   * Nothing was pending, and a prepare that opened the job early still streams into it: more
   * batches are coming (`runWorker` claims again shortly instead of reading the job's status).
   */
  readonly streaming?: boolean;
  /**
   * Batches are pending but the job is at its `maxConcurrentBatches` (issue 27): `runWorker`
   * claims again shortly instead of reading the job's status.
   */
  readonly limitReached?: boolean;
}

function notClaimed(jobId: string, jobComplete: boolean): DistributedBatchResult {
  return { claimed: false, processedCount: 0, failedCount: 0, jobComplete, jobId };
}

/** A batch given back unwritten (the call's signal aborted, or the job was cancelled). */
function releasedResult(
  jobId: string,
  batchId: string,
  batchIndex: number,
): DistributedBatchResult {
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

/** Whether the job was cancelled (stores that tell a job's status cheaply). */
async function isCancelled(store: DistributedStateStore, jobId: string): Promise<boolean> {
  return (
    store.getJobStatus !== undefined && (await store.getJobStatus(jobId)) === JobStatus.ABORTED
  );
}

/**
 * Steps 1–3: the stale sweep and the claim. A store with only the published port gets exactly
 * the published calls (a sweep before every claim, one `claimBatch`). Our stores (fenced writes)
 * are swept at most every tenth of the lease timeout and always before concluding that nothing is
 * left, and an empty claim is retried while batches are still pending.
 */
async function sweepAndClaim(deps: ProcessBatchDeps, jobId: string, workerId: string) {
  const { store, config, reclaimer } = deps;
  if (!supportsFencedWrites(store)) {
    // The published call exactly (no maxAttempts: nothing is quarantined).
    deps.telemetry.swept(
      jobId,
      await store.reclaimStaleBatches(jobId, config.staleBatchTimeoutMs),
      0,
    );
    return store.claimBatch(jobId, workerId);
  }
  const swept = reclaimer.isDue(jobId);
  if (swept) await reclaimer.sweep(jobId);
  // While the prepare streams, an empty claim means the next batch is not stored yet.
  const streaming = deps.streaming.known(jobId);
  const claim = await claimNextBatch(store, jobId, workerId, !streaming);
  if (claim.claimed || claim.reason !== 'NO_PENDING_BATCHES' || swept) return claim;
  if (claim.limitReached === true) return claim;
  if (await deps.streaming.check(jobId)) return claim;
  return (await reclaimer.sweep(jobId)) > 0 ? claimNextBatch(store, jobId, workerId) : claim;
}

/**
 * Phase 2 for one batch, in the published order: sweep, claim, `batch:claimed`, read the records
 * and the job total, `batch:started`, the record pipeline, the batch write, `batch:completed` or
 * `batch:failed`, then `tryFinalizeJob` and, for the one winner, `job:completed`.
 *
 * Fixed defects: an infrastructure error (a store write that fails) rejects the call instead of
 * being turned into "Batch failed with N errors", and the claimed batch is released first so
 * another worker can take it at once; on our stores a job whose batches are all done but which
 * nobody finalised (an empty job, a crashed finaliser) is finalised by the next worker.
 */
export async function processBatch(
  deps: ProcessBatchDeps,
  jobId: string,
  processor: RecordProcessorFn | BulkProcessor,
  workerId: string,
  options: ProcessWorkerBatchOptions = {},
): Promise<BatchAttempt> {
  const { store, events } = deps;
  const fenced = supportsFencedWrites(store);
  const claim = await sweepAndClaim(deps, jobId, workerId);
  if (!claim.claimed) {
    if (claim.limitReached === true) {
      return { result: notClaimed(jobId, false), claimFailure: claim.reason, limitReached: true };
    }
    if (claim.reason === 'NO_PENDING_BATCHES' && fenced && (await deps.streaming.check(jobId))) {
      // More batches are coming: the job cannot be finalised before the prepare ends.
      return { result: notClaimed(jobId, false), claimFailure: claim.reason, streaming: true };
    }
    const finalised =
      (fenced &&
        claim.reason === 'NO_PENDING_BATCHES' &&
        (await deps.telemetry.finalize(jobId, workerId, async () =>
          finalizeJob(
            store,
            events,
            jobId,
            await deps.totalRecordsOf(jobId),
            workerId,
            completionSettings(deps),
          ),
        ))) ||
      (claim.reason === 'JOB_NOT_PROCESSING' &&
        (await deps.telemetry.finalize(jobId, workerId, () =>
          recoverJobCompletion(store, events, jobId, workerId, completionSettings(deps)),
        )));
    return { result: notClaimed(jobId, finalised), claimFailure: claim.reason };
  }

  const { reservation } = claim;
  const { batchId, batchIndex } = reservation;
  events.emit({
    type: 'batch:claimed',
    jobId,
    batchId,
    batchIndex,
    workerId,
    timestamp: Date.now(),
  });
  const lease: BatchLease | undefined =
    fenced && reservation.attempt !== undefined
      ? { jobId, batchId, workerId, attempt: reservation.attempt }
      : undefined;
  const trace = await deps.telemetry.batch({
    jobId,
    batchIndex,
    attempt: reservation.attempt,
    workerId,
  });
  try {
    const result = await trace.run(() =>
      runClaimedBatch(
        deps,
        jobId,
        workerId,
        batchId,
        batchIndex,
        lease,
        trace.timed(processor),
        options,
        reservation.rateLimited === true,
        reservation.rateLease,
        trace,
      ),
    );
    return { result };
  } catch (error) {
    // A cancel released the batch under us (its write was refused): released, not an error.
    if (error instanceof LeaseLostError && (await isCancelled(store, jobId))) {
      trace.end({ processedCount: 0, failedCount: 0, released: true });
      return { result: releasedResult(jobId, batchId, batchIndex) };
    }
    trace.fail(error, error instanceof LeaseLostError);
    // The batch is handed back at once rather than after the stale timeout (published: it
    // stayed PROCESSING). A lease lost to another worker (or to a later claim of this worker id:
    // the attempt fences it where the store has leases) makes this a no-op.
    const release = lease
      ? store.releaseBatch(jobId, batchId, workerId, lease.attempt)
      : store.releaseBatch(jobId, batchId, workerId);
    await release.catch((releaseError: unknown) => {
      throw new AggregateError(
        [error, releaseError],
        `batch ${batchId} of job ${jobId} failed, and releasing it failed too`,
      );
    });
    throw error;
  }
}

async function runClaimedBatch(
  deps: ProcessBatchDeps,
  jobId: string,
  workerId: string,
  batchId: string,
  batchIndex: number,
  lease: BatchLease | undefined,
  processor: RecordProcessorFn | BulkProcessor,
  options: ProcessWorkerBatchOptions,
  rateLimited: boolean,
  rateLease: RateLeaseGrant | undefined,
  trace: BatchTrace,
): Promise<DistributedBatchResult> {
  const { store, config, events } = deps;
  const records = await store.getBatchRecords(jobId, batchId);
  const jobTotal = lease
    ? await deps.totalRecordsOf(jobId)
    : ((await store.getJobState(jobId))?.totalRecords ?? records.length);
  events.emit({
    type: 'batch:started',
    jobId,
    batchId,
    batchIndex,
    recordCount: records.length,
    timestamp: Date.now(),
  });

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
  // The job-wide rate (issue 27): a job without one makes no call through the gate.
  const gate = new RateGate({
    store,
    jobId,
    rateLimited,
    ...(rateLease ? { firstLease: rateLease } : {}),
    records: records.length,
    signal: keeper.signal,
    paused: () => watcher.paused,
    pausedCheckMs: config.cancelCheckIntervalMs,
  });
  // Fenced stores get every record in one write at the end; others get the published
  // per-record `saveProcessedRecord`, made before each record's event.
  const kept = new Map<number, ProcessedRecord>();
  const save = lease
    ? (record: ProcessedRecord): void => {
        kept.set(record.index, record);
      }
    : (record: ProcessedRecord) => store.saveProcessedRecord(jobId, batchId, record);
  const claimUnique = config.jobWideUniqueFields ? store.claimUniqueValues?.bind(store) : undefined;
  const run: BatchRun = {
    jobId,
    batchId,
    batchIndex,
    workerId,
    totalRecords: jobTotal,
    signal: keeper.signal,
    config,
    validator: deps.validator,
    hooks: deps.hooks,
    duplicateChecker: deps.duplicateChecker,
    events,
    save,
    claimUniqueValues: claimUnique && ((claims) => claimUnique(jobId, claims)),
  };

  let counts: BatchCounts;
  try {
    const prechecked = run.claimUniqueValues ? await precheckBatch(run, records) : undefined;
    // Each processor call ends when the batch stops (a processor that ignores its signal must
    // not hold a cancelled batch) or when `recordTimeoutMs` passes.
    counts = isBulkProcessor(processor)
      ? await processRecordsInBulk(
          run,
          records,
          gateBulkProcessor(limitBulkProcessor(processor, config.recordTimeoutMs), gate),
          prechecked,
        )
      : await processRecords(
          run,
          records,
          gateRecordProcessor(limitRecordProcessor(processor, config.recordTimeoutMs), gate),
          prechecked,
        );
  } finally {
    await Promise.all([keeper.stop(), watcher.stop(), gate.finish().catch(deps.onBackgroundError)]);
  }
  if (keeper.lostWith !== undefined) throw keeper.lostWith;
  if (options.signal?.aborted || watcher.cancelled) {
    // Fenced by the attempt, like the release after an error: a later claim of this worker id
    // (after a reclaim) is not released by this one.
    await (lease
      ? store.releaseBatch(jobId, batchId, workerId, lease.attempt)
      : store.releaseBatch(jobId, batchId, workerId));
    trace.end({ processedCount: 0, failedCount: 0, released: true });
    return releasedResult(jobId, batchId, batchIndex);
  }

  const outcome = batchOutcome(counts.processedCount, counts.failedCount, counts.stopped);
  await writeBatchResults(
    store,
    { jobId, batchId, ...(lease ? { lease } : {}) },
    records,
    kept,
    outcome,
  );
  // Counted once written: the metrics add up to the job's summary.
  trace.end({ processedCount: outcome.processedCount, failedCount: outcome.failedCount });
  if (outcome.error === undefined) {
    events.emit({
      type: 'batch:completed',
      jobId,
      batchId,
      batchIndex,
      processedCount: outcome.processedCount,
      failedCount: outcome.failedCount,
      totalCount: records.length,
      timestamp: Date.now(),
    });
  } else {
    events.emit({
      type: 'batch:failed',
      jobId,
      batchId,
      batchIndex,
      error: outcome.error,
      timestamp: Date.now(),
    });
  }

  const failedEarly = await enforceFailureThreshold(store, jobId, deps.failureThreshold);
  if (failedEarly !== undefined) {
    await deps.telemetry.finalize(jobId, workerId, async () => {
      await emitJobCompleted(store, events, jobId, jobTotal, failedEarly);
      return true;
    });
  }
  const jobComplete =
    failedEarly !== undefined ||
    (await deps.telemetry.finalize(jobId, workerId, () =>
      finalizeJob(store, events, jobId, jobTotal, workerId, completionSettings(deps)),
    ));
  return {
    claimed: true,
    batchId,
    batchIndex,
    processedCount: outcome.processedCount,
    failedCount: outcome.failedCount,
    jobComplete,
    jobId,
  };
}
