import { describe, expect, it, type TestContext } from 'vitest';
import { InvalidOptionError } from '../errors/invalid-option-error';
import { BatchStatus } from '../model/batch';
import type { ProcessedRecord } from '../model/record';
import type { DistributedStateStore } from '../ports/distributed-state-store';
import { prepareJob } from './fixtures';
import { claimRegisteredBatch, storeWith } from './prepare-fixtures';

type ListingStore = DistributedStateStore &
  Required<Pick<DistributedStateStore, 'listBatches' | 'listFailedRecords'>>;

/** The store under test, or the test is reported skipped (never passed) without the methods. */
function listingStore(store: DistributedStateStore, context: TestContext): ListingStore {
  if (typeof store.listBatches !== 'function' || typeof store.listFailedRecords !== 'function') {
    context.skip('the store has no listBatches / listFailedRecords');
  }
  return store as ListingStore;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function claim(store: DistributedStateStore, jobId: string, workerId: string) {
  const result = await store.claimBatch(jobId, workerId);
  if (!result.claimed) throw new Error(`expected a claim, got ${result.reason}`);
  return result.reservation;
}

function failed(record: ProcessedRecord, status: 'failed' | 'invalid'): ProcessedRecord {
  return status === 'failed'
    ? { ...record, status, processingError: `boom ${String(record.index)}` }
    : {
        ...record,
        status,
        errors: [
          { field: 'email', message: 'bad email', code: 'PATTERN_MISMATCH', severity: 'error' },
        ],
      };
}

/**
 * The `listBatches` and `listFailedRecords` part of the conformance suite (the dashboard's
 * grid and failed-records table), registered inside `describeDistributedStateStore`.
 */
export function describeListBatches(currentStore: () => DistributedStateStore): void {
  describe('listBatches and listFailedRecords (optional)', () => {
    it('lists nothing for an unknown job', async (context) => {
      const store = listingStore(currentStore(), context);
      expect(await store.listBatches('no-such-job')).toEqual([]);
      expect(await store.listFailedRecords('no-such-job')).toEqual([]);
    });

    it('lists every batch in index order with status, counters, holder and heartbeat age', async (context) => {
      const store = listingStore(currentStore(), context);
      const { jobId, batches } = await prepareJob(store, 5, 3);
      await prepareJob(store, 2, 2);
      const first = await claim(store, jobId, 'w1');
      const second = await claim(store, jobId, 'w2');
      await store.updateBatchState(jobId, second.batchId, {
        batchId: second.batchId,
        status: BatchStatus.COMPLETED,
        processedCount: 2,
        failedCount: 1,
      });
      const listed = await store.listBatches(jobId);
      expect(listed.map((b) => [b.batchId, b.batchIndex, b.status])).toEqual([
        [batches[0]!.id, 0, BatchStatus.PROCESSING],
        [batches[1]!.id, 1, BatchStatus.COMPLETED],
        [batches[2]!.id, 2, BatchStatus.PENDING],
        [batches[3]!.id, 3, BatchStatus.PENDING],
        [batches[4]!.id, 4, BatchStatus.PENDING],
      ]);
      const [held, done, waiting] = listed;
      expect(held).toMatchObject({
        workerId: 'w1',
        recordStartIndex: 0,
        recordEndIndex: 2,
        processedCount: 0,
        failedCount: 0,
      });
      if (first.attempt !== undefined) expect(held!.attempt).toBe(first.attempt);
      expect(held!.heartbeatAgeMs).toBeGreaterThanOrEqual(0);
      expect(done).toMatchObject({ processedCount: 2, failedCount: 1 });
      expect(done!.heartbeatAgeMs).toBeUndefined();
      expect(waiting!.heartbeatAgeMs).toBeUndefined();
      expect(waiting!.attempt).toBe(0);
    });

    it('listBatchStatuses (optional) gives the same page as listBatches, in brief', async (context) => {
      const store = listingStore(currentStore(), context);
      if (typeof store.listBatchStatuses !== 'function') context.skip('no listBatchStatuses');
      const { jobId } = await prepareJob(store, 4, 2);
      await claim(store, jobId, 'w1');
      const second = await claim(store, jobId, 'w2');
      await store.updateBatchState(jobId, second.batchId, {
        batchId: second.batchId,
        status: BatchStatus.COMPLETED,
        processedCount: 1,
        failedCount: 1,
      });
      const page = { afterIndex: -1, limit: 3 };
      const full = await store.listBatches(jobId, page);
      const brief = (await store.listBatchStatuses?.(jobId, page)) ?? [];
      expect(
        brief.map(({ heartbeatAgeMs, ...rest }) => [rest, heartbeatAgeMs !== undefined]),
      ).toEqual(
        full.map((b) => [
          { batchIndex: b.batchIndex, status: b.status, failedCount: b.failedCount },
          b.heartbeatAgeMs !== undefined,
        ]),
      );
      expect(brief.map((b) => b.heartbeatAgeMs !== undefined)).toEqual([true, false, false]);
      await expect(store.listBatchStatuses?.(jobId, { limit: 0 })).rejects.toThrow(/page\.limit/);
    });

    it('gives finished batches their completion time, and every claimed one how long its last attempt ran (optional)', async (context) => {
      const store = listingStore(currentStore(), context);
      const { jobId } = await prepareJob(store, 5, 2);
      const first = await claim(store, jobId, 'w1');
      const second = await claim(store, jobId, 'w2');
      const third = await claim(store, jobId, 'w3');
      const fourth = await claim(store, jobId, 'w4');
      await sleep(40);
      // A heartbeat renews the claim but not the attempt's start.
      const lease = (r: typeof first) =>
        r.attempt === undefined
          ? undefined
          : { jobId, batchId: r.batchId, workerId: r.workerId, attempt: r.attempt };
      const firstLease = lease(first);
      if (store.heartbeatBatch && firstLease) await store.heartbeatBatch(firstLease);
      const running = (await store.listBatches(jobId))[0]!;
      if (running.durationMs === undefined) context.skip('the store does not time batches');
      expect(running.completedAt).toBeUndefined();
      expect(running.durationMs).toBeGreaterThanOrEqual((running.heartbeatAgeMs ?? 0) + 30);

      const finish = (r: typeof first, status: BatchStatus) =>
        store.updateBatchState(jobId, r.batchId, {
          batchId: r.batchId,
          status,
          processedCount: status === BatchStatus.COMPLETED ? 2 : 0,
          failedCount: status === BatchStatus.FAILED ? 2 : 0,
        });
      if (store.completeBatch && firstLease) {
        await store.completeBatch(firstLease, [], {
          status: BatchStatus.COMPLETED,
          processedCount: 2,
          failedCount: 0,
        });
      } else {
        await finish(first, BatchStatus.COMPLETED);
      }
      await finish(second, BatchStatus.FAILED);
      await finish(third, BatchStatus.PENDING);
      const before = Date.now();
      const [done, failedBatch, back, held, never] = await store.listBatches(jobId);
      for (const batch of [done!, failedBatch!]) {
        expect(batch.durationMs).toBeGreaterThanOrEqual(30);
        expect(batch.completedAt).toBeGreaterThan(before - 60_000);
        expect(batch.completedAt).toBeLessThanOrEqual(before + 60_000);
      }
      // Back to PENDING, or never claimed: no times. Still held: a duration only.
      for (const batch of [back!, never!]) {
        expect(batch).not.toHaveProperty('completedAt');
        expect(batch).not.toHaveProperty('durationMs');
      }
      expect(held!.durationMs).toBeGreaterThanOrEqual(30);
      expect(held).not.toHaveProperty('completedAt');

      // Written again in a final state, a finished batch keeps its times.
      await sleep(15);
      await finish(second, BatchStatus.FAILED);
      const again = (await store.listBatches(jobId, { afterIndex: 0, limit: 1 }))[0]!;
      expect([again.completedAt, again.durationMs]).toEqual([
        failedBatch!.completedAt,
        failedBatch!.durationMs,
      ]);

      // Quarantined by a reclaim (its attempts used up; stores with fenced writes): finished,
      // timed.
      if (typeof store.completeBatch !== 'function') return;
      expect(await store.reclaimStaleBatches(jobId, 0, fourth.attempt ?? 1)).toBe(1);
      const quarantined = (await store.listBatches(jobId, { afterIndex: 2, limit: 1 }))[0]!;
      expect(quarantined.status).toBe(BatchStatus.FAILED);
      expect(quarantined.durationMs).toBeGreaterThanOrEqual(30);
      expect(quarantined.completedAt).toBeGreaterThanOrEqual(done!.completedAt!);
    });

    it('times a batch that registerBatch stored and completeBatch finished (optional)', async (context) => {
      const listing = listingStore(currentStore(), context);
      const store = storeWith(listing, context, [
        'heartbeatPrepare',
        'registerBatch',
        'finishPrepare',
        'completeBatch',
      ]);
      // With batch payloads this is the payload's completion, not the per-record one.
      const { lease, records } = await claimRegisteredBatch(store, 3, 'w1');
      await sleep(40);
      const done = records.map((record) => ({ ...record, status: 'processed' as const }));
      await store.completeBatch(lease, done, {
        status: BatchStatus.COMPLETED,
        processedCount: 3,
        failedCount: 0,
      });
      const listed = (await listing.listBatches(lease.jobId))[0];
      if (listed?.durationMs === undefined) context.skip('the store does not time batches');
      expect(listed?.status).toBe(BatchStatus.COMPLETED);
      expect(listed?.durationMs).toBeGreaterThanOrEqual(30);
      expect(listed?.completedAt).toBeGreaterThanOrEqual(Date.now() - 60_000);
    });

    it('pages by index: afterIndex and limit', async (context) => {
      const store = listingStore(currentStore(), context);
      const { jobId } = await prepareJob(store, 6, 1);
      const indexes = async (page: { afterIndex?: number; limit?: number }) =>
        (await store.listBatches(jobId, page)).map((b) => b.batchIndex);
      expect(await indexes({ limit: 2 })).toEqual([0, 1]);
      expect(await indexes({ afterIndex: 1, limit: 3 })).toEqual([2, 3, 4]);
      expect(await indexes({ afterIndex: 4 })).toEqual([5]);
      expect(await indexes({ afterIndex: 5 })).toEqual([]);
    });

    it('pages the invalid and failed records in index order, and only those', async (context) => {
      const store = listingStore(currentStore(), context);
      const { jobId, batches } = await prepareJob(store, 2, 4);
      const other = await prepareJob(store, 1, 2);
      const [a, b] = batches;
      const records = [...a!.records, ...b!.records];
      await store.saveBatchRecords(jobId, a!.id, [
        { ...records[0]!, status: 'processed' },
        failed(records[1]!, 'invalid'),
        failed(records[2]!, 'failed'),
      ]);
      await store.saveBatchRecords(jobId, b!.id, [failed(records[6]!, 'failed')]);
      await store.saveBatchRecords(other.jobId, other.batches[0]!.id, [
        failed(other.batches[0]!.records[0]!, 'failed'),
      ]);
      const all = await store.listFailedRecords(jobId);
      expect(all.map((r) => [r.index, r.status])).toEqual([
        [1, 'invalid'],
        [2, 'failed'],
        [6, 'failed'],
      ]);
      expect(all[0]!.errors[0]).toMatchObject({ field: 'email', code: 'PATTERN_MISMATCH' });
      expect(all[1]!.processingError).toBe('boom 2');
      expect(all[0]!.raw).toEqual(records[1]!.raw);
      const page = await store.listFailedRecords(jobId, { afterIndex: 1, limit: 1 });
      expect(page.map((r) => r.index)).toEqual([2]);
      expect(await store.listFailedRecords(jobId, { afterIndex: 6 })).toEqual([]);
    });

    it('refuses a bad page with InvalidOptionError naming the field', async (context) => {
      const store = listingStore(currentStore(), context);
      await expect(store.listBatches('j', { limit: 0 })).rejects.toThrow(InvalidOptionError);
      await expect(store.listBatches('j', { limit: 0 })).rejects.toThrow(/page\.limit/);
      await expect(store.listFailedRecords('j', { afterIndex: 1.5 })).rejects.toThrow(
        /page\.afterIndex/,
      );
    });
  });
}
