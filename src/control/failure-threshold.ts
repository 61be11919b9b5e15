import {
  InvalidOptionError,
  JobStatus,
  readJobProgress,
  type DistributedStateStore,
  type JobProgress,
} from '@batchactions/core';

/**
 * Fails the whole job early once too many records failed. Either limit may be set; the job
 * fails when one is reached.
 */
export interface FailureThreshold {
  /** Fail the job once this many records are invalid or failed. */
  readonly count?: number;
  /**
   * Fail the job once this percentage (0–100] of all its records are invalid or failed, judged
   * against the job's final total. While a prepare that opened the job early (`openEarly`) is
   * still storing records, the final total is not known and only `count` applies; the
   * percentage is judged from the end of the prepare on (by the prepare itself, then after
   * each batch).
   */
  readonly percentage?: number;
}

/** Checks a threshold option, naming the bad field. */
export function checkFailureThreshold(value: unknown): FailureThreshold | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) {
    throw new InvalidOptionError(
      'failureThreshold',
      value,
      'an object with "count" and/or "percentage"',
    );
  }
  const { count, percentage } = value as Record<string, unknown>;
  if (count === undefined && percentage === undefined) {
    throw new InvalidOptionError(
      'failureThreshold',
      value,
      'at least one of "count" or "percentage"',
    );
  }
  if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 1)) {
    throw new InvalidOptionError('failureThreshold.count', count, 'an integer >= 1');
  }
  if (
    percentage !== undefined &&
    (typeof percentage !== 'number' || !(percentage > 0) || percentage > 100)
  ) {
    throw new InvalidOptionError('failureThreshold.percentage', percentage, 'a number in (0, 100]');
  }
  return value;
}

/**
 * Why the threshold is exceeded, or undefined while it is not. `totalFinal` false (a job opened
 * early whose prepare still runs: `totalRecords` is a running count) leaves the percentage out.
 */
export function thresholdBreach(
  threshold: FailureThreshold,
  progress: JobProgress,
  totalFinal = true,
): string | undefined {
  const failed = progress.failedRecords;
  if (threshold.count !== undefined && failed >= threshold.count) {
    return `${failed} records failed, reaching the failure threshold of ${threshold.count}`;
  }
  if (threshold.percentage !== undefined && totalFinal && progress.totalRecords > 0) {
    const share = (failed / progress.totalRecords) * 100;
    if (share >= threshold.percentage) {
      return `${failed} of ${progress.totalRecords} records failed (${share.toFixed(2)}%), reaching the failure threshold of ${threshold.percentage}%`;
    }
  }
  return undefined;
}

/**
 * After a batch, fails the job (PROCESSING or PAUSED → FAILED) when the threshold is reached.
 * Returns the reason when this call failed the job (exactly one caller wins the transition).
 */
export async function enforceFailureThreshold(
  store: DistributedStateStore,
  jobId: string,
  threshold: FailureThreshold | undefined,
): Promise<string | undefined> {
  if (!threshold || !store.updateJobStatus) return undefined;
  // A job opened early has a final total only once its prepare ended (read before the
  // progress, so a prepare ending in between leaves the percentage out this once, never judges
  // it against a running count).
  const totalFinal =
    threshold.percentage === undefined ||
    !store.getJobDetails ||
    (await store.getJobDetails(jobId))?.openEarly !== true;
  const reason = thresholdBreach(threshold, await readJobProgress(store, jobId), totalFinal);
  if (reason === undefined) return undefined;
  const won = await store.updateJobStatus(
    jobId,
    [JobStatus.PROCESSING, JobStatus.PAUSED],
    JobStatus.FAILED,
  );
  return won ? reason : undefined;
}
