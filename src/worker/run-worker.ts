import {
  isTerminalJobStatus,
  JobNotFoundError,
  LeaseLostError,
  sleep,
  type BulkProcessor,
  type JobStatus,
  type RecordProcessorFn,
} from '@batchactions/core';
import type { DistributedImport } from '../distributed-import';
import type { DistributedBatchResult } from '../process/process-batch';
import {
  booleanOption,
  integerAtLeast,
  numberAtLeast,
  optionalFunction,
  optionalNonEmptyString,
  optionalSignal,
  optionsObject,
} from '../option-checks';
import { idleVerdict, type StoppedBy } from './idle-verdict';
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
  /**
   * Keep going while nothing is claimable but the job is unfinished: batches other workers hold
   * may still come back (a dead worker's batch is reclaimed once its lease expires, see
   * `leaseTimeoutMs`), and a PAUSED job may be resumed. The loop then polls, waiting 50 ms at
   * first and twice as long each time up to `pollIntervalMs`, until the job ends, the stop
   * signal aborts or the deadline nears. Default `true`. Pass `false` where waiting costs
   * (a Lambda billed by the millisecond): the loop returns as soon as nothing is claimable,
   * with `stoppedBy` saying why (`'no-batches'`, `'paused'` or `'job-terminal'`).
   */
  readonly waitForOthers?: boolean;
  /**
   * Return with `stoppedBy: 'paused'` when the job is PAUSED, instead of waiting for `resume`.
   * Default `false`: a paused job keeps its workers, and they carry on after `resume`.
   */
  readonly stopWhenPaused?: boolean;
  /** Longest wait between two claim attempts while waiting. Default `2000` ms. */
  readonly pollIntervalMs?: number;
}

/** What a worker did. */
export interface RunWorkerResult {
  readonly workerId: string;
  readonly batches: number;
  readonly processed: number;
  readonly failed: number;
  /** True when this worker finalised the job. */
  readonly jobComplete: boolean;
  /**
   * Batches this worker lost before writing them: its lease ran out (a process stalled longer
   * than `leaseTimeoutMs`, a network partition) and another worker took the batch over, so the
   * store refused the late write (`LeaseLostError`) and discarded its results. The batch is the
   * other worker's; the loop goes on claiming. Not counted in `batches`, `processed` or `failed`.
   */
  readonly leasesLost: number;
  /**
   * Why the loop ended: `'job-complete'` (this worker finalised the job), `'job-terminal'` (the
   * job ended otherwise: finalised by another worker, cancelled, failed), `'paused'`
   * (`stopWhenPaused` or `waitForOthers: false`), `'no-batches'` (nothing claimable and not
   * waiting, or a job whose prepare has not finished), `'stop-signal'`, `'deadline'`.
   */
  readonly stoppedBy: StoppedBy;
  /** The job's status as last read, when the loop ended on it (absent otherwise). */
  readonly jobStatus?: JobStatus;
}

const FIRST_POLL_MS = 50;
/** The longest wait between claims of a job at its `maxConcurrentBatches` (issue 27). */
const LIMIT_POLL_MAX_MS = 200;

/**
 * Longest wait between two claims while a prepare that opened the job early still streams: the
 * worker keeps up with the prepare instead of backing off to `pollIntervalMs`.
 */
const STREAMING_POLL_MAX_MS = 250;

/** Every option checked the one way (see `option-checks.ts`): `null` is refused by name. */
function checkedOptions(given: RunWorkerOptions | undefined) {
  const options = optionsObject('options', given);
  const concurrency = integerAtLeast('concurrency', options.concurrency, 1, 1);
  const margin = numberAtLeast('deadlineMarginMs', options.deadlineMarginMs, 0, 5000);
  const pollIntervalMs = numberAtLeast('pollIntervalMs', options.pollIntervalMs, 1, 2000);
  const waitForOthers = booleanOption('waitForOthers', options.waitForOthers, true);
  const stopWhenPaused = booleanOption('stopWhenPaused', options.stopWhenPaused, false);
  const workerId = optionalNonEmptyString('workerId', options.workerId);
  const stopSignal = optionalSignal('stopSignal', options.stopSignal);
  const abortSignal = optionalSignal('abortSignal', options.abortSignal);
  const remainingTimeMs = optionalFunction('remainingTimeMs', options.remainingTimeMs);
  const onBatch = optionalFunction('onBatch', options.onBatch);
  return {
    concurrency,
    margin,
    pollIntervalMs,
    waitForOthers,
    stopWhenPaused,
    workerId,
    stopSignal,
    abortSignal,
    remainingTimeMs,
    onBatch,
  };
}

/**
 * The worker loop: calls `processWorkerBatch` with `concurrency` batches in flight until the
 * job is over. While nothing is claimable it waits (see `waitForOthers`) instead of leaving
 * an unfinished job: the batch of a worker that died comes back to the survivors, and a paused
 * job continues after `resume`. It returns when this worker finalised the job, when the job
 * ended otherwise, on the stop signal or before the deadline, and, with `waitForOthers: false`,
 * as soon as nothing is claimable; `stoppedBy` says which.
 *
 * Unlike `processWorkerBatch` (which, as published, resolves `claimed: false` for a job id the
 * store does not know), `runWorker` rejects with `JobNotFoundError` when a claim finds no such
 * job, so that a mistyped id does not look like a finished job. A batch lost to another worker
 * (`LeaseLostError`: the lease ran out under this one) is counted in `leasesLost` and the loop
 * goes on; any other error rejects it.
 */
