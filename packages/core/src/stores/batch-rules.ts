import { InvalidOptionError } from '../errors/invalid-option-error';
import { BatchStatus } from '../model/batch';
import type { DistributedJobStatus } from '../ports/distributed-state-store';

/**
 * The reason stored on a batch quarantined by `reclaimStaleBatches(jobId, timeoutMs,
 * maxAttempts)`, as a `printf`-style template with three `%s`: the batch index, its attempts and
 * its last worker (`unknown` when none). SQL stores hand it to `format()` / `printf()`; others
 * fill it with {@link quarantineReason}. One template, so every store words it the same.
 */
export const QUARANTINE_REASON_TEMPLATE = 'Batch %s abandoned after %s attempts (last worker %s)';

/** {@link QUARANTINE_REASON_TEMPLATE} filled in. */
export function quarantineReason(
  batchIndex: number,
  attempts: number,
  workerId: string | null | undefined,
): string {
  const values = [String(batchIndex), String(attempts), workerId ?? 'unknown'];
  let next = 0;
  return QUARANTINE_REASON_TEMPLATE.replace(/%s/g, () => values[next++] ?? '');
}

/** A string as an SQL string literal (quotes doubled), for templates spliced into SQL. */
export function sqlStringLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * The argument checks of `reclaimStaleBatches`, the same in every store: `timeoutMs` a finite
 * number >= 0, `maxAttempts` (when given) an integer >= 1. Returns the error naming the bad
 * argument, or undefined; {@link checkReclaimArguments} throws it.
 */
export function reclaimArgumentsError(
  timeoutMs: unknown,
  maxAttempts: unknown,
): InvalidOptionError | undefined {
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    return new InvalidOptionError('timeoutMs', timeoutMs, 'a finite number of milliseconds >= 0');
  }
  if (
    maxAttempts !== undefined &&
    (typeof maxAttempts !== 'number' || !Number.isInteger(maxAttempts) || maxAttempts < 1)
  ) {
    return new InvalidOptionError('maxAttempts', maxAttempts, 'an integer >= 1');
  }
  return undefined;
}

/**
 * {@link reclaimArgumentsError}, thrown.
 * @throws InvalidOptionError naming the bad argument.
 */
export function checkReclaimArguments(timeoutMs: unknown, maxAttempts: unknown): void {
  const error = reclaimArgumentsError(timeoutMs, maxAttempts);
  if (error) throw error;
}

/** A job's batches counted by status, as `getDistributedStatus` reports them. */
export interface BatchStatusCounts {
  pending: number;
  processing: number;
  completed: number;
  failed: number;
}

/** No batches yet: a fresh tally for {@link countBatches}. */
export function emptyBatchCounts(): BatchStatusCounts {
  return { pending: 0, processing: 0, completed: 0, failed: 0 };
}

/**
 * Adds `n` batches of `status` to `counts`. PENDING and PAUSED (and any status a store does not
 * know) count as pending: they are neither running nor done.
 */
export function countBatches(counts: BatchStatusCounts, status: string, n = 1): void {
  if (status === BatchStatus.PROCESSING) counts.processing += n;
  else if (status === BatchStatus.COMPLETED) counts.completed += n;
  else if (status === BatchStatus.FAILED) counts.failed += n;
  else counts.pending += n;
}

/**
 * `getDistributedStatus` from batch counts: complete when nothing is pending or processing, and
 * never while `openEarly` (a prepare that opened the job early may still add batches; default
 * false).
 */
export function distributedStatusFromCounts(
  jobId: string,
  counts: Readonly<BatchStatusCounts>,
  openEarly = false,
): DistributedJobStatus {
  const { pending, processing, completed, failed } = counts;
  return {
    jobId,
    totalBatches: pending + processing + completed + failed,
    pendingBatches: pending,
    processingBatches: processing,
    completedBatches: completed,
    failedBatches: failed,
    isComplete: !openEarly && pending === 0 && processing === 0,
  };
}
