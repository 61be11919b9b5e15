import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BatchStatus, type Batch } from '../model/batch';
import { JobStatus } from '../model/job';
import { JobNotFoundError } from '../errors/job-errors';
import type { DistributedStateStore } from '../ports/distributed-state-store';
import { makeBatch, makeJobState, makeRecords } from './fixtures';

/**
 * Behaviours the stores once disagreed on, found when the SQL stores moved onto one
 * implementation (issue 23): each test pins the behaviour chosen. Registered inside
 * `describeDistributedStateStore` with the store of the running test.
 */
export function describeStoreAgreement(currentStore: () => DistributedStateStore): void {
  describe('agreement between stores', () => {
    it('keeps records saved before their job exists and returns them once the job lists their batch (the published prepare)', async () => {
      const store = currentStore();
      const jobId = `job-${randomUUID()}`;
      const batches = [makeBatch(`b0-${randomUUID()}`, 0, makeRecords(0, 3))];
      batches.push(makeBatch(`b1-${randomUUID()}`, 1, makeRecords(3, 2)));
      // The published prepare saves every batch's records first and the job last.
      for (const batch of batches) await store.saveBatchRecords(jobId, batch.id, batch.records);
      await store.saveJobState(makeJobState(jobId, JobStatus.PROCESSING, batches, 5));
      expect((await store.getBatchRecords(jobId, batches[0]!.id)).map((r) => r.index)).toEqual([
        0, 1, 2,
      ]);
      expect(await store.getBatchRecords(jobId, batches[1]!.id)).toEqual(makeRecords(3, 2));
      const claim = await store.claimBatch(jobId, 'w');
      expect(claim).toMatchObject({ claimed: true, reservation: { batchId: batches[0]!.id } });
    });

    it("returns a batch's records when the job listed it without records or a record range", async () => {
      const store = currentStore();
      const jobId = `job-${randomUUID()}`;
      const bare: Batch = {
        id: `bare-${randomUUID()}`,
        index: 0,
        status: BatchStatus.PENDING,
        records: [],
        processedCount: 0,
        failedCount: 0,
      };
      await store.saveJobState(makeJobState(jobId, JobStatus.PROCESSING, [bare], 3));
      await store.saveBatchRecords(jobId, bare.id, makeRecords(0, 3));
      expect(await store.getBatchRecords(jobId, bare.id)).toEqual(makeRecords(0, 3));
    });

    it('refuses unique-value claims for an unknown job, keeping none of them', async (ctx) => {
      const store = currentStore();
      if (typeof store.claimUniqueValues !== 'function') ctx.skip('no claimUniqueValues');
      const jobId = `job-${randomUUID()}`;
      const claims = [{ field: 'email', value: 'a@b.c', recordIndex: 7 }];
      await expect(store.claimUniqueValues!(jobId, claims)).rejects.toBeInstanceOf(
        JobNotFoundError,
      );
      // Once the job exists, the value is still free: the refused claim left nothing behind.
      await store.saveJobState(makeJobState(jobId, JobStatus.PROCESSING, [], 0));
      expect(await store.claimUniqueValues!(jobId, [{ ...claims[0]!, recordIndex: 2 }])).toEqual([
        2,
      ]);
    });
  });
}
