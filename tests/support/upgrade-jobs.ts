import {
  BatchStatus,
  JobStatus,
  type DistributedStateStore,
  type ProcessedRecord,
} from '@batchactions/core';
import { expect } from 'vitest';

/**
 * The two steps the upgrade tests of the SQL stores share (PostgreSQL from version 6, SQLite
 * from version 7): a job prepared by the upgraded store beside the old one, and every batch of
 * some jobs run to the end.
 */

/** The port methods these steps use, which both SQL stores implement. */
type UpgradedStore = Required<
  Pick<
    DistributedStateStore,
    | 'createJobIfAbsent'
    | 'registerBatch'
    | 'finishPrepare'
    | 'claimBatch'
    | 'getBatchRecords'
    | 'completeBatch'
    | 'tryFinalizeJob'
  >
>;

/** Prepares `jobId` in the store's current layout: 2 batches of 5 records (`record(i)`). */
export async function prepareTenRecords(
  store: UpgradedStore,
  jobId: string,
  record: (index: number) => ProcessedRecord,
): Promise<void> {
  await store.createJobIfAbsent({
    id: jobId,
    config: { batchSize: 5 },
    status: JobStatus.CREATED,
    batches: [],
    totalRecords: 0,
    distributed: true,
  });
  for (let b = 0; b < 2; b += 1) {
    await store.registerBatch(jobId, {
      id: `n${String(b)}`,
      index: b,
      status: BatchStatus.PENDING,
      records: Array.from({ length: 5 }, (_, i) => record(b * 5 + i)),
      processedCount: 0,
      failedCount: 0,
    });
  }
  expect(await store.finishPrepare(jobId, 10, Date.now())).toBe(JobStatus.PROCESSING);
}

/**
 * Claims and completes every batch of each of `jobIds` as `workerId` (each batch's records read
 * back in order, turned by `done`), then finalises each job.
 */
export async function runToEnd(
  store: UpgradedStore,
  jobIds: readonly string[],
  workerId: string,
  done: (record: ProcessedRecord) => ProcessedRecord,
): Promise<void> {
  for (const jobId of jobIds) {
    for (;;) {
      const claim = await store.claimBatch(jobId, workerId);
      if (!claim.claimed) break;
      const { reservation: r } = claim;
      const records = await store.getBatchRecords(jobId, r.batchId);
      expect(records.map((record) => record.index)).toEqual(
        Array.from({ length: records.length }, (_, k) => r.recordStartIndex + k),
      );
      const written = records.map(done);
      const failed = written.filter((record) => record.status === 'failed').length;
      await store.completeBatch(
        { jobId, batchId: r.batchId, workerId, attempt: r.attempt ?? 0 },
        written,
        {
          status: BatchStatus.COMPLETED,
          processedCount: written.length - failed,
          failedCount: failed,
        },
      );
    }
    expect(await store.tryFinalizeJob(jobId)).toBe(true);
  }
}
