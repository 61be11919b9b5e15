import { randomUUID } from 'node:crypto';
import { describe, expect, it, type TestContext } from 'vitest';
import { InvalidOptionError } from '../errors/invalid-option-error';
import { BatchStatus } from '../model/batch';
import { JobStatus } from '../model/job';
import type {
  DistributedStateStore,
  JobListEntry,
  JobListFilter,
} from '../ports/distributed-state-store';
import { makeJobState, prepareJob } from './fixtures';

type ListingStore = DistributedStateStore & Required<Pick<DistributedStateStore, 'listJobs'>>;

/** The store under test, or the test is reported skipped (never passed) when it has no `listJobs`. */
function listingStore(store: DistributedStateStore, context: TestContext): ListingStore {
  if (typeof store.listJobs !== 'function') context.skip('the store has no listJobs');
  return store as ListingStore;
}

/** Saves the job again with `startedAt` (and status) of the test's choosing. */
async function restamp(
  store: DistributedStateStore,
  jobId: string,
  startedAt: number | undefined,
  status: JobStatus = JobStatus.PROCESSING,
): Promise<void> {
  const job = await store.getJobState(jobId);
  if (!job) throw new Error(`job ${jobId} vanished`);
  const { startedAt: _dropped, ...rest } = makeJobState(
    jobId,
    status,
    job.batches,
    job.totalRecords,
  );
  await store.saveJobState(startedAt === undefined ? rest : { ...rest, startedAt });
}

/**
 * The `listJobs` part of the conformance suite, registered inside
 * `describeDistributedStateStore` with the store of the running test.
 */
