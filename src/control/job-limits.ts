import {
  checkJobLimitsChange,
  InvalidOptionError,
  supportsJobLimits,
  UnsupportedByStoreError,
  type DistributedStateStore,
  type JobLimitsChange,
} from '@batchactions/core';

/**
 * `setLimits`: checks the change, then stores it in one call. A store without job-wide limits
 * refuses (`UnsupportedByStoreError`): a limit it cannot enforce across workers is no limit.
 */
export async function setJobLimits(
  store: DistributedStateStore,
  jobId: string,
  change: JobLimitsChange,
): Promise<boolean> {
  if (typeof jobId !== 'string' || jobId === '') {
    throw new InvalidOptionError('jobId', jobId, 'a job id (non-empty string)');
  }
  const checked = checkJobLimitsChange(change);
  if (!supportsJobLimits(store)) throw new UnsupportedByStoreError('setLimits', 'setJobLimits');
  return store.setJobLimits(jobId, checked);
}
