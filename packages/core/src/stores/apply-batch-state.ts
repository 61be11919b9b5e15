import type { Batch, BatchState } from '../model/batch';

/** The batch list with `state`'s status and counts set on the batch `batchId` (others unchanged). */
export function applyBatchState(
  batches: readonly Batch[],
  batchId: string,
  state: BatchState,
): Batch[] {
  return batches.map((batch) =>
    batch.id === batchId
      ? {
          ...batch,
          status: state.status,
          processedCount: state.processedCount,
          failedCount: state.failedCount,
        }
      : batch,
  );
}