export function describeListJobs(currentStore: () => DistributedStateStore): void {
  describe('listJobs (optional)', () => {
    it('lists nothing in an empty store', async (context) => {
      const store = listingStore(currentStore(), context);
      expect(await store.listJobs()).toEqual([]);
    });

    it('lists every job newest first, with its status and counts from the batches', async (context) => {
      const store = listingStore(currentStore(), context);
      const older = await prepareJob(store, 4, 5);
      const newer = await prepareJob(store, 2, 3);
      const unstarted = await prepareJob(store, 1, 1);
      await restamp(store, older.jobId, 1_000_000);
      await restamp(store, newer.jobId, 2_000_000, JobStatus.PAUSED);
      await restamp(store, unstarted.jobId, undefined, JobStatus.CREATED);
      const first = await store.claimBatch(older.jobId, 'w1');
      const second = await store.claimBatch(older.jobId, 'w2');
      await store.claimBatch(older.jobId, 'w3');
      if (!first.claimed || !second.claimed) throw new Error('expected two claims');
      await store.updateBatchState(older.jobId, first.reservation.batchId, {
        batchId: first.reservation.batchId,
        status: BatchStatus.COMPLETED,
        processedCount: 4,
        failedCount: 1,
      });
      await store.updateBatchState(older.jobId, second.reservation.batchId, {
        batchId: second.reservation.batchId,
        status: BatchStatus.FAILED,
        processedCount: 2,
        failedCount: 3,
      });

      const listed = await store.listJobs();
      expect(listed.map((entry) => entry.jobId)).toEqual([
        newer.jobId,
        older.jobId,
        unstarted.jobId,
      ]);
      // `createdAt` (optional, the store's clock) has its own test below.
      const { createdAt: _created, ...olderEntry } = listed[1] as JobListEntry;
      expect(olderEntry).toEqual<JobListEntry>({
        jobId: older.jobId,
        status: JobStatus.PROCESSING,
        totalRecords: 20,
        processedRecords: 6,
        failedRecords: 4,
        totalBatches: 4,
        pendingBatches: 1,
        processingBatches: 1,
        completedBatches: 1,
        failedBatches: 1,
        startedAt: 1_000_000,
      });
      expect(listed[0]).toMatchObject({
        status: JobStatus.PAUSED,
        totalRecords: 6,
        processedRecords: 0,
        totalBatches: 2,
        pendingBatches: 2,
        startedAt: 2_000_000,
      });
      expect(listed[2]).toMatchObject({ status: JobStatus.CREATED, totalBatches: 1 });
      expect(listed[2]).not.toHaveProperty('startedAt');
    });

    it('reports createdAt (stores that record it) as when the job was first saved, kept by later saves', async (context) => {
      const store = listingStore(currentStore(), context);
      const before = Date.now();
      const { jobId } = await prepareJob(store, 1, 1);
      const after = Date.now();
      const first = (await store.listJobs()).find((entry) => entry.jobId === jobId);
      if (first?.createdAt === undefined) context.skip('the store does not record createdAt');
      const createdAt = first?.createdAt as number;
      // The store's clock (a database server's) may differ from this process's by a little.
      expect(createdAt).toBeGreaterThanOrEqual(before - 1000);
      expect(createdAt).toBeLessThanOrEqual(after + 1000);
      await restamp(store, jobId, 5_000_000);
      const again = (await store.listJobs()).find((entry) => entry.jobId === jobId);
      expect(again).toMatchObject({ createdAt, startedAt: 5_000_000 });
      if (store.getJobDetails) {
        expect((await store.getJobDetails(jobId))?.createdAt).toBe(createdAt);
      }
    });

    it('keeps the jobs whose status is listed, and at most limit of them', async (context) => {
      const store = listingStore(currentStore(), context);
      const jobs = [];
      for (const [i, status] of [
        JobStatus.PROCESSING,
        JobStatus.FAILED,
        JobStatus.ABORTED,
        JobStatus.FAILED,
      ].entries()) {
        const job = await prepareJob(store, 1, 1);
        await restamp(store, job.jobId, 1_000 * (i + 1), status);
        jobs.push(job.jobId);
      }
      const ids = async (filter: JobListFilter) =>
        (await store.listJobs(filter)).map((entry) => entry.jobId);
      expect(await ids({ statuses: [JobStatus.FAILED] })).toEqual([jobs[3], jobs[1]]);
      expect(await ids({ statuses: [JobStatus.FAILED, JobStatus.ABORTED] })).toEqual([
        jobs[3],
        jobs[2],
        jobs[1],
      ]);
      expect(await ids({ statuses: [JobStatus.COMPLETED] })).toEqual([]);
      expect(await ids({ statuses: [] })).toHaveLength(4);
      expect(await ids({ limit: 2 })).toEqual([jobs[3], jobs[2]]);
      expect(await ids({ statuses: [JobStatus.FAILED, JobStatus.PROCESSING], limit: 2 })).toEqual([
        jobs[3],
        jobs[1],
      ]);
    });

    it('keeps the source name a job was saved with, lists it, and searches id or name (optional)', async (context) => {
      const store = listingStore(currentStore(), context);
      const tag = randomUUID().slice(0, 8);
      const named = `job-${tag}-a_1`;
      const plain = `job-${tag}-b`;
      const other = `job-${tag}-c`;
      const save = (id: string, sourceName?: string) =>
        store.saveJobState({
          ...makeJobState(id, JobStatus.PROCESSING, [], 0),
          ...(sourceName === undefined ? {} : { sourceName }),
        });
      await save(named, 'Orders-2026 (final).CSV');
      await save(plain);
      await save(other, 'customers.csv');
      // A later save without a name keeps it (prepare saves the job more than once).
      await save(named);
      const byId = new Map((await store.listJobs()).map((entry) => [entry.jobId, entry]));
      if (byId.get(named)?.sourceName === undefined) {
        context.skip('the store does not record source names');
      }
      expect(byId.get(named)?.sourceName).toBe('Orders-2026 (final).CSV');
      expect(byId.get(plain)).not.toHaveProperty('sourceName');
      expect((await store.getJobState(named))?.sourceName).toBe('Orders-2026 (final).CSV');
      expect(await store.getJobState(plain)).not.toHaveProperty('sourceName');

      const found = async (search: string, limit?: number) =>
        (await store.listJobs({ search, ...(limit === undefined ? {} : { limit }) }))
          .map((entry) => entry.jobId)
          .sort();
      // By name, any case; by part of the id; `_` and `%` are plain characters.
      expect(await found('orders-2026 (FINAL)')).toEqual([named]);
      expect(await found('.csv')).toEqual([named, other].sort());
      expect(await found(`${tag}-b`)).toEqual([plain]);
      expect(await found(`${tag}-`)).toEqual([named, plain, other].sort());
      expect(await found('a_1')).toEqual([named]);
      expect(await found(`${tag}_`)).toEqual([]);
      expect(await found('%')).toEqual([]);
      expect(await found('')).toEqual([named, plain, other].sort());
      expect(await found(`${tag}-`, 2)).toHaveLength(2);
      expect(
        await store.listJobs({ search: 'customers', statuses: [JobStatus.COMPLETED] }),
      ).toEqual([]);
    });

    it('rejects a bad filter with InvalidOptionError naming the field', async (context) => {
      const store = listingStore(currentStore(), context);
      const bad: [unknown, string][] = [
        [{ limit: 0 }, 'filter.limit'],
        [{ limit: 1.5 }, 'filter.limit'],
        [{ limit: null }, 'filter.limit'],
        [{ statuses: ['DONE'] }, 'filter.statuses'],
        [{ statuses: 'FAILED' }, 'filter.statuses'],
        [{ statuses: null }, 'filter.statuses'],
        [{ search: 42 }, 'filter.search'],
        [{ search: 'x'.repeat(1001) }, 'filter.search'],
        [null, 'filter'],
      ];
      for (const [filter, option] of bad) {
        const error: unknown = await store.listJobs(filter as JobListFilter).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, JSON.stringify(filter)).toBeInstanceOf(InvalidOptionError);
        expect((error as InvalidOptionError).option).toBe(option);
      }
    });
  });
}
