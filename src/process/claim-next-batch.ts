import type { ClaimBatchResult, DistributedStateStore } from '@batchactions/core';

const EMPTY_CLAIM_RETRIES = 3;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Claims the job's next batch on one of our stores. One empty claim is not proof that nothing
 * is left: a store using `SKIP LOCKED` skips a batch that another worker's claim has locked but
 * not yet taken, so while the status still shows PENDING batches the claim is retried a few
 * times (unless `retryWhenPending` is false: a job still streaming, claimed again soon anyway).
 * (A store with only the published port gets the single published `claimBatch` call.)
 */
export async function claimNextBatch(
  store: DistributedStateStore,
  jobId: string,
  workerId: string,
  retryWhenPending = true,
): Promise<ClaimBatchResult> {
  for (let attempt = 0; ; attempt += 1) {
    const result = await store.claimBatch(jobId, workerId);
    if (result.claimed || result.reason !== 'NO_PENDING_BATCHES') return result;
    // At the job's cap on batches in flight (issue 27): nothing to retry until one ends.
    if (result.limitReached === true) return result;
    if (!retryWhenPending || attempt >= EMPTY_CLAIM_RETRIES) return result;
    const status = await store.getDistributedStatus(jobId);
    if (status.pendingBatches === 0) return result;
    await sleep(5 * (attempt + 1));
  }
}
