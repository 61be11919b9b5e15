import { isTerminalJobStatus, JobStatus, type ClaimBatchFailureReason } from '@batchactions/core';
import type { JobStatusReport } from '../control/job-status';

/** Why `runWorker` ended. */
export type StoppedBy =
  /** Nothing was claimable and the loop did not wait (`waitForOthers: false`), or cannot. */
  | 'no-batches'
  /** This worker finalised the job. */
  | 'job-complete'
  /** The job ended (COMPLETED, FAILED or ABORTED) and another worker, or an operator, ended it. */
  | 'job-terminal'
  /** The job is PAUSED and the loop was told not to wait for `resume`. */
  | 'paused'
  /** `stopSignal` (or `abortSignal`) aborted. */
  | 'stop-signal'
  /** Too little time was left before the deadline (`remainingTimeMs`). */
  | 'deadline';

/** What a worker does after a call that claimed nothing. */
export type IdleVerdict =
  | { readonly kind: 'wait' }
  | { readonly kind: 'stop'; readonly stoppedBy: StoppedBy; readonly jobStatus: JobStatus };

/** How the loop treats an idle job. */
export interface IdlePolicy {
  /** Wait while batches may still come back (`waitForOthers`). */
  readonly wait: boolean;
  /** Return at once when the job is PAUSED (`stopWhenPaused`). */
  readonly stopWhenPaused: boolean;
  /** The store renews claims: a dead worker's batch comes back after the lease timeout. */
  readonly renewsClaims: boolean;
  /** Since when the job has been seen terminal with batches still PROCESSING (or undefined). */
  readonly terminalSince: number | undefined;
  /** How long an unrenewed claim lasts (`DistributedImport.claimTimeoutMs`). */
  readonly claimTimeoutMs: number;
}

const WAIT: IdleVerdict = { kind: 'wait' };

function stop(stoppedBy: StoppedBy, jobStatus: JobStatus): IdleVerdict {
  return { kind: 'stop', stoppedBy, jobStatus };
}

/**
 * Decides, from the job's status after an empty claim, whether more work may still come to
 * this worker. It may while the job is PROCESSING and batches are still held by other workers
 * (a dead worker's batch is reclaimed once its lease expires), while batches are PENDING (a
 * claim can miss a batch another claim has locked), while all batches are done but the job is
 * not yet finalised (the next call finalises it), while a live prepare that opened the job
 * early is still storing batches (even with `waitForOthers: false`), and while the job is PAUSED
 * (until `resume`, unless `stopWhenPaused`), and while a live prepare still keeps the job
 * CREATED (it opens it when every batch is stored).
 *
 * A terminal job ends the loop, except on stores that renew claims while batches of the job
 * are still PROCESSING: the loop then keeps sweeping until those are released (their live
 * workers release them on cancel) or reclaimed (dead workers' leases expire), at most one
 * lease timeout, so a cancelled job is not left with batches PROCESSING.
 */
export function idleVerdict(
  report: JobStatusReport,
  claimFailure: ClaimBatchFailureReason | undefined,
  policy: IdlePolicy,
  now: number,
): IdleVerdict {
  const { status, batches } = report;
  if (isTerminalJobStatus(status)) {
    const held = batches.processingBatches > 0 && policy.renewsClaims && policy.wait;
    const lingered =
      policy.terminalSince !== undefined && now - policy.terminalSince > 2 * policy.claimTimeoutMs;
    return held && !lingered ? WAIT : stop('job-terminal', status);
  }
  if (status === JobStatus.PAUSED) {
    return policy.wait && !policy.stopWhenPaused ? WAIT : stop('paused', status);
  }
  if (status !== JobStatus.PROCESSING) {
    // CREATED: its prepare has not finished. A live one opens the job soon: `onOpen` announces
    // the job right before it opens, so a worker started from it may get here first. A prepare
    // stopped, or whose process died, opens nothing until a resume.
    if (policy.wait && report.prepare?.state === 'running') return WAIT;
    return stop('no-batches', status);
  }
  // A prepare that opened the job early is still storing batches: more are coming.
  if (report.prepare?.openEarly === true && report.prepare.state === 'running') return WAIT;
  if (!policy.wait) return stop('no-batches', status);
  if (claimFailure === 'JOB_NOT_PROCESSING') return WAIT; // resumed since the claim
  if (batches.pendingBatches > 0 || batches.processingBatches > 0) return WAIT;
  // Every batch is done and the job is still PROCESSING: on our stores the next call finalises
  // it; a store with only the published port finalises only after a processed batch.
  return policy.renewsClaims ? WAIT : stop('no-batches', status);
}
