import {
  BatchStatus,
  type BatchLease,
  type BatchOutcome,
  type DistributedStateStore,
  type ProcessedRecord,
} from '@batchactions/core';

/**
 * Step 9: stores the batch's final state. On a store with fenced writes, one `completeBatch`
 * call writes the records kept during the batch (the others as `prepare` stored them) with the
 * status and counters, in one transaction, rejected with `LeaseLostError` if another worker took
 * the batch over. On a store with only the published port the records were already saved one by
 * one; this is the published `updateBatchState` call.
 */
export async function writeBatchResults(
  store: DistributedStateStore,
  target: { readonly jobId: string; readonly batchId: string; readonly lease?: BatchLease },
  original: readonly ProcessedRecord[],
  kept: ReadonlyMap<number, ProcessedRecord>,
  outcome: BatchOutcome,
): Promise<void> {
  if (target.lease && store.completeBatch) {
    const records = original.map((r) => kept.get(r.index) ?? r);
    await store.completeBatch(target.lease, records, outcome);
    return;
  }
  const { jobId, batchId } = target;
  await store.updateBatchState(jobId, batchId, {
    batchId,
    status: outcome.status,
    processedCount: outcome.processedCount,
    failedCount: outcome.failedCount,
  });
}

/** The batch's final state: FAILED with the published message when it stopped early. */
export function batchOutcome(
  processedCount: number,
  failedCount: number,
  stopped: boolean,
): BatchOutcome {
  return stopped
    ? {
        status: BatchStatus.FAILED,
        processedCount,
        failedCount,
        error: `Batch failed with ${failedCount} errors`,
      }
    : { status: BatchStatus.COMPLETED, processedCount, failedCount };
}