export async function runWorker(
  importer: DistributedImport,
  jobId: string,
  processor: RecordProcessorFn | BulkProcessor,
  given?: RunWorkerOptions,
): Promise<RunWorkerResult> {
  const options = checkedOptions(given);
  const { concurrency, margin, pollIntervalMs } = options;
  const workerId = options.workerId ?? defaultWorkerId();
  const wait = options.waitForOthers;
  let batches = 0;
  let processed = 0;
  let failed = 0;
  let jobComplete = false;
  let leasesLost = 0;
  let stoppedBy: StoppedBy | undefined;
  let jobStatus: JobStatus | undefined;
  let longestBatchMs = 0;
  let terminalSince: number | undefined;

  // Wakes every lane that is waiting: when one lane ends the loop, or a signal aborts.
  const finished = new AbortController();
  const end = (reason: StoppedBy, status?: JobStatus): void => {
    stoppedBy ??= reason;
    if (status !== undefined) jobStatus ??= status;
    finished.abort();
  };
  const outerSignals = [options.stopSignal, options.abortSignal].filter(
    (signal): signal is AbortSignal => signal !== undefined,
  );
  const onOuterAbort = (): void => {
    end('stop-signal');
  };
  for (const signal of outerSignals) signal.addEventListener('abort', onOuterAbort, { once: true });

  const mayClaim = (): boolean => {
    if (finished.signal.aborted) return false;
    if (outerSignals.some((signal) => signal.aborted)) {
      end('stop-signal');
      return false;
    }
    if (options.remainingTimeMs && options.remainingTimeMs() < margin + longestBatchMs) {
      end('deadline');
      return false;
    }
    return true;
  };

  const lane = async (laneIndex: number): Promise<void> => {
    const laneWorkerId = concurrency === 1 ? workerId : `${workerId}#${laneIndex}`;
    let idleWaitMs = FIRST_POLL_MS;
    while (mayClaim()) {
      const started = Date.now();
      let attempt: Awaited<ReturnType<DistributedImport['attemptBatch']>>;
      try {
        attempt = await importer.attemptBatch(
          jobId,
          processor,
          laneWorkerId,
          options.abortSignal ? { signal: options.abortSignal } : {},
        );
      } catch (error: unknown) {
        // The batch went to another worker, which writes it: this one claims the next.
        if (!(error instanceof LeaseLostError)) throw error;
        leasesLost += 1;
        idleWaitMs = FIRST_POLL_MS;
        continue;
      }
      const { result, claimFailure, streaming, limitReached } = attempt;
      if (claimFailure === 'JOB_NOT_FOUND') throw new JobNotFoundError(jobId);
      if (result.claimed) {
        longestBatchMs = Math.max(longestBatchMs, Date.now() - started);
        if (!result.released) {
          batches += 1;
          processed += result.processedCount;
          failed += result.failedCount;
        }
        options.onBatch?.(result);
        idleWaitMs = FIRST_POLL_MS;
      }
      if (result.jobComplete) {
        jobComplete = true;
        stoppedBy = 'job-complete'; // even when another lane ended the loop meanwhile
        end('job-complete');
        return;
      }
      if (result.claimed) continue;
      if (limitReached === true) {
        // The job's cap on batches in flight is reached (issue 27): a slot frees up when a
        // batch ends; claim again soon, without reading the status.
        await sleep(idleWaitMs, finished.signal);
        idleWaitMs = Math.min(LIMIT_POLL_MAX_MS, pollIntervalMs, idleWaitMs * 2);
        continue;
      }
      if (streaming === true) {
        // A prepare that opened the job early still streams: the next batch is on its way.
        await sleep(idleWaitMs, finished.signal);
        idleWaitMs = Math.min(STREAMING_POLL_MAX_MS, pollIntervalMs, idleWaitMs * 2);
        continue;
      }

      const report = await importer.getStatus(jobId);
      const now = Date.now();
      if (isTerminalJobStatus(report.status)) terminalSince ??= now;
      const verdict = idleVerdict(
        report,
        claimFailure,
        {
          wait,
          stopWhenPaused: options.stopWhenPaused,
          renewsClaims: importer.renewsClaims,
          terminalSince,
          claimTimeoutMs: importer.claimTimeoutMs,
        },
        now,
      );
      if (verdict.kind === 'stop') {
        end(verdict.stoppedBy, verdict.jobStatus);
        return;
      }
      await sleep(idleWaitMs, finished.signal);
      idleWaitMs = Math.min(pollIntervalMs, idleWaitMs * 2);
    }
  };

  // A lane that fails ends the others (after their batch in flight) before the error is thrown.
  let laneError: { error: unknown } | undefined;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, (_, i) =>
        lane(i).catch((error: unknown) => {
          laneError ??= { error };
          finished.abort();
        }),
      ),
    );
  } finally {
    for (const signal of outerSignals) signal.removeEventListener('abort', onOuterAbort);
    finished.abort();
  }
  if (laneError) throw laneError.error;
  return {
    workerId,
    batches,
    processed,
    failed,
    jobComplete,
    leasesLost,
    stoppedBy: stoppedBy ?? 'no-batches',
    ...(jobStatus === undefined ? {} : { jobStatus }),
  };
}
