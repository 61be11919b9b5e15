import {
  JobNotFoundError,
  type ClaimBatchResult,
  type DistributedStateStore,
} from '@batchactions/core';

const EMPTY_CLAIM_RETRIES = 3;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Claims the job's next batch. An unknown job is an error (a worker loop must not quietly stop on
 * a mistyped id). One empty claim is not proof that nothing is left: a store using
 * `SKIP LOCKED` skips a batch that another worker's claim has locked but not yet taken, so while
 * the status still shows PENDING batches the claim is retried a few times.
 */
export async function claimNextBatch(
  store: DistributedStateStore,
  jobId: string,
  workerId: string,
): Promise<ClaimBatchResult> {
  for (let attempt = 0; ; attempt += 1) {
    const result = await store.claimBatch(jobId, workerId);
    if (result.claimed) return result;
    if (result.reason === 'JOB_NOT_FOUND') throw new JobNotFoundError(jobId);
    if (result.reason === 'JOB_NOT_PROCESSING' || attempt >= EMPTY_CLAIM_RETRIES) return result;
    const status = await store.getDistributedStatus(jobId);
    if (status.pendingBatches === 0) return result;
    await sleep(5 * (attempt + 1));
  }
}
