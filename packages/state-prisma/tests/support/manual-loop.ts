import type { DistributedImport } from '@batchactions/distributed';

/**
 * The published manual worker loop (`processWorkerBatch` until nothing is claimed or the job is
 * complete), handing each record's `n` to `onRecord` and each claimed batch to `onBatch`.
 * Resolves with how many times this loop finalised the job (0 or 1).
 */
export async function manualLoop(
  di: DistributedImport,
  jobId: string,
  workerId: string,
  onRecord: (n: string) => void,
  onBatch: () => void = () => undefined,
): Promise<number> {
  let finalised = 0;
  for (;;) {
    const result = await di.processWorkerBatch(
      jobId,
      (record) => {
        onRecord(String(record.n));
      },
      workerId,
    );
    if (result.claimed) onBatch();
    if (result.jobComplete) finalised += 1;
    if (!result.claimed || result.jobComplete) return finalised;
  }
}
