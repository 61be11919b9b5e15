import {
  BatchStatus,
  type BatchLease,
  type BatchOutcome,
  type DistributedStateStore,
  type ProcessedRecord,
} from '@batchactions/core';

/**
 * Step 10: stores the batch's records and final state. Stores with fenced writes get one
 * `completeBatch` call (one transaction, rejected with `LeaseLostError` if another worker took
 * the batch over); stores with only the published port get one `saveProcessedRecord` per record
 * that changed, then `updateBatchState`.
 */
export async function writeBatchResults(
  store: DistributedStateStore,
  target: { readonly jobId: string; readonly batchId: string; readonly lease?: BatchLease },
  original: readonly ProcessedRecord[],
  records: readonly ProcessedRecord[],
  outcome: BatchOutcome,
): Promise<void> {
  if (target.lease && store.completeBatch) {
    await store.completeBatch(target.lease, records, outcome);
    return;
  }
  const { jobId, batchId } = target;
  for (const [i, record] of records.entries()) {
    if (record !== original[i]) await store.saveProcessedRecord(jobId, batchId, record);
  }
  await store.updateBatchState(jobId, batchId, {
    batchId,
    status: outcome.status,
    processedCount: outcome.processedCount,
    failedCount: outcome.failedCount,
  });
}

/** The final state of a batch from its counts and the reason it stopped, if it did. */
export function batchOutcome(
  processedCount: number,
  failedCount: number,
  stopReason?: string,
): BatchOutcome {
  return stopReason === undefined
    ? { status: BatchStatus.COMPLETED, processedCount, failedCount }
    : { status: BatchStatus.FAILED, processedCount, failedCount, error: stopReason };
}
